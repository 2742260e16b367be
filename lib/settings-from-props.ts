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
import type { OtpLoginPhoneNumberType, OtpLoginSettings, OtpLoginSmsProvider } from './otp-login-settings.js';

/**
 * Each prop of lib/otp-login-settings.ts to and from the variable it sets. Pure code: the construct's
 * package compiles this file, so it imports only lambdas/config.ts and lambdas/core, never an AWS SDK.
 */

// The public types spell these unions out (they may import nothing); a list that drifts fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameNumberTypes: Same<PhoneNumberType, OtpLoginPhoneNumberType> = true;
const sameProviders: Same<SmsProvider, OtpLoginSmsProvider> = true;
void sameNumberTypes;
void sameProviders;

type GroupName = 'otp' | 'sendLimits' | 'sms' | 'tokens' | 'keys' | 'throttle' | 'alarms' | 'passkeys' | 'events';
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

/** `true` / `false`; false is the unset meaning, so it reads back as unset. */
const flag: Codec<boolean, boolean> = { write: (value) => String(value), read: (parsed) => parsed || undefined };

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

/** `{ 'com.example.app': ['AB:...', 'CD:...'] }` as `com.example.app=AB:...,com.example.app=CD:...`. */
const androidApps: Codec<Readonly<Record<string, readonly string[]>>, ReadonlyMap<string, readonly string[]>> = {
  write: (value, path, name) =>
    Object.entries(value)
      .flatMap(([app, fingerprints]) =>
        fingerprints.map((fingerprint) => `${entry(app, path, name)}=${entry(fingerprint, path, name)}`),
      )
      .join(','),
  read: fromMap,
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
  IOS_APP_IDS: at('passkeys', 'iosAppIds', list({})),
  ANDROID_APPS: at('passkeys', 'androidApps', androidApps),
  WEBAUTHN_RP_ID: at('passkeys', 'rpId', verbatim()),
  WEBAUTHN_RP_NAME: at('passkeys', 'rpName', verbatim()),
  WEBAUTHN_ORIGINS: at('passkeys', 'origins', list({ unsetMeaning: "the issuer's origin" })),
  PASSKEY_CHALLENGE_TTL_SECONDS: at('passkeys', 'challengeTtlSeconds', whole),
  PASSKEYS_PER_USER_MAX: at('passkeys', 'perUserMax', whole),
  PASSKEY_MAX_PER_IP_PER_HOUR: at('passkeys', 'maxPerIpPerHour', whole),
  CLAIMS_HOOK_TIMEOUT_MS: top('claimsHookTimeoutMs', whole),
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
  EVENTS_SOURCE: at('events', 'source', verbatim()),
  EVENTS_INCLUDE_PHONE_NUMBER: at('events', 'includePhoneNumber', flag),
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
