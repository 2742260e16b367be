import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DEFAULT_NUMBER_CHANGED_TEMPLATE } from '../../lambdas/config.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, type TestApp, wrongCode } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

// Issue 17, medium 3: with only a victim's access token, an attacker could move the account to its
// own number or delete it. The three routes that can take an account away now need a login at most
// RECENT_LOGIN_MAX_AGE_SECONDS (default 300) old, and the old number is told when its account moves.

const A = '+919876543210';
const B = '+919876543211';
const RECENT_LOGIN_REQUIRED = {
  status: 403,
  body: {
    code: 'recent_login_required',
    error: 'This needs a recent login: log in again with a code sent to your number, then retry.',
  },
};

/** Every item of the app's table, sorted: equal before and after means nothing was written. */
async function allItems(app: TestApp): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await createDocumentClient(app.client).send(new ScanCommand({ TableName: app.tableName }));
  return Items.sort((x, y) => `${x.pk}${x.sk}`.localeCompare(`${y.pk}${y.sk}`));
}

/** The three recent-login routes, called with these claims. */
function accountRoutes(app: TestApp, claims: Record<string, string>, otp = '123456') {
  return {
    'DELETE /me': () => invoke(app.handlers['delete-account'], apiEvent('DELETE', '/me', undefined, { claims })),
    'POST /me/phone-number': () =>
      invoke(
        app.handlers['change-phone-number'],
        apiEvent('POST', '/me/phone-number', { phone_number: B }, { claims }),
      ),
    'POST /me/phone-number/verify': () =>
      invoke(
        app.handlers['verify-phone-number'],
        apiEvent('POST', '/me/phone-number/verify', { phone_number: B, otp }, { claims }),
      ),
  };
}

/** Every budget on, so a charge anywhere (number, IP, country) would show as a written item. */
const LIMITED = { SEND_MAX_PER_IP_PER_HOUR: '100', SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1000' };

describe('the routes that can take an account away need a recent login', () => {
  it('refuses a token whose login is older than the max age with 403 on each route: nothing changed, sent or charged', async () => {
    const app = await createTestApp(LIMITED);
    const user = await app.login(A);
    // A change pending from when the login was fresh, so the verify has a right code to present.
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    const code = app.sms.lastCodeFor(B);
    app.clock.advance(301);
    const before = await allItems(app);
    const smsBefore = app.sms.sent.length;

    for (const [route, call] of Object.entries(accountRoutes(app, authorizerClaimsOf(user.access), code))) {
      expect(await call(), route).toMatchObject(RECENT_LOGIN_REQUIRED);
    }

    expect(await allItems(app)).toEqual(before);
    expect(app.sms.sent).toHaveLength(smsBefore);
    // Still the user's account on A, and the token itself still good where no recent login is asked.
    expect(await app.me(user.access)).toMatchObject({ status: 200, body: { sub: user.sub, phone_number: A } });
  });

  it('lets a fresh login through at once: the app logs in again with a code and retries', async () => {
    const app = await createTestApp();
    const stale = await app.login(A);
    app.clock.advance(3600);
    expect(await app.changeNumber(stale.access, B)).toMatchObject(RECENT_LOGIN_REQUIRED);

    const fresh = await app.login(A);
    expect(decodeJwt(fresh.access).auth_time).toBe(app.clock.seconds);
    expect(await app.changeNumber(fresh.access, B)).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    app.clock.advance(300);
    // Exactly the max age: still recent.
    const moved = await app.verifyNumberChange(fresh.access, B, app.sms.lastCodeFor(B));
    expect(moved.status).toBe(200);
    expect(await app.deleteAccount(String(moved.body.access))).toMatchObject({ status: 204 });
  });

  it('keeps auth_time through refreshes, so a session refreshed for hours is still refused once its login is old', async () => {
    const app = await createTestApp();
    const login = await app.login(A);
    const loginTime = app.clock.seconds;
    expect(decodeJwt(login.access).auth_time).toBe(loginTime);

    app.clock.advance(120);
    const first = await app.refresh(login.refresh);
    expect(first.status).toBe(200);
    app.clock.advance(120);
    const second = await app.refresh(String(first.body.refresh));
    expect(second.status).toBe(200);
    const access = String(second.body.access);
    expect(decodeJwt(String(first.body.access))).toMatchObject({ auth_time: loginTime, iat: loginTime + 120 });
    expect(decodeJwt(access)).toMatchObject({ auth_time: loginTime, iat: loginTime + 240, amr: ['sms'] });
    // 240 s after the login: recent.
    expect((await app.changeNumber(access, B)).status).toBe(200);

    app.clock.advance(61);
    const third = await app.refresh(String(second.body.refresh));
    expect(third.status).toBe(200);
    expect(decodeJwt(String(third.body.access)).auth_time).toBe(loginTime);
    expect(await app.verifyNumberChange(String(third.body.access), B, app.sms.lastCodeFor(B))).toMatchObject(
      RECENT_LOGIN_REQUIRED,
    );
    expect(await app.deleteAccount(String(third.body.access))).toMatchObject(RECENT_LOGIN_REQUIRED);
  });

  it('follows RECENT_LOGIN_MAX_AGE_SECONDS', async () => {
    const app = await createTestApp({ RECENT_LOGIN_MAX_AGE_SECONDS: '3600' });
    const user = await app.login(A);
    app.clock.advance(3600);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    app.clock.advance(1);
    expect(await app.deleteAccount(user.access)).toMatchObject(RECENT_LOGIN_REQUIRED);
  });

  it.each([
    ['without auth_time (issued before it existed)', undefined],
    ['with an auth_time that does not parse', '17e8'],
    ['with an auth_time as JSON text', '"1800000000"'],
  ])('refuses a token %s on each route, and still serves it on GET /me', async (_case, authTime) => {
    const app = await createTestApp(LIMITED);
    const user = await app.login(A);
    const { auth_time: _dropped, ...claims } = authorizerClaimsOf(user.access);
    const presented = authTime === undefined ? claims : { ...claims, auth_time: authTime };
    const before = await allItems(app);

    for (const [route, call] of Object.entries(accountRoutes(app, presented))) {
      expect(await call(), route).toMatchObject(RECENT_LOGIN_REQUIRED);
    }

    expect(await allItems(app)).toEqual(before);
    expect(app.sms.sent).toHaveLength(1);
    expect(await invoke(app.handlers.me, apiEvent('GET', '/me', undefined, { claims: presented }))).toMatchObject({
      status: 200,
      body: { sub: user.sub },
    });
  });

  it('counts and logs the refusal, without the token or the number', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    app.clock.advance(301);

    await app.deleteAccount(user.access);

    expect(recorded.counted).toContain('RecentLoginRequired');
    expect(recorded.lines).toContainEqual(
      expect.objectContaining({
        message: 'request refused',
        attributes: expect.objectContaining({ code: 'recent_login_required', detail: 'login_too_old' }),
      }),
    );
    expect(JSON.stringify(recorded.lines)).not.toContain(A);
  });

  it('treats the number change confirmation as a fresh login: the new session carries its time', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    app.clock.advance(200);

    const moved = await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));

    expect(decodeJwt(String(moved.body.access))).toMatchObject({ phone_number: B, auth_time: app.clock.seconds });
    app.clock.advance(250);
    // 450 s after the login on A, 250 s after the code on B proved B.
    expect(await app.deleteAccount(String(moved.body.access))).toMatchObject({ status: 204 });
  });
});

