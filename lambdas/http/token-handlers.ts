import { AuthError } from '../core/errors.js';
import { logout, REFRESH_TOKEN_REUSE, refreshTokens, type SessionDeps } from '../core/sessions.js';
import { isAccessClaims } from '../core/tokens.js';
import { type ApiEvent, type ApiHandler, json, noContent, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { parseBody, RefreshBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /token/refresh`: rotates the refresh token; a replayed spent token revokes its family. */
export function makeRefreshTokenHandler(deps: SessionDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const body = parseBody(RefreshBody, readJsonObject(event));
    try {
      const result = await refreshTokens(deps, body.refresh);
      telemetry.count(METRIC.refreshed);
      telemetry.logger.info('tokens refreshed', { sub: result.userId, outcome: result.outcome });
      return json(200, result.tokens);
    } catch (error) {
      if (error instanceof AuthError && error.detail === REFRESH_TOKEN_REUSE) telemetry.count(METRIC.refreshReuse);
      throw error;
    }
  });
}

/** `POST /logout`: revokes the refresh token's family. */
export function makeLogoutHandler(
  deps: Pick<SessionDeps, 'refreshFamilies' | 'clock'>,
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const body = parseBody(RefreshBody, readJsonObject(event));
    await logout(deps, body.refresh);
    return noContent();
  });
}

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
