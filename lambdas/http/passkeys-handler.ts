import * as v from 'valibot';
import { AuthError } from '../core/errors.js';
import {
  type EnrolmentDeps,
  enrolPasskey,
  listPasskeys,
  registrationOptions,
  removePasskey,
} from '../core/passkey-enrolment.js';
import { passkeyView } from '../core/passkeys.js';
import { assertRecentLogin, type RecentLoginDeps } from '../core/recent-login.js';
import { type ApiEvent, type ApiHandler, json, noContent, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { accountSubject } from './me-handler.js';
import { canonicalPath, matchRoute } from './routes.js';
import { parseBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/**
 * The top level of a `RegistrationResponseJSON` (WebAuthn Level 3 `toJSON()`): what must be there for
 * it to be one at all (else `invalid_request`). What is inside is the ceremony's to judge
 * (`passkey_rejected`), so the rest passes through as the client sent it.
 */
const RegisterBody = v.object({
  credential: v.looseObject({
    id: v.string(),
    rawId: v.string(),
    type: v.literal('public-key'),
    response: v.looseObject({ clientDataJSON: v.string(), attestationObject: v.string() }),
  }),
  // Any JSON: its rules (a string, 1-64 characters after trimming, no control characters) are the core's.
  name: v.optional(v.unknown()),
});

/** A credential id in a log line: enough to match it with `users -- show`, not the whole id. */
const loggedId = (id: string) => id.slice(0, 8);

/** The `{id}` of `DELETE /me/passkeys/{id}`: the path's last segment, as sent (the core checks its shape). */
function pathId(event: ApiEvent): string {
  return canonicalPath(event.rawPath).split('/').at(-1) ?? '';
}

/**
 * `POST /me/passkeys/options`, `POST /me/passkeys`, `GET /me/passkeys` and `DELETE /me/passkeys/{id}`.
 * The three that add or remove a passkey need a recent login, checked before anything is read: a
 * passkey added with a stolen access token would be a key to the account that outlives the token.
 */
export function makePasskeysHandler(deps: EnrolmentDeps & RecentLoginDeps, telemetry: Telemetry): ApiHandler {
  const { logger } = telemetry;
  return handleApi(telemetry, async (event) => {
    const route = matchRoute(event.requestContext.http.method, event.rawPath);
    // handleApi refused every other outcome already.
    if (typeof route !== 'object') throw new AuthError(route);
    const subject = accountSubject(event);
    const key = `${route.method} ${route.path}`;
    if (key === 'GET /me/passkeys') {
      const passkeys = await listPasskeys(deps, subject);
      return json(200, { passkeys: passkeys.map(passkeyView) });
    }
    assertRecentLogin(deps, subject);
    if (key === 'POST /me/passkeys/options') {
      readJsonObject(event);
      return json(200, await registrationOptions(deps, subject));
    }
    if (key === 'POST /me/passkeys') {
      const body = parseBody(RegisterBody, readJsonObject(event));
      const passkey = await enrolPasskey(deps, subject, { credential: body.credential, name: body.name });
      telemetry.count(METRIC.passkeyAdded);
      logger.info('passkey added', {
        sub: subject.userId,
        credential: loggedId(passkey.id),
        device_type: passkey.deviceType,
        backed_up: passkey.backedUp,
      });
      const { id, name, created_at, backed_up, transports } = passkeyView(passkey);
      return json(201, { id, name, created_at, backed_up, transports });
    }
    // A route of another function, sent here by a misconfigured integration.
    if (key !== 'DELETE /me/passkeys/{id}') throw new AuthError('not_found');
    const id = pathId(event);
    await removePasskey(deps, subject, id);
    telemetry.count(METRIC.passkeyRemoved);
    logger.info('passkey removed', { sub: subject.userId, credential: loggedId(id) });
    return noContent();
  });
}
