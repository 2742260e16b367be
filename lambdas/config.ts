import { MAX_SEND_HISTORY } from './core/phone-record.js';
import { MAX_FAMILY_GENERATION } from './core/sessions.js';

/**
 * Environment variables: the public names, declared once and shared by the Lambda entries,
 * the local server and the CDK stack. Parsing fails fast with the name of the bad variable. Every
 * range is what the code can hold: a value it could not enforce is refused, never accepted and
 * silently ignored.
 */
export const ENV = {
  otpTtlSeconds: 'OTP_TTL_SECONDS',
  accessTokenTtlSeconds: 'ACCESS_TOKEN_TTL_SECONDS',
  refreshTokenTtlSeconds: 'REFRESH_TOKEN_TTL_SECONDS',
  refreshReuseGraceSeconds: 'REFRESH_REUSE_GRACE_SECONDS',
  signupMode: 'SIGNUP_MODE',
  smsTemplate: 'SMS_TEMPLATE',
  smsSenderId: 'SMS_SENDER_ID',
  smsOriginationNumber: 'SMS_ORIGINATION_NUMBER',
  tableName: 'TABLE_NAME',
  signingKeySecretId: 'SIGNING_KEY_SECRET_ID',
  issuer: 'ISSUER',
  audience: 'AUDIENCE',
  otpMaxAttempts: 'OTP_MAX_ATTEMPTS',
  otpLockoutSeconds: 'OTP_LOCKOUT_SECONDS',
  sendCooldownSeconds: 'SEND_COOLDOWN_SECONDS',
  sendMaxPerHour: 'SEND_MAX_PER_HOUR',
  sendMaxPerDay: 'SEND_MAX_PER_DAY',
  sendMaxPerIpPerHour: 'SEND_MAX_PER_IP_PER_HOUR',
  allowedCountries: 'ALLOWED_COUNTRIES',
  testPhoneNumbers: 'TEST_PHONE_NUMBERS',
  keyCacheSeconds: 'KEY_CACHE_SECONDS',
  keyPublishLeadSeconds: 'KEY_PUBLISH_LEAD_SECONDS',
  keyRetainSeconds: 'KEY_RETAIN_SECONDS',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SMS_TEMPLATE = 'Your code is {code}. It expires in {minutes} minutes.';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type SignupMode = 'open' | 'closed';

export interface OtpConfig {
  otpTtlSeconds: number;
  signupMode: SignupMode;
  smsTemplate: string;
  otpMaxAttempts: number;
  otpLockoutSeconds: number;
  sendCooldownSeconds: number;
  sendMaxPerHour: number;
  sendMaxPerDay: number;
  sendMaxPerIpPerHour: number;
  /** ISO 3166-1 alpha-2 codes; empty means every country. */
  allowedCountries: readonly string[];
  /** E.164 number -> fixed 6-digit code; these numbers never get an SMS. */
  testPhoneNumbers: ReadonlyMap<string, string>;
}

export interface TokenConfig {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
}

export interface SmsConfig {
  senderId?: string;
  originationNumber?: string;
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`Environment variable ${name} must be a whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`Environment variable ${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function requireString(env: Env, name: string): string {
  const raw = env[name]?.trim();
  if (!raw) throw new ConfigError(`Environment variable ${name} is required`);
  return raw;
}

function optionalString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function readSignupMode(env: Env): SignupMode {
  const raw = (env[ENV.signupMode] ?? 'open').trim() || 'open';
  if (raw !== 'open' && raw !== 'closed') {
    throw new ConfigError(`Environment variable ${ENV.signupMode} must be "open" or "closed", got "${raw}"`);
  }
  return raw;
}

function readCountries(env: Env): string[] {
  const raw = env[ENV.allowedCountries] ?? '';
  const codes = raw
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code)) {
      throw new ConfigError(`Environment variable ${ENV.allowedCountries} has "${code}", not an ISO 3166 alpha-2 code`);
    }
  }
  return codes;
}

