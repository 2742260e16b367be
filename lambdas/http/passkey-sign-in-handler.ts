import * as v from 'valibot';
import { isAuthError } from '../core/errors.js';
import {
  COUNTER_REGRESSED,
  type PasskeyOptionsDeps,
  type PasskeySignInDeps,
  passkeyOptions,
  passkeySignIn,
} from '../core/passkey-sign-in.js';
import { type ApiHandler, json, readJsonObject, sourceIp } from './api-event.js';
import { handleApi } from './handle.js';
import { canonicalPath } from './routes.js';
import { parseBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

export const PASSKEY_OPTIONS_PATH = '/passkey/options';
export const PASSKEY_VERIFY_PATH = '/passkey/verify';

// Kept with their handler rather than in schemas.ts: only these two routes read them.
/** `POST /passkey/options` takes `{}` (any members are ignored, as other routes ignore unknown ones). */
const PasskeyOptionsBody = v.object({});

/**
 * `AuthenticationResponseJSON` (WebAuthn Level 3), shape only: strings where the library expects
 * them, so a wrong type is a 400 with nothing stored or counted. Whether the strings mean anything is
 * the ceremony's business (401 `invalid_passkey`). The user handle may be absent (then 401: without
 * it the passkey's user is unknown) or null, as some browsers' `toJSON()` write it.
 */
const PasskeyVerifyBody = v.object({
  credential: v.object({
    id: v.pipe(v.string(), v.minLength(1)),
    rawId: v.string(),
    type: v.string(),
    response: v.object({
      clientDataJSON: v.string(),
      authenticatorData: v.string(),
      signature: v.string(),
      userHandle: v.nullish(v.string()),
    }),
    clientExtensionResults: v.optional(v.record(v.string(), v.unknown())),
    authenticatorAttachment: v.nullish(v.string()),
  }),
});

/** `POST /passkey/options` and `POST /passkey/verify`: the public passkey sign-in. */
export function makePasskeySignInHandler(
  deps: PasskeyOptionsDeps & PasskeySignInDeps,
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    if (canonicalPath(event.rawPath) === PASSKEY_OPTIONS_PATH) {
      parseBody(PasskeyOptionsBody, readJsonObject(event));
      return json(200, await passkeyOptions(deps, { sourceIp: sourceIp(event) }));
    }
    const body = parseBody(PasskeyVerifyBody, readJsonObject(event));
    const result = await passkeySignIn(deps, { assertion: body.credential, sourceIp: sourceIp(event) }).catch(
      (error: unknown) => {
        // Refused like any failed sign-in, and counted apart: a cloned authenticator or a replayed old assertion.
        if (isAuthError(error) && error.detail === COUNTER_REGRESSED) telemetry.count(METRIC.passkeyCounterRegressed);
        throw error;
      },
    );
    telemetry.count(METRIC.passkeySignIn);
    telemetry.logger.info('passkey sign-in', {
      sub: result.userId,
      // A prefix: enough to tell a user's passkeys apart in the logs, never the whole id.
      credential: result.credentialId.slice(0, 8),
      amr: result.amr.join(' '),
    });
    return json(200, result.tokens);
  });
}
