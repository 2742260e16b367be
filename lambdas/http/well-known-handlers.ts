import { AuthError } from '../core/errors.js';
import type { PublicJwksSource } from '../core/ports.js';
import { SIGNING_ALG } from '../core/signing-keys.js';
import { type ApiHandler, json } from './api-event.js';
import { handleApi } from './handle.js';
import { canonicalPath, JWKS_PATH, matchRoute } from './routes.js';
import type { Telemetry } from './telemetry.js';

// Verifiers may cache for a while; rotation publishes a key long before it signs (see docs/security.md).
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300' };

/** `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`. */
export function makeWellKnownHandler(
  deps: { jwks: PublicJwksSource; issuer: string },
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    if (canonicalPath(event.rawPath) === JWKS_PATH) {
      return json(200, { keys: await deps.jwks.load() }, PUBLIC_CACHE);
    }
    return json(
      200,
      {
        issuer: deps.issuer,
        jwks_uri: `${deps.issuer}${JWKS_PATH}`,
        token_endpoint: `${deps.issuer}/verify-otp`,
        userinfo_endpoint: `${deps.issuer}/me`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [SIGNING_ALG],
        token_endpoint_auth_methods_supported: ['none'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'jti', 'phone_number', 'token_use'],
      },
      PUBLIC_CACHE,
    );
  });
}

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
    const result = await handle(event);
    if (result.statusCode !== 405) return result;
    return { ...result, headers: { ...result.headers, allow: allowedMethods(event.rawPath) } };
  };
}

function allowedMethods(path: string): string {
  return ['GET', 'POST'].filter((m) => typeof matchRoute(m, path) === 'object').join(', ');
}
