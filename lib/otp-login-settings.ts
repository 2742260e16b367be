// The construct's public types: the package's declarations name nothing but aws-cdk-lib and
// constructs (scripts/build-package.ts checks it), so this file imports no module. The mapping of
// each prop to its variable, and the checks, are lib/settings-from-props.ts.

/** libphonenumber's number types, by the names `ALLOWED_NUMBER_TYPES` takes (lambdas/core/phone-types.ts). */
export type OtpLoginPhoneNumberType =
  | 'MOBILE'
  | 'FIXED_LINE_OR_MOBILE'
  | 'FIXED_LINE'
  | 'PREMIUM_RATE'
  | 'TOLL_FREE'
  | 'SHARED_COST'
  | 'VOIP'
  | 'PERSONAL_NUMBER'
  | 'PAGER'
  | 'UAN'
  | 'VOICEMAIL';

/** The SMS providers `SMS_PROVIDER` takes (lambdas/config.ts). */
export type OtpLoginSmsProvider = 'sns' | 'end-user-messaging';

/**
 * Every deploy-time setting of the service (the README's settings table) as a typed prop, grouped by
 * what it governs. Each prop sets the environment variable its TSDoc names, and is checked at synth by
 * the parsers the functions run at start, so a bad value fails `cdk synth` with the message
 * `npm start` prints for that variable. An unset prop takes the variable's default; so does a blank string, as a
 * blank variable does.
 */
export interface OtpLoginSettings {
  /**
   * `AUDIENCE`: the tokens' `aud`, which every API that trusts them checks.
   * @default 'otp-login'
   */
  readonly audience?: string;
  /**
   * `ALLOWED_ORIGINS`: the exact origins (`https://app.example.com`: scheme, lower-case host, port
   * only when not the default, no path or trailing slash) whose browser apps may call the API, as
   * CORS in API Gateway and in `npm start`; `['*']` allows any origin (refused in production).
   * Browsers send the origin serialized and API Gateway compares it byte for byte, so any other
   * spelling would never match and is refused.
   * @default - none: no browser app may call the API
   */
  readonly allowedOrigins?: readonly string[];
  /** Codes: their lifetime, wrong-code lockout, who may get one, and what the SMS carries for autofill. */
  readonly otp?: OtpSettings;
  /** How many codes may be sent, per number, per client IP and per destination country. */
  readonly sendLimits?: SendLimitSettings;
  /** Which AWS service sends the SMS, from which identity, at what price, with which text. */
  readonly sms?: SmsSettings;
  /** Lifetimes of access and refresh tokens, and how recent a login the account routes need. */
  readonly tokens?: TokenSettings;
  /** Signing-key caching and rotation timing. */
  readonly keys?: KeySettings;
  /** API Gateway throttling (AWS only: `npm start` applies none). */
  readonly throttle?: ApiThrottleSettings;
  /** Alarm thresholds. */
  readonly alarms?: AlarmSettings;
  /** Passkeys: the native apps that may use them for this domain. */
  readonly passkeys?: PasskeySettings;
  /** Account events on EventBridge (docs/events.md): their source, and whether they carry the number. */
  readonly events?: EventSettings;
  /**
   * `CLAIMS_HOOK_TIMEOUT_MS`: how long the `claims` function may take to answer before the login,
   * number change or refresh fails closed (`503 service_unavailable`). Needs `claims`. Range 100-10000.
   * @default 1000
   */
  readonly claimsHookTimeoutMs?: number;
}

