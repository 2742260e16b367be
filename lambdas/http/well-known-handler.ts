import type { PublicJwksSource } from '../core/ports.js';
import { SIGNING_ALG } from '../core/signing-keys.js';
import { type ApiHandler, json } from './api-event.js';
import { handleApi } from './handle.js';
import { OPENAPI_JSON } from './openapi-document.generated.js';
import { canonicalPath, JWKS_PATH } from './routes.js';
import type { Telemetry } from './telemetry.js';

// Verifiers may cache for a while; rotation publishes a key long before it signs (see docs/security.md).
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300' };
const OPENAPI_PATH = '/openapi.json';

/** `GET /.well-known/jwks.json`, `GET /.well-known/openid-configuration` and `GET /openapi.json`. */
export function makeWellKnownHandler(
  deps: { jwks: PublicJwksSource; issuer: string },
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const path = canonicalPath(event.rawPath);
    // docs/openapi.yaml as generated JSON text, served as it is: never parsed, so it costs the cold start nothing.
    if (path === OPENAPI_PATH) return { ...json(200, null, PUBLIC_CACHE), body: OPENAPI_JSON };
    if (path === JWKS_PATH) {
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
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'jti', 'auth_time', 'amr', 'phone_number', 'token_use'],
      },
      PUBLIC_CACHE,
    );
  });
}
