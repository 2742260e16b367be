import { DAY, HOUR } from './core/clock.js';
import type { CountryBudgets } from './core/country-budget.js';
import type { OtpPolicy } from './core/login.js';
import { OTP_DIGITS } from './core/otp-code.js';
import { MAX_SEND_HISTORY } from './core/phone-record.js';
import { CALLING_CODES, NON_GEOGRAPHIC_CALLING_CODES, PHONE_REGIONS } from './core/phone-regions.generated.js';
import { PHONE_NUMBER_TYPES, type PhoneNumberType } from './core/phone-types.js';
import { MAX_FAMILY_GENERATION, type SessionSettings } from './core/sessions.js';
import {
  namedTemplates,
  reportSmsTemplates,
  type SmsTemplateReport,
  type SmsTemplates,
  smsSize,
} from './core/sms-message.js';

/**
 * Every setting, declared once: its environment variable, default, bounds, group and one-line doc.
 * The parsers below, the stack's per-function environment (by group) and the README's configuration
 * table (checked by a test) all come from this table. Parsing fails fast, naming the variable. Every
 * range is what the code can hold: a value it could not enforce is refused, never silently ignored.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Which functions get a setting: `common` every API function; `table` and `signingKey` those that
 * use them; `rotation` the key rotation; `httpApi` none, as API Gateway itself applies it (and the
 * local server in its place); `appLinks` the one that serves `/.well-known/*`; `stack` none, nor the local server: the stack's API Gateway throttling
 * and alarms in AWS; the others as the function registry lists them (`recentLogin`: the routes that
 * can take an account away; `numberChangeNotice`: the one that completes a move; `passkeys`: the two
 * passkey functions; `claims`: the four that issue access tokens, and only when a claims hook is
 * configured).
 */
export type SettingGroup =
  | 'common'
  | 'otp'
  | 'sms'
  | 'tokens'
  | 'keys'
  | 'recentLogin'
  | 'numberChangeNotice'
  | 'table'
  | 'signingKey'
  | 'rotation'
  | 'httpApi'
  | 'appLinks'
  | 'passkeys'
  | 'events'
  | 'claims'
  | 'stack';

export interface Setting<N extends string = string, T = unknown, G extends SettingGroup = SettingGroup> {
  readonly name: N;
  readonly group: G;
  /** Set by the stack itself (a resource name, the API URL), not deploy-time configuration. */
  readonly stackOwned: boolean;
  /** The README's default column. */
  readonly shownDefault: string;
  /** The README's range column; `-` for settings that are not numbers. */
  readonly range: string;
  /** The README's meaning column. */
  readonly doc: string;
  /** A valid value other than the default, for tests that set every setting at once. */
  readonly example: string;
  /** Reads the value (blank or unset: the default); `env` for defaults derived from other settings. */
  readonly parse: (raw: string | undefined, env: Env) => T;
}

function blank(raw: string | undefined): raw is undefined {
  return raw === undefined || raw.trim() === '';
}

function int<N extends string, G extends SettingGroup>(
  name: N,
  group: G,
  spec: { default: number | ((env: Env) => number); shownDefault?: string; min: number; max: number; doc: string },
): Setting<N, number, G> & { readonly stackOwned: false } {
  return {
    name,
    group,
    stackOwned: false,
    shownDefault: spec.shownDefault ?? `\`${typeof spec.default === 'function' ? spec.default({}) : spec.default}\``,
    range: `${spec.min}-${spec.max}`,
    doc: spec.doc,
    example: String(spec.max),
    parse(raw, env) {
      if (blank(raw)) return typeof spec.default === 'function' ? spec.default(env) : spec.default;
      if (!/^\d+$/.test(raw.trim())) {
        throw new ConfigError(`Environment variable ${name} must be a whole number, got "${raw}"`);
      }
      const value = Number(raw);
      if (value < spec.min || value > spec.max) {
        throw new ConfigError(`Environment variable ${name} must be between ${spec.min} and ${spec.max}, got ${value}`);
      }
      return value;
    },
  };
}

function text<N extends string, T, G extends SettingGroup, const O extends boolean = false>(
  name: N,
  group: G,
  spec: { shownDefault: string; doc: string; example: string; parse: (value: string | undefined) => T; stackOwned?: O },
): Setting<N, T, G> & { readonly stackOwned: O } {
  return {
    name,
    group,
    stackOwned: (spec.stackOwned ?? false) as O,
    shownDefault: spec.shownDefault,
    range: '-',
    doc: spec.doc,
    example: spec.example,
    parse: (raw) => spec.parse(blank(raw) ? undefined : raw.trim()),
  };
}

function required(name: string): (value: string | undefined) => string {
  return (value) => {
    if (value === undefined) throw new ConfigError(`Environment variable ${name} is required`);
    return value;
  };
}

export const DEFAULT_EVENTS_SOURCE = 'otp-login';

// EventBridge's own rule for a PutEvents source; `aws.` is reserved for AWS services.
function parseEventsSource(value: string | undefined): string {
  if (value === undefined) return DEFAULT_EVENTS_SOURCE;
  if (!/^[A-Za-z0-9._/-]{1,256}$/.test(value) || value.startsWith('aws.')) {
    throw new ConfigError(
      `Environment variable EVENTS_SOURCE must be 1-256 of A-Z a-z 0-9 . _ - / and not start with "aws.", got "${value}"`,
    );
  }
  return value;
}

function parseFlag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(`Environment variable ${name} must be "true" or "false", got "${value}"`);
}

export const DEFAULT_SMS_TEMPLATE = 'Your code is {code}. It expires in {minutes} minutes.';

/**
 * What the old number is told when its account moves away. No link (a link in an unexpected SMS is
 * what phishing looks like, and trains users to tap one) and no code: only that it happened, and what
 * to do if it was not them.
 */
export const DEFAULT_NUMBER_CHANGED_TEMPLATE =
  'The phone number on your account was changed to another number. If this was not you, contact support.';

/** API Gateway caches a JWKS for up to two hours. */
export const API_GATEWAY_JWKS_CACHE_SECONDS = 7200;

const TEST_NUMBER_ENTRY = new RegExp(`^(\\+[1-9]\\d{6,14}):(\\d{${OTP_DIGITS}})$`);

/** Parses `+12015550123:424242,+919000000000:111111`. Numbers must already be E.164. */
export function parseTestPhoneNumbers(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of (raw ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const match = TEST_NUMBER_ENTRY.exec(trimmed);
    if (!match?.[1] || !match[2]) {
      throw new ConfigError(
        `Environment variable TEST_PHONE_NUMBERS has "${trimmed}"; expected +E164:${OTP_DIGITS}digits entries separated by commas`,
      );
    }
    map.set(match[1], match[2]);
  }
  return map;
}

