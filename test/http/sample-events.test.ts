import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { createTestApp, invoke } from '../helpers/test-app.js';

const sample = (name: string) => JSON.parse(readFileSync(`events/${name}`, 'utf8')) as ApiEvent;

describe('events/ samples for sam local', () => {
  it('are payload-v2 events the handlers accept', async () => {
    const app = await createTestApp();

    expect((await invoke(app.handlers['send-otp'], sample('send-otp.json'))).status).toBe(200);
    const verify = sample('verify-otp.json');
    const code = app.sms.lastCodeFor('+919876543210');
    const verified = await invoke(app.handlers['verify-otp'], {
      ...verify,
      body: verify.body?.replace('123456', code),
    });
    expect(verified.status).toBe(200);
    for (const name of ['refresh-token.json', 'logout.json']) {
      const event = sample(name);
      const withToken = {
        ...event,
        body: event.body?.replace('<refresh token from verify-otp>', String(verified.body.refresh)),
      };
      expect(
        (await invoke(name === 'logout.json' ? app.handlers.logout : app.handlers['refresh-token'], withToken)).status,
      ).toBeLessThan(300);
    }
  });
});