describe('the notice to the old number', () => {
  const noticesTo = (app: TestApp, phoneNumber: string) =>
    app.sms.sent.filter((sms) => sms.phoneNumber === phoneNumber && sms.message === DEFAULT_NUMBER_CHANGED_TEMPLATE);

  it('is sent exactly once when a move completes, without a code, and not counted against the old number', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const sentBefore = app.sms.sent.length;
    const sendsOfA = (await app.records.get(A, app.clock.seconds)).record.sendTimes;
    // The login code and the change request's charge.
    expect(sendsOfA).toHaveLength(2);

    expect((await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    expect(app.sms.sent.slice(sentBefore)).toEqual([
      { phoneNumber: A, message: DEFAULT_NUMBER_CHANGED_TEMPLATE, code: '' },
    ]);
    expect(recorded.counted.filter((m) => m === 'NumberChangedNoticeSent')).toHaveLength(1);
    expect((await app.records.get(A, app.clock.seconds)).record.sendTimes).toEqual(sendsOfA);
  });

  it('is not sent for a wrong code, a refused (not recent) verify, or a move that never completes', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const code = app.sms.lastCodeFor(B);

    expect((await app.verifyNumberChange(user.access, B, wrongCode(code))).status).toBe(400);
    app.clock.advance(301);
    expect(await app.verifyNumberChange(user.access, B, code)).toMatchObject(RECENT_LOGIN_REQUIRED);

    expect(noticesTo(app, A)).toHaveLength(0);
  });

  it('never fails the move when the provider refuses it: logged masked, counted', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const code = app.sms.lastCodeFor(B);
    app.sms.failNext = 1;

    const moved = await app.verifyNumberChange(user.access, B, code);

    expect(moved.status).toBe(200);
    expect(await app.me(String(moved.body.access))).toMatchObject({ status: 200, body: { phone_number: B } });
    expect(noticesTo(app, A)).toHaveLength(0);
    expect(recorded.counted).toEqual(expect.arrayContaining(['PhoneNumberChanged', 'NumberChangedNoticeFailed']));
    expect(recorded.counted).not.toContain('NumberChangedNoticeSent');
    const warning = recorded.lines.find((line) => line.message === 'number change notice not sent');
    expect(warning).toMatchObject({ level: 'warn', attributes: { phone: '+91******3210' } });
    // The provider's error named the number in full: redacted like every logged cause.
    expect(JSON.stringify(recorded.lines)).not.toContain(A);
  });

  it('is never sent to a test number', async () => {
    const app = await createTestApp({ TEST_PHONE_NUMBERS: `${A}:111111` });
    expect((await app.sendOtp(A)).status).toBe(200);
    const login = await app.verifyOtp(A, '111111');
    const access = String(login.body.access);
    await app.changeNumber(access, B);

    expect((await app.verifyNumberChange(access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual([B]);
  });

  it('uses the country template of the old number', async () => {
    const app = await createTestApp({
      SMS_NUMBER_CHANGED_TEMPLATE: 'Changed.',
      SMS_NUMBER_CHANGED_TEMPLATES: '{"IN":"Aapke account ka number badal gaya."}',
    });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);

    await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));

    expect(app.sms.sent.at(-1)).toEqual({
      phoneNumber: A,
      message: 'Aapke account ka number badal gaya.',
      code: '',
    });
  });
});
