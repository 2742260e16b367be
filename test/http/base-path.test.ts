import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.js';
import type { ApiEvent, ApiResult } from '../../lambdas/http/api-event.js';
import { payloadV2Event } from '../../lambdas/http/api-event.js';
import { basePathOf, ISSUER_VARIABLE, mountedAt } from '../../lambdas/http/base-path.js';
import { apiEvent, createTestApp, invoke } from '../helpers/test-app.js';

describe('basePathOf', () => {
  it.each([
    ['https://auth.example.com', ''],
    ['https://auth.example.com/', ''],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', ''],
    ['https://auth.example.com/login', '/login'],
    ['https://auth.example.com/login/', '/login'],
    ['https://auth.example.com/login//', '/login'],
  ])('of %s is %j', (issuer, basePath) => {
    expect(basePathOf(issuer)).toBe(basePath);
  });
});

it('reads the issuer from the variable the settings name it by', () => {
  expect(ISSUER_VARIABLE).toBe(ENV.issuer);
});

describe('mountedAt', () => {
  const seen: string[] = [];
  const echo = async (event: ApiEvent): Promise<ApiResult> => {
    seen.push(event.rawPath);
    return { statusCode: 204 };
  };
  const request = (path: string) => payloadV2Event({ method: 'POST', path, sourceIp: '203.0.113.7', requestId: 'r1' });

  it('hands the handler the path without the base path a custom domain mapping keeps in it', async () => {
    seen.length = 0;
    const handler = mountedAt('/login', echo);
    await handler(request('/login/send-otp'));
    await handler(request('/login/send-otp/'));
    await handler(request('/login'));
    expect(seen).toEqual(['/send-otp', '/send-otp/', '/']);
  });

  it('leaves a path that does not start with the base path as it is, and a longer segment too', async () => {
    seen.length = 0;
    const handler = mountedAt('/login', echo);
    await handler(request('/send-otp'));
    await handler(request('/loginx/send-otp'));
    expect(seen).toEqual(['/send-otp', '/loginx/send-otp']);
  });

  it('is the handler itself at the root', () => {
    expect(mountedAt('', echo)).toBe(echo);
  });
});

describe('a login through a custom domain with a base path (ISSUER https://auth.test/login)', () => {
  it('serves every route under the base path, as API Gateway hands it over, and issues tokens as the base URL', async () => {
    const app = await createTestApp({ ISSUER: 'https://auth.test/login' });
    const phone = '+919876543210';

    const sent = await invoke(app.handlers['send-otp'], apiEvent('POST', '/login/send-otp', { phone_number: phone }));
    expect(sent.status).toBe(200);
    const code = app.sms.lastCodeFor(phone);
    const verified = await invoke(
      app.handlers['verify-otp'],
      apiEvent('POST', '/login/verify-otp', { phone_number: phone, otp: code }),
    );
    expect(verified.status).toBe(200);
    expect(decodeJwt(String(verified.body.access)).iss).toBe('https://auth.test/login');

    const discovery = await invoke(
      app.handlers['well-known'],
      apiEvent('GET', '/login/.well-known/openid-configuration'),
    );
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({
      issuer: 'https://auth.test/login',
      jwks_uri: 'https://auth.test/login/.well-known/jwks.json',
    });
    // The $default function: a trailing slash redirects within the base path; a wrong method names the right one.
    const slash = await invoke(
      app.handlers['not-found'],
      apiEvent('POST', '/login/send-otp/', { phone_number: phone }),
    );
    expect([slash.status, slash.headers.location]).toEqual([308, '../send-otp']);
    const wrongMethod = await invoke(app.handlers['not-found'], apiEvent('GET', '/login/send-otp'));
    expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);
  });
});
