import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_NUMBER_CHANGED_TEMPLATE,
  DEFAULT_SMS_TEMPLATE,
  type Env,
  parseAppLinks,
  parseHttpApiConfig,
  parseKeyCacheSeconds,
  parseNumberChangeNotice,
  parseOtpConfig,
  parseRecentLoginMaxAge,
  parseRotationTiming,
  parseSettings,
  parseSmsConfig,
  parseTestPhoneNumbers,
  parseTokenConfig,
  SETTINGS,
} from '../../lambdas/config.js';
import { MAX_SEND_HISTORY } from '../../lambdas/core/phone-record.js';
import { PHONE_REGIONS } from '../../lambdas/core/phone-regions.generated.js';
import { MAX_FAMILY_GENERATION } from '../../lambdas/core/sessions.js';

const DAY = 86_400;
const TOKEN_ENV = { ISSUER: 'https://auth.example.com', AUDIENCE: 'otp-login-api' } as const;

/** Runs a parser and returns what it threw, so a test can check both the class and the wording. */
function configErrorFrom(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseOtpConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = parseOtpConfig({});

    expect(config).toEqual({
      otpTtlSeconds: 300,
      signupMode: 'open',
      smsTemplate: 'Your code is {code}. It expires in {minutes} minutes.',
      smsTemplates: new Map(),
      androidAppHash: undefined,
      webOtpDomain: undefined,
      otpMaxAttempts: 5,
      otpLockoutSeconds: 900,
      sendCooldownSeconds: 60,
      sendMaxPerHour: 5,
      sendMaxPerDay: 10,
      sendMaxPerIpPerHour: 100,
      sendMaxPerCountryPerHour: undefined,
      allowedCountries: [],
      allowedGlobalCallingCodes: [],
      allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'],
      testPhoneNumbers: new Map(),
    });
    expect(DEFAULT_SMS_TEMPLATE).toBe(config.smsTemplate);
  });

  it('treats empty and blank values as unset', () => {
    const config = parseOtpConfig({ OTP_TTL_SECONDS: '', OTP_MAX_ATTEMPTS: '  ', SIGNUP_MODE: '', SMS_TEMPLATE: '' });

    expect(config).toMatchObject({
      otpTtlSeconds: 300,
      otpMaxAttempts: 5,
      signupMode: 'open',
      smsTemplate: DEFAULT_SMS_TEMPLATE,
    });
  });

  it('reads every variable by its public name', () => {
    const env: Env = {
      OTP_TTL_SECONDS: '120',
      SIGNUP_MODE: 'closed',
      SMS_TEMPLATE: '{code} is your code',
      SMS_TEMPLATES: '{"in":"Aapka code {code} hai.","FR":"Votre code est {code}."}',
      ANDROID_APP_HASH: 'FA+9qCX9VSu',
      WEB_OTP_DOMAIN: 'app.example.com',
      OTP_MAX_ATTEMPTS: '3',
      OTP_LOCKOUT_SECONDS: '600',
      SEND_COOLDOWN_SECONDS: '0',
      SEND_MAX_PER_HOUR: '7',
      SEND_MAX_PER_DAY: '20',
      SEND_MAX_PER_IP_PER_HOUR: '250',
      SEND_MAX_PER_COUNTRY_PER_HOUR: 'in=5000, US = 2000,+881=20,*=200',
      ALLOWED_COUNTRIES: 'in, us',
      ALLOWED_GLOBAL_CALLING_CODES: '+881, 870',
      ALLOWED_NUMBER_TYPES: 'mobile, FIXED_LINE',
      TEST_PHONE_NUMBERS: '+12015550123:424242',
    };

    expect(parseOtpConfig(env)).toEqual({
      otpTtlSeconds: 120,
      signupMode: 'closed',
      smsTemplate: '{code} is your code',
      smsTemplates: new Map([
        ['IN', 'Aapka code {code} hai.'],
        ['FR', 'Votre code est {code}.'],
      ]),
      androidAppHash: 'FA+9qCX9VSu',
      webOtpDomain: 'app.example.com',
      otpMaxAttempts: 3,
      otpLockoutSeconds: 600,
      sendCooldownSeconds: 0,
      sendMaxPerHour: 7,
      sendMaxPerDay: 20,
      sendMaxPerIpPerHour: 250,
      sendMaxPerCountryPerHour: {
        byCountry: new Map([
          ['IN', 5000],
          ['US', 2000],
          ['+881', 20],
        ]),
        otherCountries: 200,
      },
      allowedCountries: ['IN', 'US'],
      allowedGlobalCallingCodes: ['881', '870'],
      allowedNumberTypes: ['MOBILE', 'FIXED_LINE'],
      testPhoneNumbers: new Map([['+12015550123', '424242']]),
    });
  });

  it.each([
    ['OTP_TTL_SECONDS', '5m'],
    ['OTP_TTL_SECONDS', '300.5'],
    ['OTP_TTL_SECONDS', '-300'],
    ['OTP_MAX_ATTEMPTS', 'five'],
    ['OTP_LOCKOUT_SECONDS', '1e3'],
    ['SEND_COOLDOWN_SECONDS', '0x10'],
    ['SEND_MAX_PER_HOUR', 'NaN'],
    ['SEND_MAX_PER_DAY', 'Infinity'],
    ['SEND_MAX_PER_IP_PER_HOUR', '10 per hour'],
  ])('refuses %s=%s as not a whole number, naming the variable', (name, value) => {
    const error = configErrorFrom(() => parseOtpConfig({ [name]: value }));

    expect(error.message).toContain(name);
    expect(error.message).toContain('whole number');
  });

  it.each([
    ['OTP_TTL_SECONDS', '29'],
    ['OTP_TTL_SECONDS', '3601'],
    ['OTP_MAX_ATTEMPTS', '0'],
    ['OTP_MAX_ATTEMPTS', '101'],
    ['OTP_LOCKOUT_SECONDS', '0'],
    ['OTP_LOCKOUT_SECONDS', String(DAY + 1)],
    ['SEND_COOLDOWN_SECONDS', '3601'],
    ['SEND_MAX_PER_HOUR', '0'],
    ['SEND_MAX_PER_DAY', '0'],
    ['SEND_MAX_PER_IP_PER_HOUR', '0'],
    ['SEND_MAX_PER_IP_PER_HOUR', '1000001'],
  ])('refuses %s=%s as out of range, naming the variable', (name, value) => {
    const error = configErrorFrom(() => parseOtpConfig({ [name]: value }));

    expect(error.message).toContain(name);
    expect(error.message).toContain('between');
  });

  it.each([
    ['OTP_TTL_SECONDS', '30', 'otpTtlSeconds', 30],
    ['OTP_TTL_SECONDS', '3600', 'otpTtlSeconds', 3600],
    ['SEND_COOLDOWN_SECONDS', '0', 'sendCooldownSeconds', 0],
    ['OTP_MAX_ATTEMPTS', '1', 'otpMaxAttempts', 1],
  ] as const)('accepts the boundary value %s=%s', (name, value, field, expected) => {
    expect(parseOtpConfig({ [name]: value })[field]).toBe(expected);
  });

  it.each([
    ['SEND_MAX_PER_HOUR', 'sendMaxPerHour'],
    ['SEND_MAX_PER_DAY', 'sendMaxPerDay'],
  ] as const)(
    'accepts %s up to the send history a record keeps, and refuses one more, naming the maximum',
    (name, field) => {
      expect(MAX_SEND_HISTORY).toBe(100);
      expect(parseOtpConfig({ [name]: String(MAX_SEND_HISTORY) })[field]).toBe(MAX_SEND_HISTORY);

      const error = configErrorFrom(() => parseOtpConfig({ [name]: String(MAX_SEND_HISTORY + 1) }));

      expect(error.message).toBe(`Environment variable ${name} must be between 1 and 100, got 101`);
    },
  );

  it('accepts SIGNUP_MODE=closed and refuses SIGNUP_MODE=maybe, naming the variable', () => {
    expect(parseOtpConfig({ SIGNUP_MODE: 'closed' }).signupMode).toBe('closed');

    const error = configErrorFrom(() => parseOtpConfig({ SIGNUP_MODE: 'maybe' }));

    expect(error.message).toContain('SIGNUP_MODE');
    expect(error.message).toContain('maybe');
  });

  it('upper-cases ALLOWED_COUNTRIES and skips empty entries', () => {
    expect(parseOtpConfig({ ALLOWED_COUNTRIES: ' in ,,Us, ' }).allowedCountries).toEqual(['IN', 'US']);
  });

  it.each([
    ['ALLOWED_COUNTRIES', 'IN,UK', 'UK', 'did you mean GB?'],
    ['ALLOWED_COUNTRIES', 'el', 'EL', 'did you mean GR?'],
    ['ALLOWED_COUNTRIES', 'ZZ', 'ZZ', 'use ISO 3166-1 alpha-2 codes such as GB, IN or US'],
    ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'UK=100,EL=50', 'UK', 'did you mean GB?'],
    ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'IN=100,EL=50', 'EL', 'did you mean GR?'],
    ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'ZZ=5', 'ZZ', 'use ISO 3166-1 alpha-2 codes'],
    ['SMS_TEMPLATES', '{"UK":"Your code {code}"}', 'UK', 'did you mean GB?'],
    ['SMS_TEMPLATES', '{"IN":"Code {code}","zz":"Code {code}"}', 'ZZ', 'use ISO 3166-1 alpha-2 codes'],
  ])('refuses %s=%s, naming the setting and the unknown code %s', (name, value, code, hint) => {
    const error = configErrorFrom(() => parseOtpConfig({ [name]: value }));

    expect(error.message).toMatch(
      new RegExp(
        `^Environment variable ${name} names ${code}, a country code the phone library \\(libphonenumber-js\\) does not know: `,
      ),
    );
    expect(error.message).toContain(hint);
  });

  it('accepts every region the phone library knows in every country setting, GB and GR among them', () => {
    const config = parseOtpConfig({
      ALLOWED_COUNTRIES: PHONE_REGIONS.join(','),
      SEND_MAX_PER_COUNTRY_PER_HOUR: PHONE_REGIONS.map((region) => `${region}=1`).join(','),
      SMS_TEMPLATES: JSON.stringify(Object.fromEntries(PHONE_REGIONS.map((region) => [region, 'Code {code}']))),
    });
    expect(config.allowedCountries).toEqual(PHONE_REGIONS);
    expect([...(config.sendMaxPerCountryPerHour?.byCountry.keys() ?? [])]).toEqual(PHONE_REGIONS);
    expect([...config.smsTemplates.keys()]).toEqual(PHONE_REGIONS);
    expect(PHONE_REGIONS).toEqual(expect.arrayContaining(['GB', 'GR', 'IN', 'US']));
  });

  it.each([
    ['+881,+882', ['881', '882']],
    [' 870 ,+870,,', ['870']],
    ['', []],
  ])('reads ALLOWED_GLOBAL_CALLING_CODES=%j as %j', (value, codes) => {
    expect(parseOtpConfig({ ALLOWED_GLOBAL_CALLING_CODES: value }).allowedGlobalCallingCodes).toEqual(codes);
  });

  it.each([
    ['+44', "+44 is a country's calling code; name countries in ALLOWED_COUNTRIES"],
    ['+1', "+1 is a country's calling code"],
    ['+999', 'expected one of +800, +808, +870, +878, +881, +882, +883, +888, +979'],
    ['GB', 'expected one of +800'],
    ['+8816', 'expected one of +800'],
  ])('refuses ALLOWED_GLOBAL_CALLING_CODES=%s, naming the variable', (value, hint) => {
    const error = configErrorFrom(() => parseOtpConfig({ ALLOWED_GLOBAL_CALLING_CODES: value }));

    expect(error.message).toContain(
      `Environment variable ALLOWED_GLOBAL_CALLING_CODES has "${value}", not a non-geographic calling code: `,
    );
    expect(error.message).toContain(hint);
  });

  it.each([
    ['+44=100', "+44 is a country's calling code"],
    ['+999=5', 'expected one of +800'],
  ])('refuses SEND_MAX_PER_COUNTRY_PER_HOUR=%s: a +code must be non-geographic', (value, hint) => {
    const error = configErrorFrom(() => parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: value }));

    expect(error.message).toContain('Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR has');
    expect(error.message).toContain(hint);
  });

  it('refuses a +code budget whose numbers ALLOWED_GLOBAL_CALLING_CODES does not allow: it could never be spent', () => {
    const error = configErrorFrom(() =>
      parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: '+881=20,+870=5', ALLOWED_GLOBAL_CALLING_CODES: '+870' }),
    );

    expect(error.message).toBe(
      'Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR budgets +881, whose numbers are refused: name it in ALLOWED_GLOBAL_CALLING_CODES too, or drop the budget',
    );
  });

  it.each(['IND', 'I', 'I1', 'IN;US'])('refuses ALLOWED_COUNTRIES=%s, naming the variable', (value) => {
    const error = configErrorFrom(() => parseOtpConfig({ ALLOWED_COUNTRIES: value }));

    expect(error.message).toContain('ALLOWED_COUNTRIES');
  });

  it.each([
    ['an unknown type', 'MOBILE,CELL', 'has "CELL"; expected some of MOBILE, FIXED_LINE_OR_MOBILE, FIXED_LINE'],
    ['only commas', ',,', 'names no type'],
  ])('refuses ALLOWED_NUMBER_TYPES with %s, naming the variable', (_why, value, message) => {
    const error = configErrorFrom(() => parseOtpConfig({ ALLOWED_NUMBER_TYPES: value }));

    expect(error.message).toContain(`Environment variable ALLOWED_NUMBER_TYPES ${message}`);
  });

  it('reads SEND_MAX_PER_COUNTRY_PER_HOUR with or without a * budget', () => {
    expect(parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' }).sendMaxPerCountryPerHour).toEqual({
      byCountry: new Map([['IN', 1]]),
      otherCountries: undefined,
    });
    expect(parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: '*=36000000' }).sendMaxPerCountryPerHour).toEqual({
      byCountry: new Map(),
      otherCountries: 36_000_000,
    });
    expect(parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: ' , ' }).sendMaxPerCountryPerHour).toBeUndefined();
  });

  it.each([
    ['IN=0', 'has "IN=0"'],
    ['IN=36000001', 'has "IN=36000001"'],
    ['IND=5', 'has "IND=5"'],
    ['IN:5', 'has "IN:5"'],
    ['IN=5.5', 'has "IN=5.5"'],
    ['IN=5,in=6', 'names IN twice'],
    ['*=5,*=6', 'names * twice'],
  ])('refuses SEND_MAX_PER_COUNTRY_PER_HOUR=%s, naming the variable', (value, message) => {
    const error = configErrorFrom(() => parseOtpConfig({ SEND_MAX_PER_COUNTRY_PER_HOUR: value }));

    expect(error.message).toContain(`Environment variable SEND_MAX_PER_COUNTRY_PER_HOUR ${message}`);
  });

  it('reads ALLOWED_NUMBER_TYPES without repeats, whatever the case', () => {
    expect(parseOtpConfig({ ALLOWED_NUMBER_TYPES: 'toll_free, MOBILE,TOLL_FREE' }).allowedNumberTypes).toEqual([
      'TOLL_FREE',
      'MOBILE',
    ]);
  });

  it('refuses an SMS_TEMPLATE without {code}, naming the variable', () => {
    const error = configErrorFrom(() => parseOtpConfig({ SMS_TEMPLATE: 'Your code is {otp}.' }));

    expect(error.message).toContain('SMS_TEMPLATE');
    expect(error.message).toContain('{code}');
  });

  it('refuses a malformed TEST_PHONE_NUMBERS, naming the variable', () => {
    const error = configErrorFrom(() => parseOtpConfig({ TEST_PHONE_NUMBERS: '+12015550123=424242' }));

    expect(error.message).toContain('TEST_PHONE_NUMBERS');
  });
});