/** Codes: their lifetime, wrong-code lockout, who may get one, and what the SMS carries for autofill. */
export interface OtpSettings {
  /**
   * `OTP_TTL_SECONDS`: how long a code is valid, from the moment the SMS was accepted for delivery.
   * Range 30-3600.
   * @default 300
   */
  readonly ttlSeconds?: number;
  /**
   * `OTP_MAX_ATTEMPTS`: wrong codes per number before a lockout; they stop counting
   * `lockoutSeconds` after the latest one. Range 1-100.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * `OTP_LOCKOUT_SECONDS`: how long a locked number stays locked, and how long wrong codes keep
   * counting after the latest; a new code does not lift it. Range 1-86400.
   * @default 900
   */
  readonly lockoutSeconds?: number;
  /**
   * `SIGNUP_MODE`: `open` makes an unknown number a user when it asks for a code; `closed` sends codes
   * only to existing users (an unknown number gets the same answer and no SMS).
   * @default 'open'
   */
  readonly signupMode?: 'open' | 'closed';
  /**
   * `TEST_PHONE_NUMBERS`: E.164 numbers (`+12015550123`) with the fixed 6-digit code each logs in
   * with: no SMS and no send limits, for app-store review and end-to-end tests. Refused in production.
   * @default - none
   */
  readonly testPhoneNumbers?: Readonly<Record<string, string>>;
  /**
   * `ALLOWED_COUNTRIES`: ISO 3166-1 alpha-2 codes (`IN`, `US`; `GB`, not `UK`) of the countries whose
   * numbers may get a code; numbers of no country need `allowedGlobalCallingCodes`. A code the phone
   * library does not know would match no number, so it is refused; an empty list is refused too, as
   * the variable would read it as "all".
   * @default - all countries
   */
  readonly allowedCountries?: readonly string[];
  /**
   * `ALLOWED_GLOBAL_CALLING_CODES`: non-geographic calling codes (of `+800`, `+808`, `+870`, `+878`,
   * `+881`, `+882`, `+883`, `+888`, `+979`: freephone, satellite, international networks) whose
   * numbers may get a code whatever `allowedCountries` says. A country's calling code is refused:
   * countries are named by ISO code.
   * @default - none: such numbers get `unsupported_phone_number` (`country_not_allowed` with
   * `allowedCountries` set)
   */
  readonly allowedGlobalCallingCodes?: readonly string[];
  /**
   * `ALLOWED_NUMBER_TYPES`: the libphonenumber number types that may receive a code; any other valid
   * number gets `unsupported_phone_number`. Keeping premium-rate and shared-cost numbers out stops
   * the cheapest SMS-pumping. An empty list is refused, as the variable would read it as the default.
   * @default ['MOBILE', 'FIXED_LINE_OR_MOBILE'] (all of NANP is FIXED_LINE_OR_MOBILE)
   */
  readonly allowedNumberTypes?: readonly OtpLoginPhoneNumberType[];
  /**
   * `ANDROID_APP_HASH`: your Android app's 11-character SMS Retriever hash (letters, digits, `+`,
   * `/`), appended on its own line so the app reads the code without an SMS permission; every
   * template must then fit one 140-byte SMS.
   * @default - none
   */
  readonly androidAppHash?: string;
  /**
   * `WEB_OTP_DOMAIN`: host of your web app (`app.example.com`: no scheme, port or path); the SMS ends
   * with `@<domain> #<code>`, which iOS and Android keyboards and the WebOTP API fill in. Every
   * template must then fit one 140-byte SMS.
   * @default - none
   */
  readonly webOtpDomain?: string;
}

/** How many codes may be sent, per number, per client IP and per destination country. */
export interface SendLimitSettings {
  /**
   * `SEND_COOLDOWN_SECONDS`: the shortest gap between two SMS to one number. Range 0-3600.
   * @default 60
   */
  readonly cooldownSeconds?: number;
  /**
   * `SEND_MAX_PER_HOUR`: SMS per number per hour. Range 1-100 (the sends a number's record remembers).
   * @default 5
   */
  readonly perNumberPerHour?: number;
  /**
   * `SEND_MAX_PER_DAY`: SMS per number per day. Range 1-100 (the sends a number's record remembers).
   * @default 10
   */
  readonly perNumberPerDay?: number;
  /**
   * `SEND_MAX_PER_IP_PER_HOUR`: SMS per client IP (IPv6: per /64) per hour. Range 1-1000000.
   * @default 100
   */
  readonly perIpPerHour?: number;
  /**
   * `SEND_MAX_PER_COUNTRY_PER_HOUR`: SMS per destination per hour, across all numbers and IPs, which
   * caps what SMS pumping to one country can cost: `{ IN: 5000, US: 2000, '*': 200 }`. Keys are ISO
   * 3166-1 alpha-2 codes, `'+881'` for a non-geographic plan (which `otp.allowedGlobalCallingCodes`
   * must allow), or `'*'` for each country and plan not named. Range 1-36000000 each.
   * @default - no cap: a country not named, without `'*'`, has none
   */
  readonly perCountryPerHour?: Readonly<Record<string, number>>;
}

