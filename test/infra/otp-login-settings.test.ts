import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_NAMES,
  ConfigError,
  type ConfigName,
  type Env,
  parseHttpApiConfig,
  parseNumberChangeNotice,
  parseOtpConfig,
  parseRotationTiming,
  parseSmsConfig,
  parseStackConfig,
  parseTokenConfig,
  SETTINGS,
  type Setting,
} from '../../lambdas/config.js';
import type { PhoneNumberType } from '../../lambdas/core/phone-types.js';
import type { OtpLoginSettings } from '../../lib/otp-login-settings.js';
import { propsFromSettings, SETTING_PROP_PATHS, settingsFromProps } from '../../lib/settings-from-props.js';

const CONFIGURABLE = (Object.values(SETTINGS) as Setting[]).filter((setting) => !setting.stackOwned);
const TOKEN_ENV = { ISSUER: 'https://auth.example.com' } as const;

/** Every configurable setting at its `example`: a valid value other than the default. */
const EXAMPLES: Record<string, string> = Object.fromEntries(
  CONFIGURABLE.map((setting) => [setting.name, setting.example]),
);

/** The examples, with every number told apart from every other (several examples are the same maximum). */
const DISTINCT: Record<string, string> = {
  ...EXAMPLES,
  OTP_TTL_SECONDS: '301',
  OTP_MAX_ATTEMPTS: '6',
  OTP_LOCKOUT_SECONDS: '901',
  SEND_COOLDOWN_SECONDS: '61',
  SEND_MAX_PER_HOUR: '7',
  SEND_MAX_PER_DAY: '11',
  SEND_MAX_PER_IP_PER_HOUR: '101',
  ACCESS_TOKEN_TTL_SECONDS: '902',
  REFRESH_TOKEN_TTL_SECONDS: '2592001',
  REFRESH_REUSE_GRACE_SECONDS: '1',
  RECENT_LOGIN_MAX_AGE_SECONDS: '302',
  KEY_CACHE_SECONDS: '303',
  KEY_PUBLISH_LEAD_SECONDS: '7801',
  KEY_RETAIN_SECONDS: '8401',
  API_THROTTLE_PER_SECOND: '51',
  API_THROTTLE_BURST: '102',
  SEND_OTP_THROTTLE_PER_SECOND: '12',
  SEND_OTP_THROTTLE_BURST: '21',
  SMS_VOLUME_ALARM_PER_HOUR: '501',
  PASSKEY_CHALLENGE_TTL_SECONDS: '304',
  PASSKEYS_PER_USER_MAX: '14',
  PASSKEY_MAX_PER_IP_PER_HOUR: '121',
  CLAIMS_HOOK_TIMEOUT_MS: '1001',
};

