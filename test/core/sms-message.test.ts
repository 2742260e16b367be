import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SMS_TEMPLATE, parseOtpConfig } from '../../lambdas/config.js';
import { renderOtpSms, reportSmsTemplates, type SmsTemplates, smsSize } from '../../lambdas/core/sms-message.js';

const TEMPLATES: SmsTemplates = {
  default: DEFAULT_SMS_TEMPLATE,
  byCountry: new Map([
    ['IN', 'आपका कोड {code} है। {minutes} मिनट में समाप्त।'],
    ['FR', 'Votre code est {code}.'],
  ]),
};
const HASH = 'FA+9qCX9VSu';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('renderOtpSms', () => {
  it('renders the template alone when no autofill is set', () => {
    expect(renderOtpSms(TEMPLATES, 'US', '123456', 300, {})).toBe('Your code is 123456. It expires in 5 minutes.');
  });

  it("chooses the destination country's template, and the default for other countries and no country", () => {
    expect(renderOtpSms(TEMPLATES, 'IN', '123456', 300, {})).toBe('आपका कोड 123456 है। 5 मिनट में समाप्त।');
    expect(renderOtpSms(TEMPLATES, 'FR', '123456', 300, {})).toBe('Votre code est 123456.');
    expect(renderOtpSms(TEMPLATES, 'DE', '123456', 300, {})).toBe('Your code is 123456. It expires in 5 minutes.');
    expect(renderOtpSms(TEMPLATES, undefined, '123456', 300, {})).toBe('Your code is 123456. It expires in 5 minutes.');
  });

  it('appends the Android app hash on a line of its own', () => {
    expect(renderOtpSms(TEMPLATES, 'FR', '123456', 300, { androidAppHash: HASH })).toBe(
      'Votre code est 123456.\nFA+9qCX9VSu',
    );
  });

  it('makes the last line exactly @<domain> #<code> for WebOTP and the iOS/Android keyboards', () => {
    const message = renderOtpSms(TEMPLATES, 'FR', '004217', 300, { webOtpDomain: 'app.example.com' });

    expect(message).toBe('Votre code est 004217.\n@app.example.com #004217');
    expect(Buffer.from(message, 'utf8')).toEqual(
      Buffer.from([
        ...Buffer.from('Votre code est 004217.', 'utf8'),
        0x0a,
        ...Buffer.from('@app.example.com #004217', 'utf8'),
      ]),
    );
  });

  it('with both, puts the app hash before the origin-bound line, which stays last', () => {
    expect(
      renderOtpSms(TEMPLATES, 'US', '123456', 300, { androidAppHash: HASH, webOtpDomain: 'app.example.com' }),
    ).toBe('Your code is 123456. It expires in 5 minutes.\nFA+9qCX9VSu\n@app.example.com #123456');
  });
});

