import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAccessToken } from '../../lambdas/core/tokens.js';
import { apiEvent, createTestApp, invoke, type TestApp, wrongCode } from '../helpers/test-app.js';

const PHONE = '+919876543210';

describe('POST /send-otp then POST /verify-otp', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });

  it('sends a 6-digit code by SMS and answers 200 with expires_in', async () => {
    const response = await app.sendOtp('+91 98765 43210');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: 'OTP sent', expires_in: 300 });
    const sms = app.sms.sent.at(-1);
    expect(sms?.phoneNumber).toBe(PHONE);
    expect(sms?.message).toMatch(/^Your code is \d{6}\. It expires in 5 minutes\.$/);
  });

  it('trades the code for an RS256 access token and an opaque refresh token', async () => {
    await app.sendOtp(PHONE);
    const response = await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE));

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(String(response.body.refresh)).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const access = String(response.body.access);
    expect(decodeProtectedHeader(access)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const claims = decodeJwt(access);
    expect(claims).toMatchObject({
      iss: 'https://auth.test',
      aud: 'otp-login',
      token_use: 'access',
      phone_number: PHONE,
      amr: ['sms'],
    });
    expect(claims.sub).not.toContain('919876543210');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    expect(claims.jti).toEqual(expect.any(String));
    const jwks = (await app.keys.load()).publicJwks;
    await expect(verifyAccessToken(access, jwks, { ...app.sessions, now: app.clock.seconds })).resolves.toBeTruthy();
  });

  it('keeps the same sub across logins and activates the user', async () => {
    const first = await app.login('+919876500001');
    const second = await app.login('+919876500001');

    expect(decodeJwt(second.access).sub).toBe(decodeJwt(first.access).sub);
    const { record } = await app.records.get('+919876500001', app.clock.seconds);
    expect(record.user?.status).toBe('active');
    expect(record.retainUntil).toBeUndefined();
  });

  it('stores the user as pending, with a 160-bit TOTP secret, until the first verify', async () => {
    await app.sendOtp('+919876500002');
    const { record } = await app.records.get('+919876500002', app.clock.seconds);

    expect(record.user?.status).toBe('pending');
    expect(record.user?.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(record.retainUntil).toBeGreaterThan(app.clock.seconds);
  });

  it('lets a user log in twice within one 30-second TOTP period', async () => {
    const phone = '+919876500003';
    await app.login(phone);
    const firstCode = app.sms.lastCodeFor(phone);
    await app.sendOtp(phone);
    const secondCode = app.sms.lastCodeFor(phone);

    expect(secondCode).not.toBe(firstCode);
    expect((await app.verifyOtp(phone, secondCode)).status).toBe(200);
  });

  it('accepts a code only once', async () => {
    const phone = '+919876500004';
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);

    expect((await app.verifyOtp(phone, code)).status).toBe(200);
    const replay = await app.verifyOtp(phone, code);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('invalid_otp');
  });

  it('accepts only the latest code sent', async () => {
    const phone = '+919876500005';
    await app.sendOtp(phone);
    const older = app.sms.lastCodeFor(phone);
    await app.sendOtp(phone);
    const latest = app.sms.lastCodeFor(phone);

    expect((await app.verifyOtp(phone, older)).body.code).toBe('invalid_otp');
    expect((await app.verifyOtp(phone, latest)).status).toBe(200);
  });

  it('refuses a code once OTP_TTL_SECONDS have passed, and accepts it just before', async () => {
    const phone = '+919876500006';
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);

    app.clock.advance(300);
    const stillValid = await app.verifyOtp(phone, code);
    expect(stillValid.status).toBe(200);

    await app.sendOtp(phone);
    const next = app.sms.lastCodeFor(phone);
    app.clock.advance(302);
    const expired = await app.verifyOtp(phone, next);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('invalid_otp');
  });

  it('answers a wrong code, an unknown number and no pending code with one identical error', async () => {
    await app.sendOtp('+919876500007');
    const wrong = await app.verifyOtp('+919876500007', wrongCode(app.sms.lastCodeFor('+919876500007')));
    const unknown = await app.verifyOtp('+919876500008', '123456');
    await app.login('+919876500009');
    const noPending = await app.verifyOtp('+919876500009', '123456');

    expect(wrong.status).toBe(400);
    expect(unknown).toEqual(wrong);
    expect(noPending).toEqual(wrong);
    expect(wrong.body).toEqual({ error: 'The code is invalid or has expired.', code: 'invalid_otp' });
  });
});