/** Runs `run` and returns the ConfigError it threw, so the exact wording can be compared. */
function configErrorFrom(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Each setting as its own parser reads it: what two environments must agree on to mean the same. */
function parsedValues(env: Env): Record<string, unknown> {
  return Object.fromEntries(CONFIGURABLE.map((setting) => [setting.name, setting.parse(env[setting.name], env)]));
}

/** The props' leaves as paths (`otp.ttlSeconds`), not descending into lists and maps. */
function leafPaths(props: OtpLoginSettings): string[] {
  const groups = new Set(['otp', 'sendLimits', 'sms', 'tokens', 'keys', 'throttle', 'alarms', 'passkeys', 'events']);
  return Object.entries(props).flatMap(([key, value]) =>
    groups.has(key) ? Object.keys(value as object).map((inner) => `${key}.${inner}`) : [key],
  );
}

describe('SETTING_PROP_PATHS', () => {
  it('gives every configurable setting exactly one prop, and no stack-owned setting any', () => {
    expect(Object.keys(SETTING_PROP_PATHS).sort()).toEqual([...CONFIG_NAMES].sort());
    const paths = Object.values(SETTING_PROP_PATHS);
    expect(new Set(paths).size).toBe(paths.length);
    for (const name of ['TABLE_NAME', 'SIGNING_KEY_SECRET_ID', 'ISSUER'])
      expect(SETTING_PROP_PATHS).not.toHaveProperty(name);
  });

  it('names, for each setting, the prop that sets it and nothing else', () => {
    const props = propsFromSettings(EXAMPLES);
    expect(leafPaths(props).sort()).toEqual(Object.values(SETTING_PROP_PATHS).sort());
    const settings = settingsFromProps(props);
    expect(Object.keys(settings).sort()).toEqual([...CONFIG_NAMES].sort());
  });
});

describe('propsFromSettings and settingsFromProps', () => {
  it('turn every setting at its example into props and back, byte for byte and with the same meaning', () => {
    const settings = settingsFromProps(propsFromSettings(EXAMPLES));
    // The examples are written as the README writes values, so the synthesized template stays the same.
    expect(settings).toEqual(EXAMPLES);
    expect(parsedValues(settings)).toEqual(parsedValues(EXAMPLES));
  });

  it('put each setting in its own prop, every value told apart from every other', () => {
    const props = propsFromSettings(DISTINCT);
    expect(props).toEqual({
      audience: 'my-app',
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      otp: {
        ttlSeconds: 301,
        maxAttempts: 6,
        lockoutSeconds: 901,
        signupMode: 'closed',
        testPhoneNumbers: { '+12015550123': '424242' },
        allowedCountries: ['IN', 'US'],
        allowedGlobalCallingCodes: ['+881', '+882'],
        allowedNumberTypes: ['MOBILE'],
        androidAppHash: 'FA+9qCX9VSu',
        webOtpDomain: 'app.example.com',
      },
      sendLimits: {
        cooldownSeconds: 61,
        perNumberPerHour: 7,
        perNumberPerDay: 11,
        perIpPerHour: 101,
        perCountryPerHour: { IN: 5000, US: 2000, '*': 200 },
      },
      sms: {
        provider: 'end-user-messaging',
        senderId: 'OtpLogin',
        originationNumber: '+12015550100',
        protectConfigurationId: 'protect-0123456789abcdef0123456789abcdef',
        configurationSet: 'otp-login',
        maxPriceUsd: '0.10',
        template: 'Code {code}, valid {minutes} min.',
        templates: { IN: 'Aapka code {code} hai.', FR: 'Votre code est {code}.' },
        numberChangedTemplate: 'Your account moved to another number. Not you? Call us.',
        numberChangedTemplates: { FR: 'Le numéro de votre compte a été changé.' },
      },
      tokens: {
        accessTokenTtlSeconds: 902,
        refreshTokenTtlSeconds: 2_592_001,
        refreshReuseGraceSeconds: 1,
        recentLoginMaxAgeSeconds: 302,
      },
      keys: { cacheSeconds: 303, publishLeadSeconds: 7801, retainSeconds: 8401 },
      throttle: { perSecond: 51, burst: 102, sendOtpPerSecond: 12, sendOtpBurst: 21 },
      alarms: { smsVolumePerHour: 501 },
      passkeys: {
        iosAppIds: ['ABCDE12345.com.example.app', 'ABCDE12345.com.example.app.beta'],
        androidApps: { 'com.example.app': [`${'AB:'.repeat(31)}CD`] },
        rpId: 'example.com',
        rpName: 'Example',
        origins: ['https://app.example.com', 'android:apk-key-hash:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE'],
        challengeTtlSeconds: 304,
        perUserMax: 14,
        maxPerIpPerHour: 121,
      },
      events: { source: 'com.example.auth', includePhoneNumber: true },
      claimsHookTimeoutMs: 1001,
    } satisfies Required<OtpLoginSettings>);
    expect(settingsFromProps(props)).toEqual(DISTINCT);
  });

  it('keep the meaning of values written another way, and write them the canonical way', () => {
    const env = {
      ALLOWED_ORIGINS: ' https://app.example.com , https://app.example.com',
      OTP_TTL_SECONDS: ' 0120 ',
      ALLOWED_COUNTRIES: 'in, us',
      ALLOWED_GLOBAL_CALLING_CODES: '881,+882,881',
      ALLOWED_NUMBER_TYPES: 'mobile,MOBILE,voip',
      SEND_MAX_PER_COUNTRY_PER_HOUR: '*=200, in = 5000,+881=20',
      SMS_TEMPLATES: '{ "in": "Aapka code {code} hai." }',
      TEST_PHONE_NUMBERS: ' +12015550123:424242 ,, +919000000000:111111',
      SIGNUP_MODE: ' closed ',
    };
    const props = propsFromSettings(env);
    expect(props).toEqual({
      allowedOrigins: ['https://app.example.com'],
      otp: {
        ttlSeconds: 120,
        signupMode: 'closed',
        allowedCountries: ['IN', 'US'],
        allowedGlobalCallingCodes: ['+881', '+882'],
        allowedNumberTypes: ['MOBILE', 'VOIP'],
        testPhoneNumbers: { '+12015550123': '424242', '+919000000000': '111111' },
      },
      sendLimits: { perCountryPerHour: { IN: 5000, '+881': 20, '*': 200 } },
      sms: { templates: { IN: 'Aapka code {code} hai.' } },
    });
    const settings = settingsFromProps(props);
    expect(settings).toEqual({
      ALLOWED_ORIGINS: 'https://app.example.com',
      OTP_TTL_SECONDS: '120',
      ALLOWED_COUNTRIES: 'IN,US',
      ALLOWED_GLOBAL_CALLING_CODES: '+881,+882',
      ALLOWED_NUMBER_TYPES: 'MOBILE,VOIP',
      SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=5000,+881=20,*=200',
      SMS_TEMPLATES: '{"IN":"Aapka code {code} hai."}',
      TEST_PHONE_NUMBERS: '+12015550123:424242,+919000000000:111111',
      SIGNUP_MODE: 'closed',
    });
    expect(parsedValues(settings)).toEqual(parsedValues(env));
  });

  it('round-trip templates with quotes, backslashes, line breaks and any script as the same text', () => {
    const templates = {
      IN: 'आपका कोड {code} है। "OTP" \\ {minutes} मिनट',
      FR: 'Votre code : « {code} »\nValable {minutes} min.',
      JP: '認証コード {code} 😀',
    };
    const notices = { DE: 'Ihre Nummer wurde geändert. Nicht Sie? Rufen Sie "uns" an.' };
    const settings = settingsFromProps({ sms: { templates, numberChangedTemplates: notices } });
    expect(JSON.parse(settings.SMS_TEMPLATES as string)).toEqual(templates);
    expect([...parseOtpConfig(settings).smsTemplates]).toEqual(Object.entries(templates));
    expect([...parseNumberChangeNotice(settings).templates.byCountry]).toEqual(Object.entries(notices));
    expect(propsFromSettings(settings)).toEqual({ sms: { templates, numberChangedTemplates: notices } });
  });

  it('set a variable only for a prop that is set, and give {} for no settings, leaving out empty groups', () => {
    expect(settingsFromProps({})).toEqual({});
    expect(settingsFromProps({ otp: { ttlSeconds: 120, maxAttempts: undefined }, sms: {}, tokens: undefined })).toEqual(
      { OTP_TTL_SECONDS: '120' },
    );
    expect(propsFromSettings({})).toStrictEqual({});
    const blank = Object.fromEntries(CONFIG_NAMES.map((name, index) => [name, index % 2 ? '' : '  ']));
    expect(propsFromSettings(blank)).toStrictEqual({});
    // Lists and maps with no entry mean what unset means.
    expect(
      propsFromSettings({
        ALLOWED_COUNTRIES: ',',
        ALLOWED_ORIGINS: ' , ',
        TEST_PHONE_NUMBERS: ',',
        SEND_MAX_PER_COUNTRY_PER_HOUR: ',',
        SMS_TEMPLATES: '{}',
      }),
    ).toStrictEqual({});
    expect(propsFromSettings({ OTP_TTL_SECONDS: '120' })).toStrictEqual({ otp: { ttlSeconds: 120 } });
    // Names that are not configurable settings are not props.
    expect(propsFromSettings({ ISSUER: 'https://auth.example.com', TABLE_NAME: 't', PORT: '3000' })).toStrictEqual({});
  });
});

describe('a bad value', () => {
  const eum = { SMS_PROVIDER: 'end-user-messaging' };
  // Each prop and the environment that means the same, read by the parser the functions run at start.
  const cases: [string, OtpLoginSettings, () => unknown, RegExp][] = [
    [
      'otp.ttlSeconds below its range',
      { otp: { ttlSeconds: 5 } },
      () => parseOtpConfig({ OTP_TTL_SECONDS: '5' }),
      /^Environment variable OTP_TTL_SECONDS must be between 30 and 3600, got 5$/,
    ],
    [
      'a fractional otp.maxAttempts',
      { otp: { maxAttempts: 2.5 } },
      () => parseOtpConfig({ OTP_MAX_ATTEMPTS: '2.5' }),
      /^Environment variable OTP_MAX_ATTEMPTS must be a whole number, got "2.5"$/,
    ],
    [
      'a fractional throttle.burst',
      { throttle: { burst: 0.5 } },
      () => parseStackConfig({ API_THROTTLE_BURST: '0.5' }),
      /^Environment variable API_THROTTLE_BURST must be a whole number, got "0.5"$/,
    ],
    [
      'a negative keys.publishLeadSeconds',
      { keys: { publishLeadSeconds: -1 } },
      () => parseRotationTiming({ KEY_PUBLISH_LEAD_SECONDS: '-1' }),
      /^Environment variable KEY_PUBLISH_LEAD_SECONDS must be a whole number, got "-1"$/,
    ],
    [
      'NaN for tokens.accessTokenTtlSeconds',
      { tokens: { accessTokenTtlSeconds: Number.NaN } },
      () => parseTokenConfig({ ...TOKEN_ENV, ACCESS_TOKEN_TTL_SECONDS: 'NaN' }),
      /^Environment variable ACCESS_TOKEN_TTL_SECONDS must be a whole number, got "NaN"$/,
    ],
    [
      'a country code the phone library does not know',
      { sendLimits: { perCountryPerHour: { UK: 5 } } },
      () => parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'UK=5' }),
      /SEND_MAX_PER_COUNTRY_PER_HOUR names UK, .*did you mean GB\?$/,
    ],
    [
      'a country budget of 0',
      { sendLimits: { perCountryPerHour: { IN: 0 } } },
      () => parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=0' }),
      /^Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR has "IN=0"; expected COUNTRY=budget entries/,
    ],
    [
      'a budget for a plan whose numbers are refused',
      { sendLimits: { perCountryPerHour: { '+881': 20 } } },
      () => parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: '+881=20' }),
      /budgets \+881, whose numbers are refused: name it in ALLOWED_GLOBAL_CALLING_CODES too/,
    ],
    [
      'an origin with a trailing slash',
      { allowedOrigins: ['https://x.com/'] },
      () => parseHttpApiConfig({ ALLOWED_ORIGINS: 'https://x.com/' }),
      /^Environment variable ALLOWED_ORIGINS has "https:\/\/x.com\/", .*did you mean "https:\/\/x.com"\?$/,
    ],
    [
      'a country calling code as a global calling code',
      { otp: { allowedGlobalCallingCodes: ['+44'] } },
      () => parseOtpConfig({ ALLOWED_GLOBAL_CALLING_CODES: '+44' }),
      /^Environment variable ALLOWED_GLOBAL_CALLING_CODES has "\+44", not a non-geographic calling code/,
    ],
    [
      'a number type libphonenumber does not have',
      { otp: { allowedNumberTypes: ['MOBILE', 'PAGERS' as PhoneNumberType] } },
      () => parseOtpConfig({ ALLOWED_NUMBER_TYPES: 'MOBILE,PAGERS' }),
      /^Environment variable ALLOWED_NUMBER_TYPES has "PAGERS"; expected some of MOBILE, /,
    ],
    [
      'a test code of 4 digits',
      { otp: { testPhoneNumbers: { '+12015550123': '4242' } } },
      () => parseOtpConfig({ TEST_PHONE_NUMBERS: '+12015550123:4242' }),
      /^Environment variable TEST_PHONE_NUMBERS has "\+12015550123:4242"; expected \+E164:6digits entries/,
    ],
    [
      'a signup mode that does not exist',
      { otp: { signupMode: 'invite' as 'open' } },
      () => parseOtpConfig({ SIGNUP_MODE: 'invite' }),
      /^Environment variable SIGNUP_MODE must be "open" or "closed", got "invite"$/,
    ],
    [
      'a template without {code}',
      { sms: { templates: { IN: 'no code here' } } },
      () => parseOtpConfig({ SMS_TEMPLATES: '{"IN":"no code here"}' }),
      /^Environment variable SMS_TEMPLATES has a template for IN without \{code\}$/,
    ],
    [
      'a number-change notice with a placeholder',
      { sms: { numberChangedTemplates: { FR: 'code {code}' } } },
      () => parseNumberChangeNotice({ SMS_NUMBER_CHANGED_TEMPLATES: '{"FR":"code {code}"}' }),
      /^Environment variable SMS_NUMBER_CHANGED_TEMPLATES has a template for FR with \{code\} or \{minutes\}/,
    ],
    [
      'a price without a decimal point',
      { sms: { provider: 'end-user-messaging', maxPriceUsd: '1' } },
      () => parseSmsConfig({ ...eum, SMS_MAX_PRICE: '1' }),
      /^Environment variable SMS_MAX_PRICE must be dollars such as 0.10 \(up to 99.99999\), got "1"$/,
    ],
    [
      'an End User Messaging setting with SNS',
      { sms: { maxPriceUsd: '0.10', configurationSet: 'otp-login' } },
      () => parseSmsConfig({ SMS_MAX_PRICE: '0.10', SMS_CONFIGURATION_SET: 'otp-login' }),
      /^Environment variable SMS_CONFIGURATION_SET, SMS_MAX_PRICE needs SMS_PROVIDER=end-user-messaging$/,
    ],
    [
      'a refresh family longer than its refreshes can reach',
      { tokens: { accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 31_536_000 } },
      () => parseTokenConfig({ ...TOKEN_ENV, ACCESS_TOKEN_TTL_SECONDS: '60', REFRESH_TOKEN_TTL_SECONDS: '31536000' }),
      /^Environment variable REFRESH_TOKEN_TTL_SECONDS must be at most 600000 with ACCESS_TOKEN_TTL_SECONDS=60/,
    ],
    [
      'an Android hash of the wrong length',
      { otp: { androidAppHash: 'short' } },
      () => parseOtpConfig({ ANDROID_APP_HASH: 'short' }),
      /^Environment variable ANDROID_APP_HASH must be the 11-character hash/,
    ],
  ];

  it.each(cases)('fails as the parsers do: %s', (_, props, parseEnv, wording) => {
    const expected = configErrorFrom(parseEnv);
    expect(expected.message).toMatch(wording);
    const fromProps = configErrorFrom(() => settingsFromProps(props));
    expect(fromProps.message).toBe(expected.message);
  });

  it('in the settings fails propsFromSettings with the parser message', () => {
    const expected = configErrorFrom(() => parseOtpConfig({ ALLOWED_COUNTRIES: 'IN,UK' }));
    expect(expected.message).toMatch(/^Environment variable ALLOWED_COUNTRIES names UK, .*did you mean GB\?$/);
    expect(configErrorFrom(() => propsFromSettings({ ALLOWED_COUNTRIES: 'IN,UK' })).message).toBe(expected.message);
    expect(configErrorFrom(() => propsFromSettings({ OTP_TTL_SECONDS: '5' })).message).toBe(
      'Environment variable OTP_TTL_SECONDS must be between 30 and 3600, got 5',
    );
  });
});

