/**
 * The Powertools service name, EMF namespace and metric names: declared once, emitted by the
 * functions (telemetry.ts) and alarmed on by the stack (lib/constructs/otp-alarms.ts).
 */
export const SERVICE_NAME = 'otp-login';
export const METRICS_NAMESPACE = 'OtpLogin';

/** Counts with the dimension `service`. */
export const METRIC = {
  sent: 'OtpSent',
  verified: 'OtpVerified',
  failed: 'OtpFailed',
  locked: 'OtpLocked',
  rateLimited: 'RateLimited',
  /** A send refused because its country's hourly budget is spent; also counted with the dimension `country`. */
  countryBudgetSpent: 'CountryBudgetSpent',
  smsFailed: 'SmsFailed',
  refreshed: 'TokenRefreshed',
  refreshReuse: 'RefreshTokenReuse',
  signedOutEverywhere: 'SignedOutEverywhere',
  accountDeleted: 'AccountDeleted',
  phoneNumberChanged: 'PhoneNumberChanged',
  /** The SMS that tells a number its account moved away, sent after a completed number change. */
  numberChangedNoticeSent: 'NumberChangedNoticeSent',
  /** That SMS failed (the move is done regardless): the old number's owner was not told. */
  numberChangedNoticeFailed: 'NumberChangedNoticeFailed',
  /** An account route refused for want of a recent login: a stolen token tried, or an app that must log in again. */
  recentLoginRequired: 'RecentLoginRequired',
  /** Families of a deleted or moved account left for TTL because deleting them failed (already ended). */
  sessionCleanupFailed: 'SessionCleanupFailed',
  /** A deleted account's passkey item left behind because deleting it failed: it signs nobody in, but nothing expires it. */
  passkeyCleanupFailed: 'PasskeyCleanupFailed',
  passkeySignIn: 'PasskeySignIns',
  /** A passkey sign-in refused (`invalid_passkey`), whatever the reason; the log says which. */
  passkeySignInRefused: 'PasskeySignInsRefused',
  /**
   * An assertion whose signature counter did not move past the stored one, for a credential that keeps
   * a counter: a cloned authenticator, or a replay of an old assertion. Refused; worth an alarm.
   */
  passkeyCounterRegressed: 'PasskeyCounterRegressed',
  passkeyAdded: 'PasskeysAdded',
  passkeyRemoved: 'PasskeysRemoved',
  /**
   * The claims hook failed (threw, timed out, answered badly, a reserved name, too many bytes): the
   * request got 503 and nothing was issued. Worth an alarm: every login and refresh fails with it.
   */
  claimsHookFailed: 'ClaimsHookFailed',
} as const;

/** The dimension that names the destination country (`IN`, or `+800` for a non-geographic plan). */
export const COUNTRY_DIMENSION = 'country';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
