import {
  ConfigError,
  type ConfigName,
  ENV,
  type Env,
  parseOtpConfig,
  parseSmsConfig,
  parseTokenConfig,
  SETTINGS,
  type Setting,
  type SmsProvider,
} from '../lambdas/config.js';
import type { CountryBudgets } from '../lambdas/core/country-budget.js';
import type { PhoneNumberType } from '../lambdas/core/phone-types.js';

// Pure code: the construct's package compiles this file, so it imports only lambdas/config.ts and
// lambdas/core, never an AWS SDK.

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
  readonly allowedNumberTypes?: readonly PhoneNumberType[];
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
  readonly provider?: SmsProvider;
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

/** Alarm thresholds. */
export interface AlarmSettings {
  /**
   * `SMS_VOLUME_ALARM_PER_HOUR`: SMS sent within an hour (codes and number-change notices) at which
   * the SMS-volume (pumping) alarm fires: a few times your busiest legitimate hour. Range 1-36000000.
   * @default 500
   */
  readonly smsVolumePerHour?: number;
}

type GroupName = 'otp' | 'sendLimits' | 'sms' | 'tokens' | 'keys' | 'throttle' | 'alarms';
type TopLevelName = Exclude<keyof OtpLoginSettings, GroupName>;
type Group<G extends GroupName> = NonNullable<OtpLoginSettings[G]>;

/** How a prop of type `T` becomes its variable's text, and back from the value the variable parses to (`P`). */
interface Codec<T, P> {
  readonly write: (value: T, path: string, name: ConfigName) => string;
  /** The prop with the parsed value's meaning; undefined when that meaning is the unset prop's. */
  readonly read: (parsed: P) => T | undefined;
}

interface PropMapping<P> {
  readonly group: GroupName | undefined;
  readonly key: string;
  readonly write: (value: unknown, path: string, name: ConfigName) => string;
  readonly read: (parsed: P) => unknown;
}

function at<G extends GroupName, K extends keyof Group<G> & string, P>(
  group: G,
  key: K,
  codec: Codec<NonNullable<Group<G>[K]>, P>,
): PropMapping<P> {
  return { group, key, write: codec.write as PropMapping<P>['write'], read: codec.read };
}

function top<K extends TopLevelName, P>(key: K, codec: Codec<NonNullable<OtpLoginSettings[K]>, P>): PropMapping<P> {
  return { group: undefined, key, write: codec.write as PropMapping<P>['write'], read: codec.read };
}

const whole: Codec<number, number> = { write: (value) => String(value), read: (parsed) => parsed };

function verbatim<T extends string>(): Codec<T, T | undefined> {
  return { write: (value) => value, read: (parsed) => parsed };
}

// A separator inside one entry would be read as two entries: a different setting from the one typed.
function entry(item: string, path: string, name: ConfigName): string {
  if (item.includes(',')) {
    throw new ConfigError(`${path} has "${item}", which ${name} would split at the comma: give each entry on its own`);
  }
  return item;
}

/**
 * A comma-separated list. `unsetMeaning`: what the variable reads an empty list as, when that is not
 * what an empty list says (`ALLOWED_COUNTRIES=` allows every country), so `[]` is refused.
 */
function list<T extends string>(options: {
  unsetMeaning?: string;
  read?: (item: string) => T;
}): Codec<readonly T[], readonly string[]> {
  return {
    write(value, path, name) {
      if (value.length === 0 && options.unsetMeaning) {
        throw new ConfigError(`${path} is empty, which ${name} reads as unset (${options.unsetMeaning}): leave it out`);
      }
      return value.map((item) => entry(item, path, name)).join(',');
    },
    read: (parsed) =>
      parsed.length === 0 ? undefined : parsed.map((item) => (options.read ? options.read(item) : (item as T))),
  };
}

function fromMap<V>(parsed: ReadonlyMap<string, V>): Readonly<Record<string, V>> | undefined {
  return parsed.size === 0 ? undefined : Object.fromEntries(parsed);
}

/** `{ '+12015550123': '424242' }` as `+12015550123:424242`. */
const testNumbers: Codec<Readonly<Record<string, string>>, ReadonlyMap<string, string>> = {
  write: (value, path, name) =>
    Object.entries(value)
      .map(([phone, code]) => `${entry(phone, path, name)}:${entry(code, path, name)}`)
      .join(','),
  read: fromMap,
};