describe('props the settings cannot say', () => {
  it('refuses an empty list where the variable would read it as unset', () => {
    expect(configErrorFrom(() => settingsFromProps({ otp: { allowedCountries: [] } })).message).toBe(
      'otp.allowedCountries is empty, which ALLOWED_COUNTRIES reads as unset (every country is allowed): leave it out',
    );
    expect(configErrorFrom(() => settingsFromProps({ otp: { allowedNumberTypes: [] } })).message).toBe(
      'otp.allowedNumberTypes is empty, which ALLOWED_NUMBER_TYPES reads as unset (the default types are allowed): leave it out',
    );
  });

  it('takes an empty list or map where unset means none', () => {
    expect(
      settingsFromProps({
        allowedOrigins: [],
        otp: { allowedGlobalCallingCodes: [], testPhoneNumbers: {} },
        sendLimits: { perCountryPerHour: {} },
        sms: { templates: {} },
      }),
    ).toEqual({
      ALLOWED_ORIGINS: '',
      ALLOWED_GLOBAL_CALLING_CODES: '',
      TEST_PHONE_NUMBERS: '',
      SEND_MAX_PER_COUNTRY_PER_HOUR: '',
      SMS_TEMPLATES: '{}',
    });
  });

  it.each<[string, OtpLoginSettings, string]>([
    [
      'a list entry',
      { otp: { allowedCountries: ['IN,US'] } },
      'otp.allowedCountries has "IN,US", which ALLOWED_COUNTRIES',
    ],
    [
      'a test number',
      { otp: { testPhoneNumbers: { '+12015550123:111111,+12015550124': '424242' } } },
      'otp.testPhoneNumbers has "+12015550123:111111,+12015550124", which TEST_PHONE_NUMBERS',
    ],
    [
      'a test code',
      { otp: { testPhoneNumbers: { '+12015550124': '424242,+12015550123:111111' } } },
      'otp.testPhoneNumbers has "424242,+12015550123:111111", which TEST_PHONE_NUMBERS',
    ],
    [
      'a budget key',
      { sendLimits: { perCountryPerHour: { 'IN=5,US': 7 } } },
      'sendLimits.perCountryPerHour has "IN=5,US", which SEND_MAX_PER_COUNTRY_PER_HOUR',
    ],
  ])('refuses a comma inside %s, which the variable would split into other entries', (_, props, start) => {
    expect(configErrorFrom(() => settingsFromProps(props)).message).toBe(
      `${start} would split at the comma: give each entry on its own`,
    );
  });
});