/** Which AWS service sends the SMS, from which identity, at what price, with which text. */
export interface SmsSettings {
  /**
   * `SMS_PROVIDER`: `sns` (SNS `Publish`) or `end-user-messaging` (AWS End User Messaging SMS
   * `SendTextMessage`, which alone takes `protectConfigurationId`, `configurationSet` and
   * `maxPriceUsd`); the functions may call only the one chosen.
   * @default 'sns'
   */
  readonly provider?: OtpLoginSmsProvider;
  /**
   * `SMS_SENDER_ID`: alphanumeric sender id, where the country supports one (End User Messaging:
   * its id or ARN, the origination identity when `originationNumber` is unset).
   * @default - none
   */
  readonly senderId?: string;
  /**
   * `SMS_ORIGINATION_NUMBER`: origination number (10DLC, toll-free, short code); End User Messaging
   * also takes its id or ARN, or a pool id or ARN.
   * @default - none
   */
  readonly originationNumber?: string;
  /**
   * `SMS_PROTECT_CONFIGURATION_ID`: End User Messaging protect configuration (id or ARN) applied to
   * every code: country rules and AWS's SMS-pumping filter. Needs `provider: 'end-user-messaging'`.
   * @default - none
   */
  readonly protectConfigurationId?: string;
  /**
   * `SMS_CONFIGURATION_SET`: End User Messaging configuration set (name or ARN): event destinations,
   * default identity. Needs `provider: 'end-user-messaging'`.
   * @default - none
   */
  readonly configurationSet?: string;
  /**
   * `SMS_MAX_PRICE`: the most End User Messaging may charge per message part, in US dollars as a
   * decimal string (`'0.10'`, up to `'99.99999'`); a dearer destination is refused, not sent. A
   * string, as the API takes it: a number would round-trip through binary floating point and lose
   * how it was written. Needs `provider: 'end-user-messaging'`.
   * @default - no ceiling
   */
  readonly maxPriceUsd?: string;
  /**
   * `SMS_TEMPLATE`: the text of a code's SMS; must contain `{code}`, may contain `{minutes}`.
   * @default 'Your code is {code}. It expires in {minutes} minutes.'
   */
  readonly template?: string;
  /**
   * `SMS_TEMPLATES`: templates by the destination's ISO 3166-1 alpha-2 country code (`{ IN: 'Aapka
   * code {code} hai.' }`), placeholders as `template`; other countries get `template`. Each is
   * checked at start and its SMS segments logged.
   * @default - none
   */
  readonly templates?: Readonly<Record<string, string>>;
  /**
   * `SMS_NUMBER_CHANGED_TEMPLATE`: the one SMS sent to the old number when a number change completes.
   * No placeholders and no code; put no link in it either (an unexpected SMS with a link is what
   * phishing looks like).
   * @default 'The phone number on your account was changed to another number. If this was not you, contact support.'
   */
  readonly numberChangedTemplate?: string;
  /**
   * `SMS_NUMBER_CHANGED_TEMPLATES`: that notice by the old number's ISO 3166-1 alpha-2 country code,
   * as `templates` is for codes; other countries get `numberChangedTemplate`.
   * @default - none
   */
  readonly numberChangedTemplates?: Readonly<Record<string, string>>;
}

/** Lifetimes of access and refresh tokens, and how recent a login the account routes need. */
export interface TokenSettings {
  /**
   * `ACCESS_TOKEN_TTL_SECONDS`: access token lifetime, never past the end of its refresh family. APIs
   * that only check the signature accept a token this long after logout or account deletion.
   * Range 60-86400.
   * @default 900
   */
  readonly accessTokenTtlSeconds?: number;
  /**
   * `REFRESH_TOKEN_TTL_SECONDS`: refresh family lifetime, absolute from the login; at most 10000 ×
   * `accessTokenTtlSeconds`, as a family ends after 10000 refreshes. Range 300-31536000.
   * @default 2592000 (30 days)
   */
  readonly refreshTokenTtlSeconds?: number;
  /**
   * `REFRESH_REUSE_GRACE_SECONDS`: window in which a replayed parent refresh token returns the same
   * child (a retried request after a lost answer), shorter than `accessTokenTtlSeconds`; short by
   * design, as inside it a thief replaying the previous token shares the family. Range 0-60.
   * @default 0
   */
  readonly refreshReuseGraceSeconds?: number;
  /**
   * `RECENT_LOGIN_MAX_AGE_SECONDS`: how recent the login behind an access token (its `auth_time`)
   * must be for `DELETE /me` and the number change; older: `403 recent_login_required`, and the app
   * logs in again with a code. Range 30-86400.
   * @default 300
   */
  readonly recentLoginMaxAgeSeconds?: number;
}

/** Signing-key caching and rotation timing. */
export interface KeySettings {
  /**
   * `KEY_CACHE_SECONDS`: how long a warm function keeps the signing keys (the JWKS function: the
   * published public keys) before reading them again. Range 0-3600.
   * @default 300
   */
  readonly cacheSeconds?: number;
  /**
   * `KEY_PUBLISH_LEAD_SECONDS`: how long before it signs a new key is published, so every verifier's
   * cached JWKS has it: API Gateway's 2 h JWKS cache + `cacheSeconds` + 5 min. Range 0-2592000.
   * @default 7800 (with the default `cacheSeconds`)
   */
  readonly publishLeadSeconds?: number;
  /**
   * `KEY_RETAIN_SECONDS`: how long a superseded key stays published, so tokens it signed still verify:
   * `tokens.accessTokenTtlSeconds` + `cacheSeconds` + 2 h. Range 0-2592000.
   * @default 8400 (with the default token and cache settings)
   */
  readonly retainSeconds?: number;
}

