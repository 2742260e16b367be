// The types of the construct's `claims` function, for the team that writes it: like the settings'
// types, this file imports no module, so the package's declarations name nothing it does not ship.

/**
 * The event your `claims` function is invoked with (`CLAIMS_HOOK`'s default export is called with the
 * same object): the session an access token is about to be issued for, and why.
 */
export interface OtpLoginClaimsHookEvent {
  /** The user's stable id: the token's `sub`. */
  readonly sub: string;
  /** E.164: the token's `phone_number` (the new number, for a number change). */
  readonly phone_number: string;
  /** ISO 3166-1 alpha-2 region of the number; null for a number of no country (+800, +881, ...). */
  readonly country: string | null;
  /** How the session's login was proved (RFC 8176): `["sms"]`, or a passkey's `["hwk"]` / `["hwk", "user"]`. */
  readonly amr: readonly ('sms' | 'hwk' | 'user')[];
  /** Epoch seconds of that login; a refresh keeps it. */
  readonly auth_time: number;
  /** `login` (SMS code or passkey), `number_change`, or `refresh`. */
  readonly event: 'login' | 'number_change' | 'refresh';
}

/**
 * What your `claims` function answers: the extra claims of the access token, none of the reserved
 * ones (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `token_use`, `phone_number`,
 * `session_epoch`, `auth_time`, `amr`, `kid`), at most 2048 bytes as JSON. No other member.
 */
export interface OtpLoginClaimsHookResult {
  readonly claims?: Readonly<Record<string, unknown>>;
}