describe('parseTestPhoneNumbers', () => {
  it('maps each E.164 number to its fixed code', () => {
    const numbers = parseTestPhoneNumbers('+12015550123:424242, +919000000000:111111');

    expect(numbers).toEqual(
      new Map([
        ['+12015550123', '424242'],
        ['+919000000000', '111111'],
      ]),
    );
  });

  it.each([undefined, '', ' , '])('reads %j as no test numbers', (raw) => {
    expect(parseTestPhoneNumbers(raw).size).toBe(0);
  });

  it.each([
    ['no leading +', '12015550123:424242'],
    ['no code', '+12015550123'],
    ['a five-digit code', '+12015550123:42424'],
    ['a seven-digit code', '+12015550123:4242421'],
    ['a letter in the code', '+12015550123:42424a'],
    ['spaces inside the number', '+1 201 555 0123:424242'],
    ['a leading zero after +', '+0123456789:424242'],
    ['a number too short for E.164', '+123456:424242'],
    ['a number too long for E.164', '+1234567890123456:424242'],
    ['one good entry and one bad', '+12015550123:424242,+919000000000'],
  ])('refuses %s', (_why, raw) => {
    const error = configErrorFrom(() => parseTestPhoneNumbers(raw));

    expect(error.message).toContain('TEST_PHONE_NUMBERS');
  });
});