/** The entries of a comma-separated list, trimmed (and `normalize`d), each once, in order; blanks dropped. */
function uniqueEntries(raw: string | undefined, normalize: (entry: string) => string = (entry) => entry): string[] {
  return [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((entry) => normalize(entry.trim()))
        .filter(Boolean),
    ),
  ];
}

/** Mobile numbers, and numbers whose ranges libphonenumber cannot tell from fixed lines (all of NANP). */
export const DEFAULT_ALLOWED_NUMBER_TYPES: readonly PhoneNumberType[] = ['MOBILE', 'FIXED_LINE_OR_MOBILE'];

/** Parses `MOBILE,FIXED_LINE_OR_MOBILE`; repeated entries count once. */
export function parseAllowedNumberTypes(raw: string | undefined): readonly PhoneNumberType[] {
  if (raw === undefined) return DEFAULT_ALLOWED_NUMBER_TYPES;
  const types = uniqueEntries(raw, (type) => type.toUpperCase());
  for (const type of types) {
    if (!(PHONE_NUMBER_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(
        `Environment variable ALLOWED_NUMBER_TYPES has "${type}"; expected some of ${PHONE_NUMBER_TYPES.join(', ')}`,
      );
    }
  }
  if (types.length === 0) throw new ConfigError('Environment variable ALLOWED_NUMBER_TYPES names no type');
  return types as PhoneNumberType[];
}

/** Codes people write for a country that are not its ISO 3166-1 alpha-2 code. */
export const COUNTRY_CODE_ALIASES: Readonly<Record<string, string>> = {
  // The United Kingdom's ISO code is GB; UK is only its top-level domain.
  UK: 'GB',
  // The European Union writes Greece EL; ISO writes GR.
  EL: 'GR',
};

const KNOWN_REGIONS = new Set(PHONE_REGIONS);

/**
 * A country code as a setting names it, upper-cased, or a ConfigError naming the setting and the
 * code: a code the phone library does not know would match no number, so a budget, template or
 * allowed country written with it would silently do nothing (`UK` for GB, `EL` for GR).
 */
export function parseCountryCode(setting: string, raw: string): string {
  const code = raw.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) {
    throw new ConfigError(`Environment variable ${setting} has "${raw}", not an ISO 3166 alpha-2 code`);
  }
  if (!KNOWN_REGIONS.has(code)) {
    const alias = COUNTRY_CODE_ALIASES[code];
    throw new ConfigError(
      `Environment variable ${setting} names ${code}, a country code the phone library (libphonenumber-js) does not know: ` +
        (alias ? `did you mean ${alias}?` : 'use ISO 3166-1 alpha-2 codes such as GB, IN or US'),
    );
  }
  return code;
}

/**
 * A non-geographic calling code as `ALLOWED_GLOBAL_CALLING_CODES` or `SEND_MAX_PER_COUNTRY_PER_HOUR`
 * names it (`+881`, or `881`), returned without its `+`. A country's code is refused: countries are
 * named by ISO code, so that one code (+1, +44) never stands for several countries.
 */
export function parseGlobalCallingCode(setting: string, raw: string): string {
  const code = raw.trim().replace(/^\+/, '');
  if ((NON_GEOGRAPHIC_CALLING_CODES as readonly string[]).includes(code)) return code;
  const hint = CALLING_CODES.includes(code)
    ? `+${code} is a country's calling code; name countries in ALLOWED_COUNTRIES and SEND_MAX_PER_COUNTRY_PER_HOUR by ISO code`
    : `expected one of ${NON_GEOGRAPHIC_CALLING_CODES.map((c) => `+${c}`).join(', ')}`;
  throw new ConfigError(
    `Environment variable ${setting} has "${raw.trim()}", not a non-geographic calling code: ${hint}`,
  );
}

/** Parses `+881,+882`: the non-geographic calling codes whose numbers may get a code, without `+`. */
export function parseAllowedGlobalCallingCodes(raw: string | undefined): readonly string[] {
  const codes = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => parseGlobalCallingCode('ALLOWED_GLOBAL_CALLING_CODES', entry));
  return [...new Set(codes)];
}

/** The largest hourly budget of one country: 10,000 sends/s for an hour. */
export const MAX_COUNTRY_BUDGET = 36_000_000;

const COUNTRY_BUDGET_ENTRY = /^([A-Za-z]{2}|\*|\+\d{1,3})=(\d+)$/;

/**
 * Parses `IN=5000,US=2000,+881=20,*=200`; undefined (no cap) when blank. A non-geographic plan is
 * named `+<calling code>`, the key its numbers count against (country-budget.ts).
 */
export function parseCountryBudgets(raw: string | undefined): CountryBudgets | undefined {
  if (raw === undefined) return undefined;
  const byCountry = new Map<string, number>();
  let otherCountries: number | undefined;
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const match = COUNTRY_BUDGET_ENTRY.exec(trimmed.replace(/\s*=\s*/, '='));
    const name = match?.[1]?.toUpperCase();
    const budget = Number(match?.[2]);
    if (!name || !(budget >= 1 && budget <= MAX_COUNTRY_BUDGET)) {
      throw new ConfigError(
        `Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR has "${trimmed}"; expected COUNTRY=budget entries (ISO 3166 alpha-2, +<non-geographic calling code> or *, 1-${MAX_COUNTRY_BUDGET}) separated by commas`,
      );
    }
    const country =
      name === '*'
        ? name
        : name.startsWith('+')
          ? `+${parseGlobalCallingCode('SEND_MAX_PER_COUNTRY_PER_HOUR', name)}`
          : parseCountryCode('SEND_MAX_PER_COUNTRY_PER_HOUR', name);
    if (byCountry.has(country) || (country === '*' && otherCountries !== undefined)) {
      throw new ConfigError(`Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR names ${country} twice`);
    }
    if (country === '*') otherCountries = budget;
    else byCountry.set(country, budget);
  }
  if (byCountry.size === 0 && otherCountries === undefined) return undefined;
  return { byCountry, otherCountries };
}

/** Why a login template cannot be used, or undefined. */
function loginTemplateProblem(template: string): string | undefined {
  return template.includes('{code}') ? undefined : 'without {code}';
}

/** Why a number-change notice cannot be used, or undefined: it carries no code, so a placeholder would be sent as typed. */
export function noticeTemplateProblem(template: string): string | undefined {
  if (template.trim() === '') return 'that is empty';
  if (/\{(?:code|minutes)\}/.test(template)) return 'with {code} or {minutes}, which a notice has none of';
  return undefined;
}

