import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbUserPasskeyDeletion } from '../../lambdas/adapters/dynamodb-passkey-removal.js';
import { provisionUser } from '../../lambdas/core/login.js';
import { newRefreshToken, refreshTokenFamily } from '../../lambdas/core/tokens.js';
import { makeDeleteAccountHandler } from '../../lambdas/http/delete-account-handler.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, type TestApp, wrongCode } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const A = '+919876543210';
const B = '+919876543211';
const C = '+919876543212';

/** Every item of the app's table (each test app has a table of its own). */
async function allItems(app: TestApp): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await createDocumentClient(app.client).send(new ScanCommand({ TableName: app.tableName }));
  return Items;
}

async function item(app: TestApp, pk: string): Promise<Record<string, unknown> | undefined> {
  return (await allItems(app)).find((stored) => stored.pk === pk);
}

const familyItemsOf = async (app: TestApp, sub: string) =>
  (await allItems(app)).filter((stored) => String(stored.pk).startsWith('FAM#') && stored.userId === sub);

describe('DELETE /me', () => {
  it('deletes the user: every family of every device gone, /me refuses its tokens, the number is free', async () => {
    const app = await createTestApp();
    const phone = await app.login(A);
    const tablet = await app.login(A);
    const refreshedTablet = await app.refresh(tablet.refresh);
    expect(refreshedTablet.status).toBe(200);
    expect(await familyItemsOf(app, phone.sub)).toHaveLength(2);

    expect(await app.deleteAccount(phone.access)).toMatchObject({ status: 204, body: {} });

    for (const refresh of [phone.refresh, tablet.refresh, String(refreshedTablet.body.refresh)]) {
      expect(await app.refresh(refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
    for (const access of [phone.access, tablet.access, String(refreshedTablet.body.access)]) {
      expect(await app.me(access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
    expect(await app.deleteAccount(phone.access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    // Removed, not marked: no family item is left, and the number's record holds nothing of the user.
    expect(await familyItemsOf(app, phone.sub)).toEqual([]);
    const record = await item(app, `PHONE#${A}`);
    expect(record).not.toHaveProperty('userId');
    expect(record).not.toHaveProperty('totpSecret');
    expect(record).not.toHaveProperty('otpStep');
    expect(record?.ttl).toBeGreaterThan(app.clock.seconds);

    // Open signup: the number logs in again as somebody new.
    const again = await app.login(A);
    expect(again.sub).not.toBe(phone.sub);
    expect((await app.me(again.access)).body).toMatchObject({ sub: again.sub, phone_number: A });
  });

  it('ends a family the cleanup missed (the index lags): its user is gone, so the owner check refuses it', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const documents = createDocumentClient(app.client);
    const [family] = await familyItemsOf(app, user.sub);

    expect((await app.deleteAccount(user.access)).status).toBe(204);
    // As if the index had not listed it yet: the family item is still there after the deletion.
    await documents.send(new PutCommand({ TableName: app.tableName, Item: family }));

    expect(await app.refresh(user.refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    // Even once the number belongs to somebody new.
    await app.login(A);
    expect((await app.refresh(user.refresh)).status).toBe(401);
  });

  it('withdraws a number change the user had asked for: nothing on the other number names the user', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    expect(await item(app, `PHONE#${B}`)).toMatchObject({ changeUserId: user.sub });

    expect((await app.deleteAccount(user.access)).status).toBe(204);

    const target = await item(app, `PHONE#${B}`);
    expect(target).not.toHaveProperty('changeUserId');
    expect(target).not.toHaveProperty('changeSecret');
    expect(target?.otpConsumed).toBe(true);
    // B's counters stay (the send to it counted), as for any number that was texted.
    expect(target?.sendTimes).toHaveLength(1);
    expect(JSON.stringify(await allItems(app))).not.toContain(user.sub);
  });

  it('leaves a change of another user alone, and needs no write when none was asked for', async () => {
    const app = await createTestApp();
    const mover = await app.login(C);
    expect((await app.changeNumber(mover.access, B)).status).toBe(200);
    const user = await app.login(A);

    expect((await app.deleteAccount(user.access)).status).toBe(204);

    expect(await item(app, `PHONE#${B}`)).toMatchObject({ changeUserId: mover.sub });
    expect((await app.verifyNumberChange(mover.access, B, app.sms.lastCodeFor(B))).status).toBe(200);
  });

  it('under closed signup, the number gets no SMS until an operator adds it again', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    await provisionUser(app.records, A, app.clock);
    const user = await app.login(A);
    expect(await app.deleteAccount(user.access)).toMatchObject({ status: 204 });
    const sentBefore = app.sms.sent.length;

    expect(await app.sendOtp(A)).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    expect(app.sms.sent).toHaveLength(sentBefore);

    expect(await provisionUser(app.records, A, app.clock)).toBe('created');
    const readded = await app.login(A);
    expect(readded.sub).not.toBe(user.sub);
  });

  it('logs and counts the deletion; a failed cleanup is a warning and a metric, still 204', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const failing = {
      familyIdsOf: async () =>
        Promise.reject(Object.assign(new Error(`throttled for ${A}`), { name: 'ThrottlingException' })),
      deleteFamilies: async () => {},
    };
    const handler = makeDeleteAccountHandler(
      {
        records: app.records,
        families: failing,
        passkeys: new DynamoDbUserPasskeyDeletion(createDocumentClient(app.client), app.tableName),
        clock: app.clock,
        policy: app.policy,
        recentLoginMaxAgeSeconds: 300,
      },
      recorded.telemetry,
    );

    const response = await invoke(
      handler,
      apiEvent('DELETE', '/me', undefined, { claims: authorizerClaimsOf(user.access) }),
    );

    expect(response.status).toBe(204);
    expect(recorded.counted).toEqual(expect.arrayContaining(['AccountDeleted', 'SessionCleanupFailed']));
    expect(recorded.lines).toContainEqual(
      expect.objectContaining({ message: 'account deleted', attributes: { sub: user.sub, families_deleted: 0 } }),
    );
    const warning = recorded.lines.find((line) => line.message === 'ended sessions left for TTL');
    expect(warning?.level).toBe('warn');
    expect(JSON.stringify(warning)).toContain('ThrottlingException');
    expect(JSON.stringify(warning)).not.toContain(A);
    // The family is left, but ended.
    expect((await app.refresh(user.refresh)).status).toBe(401);
  });

  it('keeps the number abuse counters: deleting the account resets no send limit', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '2' });
    const user = await app.login(A);
    expect((await app.sendOtp(A)).status).toBe(200);
    expect(await app.deleteAccount(user.access)).toMatchObject({ status: 204 });

    expect(await app.sendOtp(A)).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
  });

  it('answers 401 for a request without verified access-token claims, and deletes nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const idClaims = { ...decodeJwt(user.access), token_use: 'id' };
    const asId = Object.fromEntries(Object.entries(idClaims).map(([k, v]) => [k, String(v)]));

    expect(await invoke(app.handlers['delete-account'], apiEvent('DELETE', '/me'))).toMatchObject({ status: 401 });
    expect(
      await invoke(app.handlers['delete-account'], apiEvent('DELETE', '/me', undefined, { claims: asId })),
    ).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect((await app.me(user.access)).status).toBe(200);
    expect((await app.refresh(user.refresh)).status).toBe(200);
  });
});

describe('POST /logout with all: true', () => {
  it('ends every session of the user, then lets the user log in again', async () => {
    const app = await createTestApp();
    const phone = await app.login(A);
    const tablet = await app.login(A);
    const laptop = await app.login(A);
    const other = await app.login(B);

    expect(await app.logoutAll(tablet.refresh)).toMatchObject({ status: 204, body: {} });

    for (const refresh of [phone.refresh, tablet.refresh, laptop.refresh]) {
      expect(await app.refresh(refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
    // Another user is not touched.
    expect((await app.refresh(other.refresh)).status).toBe(200);
    // Access tokens already issued live until they expire for APIs that only check the signature,
    // but they carry the session epoch, so none of them can read, move or delete the account.
    expect(await app.me(phone.access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect((await app.changeNumber(tablet.access, C)).status).toBe(401);
    expect((await app.deleteAccount(laptop.access)).status).toBe(401);
    const after = await app.login(A);
    expect(after.sub).toBe(phone.sub);
    expect(decodeJwt(after.access).session_epoch).toBe(1);
    expect((await app.me(after.access)).status).toBe(200);
    expect((await app.refresh(after.refresh)).status).toBe(200);
  });

  it('keeps a stolen access token from moving the account after the user signed out everywhere', async () => {
    const app = await createTestApp();
    const victim = await app.login(A);
    const stolen = victim.access;
    expect((await app.logoutAll(victim.refresh)).status).toBe(204);

    expect(await app.changeNumber(stolen, B)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual([A]);
    // Even with a change requested before the sign-out, the confirm is refused.
    const again = await app.login(A);
    expect((await app.changeNumber(again.access, B)).status).toBe(200);
    const code = app.sms.lastCodeFor(B);
    const refreshed = await app.refresh(again.refresh);
    expect((await app.logoutAll(String(refreshed.body.refresh))).status).toBe(204);
    expect(await app.verifyNumberChange(again.access, B, code)).toMatchObject({ status: 401 });
    expect((await app.login(A)).sub).toBe(victim.sub);
  });

  it('refuses a made-up token carrying a real family id: the family id alone ends nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const forged = newRefreshToken(String(refreshTokenFamily(user.refresh)));

    expect(await app.logoutAll(forged)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect((await app.refresh(user.refresh)).status).toBe(200);
  });

  it('logs who signed out everywhere and counts it, never the token', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);

    expect((await app.logoutAll(user.refresh)).status).toBe(204);

    expect(recorded.counted).toContain('SignedOutEverywhere');
    expect(recorded.lines).toContainEqual(
      expect.objectContaining({ message: 'signed out everywhere', attributes: { sub: user.sub } }),
    );
    expect(JSON.stringify(recorded.lines)).not.toContain(user.refresh.split('.')[1]);
  });

  it('takes the previous token within the family too, as logout does', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const second = await app.login(A);
    expect((await app.refresh(user.refresh)).status).toBe(200);

    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    expect((await app.refresh(second.refresh)).status).toBe(401);
  });

  it('refuses a token whose session already ended, so it cannot end the sessions started since', async () => {
    const app = await createTestApp();
    const stale = await app.login(A);
    const other = await app.login(A);
    expect((await app.logoutAll(other.refresh)).status).toBe(204);
    const fresh = await app.login(A);

    expect(await app.logoutAll(stale.refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect((await app.refresh(fresh.refresh)).status).toBe(200);

    // A family revoked by a plain logout cannot either.
    const loggedOut = await app.login(A);
    expect((await app.logout(loggedOut.refresh)).status).toBe(204);
    expect((await app.logoutAll(loggedOut.refresh)).status).toBe(401);
    expect((await app.refresh(String((await app.refresh(fresh.refresh)).body.refresh))).status).toBe(401);
  });

  it.each([
    ['a token that is not a refresh token', { refresh: 'nonsense', all: true }, 401],
    ['all as a string', { refresh: 'x.y', all: 'true' }, 400],
    ['all as a number', { refresh: 'x.y', all: 1 }, 400],
  ])('answers %s with %i and ends nothing', async (_case, body, status) => {
    const app = await createTestApp();
    const user = await app.login(A);

    const response = await invoke(app.handlers.logout, apiEvent('POST', '/logout', body));

    expect(response.status).toBe(status);
    expect(response.body.code).toBe(status === 401 ? 'invalid_token' : 'invalid_request');
    expect((await app.refresh(user.refresh)).status).toBe(200);
  });

  it('with all: false, ends only this session, as before', async () => {
    const app = await createTestApp();
    const one = await app.login(A);
    const two = await app.login(A);

    expect(
      (await invoke(app.handlers.logout, apiEvent('POST', '/logout', { refresh: one.refresh, all: false }))).status,
    ).toBe(204);
    expect((await app.refresh(one.refresh)).status).toBe(401);
    expect((await app.refresh(two.refresh)).status).toBe(200);
  });
});

describe('changing the number', () => {
  it('moves the user: same sub, tokens for the new number, the old number free, other sessions ended', async () => {
    const app = await createTestApp();
    const phone = await app.login(A);
    const tablet = await app.login(A);

    const requested = await app.changeNumber(phone.access, B);
    expect(requested).toMatchObject({ status: 200, body: { message: 'OTP sent', expires_in: 300 } });
    expect(app.sms.sent.at(-1)?.phoneNumber).toBe(B);
    const moved = await app.verifyNumberChange(phone.access, B, app.sms.lastCodeFor(B));

    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(decodeJwt(String(moved.body.access))).toMatchObject({ sub: phone.sub, phone_number: B });
    expect(await app.me(String(moved.body.access))).toMatchObject({
      status: 200,
      body: { sub: phone.sub, phone_number: B },
    });
    expect((await app.refresh(String(moved.body.refresh))).status).toBe(200);
    // Every other session ended, and its family deleted; tokens naming the old number are refused.
    for (const refresh of [phone.refresh, tablet.refresh]) expect((await app.refresh(refresh)).status).toBe(401);
    expect((await app.me(phone.access)).status).toBe(401);
    expect(await familyItemsOf(app, phone.sub)).toHaveLength(1);
    // The new number logs in to the same user; the old one, under open signup, to a new user.
    expect((await app.login(B)).sub).toBe(phone.sub);
    expect((await app.login(A)).sub).not.toBe(phone.sub);
  });

  it('ends the old sessions even if their family items survive the move (the index lags)', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const [family] = await familyItemsOf(app, user.sub);
    await app.changeNumber(user.access, B);
    expect((await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    await createDocumentClient(app.client).send(new PutCommand({ TableName: app.tableName, Item: family }));

    expect(await app.refresh(user.refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
  });

  it('gives the user a new login secret on the new number: no code texted to the old one works there', async () => {
    // No cooldown: several codes to the old number within one 30 s TOTP period, at rising steps.
    const app = await createTestApp({ SEND_COOLDOWN_SECONDS: '0', SEND_MAX_PER_HOUR: '20', OTP_MAX_ATTEMPTS: '20' });
    const user = await app.login(A);
    const oldCodes: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await app.sendOtp(A)).status).toBe(200);
      oldCodes.push(app.sms.lastCodeFor(A));
    }
    await app.changeNumber(user.access, B);
    expect((await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    for (let i = 0; i < 3; i++) {
      expect((await app.sendOtp(B)).status).toBe(200);
      // With the old secret, the step after the move's repeats a step already texted to A, so its
      // code would be one of A's (a one-in-a-million coincidence otherwise).
      expect(oldCodes).not.toContain(app.sms.lastCodeFor(B));
      for (const old of oldCodes) {
        expect(await app.verifyOtp(B, old)).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
      }
    }
    expect((await app.verifyOtp(B, app.sms.lastCodeFor(B))).status).toBe(200);
  });

  it('answers 409 phone_number_taken for another user number, sends nothing, touches only the caller', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '2' });
    const caller = await app.login(A);
    const owner = await app.login(B);
    const ownerRecord = await item(app, `PHONE#${B}`);
    const sent = app.sms.sent.length;

    expect(await app.changeNumber(caller.access, B)).toMatchObject({
      status: 409,
      body: { code: 'phone_number_taken', error: 'This phone number belongs to another account.' },
    });
    expect(app.sms.sent).toHaveLength(sent);
    expect(await item(app, `PHONE#${B}`)).toEqual(ownerRecord);
    // Charged to the caller (its login, then the probe: 2 of 2 this hour): the next probe is refused.
    expect(await app.changeNumber(caller.access, C)).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect((await app.refresh(owner.refresh)).status).toBe(200);
  });

  it('lets a user change the number right after logging in: the caller charge has no cooldown', async () => {
    const app = await createTestApp({ SEND_COOLDOWN_SECONDS: '60' });
    const user = await app.login(A);

    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    // The new number's own cooldown holds, as on /send-otp.
    expect(await app.changeNumber(user.access, B)).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
  });

  it('answers 409 at the verify step when an operator added the number in between, keeping that user', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    expect(await provisionUser(app.records, B, app.clock)).toBe('created');
    const added = (await item(app, `PHONE#${B}`))?.userId;

    expect(await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).toMatchObject({
      status: 409,
      body: { code: 'phone_number_taken' },
    });
    expect((await item(app, `PHONE#${B}`))?.userId).toBe(added);
    expect((await app.me(user.access)).status).toBe(200);
  });

  it('counts wrong codes against the new number: 400 invalid_otp, then 429 too_many_attempts', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '3' });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const code = app.sms.lastCodeFor(B);

    for (let i = 0; i < 3; i++) {
      expect(await app.verifyNumberChange(user.access, B, wrongCode(code))).toMatchObject({
        status: 400,
        body: { code: 'invalid_otp' },
      });
    }
    const locked = await app.verifyNumberChange(user.access, B, code);
    expect(locked).toMatchObject({ status: 429, body: { code: 'too_many_attempts' } });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await item(app, `PHONE#${B}`))?.failedAttempts).toBe(3);
    // The user stays where it was.
    expect((await app.me(user.access)).status).toBe(200);
  });

  it('never lets a change code log in, nor a login code confirm a change', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const changeCode = app.sms.lastCodeFor(B);

    expect(await app.verifyOtp(B, changeCode)).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });

    expect((await app.sendOtp(B)).status).toBe(200);
    const loginCode = app.sms.lastCodeFor(B);
    expect(await app.verifyNumberChange(user.access, B, loginCode)).toMatchObject({
      status: 400,
      body: { code: 'invalid_otp' },
    });
    // The login's send replaced the change code: it is dead too.
    expect((await app.verifyNumberChange(user.access, B, changeCode)).status).toBe(400);
  });

  it('binds the code to the user who asked: another user cannot use it', async () => {
    const app = await createTestApp();
    const asker = await app.login(A);
    const other = await app.login(C);
    await app.changeNumber(asker.access, B);

    expect(await app.verifyNumberChange(other.access, B, app.sms.lastCodeFor(B))).toMatchObject({
      status: 400,
      body: { code: 'invalid_otp' },
    });
    expect((await app.verifyNumberChange(asker.access, B, app.sms.lastCodeFor(B))).status).toBe(200);
  });

  it.each([
    ['not a phone number', { phone_number: 'hello' }, 400, 'invalid_phone_number'],
    ['the number the user already has', { phone_number: A }, 400, 'invalid_request'],
    ['a number from a country not allowed', { phone_number: '+14155550123' }, 400, 'country_not_allowed'],
    ['no phone_number', {}, 400, 'invalid_request'],
  ])('refuses %s with %i %s, storing and sending nothing', async (_case, body, status, code) => {
    const app = await createTestApp({ ALLOWED_COUNTRIES: 'IN' });
    const user = await app.login(A);
    const items = await allItems(app);
    const sent = app.sms.sent.length;

    const response = await invoke(
      app.handlers['change-phone-number'],
      apiEvent('POST', '/me/phone-number', body, { claims: authorizerClaimsOf(user.access) }),
    );

    expect(response).toMatchObject({ status, body: { code } });
    expect(await allItems(app)).toEqual(items);
    expect(app.sms.sent).toHaveLength(sent);
  });

  it('refuses the change code once it has expired, spending an attempt', async () => {
    const app = await createTestApp({ OTP_TTL_SECONDS: '120' });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const code = app.sms.lastCodeFor(B);
    app.clock.advance(121);

    expect(await app.verifyNumberChange(user.access, B, code)).toMatchObject({
      status: 400,
      body: { code: 'invalid_otp' },
    });
    expect((await item(app, `PHONE#${B}`))?.failedAttempts).toBe(1);
    expect((await app.me(user.access)).status).toBe(200);
  });

  it('logs and counts each step with the number masked, and never the code', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const code = app.sms.lastCodeFor(B);
    expect((await app.verifyNumberChange(user.access, B, code)).status).toBe(200);

    expect(recorded.lines).toContainEqual(
      expect.objectContaining({
        message: 'number change code requested',
        attributes: { sub: user.sub, phone: '+91******3211', outcome: 'sent' },
      }),
    );
    expect(recorded.lines).toContainEqual(
      expect.objectContaining({
        message: 'phone number changed',
        attributes: { sub: user.sub, phone: '+91******3211', families_deleted: 1 },
      }),
    );
    expect(recorded.counted.filter((metric) => metric === 'OtpSent')).toHaveLength(2);
    expect(recorded.counted).toContain('PhoneNumberChanged');
    const logged = JSON.stringify(recorded.lines);
    expect(logged).not.toContain(B);
    expect(logged).not.toContain(code);
  });

  it('counts no SMS for a test number', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({ TEST_PHONE_NUMBERS: `${B}:123456` }, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const sentBefore = recorded.counted.filter((metric) => metric === 'OtpSent').length;

    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    expect(recorded.counted.filter((metric) => metric === 'OtpSent')).toHaveLength(sentBefore);
    expect((await app.verifyNumberChange(user.access, B, '123456')).status).toBe(200);
  });

  it('refuses a malformed code without spending an attempt, and a code for the same number', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const before = await item(app, `PHONE#${B}`);

    expect(await app.verifyNumberChange(user.access, B, '12ab56')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    expect(await app.verifyNumberChange(user.access, A, '123456')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    expect(await item(app, `PHONE#${B}`)).toEqual(before);
  });

  it('applies the send limits of the new number, the refusal costing the caller a send', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '3' });
    const user = await app.login(A);
    for (let i = 0; i < 3; i++) expect((await app.sendOtp(B)).status).toBe(200);

    expect(await app.changeNumber(user.access, B)).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect((await app.changeNumber(user.access, C)).status).toBe(200);
    // The login, the refused request and the change to C: the caller's hour is spent.
    expect(await app.changeNumber(user.access, '+919876543213')).toMatchObject({
      status: 429,
      body: { code: 'rate_limited' },
    });
  });

  it('charges the caller one send per request: the caller hour limit stops a spray of new numbers', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '3' });
    const user = await app.login(A);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    expect((await app.changeNumber(user.access, C)).status).toBe(200);

    const third = await app.changeNumber(user.access, '+919876543213');
    expect(third).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual([A, B, C]);
  });

  it('applies the per-country hourly budget, and refuses a premium-rate number, as /send-otp does', async () => {
    const recorded = recordingTelemetry();
    // One send an hour to India (one shard, so the test does not depend on which shard is drawn):
    // the login spends it.
    const app = await createTestApp(
      { SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1,*=100', SEND_MAX_PER_HOUR: '10' },
      { telemetry: recorded.telemetry },
    );
    const user = await app.login(A);

    const spent = await app.changeNumber(user.access, B);
    expect(spent).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual([A]);
    expect(recorded.counted).toContain('CountryBudgetSpent');
    // A number of another country has its own budget.
    expect((await app.changeNumber(user.access, '+12015550123')).status).toBe(200);
    expect(await app.changeNumber(user.access, '+19005550100')).toMatchObject({
      status: 400,
      body: { code: 'unsupported_phone_number' },
    });
  });

  it('applies the per-IP limit', async () => {
    const app = await createTestApp({ SEND_MAX_PER_IP_PER_HOUR: '1' });
    const user = await app.login(A);

    expect(await app.changeNumber(user.access, B)).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect((await app.changeNumber(user.access, B, '198.51.100.1')).status).toBe(200);
  });

  it('sends to an unknown number under closed signup: the user is known, the number is proved by the code', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    await provisionUser(app.records, A, app.clock);
    const user = await app.login(A);

    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    expect((await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    expect((await app.login(B)).sub).toBe(user.sub);
    const sent = app.sms.sent.length;
    expect((await app.sendOtp(A)).status).toBe(200);
    expect(app.sms.sent).toHaveLength(sent);
  });

  it('refuses a deleted user, and a token from before a move', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await app.changeNumber(user.access, B);
    const moved = await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));

    expect(await app.changeNumber(user.access, C)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect((await app.deleteAccount(String(moved.body.access))).status).toBe(204);
    expect((await app.changeNumber(String(moved.body.access), C)).status).toBe(401);
  });

  it('ends, on a move back, the sessions of the first stay on the number', async () => {
    const app = await createTestApp();
    const first = await app.login(A);
    await app.changeNumber(first.access, B);
    const atB = await app.verifyNumberChange(first.access, B, app.sms.lastCodeFor(B));
    await app.changeNumber(String(atB.body.access), A);
    const backAtA = await app.verifyNumberChange(String(atB.body.access), A, app.sms.lastCodeFor(A));

    expect(decodeJwt(String(backAtA.body.access))).toMatchObject({ sub: first.sub, phone_number: A });
    expect((await app.refresh(first.refresh)).status).toBe(401);
    expect((await app.refresh(String(backAtA.body.refresh))).status).toBe(200);
  });
});