describe('parseTokenConfig', () => {
  it('uses the documented defaults when only ISSUER and AUDIENCE are set', () => {
    expect(parseTokenConfig(TOKEN_ENV)).toEqual({
      issuer: 'https://auth.example.com',
      audience: 'otp-login-api',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * DAY,
      refreshReuseGraceSeconds: 0,
    });
  });

  it('requires ISSUER', () => {
    const missing = configErrorFrom(() => parseTokenConfig({ ...TOKEN_ENV, ISSUER: undefined }));
    const blank = configErrorFrom(() => parseTokenConfig({ ...TOKEN_ENV, ISSUER: '   ' }));

    expect(missing.message).toBe('Environment variable ISSUER is required');
    expect(blank.message).toBe('Environment variable ISSUER is required');
  });

  it('takes the documented default AUDIENCE, otp-login, when unset or blank', () => {
    expect(parseTokenConfig({ ...TOKEN_ENV, AUDIENCE: undefined }).audience).toBe('otp-login');
    expect(parseTokenConfig({ ...TOKEN_ENV, AUDIENCE: '  ' }).audience).toBe('otp-login');
  });

  it('drops trailing slashes from ISSUER so it matches the iss claim either way', () => {
    expect(parseTokenConfig({ ...TOKEN_ENV, ISSUER: 'https://auth.example.com//' }).issuer).toBe(
      'https://auth.example.com',
    );
  });

  it('reads the token lifetimes by their public names', () => {
    const config = parseTokenConfig({
      ...TOKEN_ENV,
      ACCESS_TOKEN_TTL_SECONDS: '600',
      REFRESH_TOKEN_TTL_SECONDS: '86400',
      REFRESH_REUSE_GRACE_SECONDS: '10',
    });

    expect(config).toMatchObject({
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 86_400,
      refreshReuseGraceSeconds: 10,
    });
  });

  it.each([
    ['ACCESS_TOKEN_TTL_SECONDS', '59'],
    ['ACCESS_TOKEN_TTL_SECONDS', String(DAY + 1)],
    ['ACCESS_TOKEN_TTL_SECONDS', '15m'],
    ['REFRESH_TOKEN_TTL_SECONDS', '299'],
    ['REFRESH_TOKEN_TTL_SECONDS', String(365 * DAY + 1)],
    ['REFRESH_REUSE_GRACE_SECONDS', '61'],
    ['REFRESH_REUSE_GRACE_SECONDS', '-1'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const error = configErrorFrom(() => parseTokenConfig({ ...TOKEN_ENV, [name]: value }));

    expect(error.message).toContain(name);
  });

  it('refuses a refresh lifetime a family cannot reach by refreshing once per access token, naming the maximum', () => {
    // 10 000 rotations (MAX_FAMILY_GENERATION) of 900 s access tokens: 9 000 000 s, about 104 days.
    const max = MAX_FAMILY_GENERATION * 900;
    expect(parseTokenConfig({ ...TOKEN_ENV, REFRESH_TOKEN_TTL_SECONDS: String(max) }).refreshTokenTtlSeconds).toBe(max);

    const error = configErrorFrom(() => parseTokenConfig({ ...TOKEN_ENV, REFRESH_TOKEN_TTL_SECONDS: String(max + 1) }));

    expect(error.message).toContain('REFRESH_TOKEN_TTL_SECONDS');
    expect(error.message).toContain('at most 9000000');
    expect(error.message).toContain('ACCESS_TOKEN_TTL_SECONDS');
  });

  it('still accepts the absolute maximum of 365 days when access tokens are long enough to reach it', () => {
    const env = { ...TOKEN_ENV, ACCESS_TOKEN_TTL_SECONDS: '3154', REFRESH_TOKEN_TTL_SECONDS: String(365 * DAY) };

    expect(parseTokenConfig(env).refreshTokenTtlSeconds).toBe(365 * DAY);
    expect(configErrorFrom(() => parseTokenConfig({ ...env, ACCESS_TOKEN_TTL_SECONDS: '3153' })).message).toContain(
      'REFRESH_TOKEN_TTL_SECONDS',
    );
  });

  it('refuses a reuse grace window as long as the access-token lifetime', () => {
    // A refresh lifetime that 60 s access tokens can reach in 10 000 rotations.
    const env = { ...TOKEN_ENV, REFRESH_TOKEN_TTL_SECONDS: '600000' };
    const error = configErrorFrom(() =>
      parseTokenConfig({ ...env, ACCESS_TOKEN_TTL_SECONDS: '60', REFRESH_REUSE_GRACE_SECONDS: '60' }),
    );

    expect(error.message).toContain('REFRESH_REUSE_GRACE_SECONDS');
    expect(
      parseTokenConfig({ ...env, ACCESS_TOKEN_TTL_SECONDS: '61', REFRESH_REUSE_GRACE_SECONDS: '60' }),
    ).toMatchObject({
      refreshReuseGraceSeconds: 60,
    });
  });
});

describe('parseSmsConfig', () => {
  it('leaves the sender id and origination number out when unset or blank', () => {
    expect(parseSmsConfig({ SMS_SENDER_ID: ' ' })).toEqual({
      smsProvider: 'sns',
      smsSenderId: undefined,
      smsOriginationNumber: undefined,
      smsProtectConfigurationId: undefined,
      smsConfigurationSet: undefined,
      smsMaxPrice: undefined,
    });
  });

  it('reads SMS_SENDER_ID and SMS_ORIGINATION_NUMBER', () => {
    expect(parseSmsConfig({ SMS_SENDER_ID: ' OTPLOGIN ', SMS_ORIGINATION_NUMBER: '+12015550100' })).toMatchObject({
      smsSenderId: 'OTPLOGIN',
      smsOriginationNumber: '+12015550100',
    });
  });

  it('reads the End User Messaging settings with SMS_PROVIDER=end-user-messaging', () => {
    expect(
      parseSmsConfig({
        SMS_PROVIDER: 'end-user-messaging',
        SMS_PROTECT_CONFIGURATION_ID: 'protect-0123',
        SMS_CONFIGURATION_SET: 'arn:aws:sms-voice:eu-west-1:123456789012:configuration-set/otp-login',
        SMS_MAX_PRICE: '.05',
      }),
    ).toEqual({
      smsProvider: 'end-user-messaging',
      smsSenderId: undefined,
      smsOriginationNumber: undefined,
      smsProtectConfigurationId: 'protect-0123',
      smsConfigurationSet: 'arn:aws:sms-voice:eu-west-1:123456789012:configuration-set/otp-login',
      smsMaxPrice: '.05',
    });
  });
});

describe('parseKeyCacheSeconds', () => {
  it('defaults to 300 seconds and refuses more than an hour', () => {
    expect(parseKeyCacheSeconds({})).toBe(300);
    expect(configErrorFrom(() => parseKeyCacheSeconds({ KEY_CACHE_SECONDS: '3601' })).message).toContain(
      'KEY_CACHE_SECONDS',
    );
  });
});

describe('parseRotationTiming', () => {
  it('publishes a new key for the JWKS cache, the key cache and a margin before it signs', () => {
    // 7200 s API Gateway JWKS cache + 300 s key cache + 300 s margin.
    expect(parseRotationTiming({}).publishLeadSeconds).toBe(7800);
  });

  it('retains a superseded key for the access-token TTL, the key cache and the JWKS cache', () => {
    // 900 s access-token TTL + 300 s key cache + 7200 s API Gateway JWKS cache.
    expect(parseRotationTiming({}).retainSeconds).toBe(8400);
  });

  it('derives both defaults from the configured key cache and access-token TTL', () => {
    const timing = parseRotationTiming({ KEY_CACHE_SECONDS: '60', ACCESS_TOKEN_TTL_SECONDS: '600' });

    expect(timing).toEqual({ publishLeadSeconds: 7200 + 60 + 300, retainSeconds: 600 + 60 + 7200 });
  });

  it('lets KEY_PUBLISH_LEAD_SECONDS and KEY_RETAIN_SECONDS override the defaults', () => {
    const timing = parseRotationTiming({ KEY_PUBLISH_LEAD_SECONDS: '0', KEY_RETAIN_SECONDS: '100' });

    expect(timing).toEqual({ publishLeadSeconds: 0, retainSeconds: 100 });
  });

  it('refuses a lead time over 30 days, naming the variable', () => {
    const error = configErrorFrom(() => parseRotationTiming({ KEY_PUBLISH_LEAD_SECONDS: String(30 * DAY + 1) }));

    expect(error.message).toContain('KEY_PUBLISH_LEAD_SECONDS');
  });
});

describe('parseHttpApiConfig', () => {
  it('allows no origin when ALLOWED_ORIGINS is unset or blank', () => {
    expect(parseHttpApiConfig({})).toEqual({ allowedOrigins: [] });
    expect(parseHttpApiConfig({ ALLOWED_ORIGINS: ' , ' })).toEqual({ allowedOrigins: [] });
  });

  it('reads exact origins, trimmed, each once, in the order given', () => {
    const env = { ALLOWED_ORIGINS: ' https://app.example.com,http://localhost:5173 ,https://app.example.com' };

    expect(parseHttpApiConfig(env).allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('accepts an IPv6 host and a non-default port', () => {
    expect(parseHttpApiConfig({ ALLOWED_ORIGINS: 'http://[::1]:8080,https://app.example.com:8443' })).toEqual({
      allowedOrigins: ['http://[::1]:8080', 'https://app.example.com:8443'],
    });
  });

  it('accepts * alone, for any origin', () => {
    expect(parseHttpApiConfig({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
  });

  it('refuses * next to other origins, naming the variable', () => {
    const error = configErrorFrom(() => parseHttpApiConfig({ ALLOWED_ORIGINS: 'https://app.example.com,*' }));

    expect(error.message).toBe(
      'Environment variable ALLOWED_ORIGINS has "*" next to other origins; "*" alone allows every origin',
    );
  });

  it.each([
    ['a trailing slash', 'https://app.example.com/', 'https://app.example.com'],
    ['a path', 'https://app.example.com/login', 'https://app.example.com'],
    ['a query', 'https://app.example.com?from=mail', 'https://app.example.com'],
    ['capitals', 'https://App.Example.com', 'https://app.example.com'],
    ['the default port', 'https://app.example.com:443', 'https://app.example.com'],
    ['credentials', 'https://user@app.example.com', 'https://app.example.com'],
  ])('refuses an origin with %s, showing how browsers send it', (_why, origin, serialized) => {
    const error = configErrorFrom(() => parseHttpApiConfig({ ALLOWED_ORIGINS: `http://localhost:5173,${origin}` }));

    expect(error.message).toContain(`Environment variable ALLOWED_ORIGINS has "${origin}", not an origin`);
    expect(error.message).toContain(`did you mean "${serialized}"?`);
  });

  it.each([
    ['no scheme', 'app.example.com'],
    ['another scheme', 'ftp://app.example.com'],
    ['the opaque origin of sandboxed frames and files', 'null'],
    ['a wildcard subdomain', 'https://*.example.com'],
  ])('refuses %s, naming the variable', (_why, origin) => {
    const error = configErrorFrom(() => parseHttpApiConfig({ ALLOWED_ORIGINS: origin }));

    expect(error.message).toContain(`Environment variable ALLOWED_ORIGINS has "${origin}", not an origin`);
    expect(error.message).not.toContain('did you mean');
  });
});

describe('RECENT_LOGIN_MAX_AGE_SECONDS', () => {
  it('defaults to 300 and takes 30 to 86400', () => {
    expect(parseRecentLoginMaxAge({})).toBe(300);
    expect(parseRecentLoginMaxAge({ RECENT_LOGIN_MAX_AGE_SECONDS: '30' })).toBe(30);
    expect(parseRecentLoginMaxAge({ RECENT_LOGIN_MAX_AGE_SECONDS: '86400' })).toBe(86_400);
  });

  it.each(['29', '86401', '0', '5m', '-1'])('refuses %s, naming the variable', (value) => {
    expect(configErrorFrom(() => parseRecentLoginMaxAge({ RECENT_LOGIN_MAX_AGE_SECONDS: value })).message).toMatch(
      /^Environment variable RECENT_LOGIN_MAX_AGE_SECONDS must be (between 30 and 86400|a whole number)/,
    );
  });
});

describe('the number-change notice templates', () => {
  it('default to a text with no link, no code and no placeholder, one GSM-7 segment', () => {
    const { templates, reports } = parseNumberChangeNotice({});
    expect(templates).toEqual({ default: DEFAULT_NUMBER_CHANGED_TEMPLATE, byCountry: new Map() });
    expect(DEFAULT_NUMBER_CHANGED_TEMPLATE).not.toMatch(/https?:|www\.|\.[a-z]{2,}\/|\d|\{/i);
    expect(reports).toEqual([
      { name: 'SMS_NUMBER_CHANGED_TEMPLATE', encoding: 'GSM-7', units: 101, bytes: 89, segments: 1 },
    ]);
  });

  it('take a template per country, upper-casing its code, and report each', () => {
    const { templates, reports } = parseNumberChangeNotice({
      SMS_NUMBER_CHANGED_TEMPLATE: 'Changed.',
      SMS_NUMBER_CHANGED_TEMPLATES: '{"in":"Number badla."}',
    });
    expect(templates).toEqual({ default: 'Changed.', byCountry: new Map([['IN', 'Number badla.']]) });
    expect(reports.map((r) => r.name)).toEqual(['SMS_NUMBER_CHANGED_TEMPLATE', 'SMS_NUMBER_CHANGED_TEMPLATES.IN']);
  });

  it.each([
    [
      { SMS_NUMBER_CHANGED_TEMPLATE: 'Your code is {code}' },
      'SMS_NUMBER_CHANGED_TEMPLATE must not be a template with {code}',
    ],
    [
      { SMS_NUMBER_CHANGED_TEMPLATE: 'Valid {minutes} min' },
      'SMS_NUMBER_CHANGED_TEMPLATE must not be a template with {code} or {minutes}',
    ],
    [
      { SMS_NUMBER_CHANGED_TEMPLATES: '{"IN":"{code}"}' },
      'SMS_NUMBER_CHANGED_TEMPLATES has a template for IN with {code}',
    ],
    [
      { SMS_NUMBER_CHANGED_TEMPLATES: '{"IN":" "}' },
      'SMS_NUMBER_CHANGED_TEMPLATES has a template for IN that is empty',
    ],
    [{ SMS_NUMBER_CHANGED_TEMPLATES: '{"IN":7}' }, 'SMS_NUMBER_CHANGED_TEMPLATES has a template for IN that is empty'],
    [
      { SMS_NUMBER_CHANGED_TEMPLATES: '{"IND":"x"}' },
      'SMS_NUMBER_CHANGED_TEMPLATES has "IND", not an ISO 3166 alpha-2 code',
    ],
    [{ SMS_NUMBER_CHANGED_TEMPLATES: '["x"]' }, 'SMS_NUMBER_CHANGED_TEMPLATES must be a JSON object'],
    [{ SMS_NUMBER_CHANGED_TEMPLATES: '{"IN":"a","in":"b"}' }, 'SMS_NUMBER_CHANGED_TEMPLATES names IN twice'],
  ])('refuses %j', (env, message) => {
    expect(configErrorFrom(() => parseNumberChangeNotice(env)).message).toContain(`Environment variable ${message}`);
  });
});

describe("the README's configuration table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  // Up to the next top-level section: later tables (sam local's env file) name variables too.
  const rows = section
    .slice(0, section.indexOf('\n## ', 1))
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line));

  it('lists every setting once, in the order of lambdas/config.ts', () => {
    expect(rows.map((row) => /^\| `([A-Z_]+)`/.exec(row)?.[1])).toEqual(Object.values(SETTINGS).map((s) => s.name));
  });

  it.each(Object.values(SETTINGS).map((s) => [s.name, s] as const))(
    'documents %s with the default, range and meaning the code has',
    (name, setting) => {
      expect(rows.find((row) => row.startsWith(`| \`${name}\` |`))).toBe(
        `| \`${name}\` | ${setting.shownDefault} | ${setting.range} | ${setting.doc} |`,
      );
    },
  );

  it('shows the default each parser really takes', () => {
    for (const setting of Object.values(SETTINGS)) {
      const match = /^`(\d+)`/.exec(setting.shownDefault);
      if (match) expect(setting.parse(undefined, {}), setting.name).toBe(Number(match[1]));
    }
  });
});

describe('IOS_APP_IDS and ANDROID_APPS', () => {
  const FINGERPRINT = `${'AB:'.repeat(31)}CD`;

  it('reads the apps, each once, fingerprints upper-cased and grouped by package in order', () => {
    const links = parseAppLinks({
      IOS_APP_IDS: 'ABCDE12345.com.example.app,ABCDE12345.com.example.app',
      ANDROID_APPS: `com.example.app=${FINGERPRINT.toLowerCase()}, com.example.app = ${FINGERPRINT}`,
    });
    expect(links.iosAppIds).toEqual(['ABCDE12345.com.example.app']);
    expect([...links.androidApps]).toEqual([['com.example.app', [FINGERPRINT]]]);
    expect(parseAppLinks({})).toEqual({ iosAppIds: [], androidApps: new Map() });
  });

  it.each([
    ['com.example.app', /IOS_APP_IDS has "com.example.app", not TEAMID.bundle.id/],
    ['abcde12345.com.example.app', /IOS_APP_IDS has "abcde12345.com.example.app"/],
    ['ABCDE12345.app', /IOS_APP_IDS has "ABCDE12345.app"/],
  ])('refuses IOS_APP_IDS=%s', (raw, message) => {
    expect(() => parseAppLinks({ IOS_APP_IDS: raw })).toThrow(message);
  });

  it.each([
    [`app=${FINGERPRINT}`],
    ['com.example.app=AB:CD'],
    [`com.example.app:${FINGERPRINT}`],
    [`com.example.app=${FINGERPRINT}=x`],
    [`1com.example.app=${FINGERPRINT}`],
  ])('refuses ANDROID_APPS=%s, naming the expected form', (raw) => {
    expect(() => parseAppLinks({ ANDROID_APPS: raw })).toThrow(
      /ANDROID_APPS has ".*"; expected package.name=SHA-256 fingerprint/,
    );
  });
});

describe('the account events settings', () => {
  const events = (env: Env) => parseSettings(env, 'events');

  it('default to the source otp-login, without phone numbers', () => {
    expect(events({})).toEqual({ eventsSource: 'otp-login', eventsIncludePhoneNumber: false });
  });

  it('take a source EventBridge accepts and the two spellings of the flag', () => {
    expect(events({ EVENTS_SOURCE: ' com.example/auth_1-x ', EVENTS_INCLUDE_PHONE_NUMBER: 'true' })).toEqual({
      eventsSource: 'com.example/auth_1-x',
      eventsIncludePhoneNumber: true,
    });
    expect(events({ EVENTS_INCLUDE_PHONE_NUMBER: 'false' }).eventsIncludePhoneNumber).toBe(false);
  });

  it.each([
    ['aws.cognito', /must be 1-256 .* not start with "aws\."/],
    ['otp login', /EVENTS_SOURCE must be/],
    ['x'.repeat(257), /EVENTS_SOURCE must be/],
  ])('refuses the source %j', (source, message) => {
    expect(() => events({ EVENTS_SOURCE: source })).toThrow(message);
  });

  it.each(['yes', '1', 'TRUE'])('refuses the flag %j rather than guess', (flag) => {
    expect(() => events({ EVENTS_INCLUDE_PHONE_NUMBER: flag })).toThrow(
      `Environment variable EVENTS_INCLUDE_PHONE_NUMBER must be "true" or "false", got "${flag}"`,
    );
  });
});
