import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { makeNotFoundHandler } from '../../lambdas/http/not-found-handler.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { apiEvent, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

// The HTTP API `$default` route: whatever no route of the API matched.
const fallback = () => makeNotFoundHandler(recordingTelemetry().telemetry);

describe('the $default route', () => {
  it('answers an unknown path 404 not_found, without an Allow header', async () => {
    const response = await invoke(fallback(), apiEvent('GET', '/nowhere'));

    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
    expect(response.headers).not.toHaveProperty('allow');
  });

  it('answers a known route that reached it spelled exactly with 404, never a redirect to itself', async () => {
    const response = await invoke(fallback(), apiEvent('POST', '/send-otp', {}));

    expect(response.status).toBe(404);
    expect(response.headers).not.toHaveProperty('location');
  });

  it('answers a wrong method 405 with the methods the path allows, trailing slash or not', async () => {
    const me = await invoke(fallback(), apiEvent('POST', '/me', {}));
    const send = await invoke(fallback(), apiEvent('GET', '/send-otp/'));

    expect(me.status).toBe(405);
    expect(me.body.code).toBe('method_not_allowed');
    expect(me.headers.allow).toBe('GET, DELETE');
    expect(send.status).toBe(405);
    expect(send.headers.allow).toBe('POST');
    expect(send.headers).not.toHaveProperty('location');
  });

  it('redirects a trailing-slash spelling with 308, uncached, to a relative location', async () => {
    const response = await fallback()(apiEvent('POST', '/verify-otp/', {}));

    expect(response).toEqual({
      statusCode: 308,
      headers: { location: '../verify-otp', 'cache-control': 'no-store', vary: 'origin' },
    });
  });

  it('answers a CORS preflight 204, uncached, for any path', async () => {
    const headers = { origin: 'https://app.example.com', 'access-control-request-method': 'POST' };

    const response = await fallback()(apiEvent('OPTIONS', '/anything', undefined, { headers }));

    expect(response).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store', vary: 'origin' } });
  });

  it('takes only an OPTIONS for a preflight, whatever headers another method carries', async () => {
    const headers = { origin: 'https://app.example.com', 'access-control-request-method': 'POST' };

    const response = await invoke(fallback(), apiEvent('GET', '/nowhere', undefined, { headers }));

    expect(response.status).toBe(404);
  });

  it('answers an OPTIONS without any headers as a wrong method, not as a preflight', async () => {
    const { headers: _none, ...event } = apiEvent('OPTIONS', '/send-otp');

    const response = await invoke(fallback(), event as ApiEvent);

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  // Derived from the route table, so a route added to a path cannot be left out of its Allow.
  const PATHS = [...new Set(ROUTES.map((r) => r.path))];
  const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  // A path is also a parameter route's when it fills its parameters: `/me/passkeys/options` is a
  // passkey id to `DELETE /me/passkeys/{id}`, as API Gateway routes it.
  const fills = (routePath: string, path: string) => {
    const [expected, actual] = [routePath.split('/'), path.split('/')];
    return (
      expected.length === actual.length &&
      expected.every((segment, i) => /^\{\w+\}$/.test(segment) || segment === actual[i])
    );
  };
  it.each(
    PATHS.flatMap((path) => {
      const allowed = [...new Set(ROUTES.filter((r) => r.path === path || fills(r.path, path)).map((r) => r.method))];
      return METHODS.filter((m) => !allowed.includes(m as never)).map((method) => ({ path, method, allowed }));
    }),
  )('answers $method $path 405 with every method of the path in Allow', async ({ path, method, allowed }) => {
    const response = await invoke(fallback(), apiEvent(method, path, {}));

    expect(response.status).toBe(405);
    expect(response.body.code).toBe('method_not_allowed');
    expect(response.headers.allow?.split(', ').sort()).toEqual([...allowed].sort());
  });

  it('names the methods of the slash-free path for a trailing-slash spelling the table does not declare', async () => {
    const response = await invoke(fallback(), apiEvent('PUT', '/me//', {}));

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, DELETE');
  });

  it('has a path with two methods in the table, so the test above checks a list, not one method', () => {
    expect(PATHS.some((path) => ROUTES.filter((r) => r.path === path).length > 1)).toBe(true);
  });
});