/** API Gateway throttling (AWS only: `npm start` applies none). */
export interface ApiThrottleSettings {
  /**
   * `API_THROTTLE_PER_SECOND`: the stage's default steady rate, in requests per second, on each
   * route without a throttle of its own. Range 1-10000 (the account's default quota).
   * @default 50
   */
  readonly perSecond?: number;
  /**
   * `API_THROTTLE_BURST`: requests at once above that rate on each such route. Range 1-5000.
   * @default 100
   */
  readonly burst?: number;
  /**
   * `SEND_OTP_THROTTLE_PER_SECOND`: steady rate of `POST /send-otp` requests per second, all clients
   * together: it caps the account's SMS spend, and one source's flood denies everyone, so size it
   * from your peak logins. Range 1-10000.
   * @default 10
   */
  readonly sendOtpPerSecond?: number;
  /**
   * `SEND_OTP_THROTTLE_BURST`: `POST /send-otp` requests at once above that rate. Range 1-5000.
   * @default 20
   */
  readonly sendOtpBurst?: number;
}

/**
 * Passkeys: which of your native apps may use them for this domain. Apple and Google fetch the
 * association files from the root of the relying party's domain, so the API must be served at the
 * root of a custom domain (no `domain.basePath`): the synth refuses these otherwise.
 */
export interface PasskeySettings {
  /**
   * `IOS_APP_IDS`: your iOS apps as `TEAMID.bundle.id`, listed under `webcredentials` by
   * `GET /.well-known/apple-app-site-association` (a 404 when unset).
   * @default - none
   */
  readonly iosAppIds?: readonly string[];
  /**
   * `ANDROID_APPS`: your Android apps, package name to the SHA-256 fingerprints of their signing
   * certificates (`AB:CD:...`, 32 bytes), granted `delegate_permission/common.get_login_creds` by
   * `GET /.well-known/assetlinks.json` (a 404 when unset).
   * @default - none
   */
  readonly androidApps?: Readonly<Record<string, readonly string[]>>;
  /**
   * `WEBAUTHN_RP_ID`: the domain passkeys are bound to; every origin must be at or under it
   * (`example.com` also serves `app.example.com`). Changing it later strands every passkey made.
   * @default - the issuer's host (`localhost` for a loopback address): the custom domain's name, or the execute-api host
   */
  readonly rpId?: string;
  /**
   * `WEBAUTHN_RP_NAME`: the service's name in passkey prompts.
   * @default - the RP ID
   */
  readonly rpName?: string;
  /**
   * `WEBAUTHN_ORIGINS`: where passkey ceremonies may come from: exact web origins at or under the RP
   * ID (`https://app.example.com`), and `android:apk-key-hash:<base64url SHA-256>` for Android apps.
   * @default - the issuer's origin (`localhost` for a loopback address)
   */
  readonly origins?: readonly string[];
  /**
   * `PASSKEY_CHALLENGE_TTL_SECONDS`: how long a passkey challenge may be answered (each is single-use).
   * Range 30-3600.
   * @default 300
   */
  readonly challengeTtlSeconds?: number;
  /**
   * `PASSKEYS_PER_USER_MAX`: passkeys one user may have. Range 1-50.
   * @default 10
   */
  readonly perUserMax?: number;
  /**
   * `PASSKEY_MAX_PER_IP_PER_HOUR`: requests to `POST /passkey/options` and `/passkey/verify` together per
   * client IP (IPv6: per /64) and hour; a sign-in is two. Range 1-100000.
   * @default 120
   */
  readonly maxPerIpPerHour?: number;
}

/** Account events on EventBridge (docs/events.md). */
export interface EventSettings {
  /**
   * `EVENTS_SOURCE`: the events' `source`: 1-256 of `A-Z a-z 0-9 . _ - /`, not starting with `aws.`.
   * @default 'otp-login'
   */
  readonly source?: string;
  /**
   * `EVENTS_INCLUDE_PHONE_NUMBER`: the events carry the user's phone number (`phone_number`,
   * `previous_phone_number`); off by default, since a bus is read by many.
   * @default false
   */
  readonly includePhoneNumber?: boolean;
}

/** Alarm thresholds. */
export interface AlarmSettings {
  /**
   * `SMS_VOLUME_ALARM_PER_HOUR`: SMS sent within an hour (codes and number-change notices) at which
   * the SMS-volume (pumping) alarm fires: a few times your busiest legitimate hour. Range 1-36000000.
   * @default 500
   */
  readonly smsVolumePerHour?: number;
}