/**
 * Parses `{"IN":"Aapka code {code} hai."}`: country codes upper-cased, each template a string that
 * `problemOf` accepts (`SMS_TEMPLATES`: one with `{code}`). Every per-country template setting goes
 * through here, so its country codes are checked one way.
 */
export function parseSmsTemplates(
  raw: string | undefined,
  setting = 'SMS_TEMPLATES',
  problemOf: (template: string) => string | undefined = loginTemplateProblem,
): ReadonlyMap<string, string> {
  const templates = new Map<string, string>();
  if (raw === undefined) return templates;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`Environment variable ${setting} must be a JSON object, such as {"IN":"Code {code}"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Environment variable ${setting} must be a JSON object, such as {"IN":"Code {code}"}`);
  }
  for (const [key, template] of Object.entries(parsed)) {
    const country = parseCountryCode(setting, key);
    // Not a string reads as an empty template: refused by every check, in that check's words.
    const problem = problemOf(typeof template === 'string' ? template : '');
    if (problem !== undefined) {
      throw new ConfigError(`Environment variable ${setting} has a template for ${country} ${problem}`);
    }
    if (templates.has(country)) throw new ConfigError(`Environment variable ${setting} names ${country} twice`);
    templates.set(country, template);
  }
  return templates;
}

/** A DNS name of at least two labels, lower case as origins are: what `@<domain>` must name exactly. */
export function isHostName(value: string): boolean {
  return (
    value.length <= 253 &&
    /^(?=.*\.)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value)
  );
}

export const SMS_PROVIDERS = ['sns', 'end-user-messaging'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

/** The settings only End User Messaging takes: with SNS they would silently do nothing. */
const END_USER_MESSAGING_ONLY = ['smsProtectConfigurationId', 'smsConfigurationSet', 'smsMaxPrice'] as const;

// An id, name or ARN as End User Messaging takes them.
function endUserMessagingName(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^[A-Za-z0-9_:/-]{1,256}$/.test(value)) {
    throw new ConfigError(
      `Environment variable ${name} must be an id, name or ARN (letters, digits, _ : / -), got "${value}"`,
    );
  }
  return value;
}

/** `ALLOWED_ORIGINS=*`: any origin; refused in production. */
export const ANY_ORIGIN = '*';

/**
 * The fixed half of the API's CORS (`ALLOWED_ORIGINS` is the other): what OtpHttpApi configures on
 * the HTTP API and the local server answers in its place.
 */
export const CORS_POLICY = {
  /** Every method of the route table (a test keeps it so). */
  allowMethods: ['GET', 'POST', 'DELETE'],
  /** JSON bodies and the bearer token of `/me`; a `*` would never cover `authorization`. */
  allowHeaders: ['authorization', 'content-type'],
  /** Not CORS-safelisted, so without this a browser app could not read when to retry or why a token failed. */
  exposeHeaders: ['retry-after', 'www-authenticate'],
  /** Chromium's ceiling since v76 (Firefox's is a day): one preflight per route and origin every two hours. */
  maxAgeSeconds: 7200,
  /** Tokens travel in bodies and the `Authorization` header, never in cookies. */
  allowCredentials: false,
} as const;

/**
 * Why a list of allowed origins cannot work, or undefined. Browsers send `Origin` serialized
 * (`scheme://host[:port]`, lower case, no default port, no path) and API Gateway compares it
 * byte for byte, so an entry spelled any other way would silently never match.
 */
export function allowedOriginsProblem(origins: readonly string[]): string | undefined {
  for (const origin of origins) {
    if (origin === ANY_ORIGIN) {
      if (origins.length > 1) return 'has "*" next to other origins; "*" alone allows every origin';
      continue;
    }
    const serialized = serializedOrigin(origin);
    if (serialized !== origin) {
      const hint = serialized ? `; did you mean "${serialized}"?` : '';
      return `has "${origin}", not an origin as browsers send it: http(s)://host[:port], lower case, without a path, a trailing slash or a default port${hint}`;
    }
  }
  return undefined;
}

function serializedOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    // URL accepts `https://*.example.com`, but no browser sends it: the entries are exact origins.
    if (url.hostname.includes('*')) return undefined;
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Parses `https://app.example.com,http://localhost:5173` (or `*`); repeated entries count once. */
export function parseAllowedOrigins(raw: string | undefined): readonly string[] {
  const origins = uniqueEntries(raw);
  const problem = allowedOriginsProblem(origins);
  if (problem) throw new ConfigError(`Environment variable ALLOWED_ORIGINS ${problem}`);
  return origins;
}

// Apple's: a 10-character team id, then the app's bundle id (reverse DNS: letters, digits, hyphens).
const IOS_APP_ID = /^[A-Z0-9]{10}\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** Parses `ABCDE12345.com.example.app,...`; repeated entries count once. */
export function parseIosAppIds(raw: string | undefined): readonly string[] {
  const ids = uniqueEntries(raw);
  for (const id of ids) {
    if (!IOS_APP_ID.test(id)) {
      throw new ConfigError(
        `Environment variable IOS_APP_IDS has "${id}", not TEAMID.bundle.id (a 10-character team id, a dot, then the bundle id)`,
      );
    }
  }
  return ids;
}

// Android's: a package name of two or more segments; a certificate's SHA-256, as `keytool` prints it.
const ANDROID_PACKAGE = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/;
const SHA256_FINGERPRINT = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/**
 * Parses `com.example.app=AB:CD:...,com.example.app=EF:...`: each package's signing-certificate
 * fingerprints, upper-cased (assetlinks.json compares them as Android prints them), in order.
 */
export function parseAndroidApps(raw: string | undefined): ReadonlyMap<string, readonly string[]> {
  const apps = new Map<string, string[]>();
  for (const entry of (raw ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const [name = '', fingerprint = '', ...rest] = trimmed.split('=').map((part) => part.trim());
    const upper = fingerprint.toUpperCase();
    if (rest.length > 0 || !ANDROID_PACKAGE.test(name) || !SHA256_FINGERPRINT.test(upper)) {
      throw new ConfigError(
        `Environment variable ANDROID_APPS has "${trimmed}"; expected package.name=SHA-256 fingerprint (32 hex bytes joined by colons) entries separated by commas`,
      );
    }
    const fingerprints = apps.get(name) ?? [];
    if (!fingerprints.includes(upper)) fingerprints.push(upper);
    apps.set(name, fingerprints);
  }
  return apps;
}

// A DNS name as WebAuthn takes it for an RP ID: lower case labels, no scheme, port, path or trailing dot.
const RP_ID = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// Android apps sign in with `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`.
const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

/** Parses `example.com`: a host name, never an IP address (browsers refuse one as an RP ID). */
export function parseRpId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!RP_ID.test(raw) || /^[0-9.]+$/.test(raw)) {
    throw new ConfigError(
      `Environment variable WEBAUTHN_RP_ID must be a lower-case host name such as example.com (no scheme, port, path or IP address), got "${raw}"`,
    );
  }
  return raw;
}

