import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/registry.js';
import { apiEvent, createTestApp, invoke, type TestApp } from '../helpers/test-app.js';

// API Gateway adds Access-Control-Allow-Origin to the answers for allowed origins only, and the JWKS
// and /openapi.json are `public, max-age=300`: every answer must tell a shared cache that it varies
// with Origin, or the allowed app may be handed a copy made for another origin (or none).
const OTHER_ORIGIN = { origin: 'https://evil.example.com' };

/** Every route of the table, and the `$default` route on a path no route names. */
const REQUESTS: readonly { fn: FunctionName; method: string; path: string }[] = [
  ...ROUTES.map(({ fn, method, path }) => ({ fn, method, path })),
  { fn: 'not-found', method: 'GET', path: '/nowhere' },
  { fn: 'not-found', method: 'POST', path: '/send-otp/' },
];

describe('Vary: Origin', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });

  it('covers a request to every function of the registry', () => {
    expect(new Set(REQUESTS.map((r) => r.fn))).toEqual(new Set(FUNCTION_NAMES));
  });

  it.each(
    REQUESTS.flatMap((r) => [
      { ...r, from: 'a disallowed origin', headers: OTHER_ORIGIN },
      { ...r, from: 'no Origin header', headers: {} },
    ]),
  )('is on the answer of $fn to $method $path from $from', async ({ fn, method, path, headers }) => {
    const response = await invoke(app.handlers[fn], apiEvent(method, path, {}, { headers }));

    // Errors too (the JWKS answers 503 here: no key is published in this table).
    expect(response.headers.vary).toBe('origin');
  });

  it('is on the cacheable answers, /openapi.json and the OpenID configuration, next to their cache lifetime', async () => {
    for (const path of ['/openapi.json', '/.well-known/openid-configuration']) {
      const response = await invoke(app.handlers['well-known'], apiEvent('GET', path, undefined, { headers: {} }));

      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      expect(response.headers.vary).toBe('origin');
    }
  });

  it('is on the answer to a preflight that reaches the $default route', async () => {
    const headers = { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' };

    const response = await app.handlers['not-found'](apiEvent('OPTIONS', '/send-otp', undefined, { headers }));

    expect(response).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store', vary: 'origin' } });
  });
});