describe('smsSize', () => {
  it.each([
    ['160 GSM-7 characters', 'a'.repeat(160), 'GSM-7', 160, 140, 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'GSM-7', 161, 141, 2],
    ['306 GSM-7 characters (2 × 153)', 'a'.repeat(306), 'GSM-7', 306, 268, 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 'GSM-7', 307, 269, 3],
    ['80 euro signs (an escape each)', '€'.repeat(80), 'GSM-7', 160, 140, 1],
    ['81 euro signs', '€'.repeat(81), 'GSM-7', 162, 142, 2],
    ['an escape pair that would straddle two parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, 'GSM-7', 306, 268, 3],
    ['70 UCS-2 characters', 'क'.repeat(70), 'UCS-2', 70, 140, 1],
    ['71 UCS-2 characters', 'क'.repeat(71), 'UCS-2', 71, 142, 2],
    ['134 UCS-2 characters (2 × 67)', 'क'.repeat(134), 'UCS-2', 134, 268, 2],
    ['135 UCS-2 characters', 'क'.repeat(135), 'UCS-2', 135, 270, 3],
    ['one emoji in GSM text turns all of it UCS-2', `${'a'.repeat(68)}😀`, 'UCS-2', 70, 140, 1],
    ['a surrogate pair that would straddle two parts', `${'a'.repeat(66)}😀${'a'.repeat(66)}`, 'UCS-2', 134, 268, 3],
  ] as const)('counts %s', (_what, message, encoding, units, bytes, segments) => {
    expect(smsSize(message)).toEqual({ encoding, units, bytes, segments });
  });

  it('knows the GSM-7 alphabet: accented Latin letters in it stay GSM-7, others do not', () => {
    expect(smsSize('Votre code: 1234 — é').encoding).toBe('UCS-2'); // the em dash is not GSM-7
    expect(smsSize('Código: 1234, válido 5 min').encoding).toBe('UCS-2'); // ó and á are not GSM-7
    expect(smsSize('Dein Code: 1234. Gültig für 5 Min. ÄÖÜ é è à').encoding).toBe('GSM-7');
  });
});

describe('SMS templates checked at start', () => {
  it('reports each template as sent, with its segments', () => {
    expect(reportSmsTemplates(TEMPLATES, 300, {})).toEqual([
      { name: 'SMS_TEMPLATE', encoding: 'GSM-7', units: 45, bytes: 40, segments: 1 },
      { name: 'SMS_TEMPLATES.IN', encoding: 'UCS-2', units: 38, bytes: 76, segments: 1 },
      { name: 'SMS_TEMPLATES.FR', encoding: 'GSM-7', units: 22, bytes: 20, segments: 1 },
    ]);
  });

  it('accepts a GSM-7 message of exactly 140 bytes with its autofill lines, and refuses one character more', () => {
    // 129 + 6 (code) + 25 ("\n@app.example.com #" + 6 digits) = 160 septets = 140 bytes.
    const fits = { SMS_TEMPLATE: `${'x'.repeat(129)}{code}`, WEB_OTP_DOMAIN: 'app.example.com' };
    expect(parseOtpConfig(fits).smsTemplate).toBe(fits.SMS_TEMPLATE);

    const error = configError(() => parseOtpConfig({ ...fits, SMS_TEMPLATE: `${'x'.repeat(130)}{code}` }));
    expect(error.message).toBe(
      'Environment variable SMS_TEMPLATE is 141 bytes (161 GSM-7 characters) with its autofill lines; SMS Retriever reads at most 140',
    );
  });

  it('refuses at start a country template that autofill cannot read, naming it', () => {
    const env = {
      ANDROID_APP_HASH: HASH,
      SMS_TEMPLATES: JSON.stringify({ IN: `${'क'.repeat(52)} {code}` }), // 52 + 1 + 6 + 12 = 71 units
    };

    expect(configError(() => parseOtpConfig(env)).message).toBe(
      'Environment variable SMS_TEMPLATES for IN is 142 bytes (71 UCS-2 code units) with its autofill lines; SMS Retriever reads at most 140',
    );
    expect(parseOtpConfig({ ...env, ANDROID_APP_HASH: '' }).smsTemplates.get('IN')).toBe(`${'क'.repeat(52)} {code}`);
  });

  it('lets a long template through without autofill: it only costs more segments', () => {
    const env = { SMS_TEMPLATE: `${'x'.repeat(200)}{code}` };

    expect(parseOtpConfig(env).smsTemplate).toBe(env.SMS_TEMPLATE);
    expect(reportSmsTemplates({ default: env.SMS_TEMPLATE, byCountry: new Map() }, 300, {})[0]?.segments).toBe(2);
  });

  it.each([
    ['not JSON', '{IN: "x"}', 'Environment variable SMS_TEMPLATES must be a JSON object, such as {"IN":"Code {code}"}'],
    [
      'an array',
      '["Code {code}"]',
      'Environment variable SMS_TEMPLATES must be a JSON object, such as {"IN":"Code {code}"}',
    ],
    [
      'a country that is no alpha-2 code',
      '{"IND":"Code {code}"}',
      'Environment variable SMS_TEMPLATES has "IND", not an ISO 3166 alpha-2 code',
    ],
    [
      'a template without {code}',
      '{"IN":"Code {otp}"}',
      'Environment variable SMS_TEMPLATES has a template for IN without {code}',
    ],
    [
      'a template that is no string',
      '{"IN":42}',
      'Environment variable SMS_TEMPLATES has a template for IN without {code}',
    ],
    ['a country twice', '{"IN":"{code}","in":"{code}"}', 'Environment variable SMS_TEMPLATES names IN twice'],
  ])('refuses SMS_TEMPLATES with %s', (_what, value, message) => {
    expect(configError(() => parseOtpConfig({ SMS_TEMPLATES: value })).message).toBe(message);
  });

  it.each(['FA+9qCX9VS', 'FA+9qCX9VSuX', 'FA+9qCX9VS!'])('refuses ANDROID_APP_HASH=%s', (value) => {
    expect(configError(() => parseOtpConfig({ ANDROID_APP_HASH: value })).message).toContain(
      'Environment variable ANDROID_APP_HASH must be the 11-character hash',
    );
  });

  it.each([
    'https://app.example.com',
    'app.example.com:443',
    'app.example.com/login',
    'App.Example.com',
    'localhost',
    '-a.example.com',
  ])('refuses WEB_OTP_DOMAIN=%s', (value) => {
    expect(configError(() => parseOtpConfig({ WEB_OTP_DOMAIN: value })).message).toContain(
      'Environment variable WEB_OTP_DOMAIN must be a host name',
    );
  });
});
