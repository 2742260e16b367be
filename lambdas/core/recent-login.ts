import { type Clock, epochSeconds } from './clock.js';
import { AuthError } from './errors.js';

/**
 * What the routes that can take an account away (`DELETE /me`, `POST /me/phone-number` and its
 * verify) need on top of a valid access token: a login at most `RECENT_LOGIN_MAX_AGE_SECONDS` ago.
 * An access token can leak wherever it is sent (the README invites other APIs to accept them), and
 * with it alone a thief could move the account to its own number or delete it for good; a login
 * proves a code sent to the account's number, which the thief does not have. OpenID Connect's
 * `auth_time` and `max_age`, enforced by the server.
 */
export interface RecentLoginDeps {
  readonly clock: Clock;
  readonly recentLoginMaxAgeSeconds: number;
}

/**
 * Refuses with `recent_login_required` (403) unless the token's session started at most the max age
 * ago. Called before anything is read, written, charged or sent. A token without `auth_time`
 * (issued before it existed, or a claim that did not parse) is not recent. An `auth_time` ahead of
 * the clock is accepted: only our signer sets it, never later than the token's `iat`, which the
 * authorizer already refuses in the future; refusing it would only turn clock skew between two
 * functions into a 403 right after a login.
 */
export function assertRecentLogin(deps: RecentLoginDeps, subject: { readonly authTime?: number | undefined }): void {
  const { authTime } = subject;
  if (authTime === undefined) throw new AuthError('recent_login_required', { detail: 'no_auth_time' });
  if (epochSeconds(deps.clock) - authTime > deps.recentLoginMaxAgeSeconds) {
    throw new AuthError('recent_login_required', { detail: 'login_too_old' });
  }
}