/** Parses `+12015550123:424242,+919000000000:111111`. Numbers must already be E.164. */
export function parseTestPhoneNumbers(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of (raw ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const match = /^(\+[1-9]\d{6,14}):(\d{6})$/.exec(trimmed);
    if (!match?.[1] || !match[2]) {
      throw new ConfigError(
        `Environment variable ${ENV.testPhoneNumbers} has "${trimmed}"; expected +E164:6digits entries separated by commas`,
      );
    }
    map.set(match[1], match[2]);
  }
  return map;
}

function readTemplate(env: Env): string {
  const template = env[ENV.smsTemplate] || DEFAULT_SMS_TEMPLATE;
  if (!template.includes('{code}')) {
    throw new ConfigError(`Environment variable ${ENV.smsTemplate} must contain {code}`);
  }
  return template;
}

const DAY = 86_400;

export function parseOtpConfig(env: Env): OtpConfig {
  return {
    otpTtlSeconds: readInt(env, ENV.otpTtlSeconds, 300, 30, 3600),
    signupMode: readSignupMode(env),
    smsTemplate: readTemplate(env),
    otpMaxAttempts: readInt(env, ENV.otpMaxAttempts, 5, 1, 100),
    otpLockoutSeconds: readInt(env, ENV.otpLockoutSeconds, 900, 1, DAY),
    sendCooldownSeconds: readInt(env, ENV.sendCooldownSeconds, 60, 0, 3600),
    // A record remembers MAX_SEND_HISTORY sends: a higher limit could never be reached.
    sendMaxPerHour: readInt(env, ENV.sendMaxPerHour, 5, 1, MAX_SEND_HISTORY),
    sendMaxPerDay: readInt(env, ENV.sendMaxPerDay, 10, 1, MAX_SEND_HISTORY),
    sendMaxPerIpPerHour: readInt(env, ENV.sendMaxPerIpPerHour, 100, 1, 1_000_000),
    allowedCountries: readCountries(env),
    testPhoneNumbers: parseTestPhoneNumbers(env[ENV.testPhoneNumbers]),
  };
}

export function parseTokenConfig(env: Env): TokenConfig {
  const config = {
    issuer: requireString(env, ENV.issuer).replace(/\/+$/, ''),
    audience: requireString(env, ENV.audience),
    accessTokenTtlSeconds: readInt(env, ENV.accessTokenTtlSeconds, 900, 60, DAY),
    refreshTokenTtlSeconds: readInt(env, ENV.refreshTokenTtlSeconds, 30 * DAY, 300, 365 * DAY),
    // Short by design: inside the window a thief replaying the previous token shares the family.
    refreshReuseGraceSeconds: readInt(env, ENV.refreshReuseGraceSeconds, 0, 0, 60),
  };
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

export function parseSmsConfig(env: Env): SmsConfig {
  const senderId = optionalString(env, ENV.smsSenderId);
  const originationNumber = optionalString(env, ENV.smsOriginationNumber);
  return {
    ...(senderId ? { senderId } : {}),
    ...(originationNumber ? { originationNumber } : {}),
  };
}

/** Seconds a Lambda keeps the parsed signing keys before it reads the secret again. */
export function parseKeyCacheSeconds(env: Env): number {
  return readInt(env, ENV.keyCacheSeconds, 300, 0, 3600);
}

/** API Gateway caches a JWKS for up to two hours. */
export const API_GATEWAY_JWKS_CACHE_SECONDS = 7200;

/**
 * Rotation timing: a new key is published this long before it signs, and a superseded key stays
 * published this long. Defaults cover API Gateway's JWKS cache, our key cache and the access-token TTL.
 */
export function parseRotationTiming(env: Env): { publishLeadSeconds: number; retainSeconds: number } {
  const keyCache = parseKeyCacheSeconds(env);
  const accessTtl = readInt(env, ENV.accessTokenTtlSeconds, 900, 60, DAY);
  return {
    publishLeadSeconds: readInt(
      env,
      ENV.keyPublishLeadSeconds,
      API_GATEWAY_JWKS_CACHE_SECONDS + keyCache + 300,
      0,
      30 * DAY,
    ),
    retainSeconds: readInt(
      env,
      ENV.keyRetainSeconds,
      accessTtl + keyCache + API_GATEWAY_JWKS_CACHE_SECONDS,
      0,
      30 * DAY,
    ),
  };
}
