import { type LogoutEverywhereDeps, logout, logoutEverywhere } from '../core/sessions.js';
import { type ApiHandler, noContent, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { LogoutBody, parseBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /logout`: revokes the refresh token's family; with `all: true`, every session of its user. */
export function makeLogoutHandler(deps: LogoutEverywhereDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const body = parseBody(LogoutBody, readJsonObject(event));
    if (body.all === true) {
      const { userId } = await logoutEverywhere(deps, body.refresh);
      telemetry.count(METRIC.signedOutEverywhere);
      telemetry.logger.info('signed out everywhere', { sub: userId });
    } else {
      await logout(deps, body.refresh);
    }
    return noContent();
  });
}
