import { AuthError } from '../core/errors.js';
import { type ApiEvent, type ApiHandler, varyOnOrigin } from './api-event.js';
import { handleApi } from './handle.js';
import { canonicalPath, matchRoute } from './routes.js';
import type { Telemetry } from './telemetry.js';

/**
 * The HTTP API `$default` route: JSON 404 for unknown paths, 405 with `Allow` for known paths. A
 * trailing-slash spelling of a known route that reaches it (API Gateway may not fold `/send-otp/` into
 * `/send-otp`) is redirected with 308, which keeps the method and body; the relative `Location` also
 * works behind a custom domain's base path.
 */
export function makeNotFoundHandler(telemetry: Telemetry): ApiHandler {
  const handle = handleApi(telemetry, async (event) => {
    const path = event.rawPath;
    const route = matchRoute(event.requestContext.http.method, path);
    const canonical = canonicalPath(path);
    if (typeof route === 'object' && canonical !== path) {
      // One `../` per trailing slash climbs back to the route's parent, then its last segment.
      const up = '../'.repeat(path.length - canonical.length);
      const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
      const target = `${up}${canonical.split('/').at(-1) ?? ''}${query}`;
      return { statusCode: 308, headers: { location: target, 'cache-control': 'no-store' } };
    }
    throw new AuthError('not_found');
  });
  return async (event) => {
    // API Gateway routes every unmatched request to `$default`, OPTIONS included, even with CORS
    // configured; a preflight answered 405 would fail in the browser. A 2xx here is what API Gateway
    // decorates with the configured CORS headers (it ignores any the integration sets).
    if (isCorsPreflight(event)) return varyOnOrigin({ statusCode: 204, headers: { 'cache-control': 'no-store' } });
    return handle(event);
  };
}

function isCorsPreflight(event: ApiEvent): boolean {
  return (
    event.requestContext.http.method === 'OPTIONS' &&
    event.headers?.origin !== undefined &&
    event.headers['access-control-request-method'] !== undefined
  );
}
