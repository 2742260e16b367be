import { AuthError } from '../core/errors.js';
import { REFRESH_TOKEN_REUSE, type RefreshDeps, refreshTokens } from '../core/sessions.js';
import { type ApiHandler, json, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { parseBody, RefreshBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /token/refresh`: rotates the refresh token; a replayed spent token revokes its family. */
export function makeRefreshTokenHandler(deps: RefreshDeps, telemetry: Telemetry): ApiHandler {
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
