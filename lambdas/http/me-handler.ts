import { AuthError } from '../core/errors.js';
import { isAccessClaims } from '../core/tokens.js';
import { type ApiEvent, type ApiHandler, json } from './api-event.js';
import { handleApi } from './handle.js';
import type { Telemetry } from './telemetry.js';

/** The claims API Gateway's JWT authorizer (or the local server) verified for this request. */
export function authorizerClaims(event: ApiEvent): Record<string, unknown> | undefined {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    .authorizer;
  return authorizer?.jwt?.claims;
}

/** `GET /me`: the signature was checked by the authorizer; here only the token's kind is. */
export function makeMeHandler(telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const claims = authorizerClaims(event);
    // Only access tokens may call APIs, whatever else a future issuer signs.
    if (!claims || !isAccessClaims(claims)) throw new AuthError('invalid_token');
    return json(200, { sub: claims.sub, phone_number: claims.phone_number, phone_number_verified: true });
  });
}