/** Parses `https://app.example.com,android:apk-key-hash:...`; repeated entries count once. */
export function parseWebAuthnOrigins(raw: string | undefined): readonly string[] {
  const origins = uniqueEntries(raw);
  for (const origin of origins) {
    if (ANDROID_ORIGIN.test(origin)) continue;
    if (origin === '*' || serializedOrigin(origin) !== origin) {
      throw new ConfigError(
        `Environment variable WEBAUTHN_ORIGINS has "${origin}", not an exact origin (https://host[:port], lower case, no path) or android:apk-key-hash:<43 base64url characters>`,
      );
    }
  }
  return origins;
}

/**
 * API Gateway's default account quota in a region (requests per second, and burst): a throttle above
 * it never applies.
 */
export const API_GATEWAY_MAX_RATE = 10_000;
export const API_GATEWAY_MAX_BURST = 5_000;

const keyCacheSeconds = int('KEY_CACHE_SECONDS', 'keys', {
  default: 300,
  min: 0,
  max: HOUR,
  doc: 'how long a warm function keeps the signing keys (the JWKS function: the published public keys)',
});
const accessTokenTtlSeconds = int('ACCESS_TOKEN_TTL_SECONDS', 'tokens', {
  default: 900,
  min: 60,
  max: DAY,
  doc: 'access token lifetime, never past the end of its refresh family (`expires_in` says how long)',
});

