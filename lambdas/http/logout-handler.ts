import { logout, type SessionDeps } from '../core/sessions.js';
import { type ApiHandler, noContent, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { parseBody, RefreshBody } from './schemas.js';
import type { Telemetry } from './telemetry.js';

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
