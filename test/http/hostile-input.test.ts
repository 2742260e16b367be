import { beforeAll, describe, expect, it } from 'vitest';
import { apiEvent, createTestApp, invoke, type TestApp } from '../helpers/test-app.js';

type Case = readonly [name: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> }];

const long = 'a'.repeat(100_000);

const BAD_BODIES: readonly Case[] = [
  ['no body', { rawBody: '' }],
  ['not JSON', { rawBody: 'phone_number=+919876543210' }],
  ['truncated JSON', { rawBody: '{"phone_number": "+9198' }],
  ['JSON null', { rawBody: 'null' }],
  ['a JSON string', { body: '+919876543210' }],
  ['a JSON array', { body: ['+919876543210'] }],
  ['a JSON number', { body: 919876543210 }],
  ['an empty object', { body: {} }],
  ['a number instead of a string', { body: { phone_number: 919876543210, otp: 123456 } }],
  ['null fields', { body: { phone_number: null, otp: null } }],
  ['nested objects', { body: { phone_number: { $ne: '' }, otp: { $gt: '' } } }],
  ['an empty phone number', { body: { phone_number: '', otp: '123456' } }],
  ['a 100 000-character phone number', { body: { phone_number: long, otp: '123456' } }],
  ['control characters', { body: { phone_number: '+91987654\u00003210', otp: '12345\u0000' } }],
  ['a newline in the number', { body: { phone_number: '+919876543210\n', otp: '123456\n' } }],
  ['letters in the number', { body: { phone_number: '+91987654321O', otp: '12345a' } }],
  ['text around the number', { body: { phone_number: 'call +919876543210 now', otp: ' 123456' } }],
  ['no country code', { body: { phone_number: '9876543210', otp: '1234567' } }],
  ['unicode digits', { body: { phone_number: '+٩١٩٨٧٦٥٤٣٢١٠', otp: '١٢٣٤٥٦' } }],
  ['a __proto__ key', { rawBody: '{"phone_number":"+919876543210","otp":"123456","__proto__":{"admin":true}}' }],
  ['a constructor key', { rawBody: '{"phone_number":"+919876543210","otp":"123456","constructor":{"prototype":{}}}' }],
  ['a body over 64 KiB', { rawBody: JSON.stringify({ phone_number: '+919876543210', otp: '123456', pad: long }) }],
  [
    'a form content type',
    {
      body: { phone_number: '+919876543210', otp: '123456' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
  ],
  [
    'a text content type',
    { body: { phone_number: '+919876543210', otp: '123456' }, headers: { 'content-type': 'text/plain' } },
  ],
  ['no content type', { body: { phone_number: '+919876543210', otp: '123456' }, headers: { 'content-type': '' } }],
];

describe('hostile input', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });

  for (const route of ['send-otp', 'verify-otp'] as const) {
    describe(`POST /${route}`, () => {
      it.each(BAD_BODIES)('answers %s with a 4xx JSON error, storing and sending nothing', async (_, options) => {
        const before = await app.countItems();
        const smsBefore = app.sms.sent.length;

        const response = await invoke(app.handlers[route], apiEvent('POST', `/${route}`, options.body, options));

        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(Object.keys(response.body).sort()).toEqual(['code', 'error']);
        expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
        expect(app.sms.sent.length).toBe(smsBefore);
        expect(await app.countItems()).toBe(before);
      });
    });
  }

  it.each([
    ['not JSON', { rawBody: 'x' }, 400, 'invalid_request'],
    ['a missing field', { body: {} }, 400, 'invalid_request'],
    ['letters in the number', { body: { phone_number: '+91 98765 4321O' } }, 400, 'invalid_phone_number'],
    ['an invalid number', { body: { phone_number: '+1 555 555 5555' } }, 400, 'invalid_phone_number'],
    ['a body over 64 KiB', { rawBody: `{"phone_number":"${long}"}` }, 413, 'payload_too_large'],
    [
      'a text content type',
      { body: { phone_number: '+919876543210' }, headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    ],
  ] as const)('maps %s to %i %s', async (_, options, status, code) => {
    const { body, ...rest } = options as { body?: unknown; rawBody?: string; headers?: Record<string, string> };
    const response = await invoke(app.handlers['send-otp'], apiEvent('POST', '/send-otp', body, rest));
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });

  it('answers an OTP that is not exactly 6 ASCII digits with 400 invalid_request', async () => {
    for (const otp of ['12345', '1234567', '12345a', '١٢٣٤٥٦', ' 123456', '']) {
      const response = await app.verifyOtp('+919876543210', otp);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid_request');
    }
  });

  it('accepts a base64-encoded JSON body, as API Gateway may deliver one', async () => {
    const event = apiEvent('POST', '/send-otp', undefined, {
      rawBody: Buffer.from(JSON.stringify({ phone_number: '+919876500123' })).toString('base64'),
    });
    const response = await invoke(app.handlers['send-otp'], { ...event, isBase64Encoded: true });
    expect(response.status).toBe(200);
  });

  it('accepts application/json with a charset', async () => {
    const response = await invoke(
      app.handlers['send-otp'],
      apiEvent(
        'POST',
        '/send-otp',
        { phone_number: '+919876500124' },
        { headers: { 'content-type': 'application/json; charset=utf-8' } },
      ),
    );
    expect(response.status).toBe(200);
  });
});