describe('the props TSDoc', () => {
  const source = readFileSync(new URL('../../lib/otp-login-settings.ts', import.meta.url), 'utf8');
  const groupOf: Record<string, string | undefined> = {
    OtpLoginSettings: undefined,
    OtpSettings: 'otp',
    SendLimitSettings: 'sendLimits',
    SmsSettings: 'sms',
    TokenSettings: 'tokens',
    KeySettings: 'keys',
    ApiThrottleSettings: 'throttle',
    AlarmSettings: 'alarms',
    PasskeySettings: 'passkeys',
    EventSettings: 'events',
  };
  const docs = new Map<string, string>();
  for (const [, name, body] of source.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    for (const [, doc, prop] of (body as string).matchAll(/\/\*\*([\s\S]*?)\*\/\n\s*readonly (\w+)\?:/g)) {
      const group = groupOf[name as string];
      docs.set(group ? `${group}.${prop}` : (prop as string), (doc as string).replace(/\n\s*\* ?/g, ' ').trim());
    }
  }

  it('documents every exported interface', () => {
    const interfaces = [...source.matchAll(/(\*\/)?\nexport interface (\w+)/g)];
    expect(interfaces.map(([, , name]) => name).sort()).toEqual(Object.keys(groupOf).sort());
    for (const [, documented, name] of interfaces) expect(documented, name).toBe('*/');
  });

  it.each(CONFIGURABLE.map((setting) => [setting.name, setting] as const))(
    'gives the prop of %s its variable, default and range',
    (name, setting) => {
      const doc = docs.get(SETTING_PROP_PATHS[name as ConfigName]);
      expect(doc?.trimStart().startsWith(`\`${name}\`:`)).toBe(true);
      if (setting.range !== '-') expect(doc).toContain(`Range ${setting.range}`);
      // Compared without quotes, brackets and spaces: `['MOBILE', 'FIXED_LINE_OR_MOBILE']` is `MOBILE,FIXED_LINE_OR_MOBILE`.
      const squeeze = (text: string) => text.replace(/[`'[\]\s]/g, '');
      const tag = squeeze(/@default (.*)$/.exec(doc ?? '')?.[1] ?? 'missing');
      if (setting.shownDefault === '-') expect(tag.startsWith('-')).toBe(true);
      else expect(tag.replace(/^-/, '').startsWith(squeeze(setting.shownDefault)), tag).toBe(true);
    },
  );
});