export const SETTINGS = {
  otpTtlSeconds: int('OTP_TTL_SECONDS', 'otp', {
    default: 300,
    min: 30,
    max: HOUR,
    doc: 'code lifetime, from the moment SNS accepted the SMS',
  }),
  accessTokenTtlSeconds,
  refreshTokenTtlSeconds: int('REFRESH_TOKEN_TTL_SECONDS', 'tokens', {
    default: 30 * DAY,
    shownDefault: '`2592000` (30 days)',
    min: 300,
    max: 365 * DAY,
    doc: `refresh family lifetime, absolute from the login; at most ${MAX_FAMILY_GENERATION} × \`ACCESS_TOKEN_TTL_SECONDS\` (a family ends after ${MAX_FAMILY_GENERATION} refreshes)`,
  }),
  refreshReuseGraceSeconds: int('REFRESH_REUSE_GRACE_SECONDS', 'tokens', {
    default: 0,
    min: 0,
    // Short by design: inside the window a thief replaying the previous token shares the family.
    max: 60,
    doc: 'window in which a replayed parent returns the same child (shorter than the access TTL)',
  }),
  signupMode: text('SIGNUP_MODE', 'otp', {
    shownDefault: '`open`',
    example: 'closed',
    doc: '`open`: unknown numbers become users on send; `closed`: only existing users get SMS',
    parse: (value): 'open' | 'closed' => {
      const mode = value ?? 'open';
      if (mode !== 'open' && mode !== 'closed') {
        throw new ConfigError(`Environment variable SIGNUP_MODE must be "open" or "closed", got "${mode}"`);
      }
      return mode;
    },
  }),
  smsTemplate: text('SMS_TEMPLATE', 'otp', {
    shownDefault: `\`${DEFAULT_SMS_TEMPLATE}\``,
    example: 'Code {code}, valid {minutes} min.',
    doc: 'SMS text; must contain `{code}`',
    parse: (value) => {
      const template = value ?? DEFAULT_SMS_TEMPLATE;
      if (!template.includes('{code}')) throw new ConfigError('Environment variable SMS_TEMPLATE must contain {code}');
      return template;
    },
  }),
  smsTemplates: text('SMS_TEMPLATES', 'otp', {
    shownDefault: '-',
    example: '{"IN":"Aapka code {code} hai.","FR":"Votre code est {code}."}',
    doc: 'JSON object from ISO 3166 alpha-2 country code to template (placeholders as `SMS_TEMPLATE`), chosen by the destination number; other countries get `SMS_TEMPLATE`. Each template is checked at start and its SMS segments logged (a 2-segment one as a warning)',
    parse: (value): ReadonlyMap<string, string> => parseSmsTemplates(value),
  }),
  smsNumberChangedTemplate: text('SMS_NUMBER_CHANGED_TEMPLATE', 'numberChangeNotice', {
    shownDefault: `\`${DEFAULT_NUMBER_CHANGED_TEMPLATE}\``,
    example: 'Your account moved to another number. Not you? Call us.',
    doc: 'the one SMS sent to the old number when a number change completes (not counted against its send limits; never to a test number); no placeholders, no code: put no link in it either',
    parse: (value) => {
      const template = value ?? DEFAULT_NUMBER_CHANGED_TEMPLATE;
      const problem = noticeTemplateProblem(template);
      if (problem)
        throw new ConfigError(`Environment variable SMS_NUMBER_CHANGED_TEMPLATE must not be a template ${problem}`);
      return template;
    },
  }),
  smsNumberChangedTemplates: text('SMS_NUMBER_CHANGED_TEMPLATES', 'numberChangeNotice', {
    shownDefault: '-',
    example: '{"FR":"Le numéro de votre compte a été changé."}',
    doc: 'JSON object from ISO 3166 alpha-2 country code to that notice, chosen by the old number, as `SMS_TEMPLATES` is for codes; other countries get `SMS_NUMBER_CHANGED_TEMPLATE`',
    parse: (value): ReadonlyMap<string, string> =>
      parseSmsTemplates(value, 'SMS_NUMBER_CHANGED_TEMPLATES', noticeTemplateProblem),
  }),
  androidAppHash: text('ANDROID_APP_HASH', 'otp', {
    shownDefault: '-',
    example: 'FA+9qCX9VSu',
    doc: "your Android app's 11-character SMS Retriever hash, appended on its own line so the app reads the code without a permission; the message must then fit 140 bytes",
    parse: (value) => {
      if (value !== undefined && !/^[A-Za-z0-9+/]{11}$/.test(value)) {
        throw new ConfigError(
          `Environment variable ANDROID_APP_HASH must be the 11-character hash (letters, digits, + and /), got "${value}"`,
        );
      }
      return value;
    },
  }),
  webOtpDomain: text('WEB_OTP_DOMAIN', 'otp', {
    shownDefault: '-',
    example: 'app.example.com',
    doc: 'host of your web app: the last line becomes `@<domain> #<code>`, which iOS and Android keyboards and the WebOTP API fill in; the message must then fit 140 bytes',
    parse: (value) => {
      if (value !== undefined && !isHostName(value)) {
        throw new ConfigError(
          `Environment variable WEB_OTP_DOMAIN must be a host name such as app.example.com (no scheme, port or path), got "${value}"`,
        );
      }
      return value;
    },
  }),
  smsProvider: text('SMS_PROVIDER', 'sms', {
    shownDefault: '`sns`',
    example: 'end-user-messaging',
    doc: '`sns` (SNS `Publish`) or `end-user-messaging` (AWS End User Messaging SMS `SendTextMessage`, which takes the four settings below); the function may call only the one chosen',
    parse: (value): SmsProvider => {
      const provider = value ?? 'sns';
      if (!(SMS_PROVIDERS as readonly string[]).includes(provider)) {
        throw new ConfigError(
          `Environment variable SMS_PROVIDER must be "sns" or "end-user-messaging", got "${provider}"`,
        );
      }
      return provider as SmsProvider;
    },
  }),
  smsSenderId: text('SMS_SENDER_ID', 'sms', {
    shownDefault: '-',
    example: 'OtpLogin',
    doc: 'alphanumeric sender id, where the country supports it (End User Messaging: its id or ARN, the origination identity when `SMS_ORIGINATION_NUMBER` is unset)',
    parse: (value) => value,
  }),
  smsOriginationNumber: text('SMS_ORIGINATION_NUMBER', 'sms', {
    shownDefault: '-',
    example: '+12015550100',
    doc: 'origination number (10DLC, toll-free, short code); End User Messaging also takes its id or ARN, or a pool id or ARN',
    parse: (value) => value,
  }),
  smsProtectConfigurationId: text('SMS_PROTECT_CONFIGURATION_ID', 'sms', {
    shownDefault: '-',
    example: 'protect-0123456789abcdef0123456789abcdef',
    doc: "End User Messaging protect configuration (id or ARN) applied to every code: country rules and AWS's SMS-pumping filter",
    parse: (value) => endUserMessagingName('SMS_PROTECT_CONFIGURATION_ID', value),
  }),
  smsConfigurationSet: text('SMS_CONFIGURATION_SET', 'sms', {
    shownDefault: '-',
    example: 'otp-login',
    doc: 'End User Messaging configuration set (name or ARN): event destinations, default identity',
    parse: (value) => endUserMessagingName('SMS_CONFIGURATION_SET', value),
  }),
  smsMaxPrice: text('SMS_MAX_PRICE', 'sms', {
    shownDefault: '-',
    example: '0.10',
    doc: 'End User Messaging: most US dollars per message part (`0.10`); a dearer destination is refused, not sent',
    parse: (value) => {
      if (value !== undefined && !/^[0-9]{0,2}\.[0-9]{1,5}$/.test(value)) {
        throw new ConfigError(
          `Environment variable SMS_MAX_PRICE must be dollars such as 0.10 (up to 99.99999), got "${value}"`,
        );
      }
      return value;
    },
  }),
  otpMaxAttempts: int('OTP_MAX_ATTEMPTS', 'otp', {
    default: 5,
    min: 1,
    max: 100,
    doc: 'wrong codes per number before a lockout; they stop counting `OTP_LOCKOUT_SECONDS` after the latest one',
  }),
  otpLockoutSeconds: int('OTP_LOCKOUT_SECONDS', 'otp', {
    default: 900,
    min: 1,
    max: DAY,
    doc: 'lockout length, and how long wrong codes keep counting after the latest; a new code does not lift it',
  }),
  sendCooldownSeconds: int('SEND_COOLDOWN_SECONDS', 'otp', {
    default: 60,
    min: 0,
    max: HOUR,
    doc: 'minimum gap between two SMS to one number',
  }),
  // A record remembers MAX_SEND_HISTORY sends: a higher limit could never be reached.
  sendMaxPerHour: int('SEND_MAX_PER_HOUR', 'otp', {
    default: 5,
    min: 1,
    max: MAX_SEND_HISTORY,
    doc: 'SMS per number per hour (the most a record remembers)',
  }),
  sendMaxPerDay: int('SEND_MAX_PER_DAY', 'otp', {
    default: 10,
    min: 1,
    max: MAX_SEND_HISTORY,
    doc: 'SMS per number per day (the most a record remembers)',
  }),
  sendMaxPerIpPerHour: int('SEND_MAX_PER_IP_PER_HOUR', 'otp', {
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: 'SMS per client IP (IPv6: per /64) per hour',
  }),
  sendMaxPerCountryPerHour: text('SEND_MAX_PER_COUNTRY_PER_HOUR', 'otp', {
    shownDefault: 'no cap',
    example: 'IN=5000,US=2000,*=200',
    doc: `SMS per destination country per hour, across all numbers and IPs: \`IN=5000,US=2000,*=200\` (\`*\`: each other country, and each non-geographic plan; \`+881=20\` names one of those); 1-${MAX_COUNTRY_BUDGET} each; a country not listed, without \`*\`, has no cap`,
    parse: (value) => parseCountryBudgets(value),
  }),
  allowedCountries: text('ALLOWED_COUNTRIES', 'otp', {
    shownDefault: 'all',
    example: 'IN,US',
    doc: 'comma-separated ISO 3166 alpha-2 codes (each one the phone library knows); numbers of no country need `ALLOWED_GLOBAL_CALLING_CODES`',
    parse: (value): readonly string[] =>
      (value ?? '')
        .split(',')
        .filter((c) => c.trim())
        .map((c) => parseCountryCode('ALLOWED_COUNTRIES', c)),
  }),
  allowedGlobalCallingCodes: text('ALLOWED_GLOBAL_CALLING_CODES', 'otp', {
    shownDefault: 'none',
    example: '+881,+882',
    doc: `comma-separated non-geographic calling codes (of ${NON_GEOGRAPHIC_CALLING_CODES.map((c) => `\`+${c}\``).join(', ')}: freephone, satellite such as Iridium and Inmarsat, international networks) whose numbers may get a code, whatever \`ALLOWED_COUNTRIES\` says; numbers of any other such code get \`unsupported_phone_number\` (with \`ALLOWED_COUNTRIES\` set, \`country_not_allowed\`)`,
    parse: (value): readonly string[] => parseAllowedGlobalCallingCodes(value),
  }),
  allowedNumberTypes: text('ALLOWED_NUMBER_TYPES', 'otp', {
    shownDefault: '`MOBILE,FIXED_LINE_OR_MOBILE`',
    example: 'MOBILE',
    doc: `comma-separated libphonenumber number types that may receive a code, of ${PHONE_NUMBER_TYPES.map((t) => `\`${t}\``).join(', ')}; any other valid number gets \`unsupported_phone_number\``,
    parse: (value): readonly PhoneNumberType[] => parseAllowedNumberTypes(value),
  }),
  testPhoneNumbers: text('TEST_PHONE_NUMBERS', 'otp', {
    shownDefault: '-',
    example: '+12015550123:424242',
    doc: '`+12015550123:424242,...`: fixed codes, no SMS, no send limits (refused with `-c production=true`)',
    parse: (value): ReadonlyMap<string, string> => parseTestPhoneNumbers(value),
  }),
  recentLoginMaxAgeSeconds: int('RECENT_LOGIN_MAX_AGE_SECONDS', 'recentLogin', {
    default: 300,
    min: 30,
    max: DAY,
    doc: 'how recent the login behind an access token (its `auth_time`) must be for `DELETE /me`, `POST /me/phone-number` and its verify, and adding or removing a passkey; older: `403 recent_login_required`, and the app logs in again with a code',
  }),
  tableName: text('TABLE_NAME', 'table', {
    shownDefault: 'set by the stack',
    example: 'otp-login-table',
    doc: 'DynamoDB table',
    parse: required('TABLE_NAME'),
    stackOwned: true,
  }),
  signingKeySecretId: text('SIGNING_KEY_SECRET_ID', 'signingKey', {
    shownDefault: 'set by the stack',
    example: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login-AbCdEf',
    doc: 'Secrets Manager secret holding the key set',
    parse: required('SIGNING_KEY_SECRET_ID'),
    stackOwned: true,
  }),
  issuer: text('ISSUER', 'common', {
    shownDefault: 'the API URL',
    example: 'https://auth.example.com',
    doc: 'JWT `iss`; `jwks_uri` is `$ISSUER/.well-known/jwks.json`',
    parse: (value) => required('ISSUER')(value).replace(/\/+$/, ''),
    stackOwned: true,
  }),
  audience: text('AUDIENCE', 'common', {
    shownDefault: '`otp-login`',
    example: 'my-app',
    doc: 'JWT `aud`',
    parse: (value) => value ?? 'otp-login',
  }),
  keyCacheSeconds,
  keyPublishLeadSeconds: int('KEY_PUBLISH_LEAD_SECONDS', 'rotation', {
    default: (env) => API_GATEWAY_JWKS_CACHE_SECONDS + keyCacheSeconds.parse(env[keyCacheSeconds.name], env) + 300,
    min: 0,
    max: 30 * DAY,
    doc: "how long before it signs a new key is published: API Gateway's 2 h JWKS cache + `KEY_CACHE_SECONDS` + 5 min",
  }),
  keyRetainSeconds: int('KEY_RETAIN_SECONDS', 'rotation', {
    default: (env) =>
      accessTokenTtlSeconds.parse(env[accessTokenTtlSeconds.name], env) +
      keyCacheSeconds.parse(env[keyCacheSeconds.name], env) +
      API_GATEWAY_JWKS_CACHE_SECONDS,
    min: 0,
    max: 30 * DAY,
    doc: 'how long a superseded key stays published: `ACCESS_TOKEN_TTL_SECONDS` + `KEY_CACHE_SECONDS` + 2 h',
  }),
  allowedOrigins: text('ALLOWED_ORIGINS', 'httpApi', {
    shownDefault: 'none',
    example: 'https://app.example.com,http://localhost:5173',
    doc: 'comma-separated exact origins (`https://app.example.com`) whose browser apps may call the API (CORS, in AWS and in `npm start`); `*` any origin (refused with `-c production=true`)',
    parse: (value) => parseAllowedOrigins(value),
  }),
  iosAppIds: text('IOS_APP_IDS', 'appLinks', {
    shownDefault: 'none',
    example: 'ABCDE12345.com.example.app,ABCDE12345.com.example.app.beta',
    doc: "comma-separated `TEAMID.bundle.id` of your iOS apps: `GET /.well-known/apple-app-site-association` lists them under `webcredentials`, so they may use passkeys for the domain (404 when unset; the API must be at its domain's root)",
    parse: (value) => parseIosAppIds(value),
  }),
  androidApps: text('ANDROID_APPS', 'appLinks', {
    shownDefault: 'none',
    example: `com.example.app=${'AB:'.repeat(31)}CD`,
    doc: "comma-separated `package.name=SHA256:CERT:FINGERPRINT` of your Android apps (a package once per signing certificate): `GET /.well-known/assetlinks.json` grants them `delegate_permission/common.get_login_creds`, so they may use passkeys for the domain (404 when unset; the API must be at its domain's root)",
    parse: (value) => parseAndroidApps(value),
  }),
  webauthnRpId: text('WEBAUTHN_RP_ID', 'passkeys', {
    shownDefault: "the issuer's host (`localhost` for a loopback address)",
    example: 'example.com',
    doc: "the passkeys' relying party: the domain they are bound to, which the origins must be at or under (`example.com` also serves `app.example.com`); changing it strands every passkey already made",
    parse: (value) => parseRpId(value),
  }),
  webauthnRpName: text('WEBAUTHN_RP_NAME', 'passkeys', {
    shownDefault: 'the RP ID',
    example: 'Example',
    doc: 'the name a passkey prompt shows for the service',
    parse: (value) => value,
  }),
  webauthnOrigins: text('WEBAUTHN_ORIGINS', 'passkeys', {
    shownDefault: "the issuer's origin (`localhost` for a loopback address)",
    example: 'https://app.example.com,android:apk-key-hash:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE',
    doc: 'comma-separated origins a passkey ceremony may come from: exact web origins at or under the RP ID, and `android:apk-key-hash:<base64url SHA-256 of the signing certificate>` for Android apps (iOS apps send `https://<RP ID>`)',
    parse: (value) => parseWebAuthnOrigins(value),
  }),
  passkeyChallengeTtlSeconds: int('PASSKEY_CHALLENGE_TTL_SECONDS', 'passkeys', {
    default: 300,
    min: 30,
    max: HOUR,
    doc: 'how long a passkey challenge (`POST /passkey/options`, `POST /me/passkeys/options`) may be answered; each is single-use',
  }),
  passkeysPerUserMax: int('PASSKEYS_PER_USER_MAX', 'passkeys', {
    default: 10,
    min: 1,
    max: 50,
    doc: 'passkeys one user may have; enrolling one more is `409 passkey_limit_reached`',
  }),
  passkeyMaxPerIpPerHour: int('PASSKEY_MAX_PER_IP_PER_HOUR', 'passkeys', {
    default: 120,
    min: 1,
    max: 100_000,
    doc: 'requests to `POST /passkey/options` and `POST /passkey/verify` together per client IP (IPv6: per /64) and hour, as `SEND_MAX_PER_IP_PER_HOUR` for codes; a sign-in is two',
  }),
  eventsSource: text('EVENTS_SOURCE', 'events', {
    shownDefault: '`otp-login`',
    example: 'com.example.auth',
    doc: 'the `source` of the account events on the event bus (docs/events.md): 1-256 of `A-Z a-z 0-9 . _ - /`, not starting with `aws.`',
    parse: (value) => parseEventsSource(value),
  }),
  eventsIncludePhoneNumber: text('EVENTS_INCLUDE_PHONE_NUMBER', 'events', {
    shownDefault: '`false`',
    example: 'true',
    doc: "`true`: account events carry the user's phone number (`phone_number`, `previous_phone_number`); off by default, since a bus is read by many",
    parse: (value) => parseFlag('EVENTS_INCLUDE_PHONE_NUMBER', value),
  }),
  claimsHookTimeoutMs: int('CLAIMS_HOOK_TIMEOUT_MS', 'claims', {
    default: 1000,
    min: 100,
    max: 10_000,
    doc: "how long the claims hook (the construct's `claims` function; `CLAIMS_HOOK` in `npm start`) may take to answer before the login, number change or refresh fails closed with `503 service_unavailable`",
  }),
  claimsHookFunctionArn: text('CLAIMS_HOOK_FUNCTION_ARN', 'claims', {
    shownDefault: 'set by the stack (with `claims`)',
    example: 'arn:aws:lambda:us-east-1:123456789012:function:claims',
    doc: 'the claims function the four token-issuing functions invoke',
    parse: (value) => value,
    stackOwned: true,
  }),
  sendOtpThrottlePerSecond: int('SEND_OTP_THROTTLE_PER_SECOND', 'stack', {
    default: 10,
    min: 1,
    max: API_GATEWAY_MAX_RATE,
    doc: "API Gateway's steady rate of `POST /send-otp` requests per second, all clients together (AWS only): it caps the account's SMS spend, and one source's flood denies everyone, so size it from your peak logins (docs/security.md)",
  }),
  sendOtpThrottleBurst: int('SEND_OTP_THROTTLE_BURST', 'stack', {
    default: 20,
    min: 1,
    max: API_GATEWAY_MAX_BURST,
    doc: '`POST /send-otp` requests API Gateway lets through at once above that rate (AWS only)',
  }),
  apiThrottlePerSecond: int('API_THROTTLE_PER_SECOND', 'stack', {
    default: 50,
    min: 1,
    max: API_GATEWAY_MAX_RATE,
    doc: "the stage's default throttle: requests per second API Gateway lets through on each route without one of its own (AWS only)",
  }),
  apiThrottleBurst: int('API_THROTTLE_BURST', 'stack', {
    default: 100,
    min: 1,
    max: API_GATEWAY_MAX_BURST,
    doc: "the stage's default burst: requests at once above that rate on each such route (AWS only)",
  }),
  smsVolumeAlarmPerHour: int('SMS_VOLUME_ALARM_PER_HOUR', 'stack', {
    default: 500,
    min: 1,
    max: MAX_COUNTRY_BUDGET,
    doc: 'SMS sent within an hour (codes and number-change notices) at which the SMS-volume (pumping) alarm fires: a few times your busiest legitimate hour',
  }),
} as const satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;