describe('GET /me', () => {
  it('answers the verified claims', async () => {
    const app = await createTestApp();
    const { access } = await app.login(PHONE);
    const jwks = (await app.keys.load()).publicJwks;
    const claims = await verifyAccessToken(access, jwks, { ...app.sessions, now: app.clock.seconds });
    const asStrings = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]));

    const response = await invoke(app.handlers.me, apiEvent('GET', '/me', undefined, { claims: asStrings }));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: claims.sub, phone_number: PHONE, phone_number_verified: true });
  });

  it('answers 401 invalid_token without authorizer claims or for claims that are not an access token', async () => {
    const app = await createTestApp();
    const none = await invoke(app.handlers.me, apiEvent('GET', '/me'));
    const refreshLike = await invoke(
      app.handlers.me,
      apiEvent('GET', '/me', undefined, { claims: { sub: 'u', phone_number: PHONE, token_use: 'refresh' } }),
    );

    expect(none.status).toBe(401);
    expect(none.body.code).toBe('invalid_token');
    expect(refreshLike.status).toBe(401);
  });
});

describe('SIGNUP_MODE=closed', () => {
  it('sends only to existing users and answers unknown numbers identically, creating no user', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    const { provisionUser } = await import('../../lambdas/core/login.js');
    await provisionUser(app.records, '+919876500010', app.clock);

    const known = await app.sendOtp('+919876500010');
    const unknown = await app.sendOtp('+919876500011');

    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    expect(app.sms.sent.map((s) => s.phoneNumber)).toEqual(['+919876500010']);
    const { record } = await app.records.get('+919876500011', app.clock.seconds);
    expect(record.user).toBeUndefined();
    expect(record.code).toBeUndefined();
    // The send is counted, so the limits answer alike; the record expires on its own.
    expect(record.sendTimes).toEqual([app.clock.seconds]);
    expect(record.retainUntil).toBeGreaterThan(app.clock.seconds);
    expect((await app.verifyOtp('+919876500010', app.sms.lastCodeFor('+919876500010'))).status).toBe(200);
  });

  it('answers a wrong code for a known number and any code for an unknown one with the same response', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    const { provisionUser } = await import('../../lambdas/core/login.js');
    const known = '+919876500012';
    const unknown = '+919876500013';
    await provisionUser(app.records, known, app.clock);
    expect((await app.sendOtp(known)).status).toBe(200);
    expect((await app.sendOtp(unknown)).status).toBe(200);
    const guess = wrongCode(app.sms.lastCodeFor(known));

    const onKnown = await app.verifyOtp(known, guess);
    const onUnknown = await app.verifyOtp(unknown, guess);

    expect(onKnown).toEqual({
      status: 400,
      body: { error: 'The code is invalid or has expired.', code: 'invalid_otp' },
      headers: expect.any(Object),
    });
    expect(onUnknown).toEqual(onKnown);
  });
});

describe('provisionUser', () => {
  it('activates a pending user left from open signup, so it no longer expires', async () => {
    const app = await createTestApp();
    const { provisionUser } = await import('../../lambdas/core/login.js');
    await app.sendOtp('+919876500020');
    const before = await app.records.get('+919876500020', app.clock.seconds);

    expect(await provisionUser(app.records, '+919876500020', app.clock)).toBe('activated');
    const { record } = await app.records.get('+919876500020', app.clock.seconds);
    expect(record.user).toMatchObject({ status: 'active', userId: before.record.user?.userId });
    expect(record.retainUntil).toBeUndefined();
    expect(await provisionUser(app.records, '+919876500020', app.clock)).toBe('exists');
  });
});

describe('SMS', () => {
  it('uses SMS_TEMPLATE with {code} and {minutes}', async () => {
    const app = await createTestApp({ SMS_TEMPLATE: 'Code {code} ({minutes} min)', OTP_TTL_SECONDS: '600' });
    await app.sendOtp(PHONE);

    expect(app.sms.sent.at(-1)?.message).toMatch(/^Code \d{6} \(10 min\)$/);
  });

  it('answers 503 sms_unavailable when the provider fails, and leaves no usable code', async () => {
    const app = await createTestApp();
    app.sms.failNext = 1;
    const failed = await app.sendOtp(PHONE);

    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe('sms_unavailable');
    const { record } = await app.records.get(PHONE, app.clock.seconds);
    expect(record.code?.consumed).toBe(true);
    expect(record.sendTimes).toHaveLength(1);
  });
});
