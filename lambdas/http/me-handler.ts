import { type AccountSubject, currentAccount } from '../core/account.js';
import type { Clock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { NumberHolders } from '../core/ports.js';
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

/**
 * The user an authorized route acts for. The signature was checked by the authorizer; here only the
 * token's kind is: only access tokens may call APIs, whatever else a future issuer signs.
 */
export function accountSubject(event: ApiEvent): AccountSubject {
  const claims = authorizerClaims(event);
  if (!claims || !isAccessClaims(claims)) throw new AuthError('invalid_token');
  // Tokens from before the claim existed carry none: epoch 0, which ends with the first sign-out.
  const sessionEpoch = Number(claims.session_epoch ?? 0);
  if (!Number.isSafeInteger(sessionEpoch) || sessionEpoch < 0) throw new AuthError('invalid_token');
  return { userId: claims.sub, phoneNumber: claims.phone_number, sessionEpoch, authTime: authTimeOf(claims.auth_time) };
}

/**
 * The `auth_time` claim as epoch seconds, or undefined: API Gateway passes every claim as a string
 * (`"1767225600"`), tests and the local server may pass the number. Anything else (absent, a
 * fraction, an exponent, a sign, blanks, an array) is no login time at all, so the recent-login
 * routes refuse it as not recent, while the routes that do not ask for one still serve the token.
 */
export function authTimeOf(claim: unknown): number | undefined {
  const text = typeof claim === 'number' ? String(claim) : claim;
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** `GET /me`: the token's user, if it still exists and holds the token's number (one read). */
export function makeMeHandler(
  deps: { readonly holders: NumberHolders; readonly clock: Clock },
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const subject = accountSubject(event);
    const user = await currentAccount(deps, subject);
    return json(200, { sub: user.userId, phone_number: subject.phoneNumber, phone_number_verified: true });
  });
}