/** The public variable names, by setting. */
export const ENV = Object.fromEntries(Object.entries(SETTINGS).map(([key, setting]) => [key, setting.name])) as {
  readonly [K in SettingKey]: Settings[K]['name'];
};

type ConfigKey = { [K in SettingKey]: Settings[K] extends { stackOwned: true } ? never : K }[SettingKey];

/** The deploy-time configuration: every setting the stack does not set itself. */
export type ConfigName = Settings[ConfigKey]['name'];

export const CONFIG_NAMES = Object.values(SETTINGS)
  .filter((setting: Setting) => !setting.stackOwned)
  .map((setting) => setting.name) as ConfigName[];

/** The configuration names of some groups, in table order. */
export function configNamesOf(groups: readonly SettingGroup[]): ConfigName[] {
  return Object.values(SETTINGS)
    .filter((setting: Setting) => !setting.stackOwned && groups.includes(setting.group))
    .map((setting) => setting.name) as ConfigName[];
}

type KeysOf<G extends SettingGroup> = {
  [K in SettingKey]: Settings[K]['group'] extends G ? K : never;
}[SettingKey];

/** The parsed settings of some groups, by key. */
export type SettingValues<G extends SettingGroup> = {
  readonly [K in KeysOf<G>]: ReturnType<Settings[K]['parse']>;
};

