/** The alarms' thresholds: a module of its own, as the package's public types name it. */
export interface OtpAlarmThresholds {
  /**
   * SMS sends that failed within 5 minutes: the provider is down, or the account hit its SMS spend limit.
   * @default 5
   */
  readonly smsFailedPer5Minutes?: number;
  /**
   * Codes sent within an hour. Far above normal login volume, sends are someone pumping SMS to
   * premium-rate numbers on our bill. Set it to a few times the busiest legitimate hour.
   * @default - the default of `SMS_VOLUME_ALARM_PER_HOUR`: 500
   */
  readonly otpSentPerHour?: number;
  /**
   * Share of sends in an hour that end in a verified login. Pumped codes are never entered, so a low
   * share at volume is the signature of SMS pumping even below `otpSentPerHour`.
   * @default 0.2
   */
  readonly minVerifiedShare?: number;
  /**
   * Sends within the hour before the verified share is judged; at low volume one abandoned login
   * moves it too much.
   * @default 50
   */
  readonly minSendsToJudgeShare?: number;
  /**
   * 5xx answers from the API within 5 minutes (function errors, timeouts, throttled integrations).
   * @default 5
   */
  readonly api5xxPer5Minutes?: number;
  /**
   * Spent refresh tokens presented within 5 minutes. Each one revoked a session: the one sign of a
   * stolen refresh token (or of a client that replays old tokens, which a grace window would excuse).
   * @default 1
   */
  readonly refreshTokenReusePer5Minutes?: number;
  /**
   * Claims-hook failures within 5 minutes (only with `claims`): each one was a login, number change
   * or refresh answered 503. A few are a slow moment of the hook; more, and nobody can log in.
   * @default 5
   */
  readonly claimsHookFailedPer5Minutes?: number;
}