/** `{ IN: 5000, '*': 200 }` as `IN=5000,*=200`; `*` last, as the README writes it. */
const countryBudgets: Codec<Readonly<Record<string, number>>, CountryBudgets | undefined> = {
  write: (value, path, name) =>
    Object.entries(value)
      .map(([country, budget]) => `${entry(country, path, name)}=${budget}`)
      .join(','),
  read: (parsed) =>
    parsed &&
    Object.fromEntries([
      ...parsed.byCountry,
      ...(parsed.otherCountries === undefined ? [] : [['*', parsed.otherCountries] as const]),
    ]),
};

/** Templates by country, as the JSON object the variable takes. */
const templates: Codec<Readonly<Record<string, string>>, ReadonlyMap<string, string>> = {
  write: (value) => JSON.stringify(value),
  read: fromMap,
};

type Settings = typeof SETTINGS;
/** What the setting named `N` parses to. */
type Parsed<N extends ConfigName> = ReturnType<Extract<Settings[keyof Settings], { readonly name: N }>['parse']>;

/**
 * Which prop sets each setting, and how. Keyed by every configurable setting: one that lambdas/config.ts
 * gains without a prop here fails to compile, and each codec must take what its setting parses to.
 */
const PROPS: { readonly [N in ConfigName]: PropMapping<Parsed<N>> } = {
  AUDIENCE: top('audience', verbatim()),
  ALLOWED_ORIGINS: top('allowedOrigins', list({})),
  OTP_TTL_SECONDS: at('otp', 'ttlSeconds', whole),
  OTP_MAX_ATTEMPTS: at('otp', 'maxAttempts', whole),
  OTP_LOCKOUT_SECONDS: at('otp', 'lockoutSeconds', whole),
  SIGNUP_MODE: at('otp', 'signupMode', verbatim<'open' | 'closed'>()),
  TEST_PHONE_NUMBERS: at('otp', 'testPhoneNumbers', testNumbers),
  ALLOWED_COUNTRIES: at('otp', 'allowedCountries', list({ unsetMeaning: 'every country is allowed' })),
  ALLOWED_GLOBAL_CALLING_CODES: at(
    'otp',
    'allowedGlobalCallingCodes',
    // Parsed without the `+` its numbers are written with.
    list<string>({ read: (code) => `+${code}` }),
  ),
  ALLOWED_NUMBER_TYPES: at(
    'otp',
    'allowedNumberTypes',
    list<PhoneNumberType>({ unsetMeaning: 'the default types are allowed' }),
  ),
  ANDROID_APP_HASH: at('otp', 'androidAppHash', verbatim()),
  WEB_OTP_DOMAIN: at('otp', 'webOtpDomain', verbatim()),
  SEND_COOLDOWN_SECONDS: at('sendLimits', 'cooldownSeconds', whole),
  SEND_MAX_PER_HOUR: at('sendLimits', 'perNumberPerHour', whole),
  SEND_MAX_PER_DAY: at('sendLimits', 'perNumberPerDay', whole),
  SEND_MAX_PER_IP_PER_HOUR: at('sendLimits', 'perIpPerHour', whole),
  SEND_MAX_PER_COUNTRY_PER_HOUR: at('sendLimits', 'perCountryPerHour', countryBudgets),
  SMS_PROVIDER: at('sms', 'provider', verbatim<SmsProvider>()),
  SMS_SENDER_ID: at('sms', 'senderId', verbatim()),
  SMS_ORIGINATION_NUMBER: at('sms', 'originationNumber', verbatim()),
  SMS_PROTECT_CONFIGURATION_ID: at('sms', 'protectConfigurationId', verbatim()),
  SMS_CONFIGURATION_SET: at('sms', 'configurationSet', verbatim()),
  SMS_MAX_PRICE: at('sms', 'maxPriceUsd', verbatim()),
  SMS_TEMPLATE: at('sms', 'template', verbatim()),
  SMS_TEMPLATES: at('sms', 'templates', templates),
  SMS_NUMBER_CHANGED_TEMPLATE: at('sms', 'numberChangedTemplate', verbatim()),
  SMS_NUMBER_CHANGED_TEMPLATES: at('sms', 'numberChangedTemplates', templates),
  ACCESS_TOKEN_TTL_SECONDS: at('tokens', 'accessTokenTtlSeconds', whole),
  REFRESH_TOKEN_TTL_SECONDS: at('tokens', 'refreshTokenTtlSeconds', whole),
  REFRESH_REUSE_GRACE_SECONDS: at('tokens', 'refreshReuseGraceSeconds', whole),
  RECENT_LOGIN_MAX_AGE_SECONDS: at('tokens', 'recentLoginMaxAgeSeconds', whole),
  KEY_CACHE_SECONDS: at('keys', 'cacheSeconds', whole),
  KEY_PUBLISH_LEAD_SECONDS: at('keys', 'publishLeadSeconds', whole),
  KEY_RETAIN_SECONDS: at('keys', 'retainSeconds', whole),
  API_THROTTLE_PER_SECOND: at('throttle', 'perSecond', whole),
  API_THROTTLE_BURST: at('throttle', 'burst', whole),
  SEND_OTP_THROTTLE_PER_SECOND: at('throttle', 'sendOtpPerSecond', whole),
  SEND_OTP_THROTTLE_BURST: at('throttle', 'sendOtpBurst', whole),
  SMS_VOLUME_ALARM_PER_HOUR: at('alarms', 'smsVolumePerHour', whole),
};