/** Parses every setting of the given groups from `env`. */
export function parseSettings<G extends SettingGroup>(env: Env, ...groups: G[]): SettingValues<G> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting][]) {
    if ((groups as SettingGroup[]).includes(setting.group)) values[key] = setting.parse(env[setting.name], env);
  }
  return values as SettingValues<G>;
}

export function requireString(env: Env, name: string): string {
  return required(name)(env[name]?.trim() || undefined);
}

/** The OTP policy of send-otp and verify-otp. */
export function parseOtpConfig(env: Env): OtpPolicy {
  return parseOtpConfigReporting(env).policy;
}

/**
 * The OTP policy and what each of its SMS templates costs, measured once: every template as it will
 * be sent, so a template autofill cannot read fails at start, not per SMS.
 */
export function parseOtpConfigReporting(env: Env): { policy: OtpPolicy; templates: SmsTemplateReport[] } {
  const config = parseSettings(env, 'otp');
  // A budget for a plan whose numbers are refused would build an alarm that can never fire.
  for (const key of config.sendMaxPerCountryPerHour?.byCountry.keys() ?? []) {
    if (key.startsWith('+') && !config.allowedGlobalCallingCodes.includes(key.slice(1))) {
      throw new ConfigError(
        `Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR budgets ${key}, whose numbers are refused: name it in ALLOWED_GLOBAL_CALLING_CODES too, or drop the budget`,
      );
    }
  }
  const reports = reportSmsTemplates(
    { default: config.smsTemplate, byCountry: config.smsTemplates },
    config.otpTtlSeconds,
    config,
  );
  for (const report of reports) {
    if (report.problem)
      throw new ConfigError(`Environment variable ${report.name.replace('.', ' for ')} ${report.problem}`);
  }
  return { policy: config, templates: reports };
}

