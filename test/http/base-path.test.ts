import { describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult } from '../../lambdas/http/api-event.js';
import { payloadV2Event } from '../../lambdas/http/api-event.js';
import { basePathOf, mountedAt } from '../../lambdas/http/base-path.js';

describe('basePathOf', () => {
  it.each([
    ['https://auth.example.com', ''],
    ['https://auth.example.com/', ''],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', ''],
    ['https://auth.example.com/login', '/login'],
    ['https://auth.example.com/login/', '/login'],
  ])('of %s is %j', (issuer, basePath) => {
    expect(basePathOf(issuer)).toBe(basePath);
  });
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