const MAPPINGS = Object.entries(PROPS) as [ConfigName, PropMapping<unknown>][];

function pathOf(mapping: PropMapping<unknown>): string {
  return mapping.group === undefined ? mapping.key : `${mapping.group}.${mapping.key}`;
}

/** The prop that sets each setting, as a path (`otp.ttlSeconds`), for messages and docs. */
export const SETTING_PROP_PATHS = Object.fromEntries(MAPPINGS.map(([name, mapping]) => [name, pathOf(mapping)])) as {
  readonly [N in ConfigName]: string;
};

const SETTING_BY_NAME = new Map((Object.values(SETTINGS) as Setting[]).map((setting) => [setting.name, setting]));

/**
 * Runs every parser the functions run at start (each setting alone, then the checks across
 * settings), so a value they would refuse fails here with their message.
 */
function checkSettings(env: Env): void {
  for (const setting of SETTING_BY_NAME.values()) {
    if (!setting.stackOwned) setting.parse(env[setting.name], env);
  }
  parseOtpConfig(env);
  parseSmsConfig(env);
  // The issuer is the stack's to set; the token limits do not depend on it.
  parseTokenConfig({ ...env, [ENV.issuer]: 'https://issuer.invalid' });
}

/**
 * The environment variables the props set, one for each prop that is set, checked by the functions'
 * own parsers: a value they would refuse throws their `ConfigError`, naming the variable.
 */
export function settingsFromProps(props: OtpLoginSettings): Partial<Record<ConfigName, string>> {
  const settings: Partial<Record<ConfigName, string>> = {};
  for (const [name, mapping] of MAPPINGS) {
    const holder: object | undefined = mapping.group === undefined ? props : props[mapping.group];
    const value = (holder as Record<string, unknown> | undefined)?.[mapping.key];
    if (value !== undefined) settings[name] = mapping.write(value, pathOf(mapping), name);
  }
  checkSettings(settings);
  return settings;
}

/**
 * The props with the meaning of `NAME=value` settings (this repository's `-c` flags): checked first
 * by the functions' parsers, so a bad value throws the `ConfigError` the local server prints. Only
 * settings set to something other than blank give a prop, and a group none of whose settings is set
 * is left out: no settings give `{}`. Names that are not configurable settings are ignored.
 */
export function propsFromSettings(env: Env): OtpLoginSettings {
  checkSettings(env);
  const topLevel: Record<string, unknown> = {};
  const groups: Partial<Record<GroupName, Record<string, unknown>>> = {};
  for (const [name, mapping] of MAPPINGS) {
    const raw = env[name];
    const setting = SETTING_BY_NAME.get(name);
    if (raw === undefined || raw.trim() === '' || !setting) continue;
    const value = mapping.read(setting.parse(raw, env));
    if (value === undefined) continue;
    if (mapping.group === undefined) topLevel[mapping.key] = value;
    else groups[mapping.group] = { ...groups[mapping.group], [mapping.key]: value };
  }
  return { ...topLevel, ...groups } as OtpLoginSettings;
}