/** Token lifetimes, with the limits that tie them together. */
export function parseTokenConfig(env: Env): SessionSettings {
  const config = parseSettings(env, 'common', 'tokens');
  // A family ends after MAX_FAMILY_GENERATION rotations: a client refreshing once per access token
  // must be able to reach the family's end before that.
  const reachable = MAX_FAMILY_GENERATION * config.accessTokenTtlSeconds;
  if (config.refreshTokenTtlSeconds > reachable) {
    throw new ConfigError(
      `Environment variable ${ENV.refreshTokenTtlSeconds} must be at most ${reachable} with ${ENV.accessTokenTtlSeconds}=${config.accessTokenTtlSeconds} ` +
        `(a family ends after ${MAX_FAMILY_GENERATION} refreshes), got ${config.refreshTokenTtlSeconds}`,
    );
  }
  if (config.refreshReuseGraceSeconds >= config.accessTokenTtlSeconds) {
    throw new ConfigError(
      `Environment variable ${ENV.refreshReuseGraceSeconds} must be shorter than ${ENV.accessTokenTtlSeconds}`,
    );
  }
  return config;
}

export type SmsConfig = SettingValues<'sms'>;

export function parseSmsConfig(env: Env): SmsConfig {
  const config = parseSettings(env, 'sms');
  if (config.smsProvider === 'sns') {
    // A protect configuration or price ceiling that SNS ignores would be a protection that is not there.
    const ignored = END_USER_MESSAGING_ONLY.filter((key) => config[key] !== undefined).map((key) => ENV[key]);
    if (ignored.length > 0) {
      throw new ConfigError(`Environment variable ${ignored.join(', ')} needs SMS_PROVIDER=end-user-messaging`);
    }
  }
  return config;
}

/** Seconds since the login behind a token within which the account routes accept it. */
export function parseRecentLoginMaxAge(env: Env): number {
  return parseSettings(env, 'recentLogin').recentLoginMaxAgeSeconds;
}

/**
 * The number-change notice's templates, and what each costs (as the login templates are reported,
 * so a two-segment notice shows in the logs at start).
 */
export function parseNumberChangeNotice(env: Env): { templates: SmsTemplates; reports: SmsTemplateReport[] } {
  const config = parseSettings(env, 'numberChangeNotice');
  const templates = { default: config.smsNumberChangedTemplate, byCountry: config.smsNumberChangedTemplates };
  const named = namedTemplates(templates, ENV.smsNumberChangedTemplate, ENV.smsNumberChangedTemplates);
  return { templates, reports: named.map(([name, template]) => ({ name, ...smsSize(template) })) };
}

/** Seconds a Lambda keeps the parsed signing keys before it reads the secret again. */
export function parseKeyCacheSeconds(env: Env): number {
  return parseSettings(env, 'keys').keyCacheSeconds;
}

/**
 * Rotation timing: a new key is published this long before it signs, and a superseded key stays
 * published this long. Defaults cover API Gateway's JWKS cache, our key cache and the access-token TTL.
 */
export function parseRotationTiming(env: Env): { publishLeadSeconds: number; retainSeconds: number } {
  const { keyPublishLeadSeconds, keyRetainSeconds } = parseSettings(env, 'rotation');
  return { publishLeadSeconds: keyPublishLeadSeconds, retainSeconds: keyRetainSeconds };
}

/** What API Gateway applies before the functions run: the origins its CORS configuration allows. */
export function parseHttpApiConfig(env: Env): SettingValues<'httpApi'> {
  return parseSettings(env, 'httpApi');
}

/** The apps that may use passkeys for this domain: what `/.well-known/apple-app-site-association` and `assetlinks.json` serve. */
export function parseAppLinks(env: Env): SettingValues<'appLinks'> {
  return parseSettings(env, 'appLinks');
}

/** Where a loopback issuer (the local server's `http://127.0.0.1:3000`) is reached for WebAuthn, which refuses IP addresses. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

export interface PasskeyConfig {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
  readonly challengeTtlSeconds: number;
  readonly perUserMax: number;
  readonly maxPerIpPerHour: number;
}

/**
 * The passkey settings, with the defaults that derive from `ISSUER`: the RP ID is its host and the one
 * origin its own. Every web origin must be at or under the RP ID, since a browser refuses any other
 * pairing: a mismatch would only fail every ceremony, so it fails the start instead.
 */
export function parsePasskeyConfig(env: Env): PasskeyConfig {
  const config = parseSettings(env, 'common', 'passkeys');
  const issuer = new URL(config.issuer);
  const issuerHost = LOOPBACK_HOSTS.has(issuer.hostname) ? 'localhost' : issuer.hostname;
  const rpId = config.webauthnRpId ?? parseRpIdFromIssuer(issuerHost);
  const issuerOrigin = `${issuer.protocol}//${issuerHost}${issuer.port ? `:${issuer.port}` : ''}`;
  const origins = config.webauthnOrigins.length > 0 ? config.webauthnOrigins : [issuerOrigin];
  for (const origin of origins) {
    if (ANDROID_ORIGIN.test(origin)) continue;
    const { hostname, protocol } = new URL(origin);
    if (hostname !== rpId && !hostname.endsWith(`.${rpId}`)) {
      throw new ConfigError(
        `Environment variable WEBAUTHN_ORIGINS has "${origin}", which is not at or under the RP ID ${rpId} (WEBAUTHN_RP_ID): browsers would refuse every passkey ceremony from it`,
      );
    }
    if (protocol !== 'https:' && hostname !== 'localhost') {
      throw new ConfigError(
        `Environment variable WEBAUTHN_ORIGINS has "${origin}": browsers offer passkeys only to https origins (and http://localhost)`,
      );
    }
  }
  return {
    rpId,
    rpName: config.webauthnRpName ?? rpId,
    origins,
    challengeTtlSeconds: config.passkeyChallengeTtlSeconds,
    perUserMax: config.passkeysPerUserMax,
    maxPerIpPerHour: config.passkeyMaxPerIpPerHour,
  };
}

function parseRpIdFromIssuer(host: string): string {
  try {
    return parseRpId(host) as string;
  } catch {
    throw new ConfigError(
      `The issuer's host ${host} cannot be a passkey RP ID (an IP address?): set WEBAUTHN_RP_ID, or give the API a domain`,
    );
  }
}

/** `CLAIMS_HOOK_TIMEOUT_MS`: the claims hook's deadline, in milliseconds. */
export function parseClaimsHookTimeout(env: Env): number {
  return parseSettings(env, 'claims').claimsHookTimeoutMs;
}

/** What the stack applies in AWS, around the functions: API Gateway's throttling and the SMS-volume alarm. */
export function parseStackConfig(env: Env): SettingValues<'stack'> {
  return parseSettings(env, 'stack');
}
