import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { decodeJwt } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimsHook, ClaimsHookInput } from '../../lambdas/core/claims-hook.js';
import { RESERVED_CLAIMS } from '../../lambdas/core/claims-hook.js';
import { METRIC } from '../../lambdas/http/telemetry.js';
import { randomPhoneNumber, wrongCode } from '../helpers/fixtures.js';
import { assertionFor, passkeyVerify, seedPasskey } from '../helpers/passkeys.js';
import { FLAGS } from '../helpers/soft-authenticator.js';
import { createTestApp, type TestApp, type TestResponse } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

/**
 * The claims hook through the handlers, over DynamoDB Local: what it is asked, where its claims go,
 * and that a failing hook issues nothing and spends nothing (the code, the challenge and the refresh
 * token all still work once it answers again).
 */

/** The app's hook, scripted per test: records what it is asked and answers what `answer` says. */
class ScriptedHook {
  calls: ClaimsHookInput[] = [];
  answer: (input: ClaimsHookInput) => unknown = () => ({ claims: { tenant: 'tenant-value-1', roles: ['reader'] } });
  readonly hook: ClaimsHook = async (input) => {
    this.calls.push(input);
    return this.answer(input);
  };
}

const SECRET_VALUE = 'claim-value-never-stored';

async function tableText(app: TestApp): Promise<string> {
  const { Items = [] } = await app.client.send(new ScanCommand({ TableName: app.tableName, ConsistentRead: true }));
  return JSON.stringify(Items);
}

async function familyCount(app: TestApp): Promise<number> {
  const { Items = [] } = await app.client.send(new ScanCommand({ TableName: app.tableName, ConsistentRead: true }));
  return Items.filter((item) => String(item.pk?.S).startsWith('FAM#')).length;
}

function claimsOf(response: TestResponse): Record<string, unknown> {
  return decodeJwt(String(response.body.access));
}

/** The answer of a failed hook: 503, Retry-After 5, no tokens. */
function expectHookFailure(response: TestResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.body).toEqual({ error: 'The service is busy. Try again shortly.', code: 'service_unavailable' });
}

describe('the claims hook', () => {
  const scripted = new ScriptedHook();
  let app: TestApp;
  let recorded: ReturnType<typeof recordingTelemetry>;
  beforeAll(async () => {
    recorded = recordingTelemetry();
    app = await createTestApp({}, { telemetry: recorded.telemetry, claimsHook: scripted.hook });
  });
  beforeEach(() => {
    scripted.calls = [];
    scripted.answer = () => ({ claims: { tenant: 'tenant-value-1', roles: ['reader'] } });
  });

  describe('at login (POST /verify-otp)', () => {
    it('is asked exactly the documented input, once, and its claims join the access token only', async () => {
      const phone = randomPhoneNumber();
      scripted.answer = () => ({ claims: { tenant: SECRET_VALUE, roles: ['reader'] } });
      expect((await app.sendOtp(phone)).status).toBe(200);
      expect(scripted.calls).toEqual([]);

      const verified = await app.verifyOtp(phone, app.sms.lastCodeFor(phone));

      expect(verified.status).toBe(200);
      const claims = claimsOf(verified);
      expect(scripted.calls).toHaveLength(1);
      expect(scripted.calls[0]).toStrictEqual({
        sub: claims.sub,
        phone_number: phone,
        country: 'IN',
        amr: ['sms'],
        auth_time: app.clock.seconds,
        event: 'login',
      });
      expect(claims).toMatchObject({
        tenant: SECRET_VALUE,
        roles: ['reader'],
        sub: scripted.calls[0]?.sub,
        phone_number: phone,
        token_use: 'access',
        amr: ['sms'],
        session_epoch: 0,
      });
      // The refresh token is opaque, and the claims are stored nowhere: a refresh asks again.
      expect(String(verified.body.refresh)).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect(await tableText(app)).not.toContain(SECRET_VALUE);
    });

    it('is never asked for a wrong code', async () => {
      const phone = randomPhoneNumber();
      await app.sendOtp(phone);
      const refused = await app.verifyOtp(phone, wrongCode(app.sms.lastCodeFor(phone)));
      expect(refused).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
      expect(scripted.calls).toEqual([]);
    });

    it('failing, issues nothing and leaves the code unspent: the same code works once the hook answers', async () => {
      const phone = randomPhoneNumber();
      await app.sendOtp(phone);
      const code = app.sms.lastCodeFor(phone);
      const families = await familyCount(app);
      scripted.answer = () => {
        throw new Error('profile service down');
      };

      expectHookFailure(await app.verifyOtp(phone, code));
      expect(await familyCount(app)).toBe(families);
      expect(app.sms.sent.filter((sms) => sms.phoneNumber === phone)).toHaveLength(1);

      scripted.answer = () => ({ claims: { tenant: 't-2' } });
      const retried = await app.verifyOtp(phone, code);
      expect(retried.status).toBe(200);
      expect(claimsOf(retried).tenant).toBe('t-2');
      expect(await familyCount(app)).toBe(families + 1);
      // Spent now: a third try is a wrong code, as for any used code.
      expect(await app.verifyOtp(phone, code)).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
    });

    it('counts ClaimsHookFailed and logs why, never the claims or the number', async () => {
      const phone = randomPhoneNumber();
      await app.sendOtp(phone);
      const before = recorded.counted.filter((m) => m === METRIC.claimsHookFailed).length;
      const lines = recorded.lines.length;
      scripted.answer = () => ({ claims: { tenant: SECRET_VALUE, sub: 'someone-else' } });

      expectHookFailure(await app.verifyOtp(phone, app.sms.lastCodeFor(phone)));

      expect(recorded.counted.filter((m) => m === METRIC.claimsHookFailed)).toHaveLength(before + 1);
      const logged = recorded.lines.slice(lines);
      expect(logged).toContainEqual({
        level: 'warn',
        message: 'claims hook failed',
        attributes: { reason: 'reserved' },
      });
      expect(logged).toContainEqual({
        level: 'info',
        message: 'request refused',
        attributes: {
          code: 'service_unavailable',
          detail: 'claims hook set the reserved claim sub',
          retry_after: 5,
        },
      });
      const text = JSON.stringify(logged);
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(phone);
    });
  });

  describe('at refresh (POST /token/refresh)', () => {
    it("is asked again with the family's amr and auth_time, so a changed answer reaches the next token", async () => {
      const phone = randomPhoneNumber();
      const login = await app.login(phone);
      const authTime = decodeJwt(login.access).auth_time;
      app.clock.advance(600);
      scripted.calls = [];
      scripted.answer = () => ({ claims: { tenant: 'tenant-value-1', roles: ['admin'] } });

      const refreshed = await app.refresh(login.refresh);

      expect(refreshed.status).toBe(200);
      expect(scripted.calls).toStrictEqual([
        { sub: login.sub, phone_number: phone, country: 'IN', amr: ['sms'], auth_time: authTime, event: 'refresh' },
      ]);
      expect(claimsOf(refreshed)).toMatchObject({ roles: ['admin'], auth_time: authTime, iat: app.clock.seconds });
    });

    it('answers no extra claims when the hook answers none', async () => {
      const login = await app.login(randomPhoneNumber());
      scripted.answer = () => ({});
      const refreshed = await app.refresh(login.refresh);
      expect(refreshed.status).toBe(200);
      expect(Object.keys(claimsOf(refreshed)).sort()).toEqual(
        [
          'amr',
          'aud',
          'auth_time',
          'exp',
          'iat',
          'iss',
          'jti',
          'phone_number',
          'session_epoch',
          'sub',
          'token_use',
        ].sort(),
      );
    });

    it('is never asked for a refresh token the family never issued, nor for a replayed one', async () => {
      const login = await app.login(randomPhoneNumber());
      const rotated = await app.refresh(login.refresh);
      expect(rotated.status).toBe(200);
      scripted.calls = [];

      const forged = `${login.refresh.slice(0, 22)}.${'A'.repeat(43)}`;
      expect((await app.refresh(forged)).status).toBe(401);
      expect((await app.refresh('not-a-token')).status).toBe(401);
      // The spent parent: reuse, which revokes the family without asking the hook.
      expect((await app.refresh(login.refresh)).status).toBe(401);
      expect(scripted.calls).toEqual([]);
    });

    it('failing, leaves the presented refresh token valid: it rotates once the hook answers', async () => {
      const login = await app.login(randomPhoneNumber());
      scripted.answer = () => 'not an object';

      expectHookFailure(await app.refresh(login.refresh));
      expectHookFailure(await app.refresh(login.refresh));

      scripted.answer = () => ({ claims: { tenant: 'back' } });
      const refreshed = await app.refresh(login.refresh);
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed).tenant).toBe('back');
      expect((await app.refresh(String(refreshed.body.refresh))).status).toBe(200);
    });
  });

  describe.each(RESERVED_CLAIMS)('that sets the reserved claim %s', (name) => {
    it('fails the login and the refresh with 503; the code and the refresh token still work afterwards', async () => {
      const phone = randomPhoneNumber();
      const login = await app.login(phone);
      await app.sendOtp(phone);
      const code = app.sms.lastCodeFor(phone);
      const families = await familyCount(app);
      scripted.answer = () => ({ claims: { tenant: 't', [name]: 'mine' } });

      expectHookFailure(await app.verifyOtp(phone, code));
      expectHookFailure(await app.refresh(login.refresh));
      expect(await familyCount(app)).toBe(families);

      scripted.answer = () => ({ claims: { tenant: 't' } });
      const verified = await app.verifyOtp(phone, code);
      expect(verified.status).toBe(200);
      const refreshed = await app.refresh(login.refresh);
      expect(refreshed.status).toBe(200);
      for (const response of [verified, refreshed]) {
        expect(claimsOf(response)[name]).not.toBe('mine');
        expect(claimsOf(response).tenant).toBe('t');
      }
    });
  });

  describe('size', () => {
    /** Claims exactly `bytes` long as JSON (ASCII). */
    const claimsOfBytes = (bytes: number) => ({ pad: 'x'.repeat(bytes - JSON.stringify({ pad: '' }).length) });

    it('accepts exactly 2048 bytes of claims, into the token', async () => {
      const phone = randomPhoneNumber();
      await app.sendOtp(phone);
      scripted.answer = () => ({ claims: claimsOfBytes(2048) });
      const verified = await app.verifyOtp(phone, app.sms.lastCodeFor(phone));
      expect(verified.status).toBe(200);
      expect(String(claimsOf(verified).pad)).toHaveLength(2048 - 10);
    });

    it('refuses 2049 bytes, logging the size only', async () => {
      const phone = randomPhoneNumber();
      await app.sendOtp(phone);
      const lines = recorded.lines.length;
      scripted.answer = () => ({ claims: claimsOfBytes(2049) });
      expectHookFailure(await app.verifyOtp(phone, app.sms.lastCodeFor(phone)));
      expect(recorded.lines.slice(lines)).toContainEqual(
        expect.objectContaining({
          attributes: expect.objectContaining({
            detail: 'claims hook answered 2049 bytes of claims (at most 2048)',
          }),
        }),
      );
    });
  });

  it.each([
    ['null', null],
    ['an array', [{ claims: {} }]],
    ['claims as a string', { claims: 'admin' }],
    ['a member beside claims', { claims: {}, role: 'admin' }],
  ])('fails on an answer that is %s', async (_, answer) => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    scripted.answer = () => answer;
    expectHookFailure(await app.verifyOtp(phone, app.sms.lastCodeFor(phone)));
  });

  it('fails on a hook that rejects', async () => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    scripted.answer = () => Promise.reject(new Error('no such user in the profile store'));
    expectHookFailure(await app.verifyOtp(phone, app.sms.lastCodeFor(phone)));
  });

  describe('at a number change (POST /me/phone-number/verify)', () => {
    it("is asked with event number_change and the new number; its claims join the new session's token", async () => {
      const login = await app.login(randomPhoneNumber());
      const target = '+12015550123';
      expect((await app.changeNumber(login.access, target)).status).toBe(200);
      scripted.calls = [];
      scripted.answer = () => ({ claims: { tenant: 'moved' } });

      const moved = await app.verifyNumberChange(login.access, target, app.sms.lastCodeFor(target));

      expect(moved.status).toBe(200);
      expect(scripted.calls).toStrictEqual([
        {
          sub: login.sub,
          phone_number: target,
          country: 'US',
          amr: ['sms'],
          auth_time: app.clock.seconds,
          event: 'number_change',
        },
      ]);
      expect(claimsOf(moved)).toMatchObject({ tenant: 'moved', phone_number: target, sub: login.sub });
    });

    it('failing, leaves the move undone and its code usable', async () => {
      const phone = randomPhoneNumber();
      const login = await app.login(phone);
      const target = randomPhoneNumber();
      expect((await app.changeNumber(login.access, target)).status).toBe(200);
      const code = app.sms.lastCodeFor(target);
      scripted.answer = () => new Promise((resolve) => setTimeout(() => resolve({ claims: { amr: ['pwd'] } }), 1));

      expectHookFailure(await app.verifyNumberChange(login.access, target, code));
      expect((await app.me(login.access)).body).toMatchObject({ phone_number: phone });

      scripted.answer = () => ({ claims: {} });
      const moved = await app.verifyNumberChange(login.access, target, code);
      expect(moved.status).toBe(200);
      expect(claimsOf(moved).phone_number).toBe(target);
    });

    it('is never asked for a wrong code', async () => {
      const login = await app.login(randomPhoneNumber());
      const target = randomPhoneNumber();
      await app.changeNumber(login.access, target);
      scripted.calls = [];
      const refused = await app.verifyNumberChange(login.access, target, wrongCode(app.sms.lastCodeFor(target)));
      expect(refused).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
      expect(scripted.calls).toEqual([]);
    });
  });

  describe('at a passkey sign-in (POST /passkey/verify)', () => {
    async function userWithPasskey() {
      const phone = randomPhoneNumber();
      const login = await app.login(phone);
      const seeded = await seedPasskey(app, { userId: login.sub, phoneNumber: phone, flags: FLAGS.UP | FLAGS.UV });
      scripted.calls = [];
      return { phone, login, ...seeded };
    }

    it("is asked with event login and the passkey's amr; its claims join the token", async () => {
      const { phone, login, authenticator } = await userWithPasskey();
      app.clock.advance(30);
      scripted.answer = () => ({ claims: { tenant: 'by-passkey' } });

      const signedIn = await passkeyVerify(app, await assertionFor(app, authenticator));

      expect(signedIn.status).toBe(200);
      expect(scripted.calls).toStrictEqual([
        {
          sub: login.sub,
          phone_number: phone,
          country: 'IN',
          amr: ['hwk', 'user'],
          auth_time: app.clock.seconds,
          event: 'login',
        },
      ]);
      expect(claimsOf(signedIn)).toMatchObject({ tenant: 'by-passkey', amr: ['hwk', 'user'] });
    });

    it('failing, spends neither the challenge nor the counter: the same assertion signs in once it answers', async () => {
      const { authenticator } = await userWithPasskey();
      authenticator.setSignCount(7);
      const assertion = await assertionFor(app, authenticator);
      const families = await familyCount(app);
      scripted.answer = () => ({ claims: { kid: 'x' } });

      expectHookFailure(await passkeyVerify(app, assertion));
      expect(await familyCount(app)).toBe(families);

      scripted.answer = () => ({ claims: { tenant: 'retried' } });
      const retried = await passkeyVerify(app, assertion);
      expect(retried.status).toBe(200);
      expect(claimsOf(retried).tenant).toBe('retried');
      // Now spent.
      expect((await passkeyVerify(app, assertion)).status).toBe(401);
    });

    it('is never asked for an assertion that does not verify', async () => {
      const { authenticator } = await userWithPasskey();
      const assertion = await assertionFor(app, authenticator);
      const tampered = {
        ...assertion,
        response: { ...assertion.response, signature: assertion.response.clientDataJSON },
      };
      expect((await passkeyVerify(app, tampered)).status).toBe(401);
      expect(scripted.calls).toEqual([]);
    });
  });
});

describe('the claims hook deadline', () => {
  it('answers 503 for a hook that never answers, at the shortest deadline (100 ms), and the code still works', async () => {
    let hang = true;
    const app = await createTestApp(
      { CLAIMS_HOOK_TIMEOUT_MS: '100' },
      { claimsHook: () => (hang ? new Promise(() => {}) : Promise.resolve({ claims: { late: false } })) },
    );
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);

    const started = performance.now();
    expectHookFailure(await app.verifyOtp(phone, code));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);

    hang = false;
    const verified = await app.verifyOtp(phone, code);
    expect(verified.status).toBe(200);
    expect(claimsOf(verified).late).toBe(false);
  });
});

describe('without a claims hook', () => {
  it('issues the fixed claims only', async () => {
    const app = await createTestApp();
    const login = await app.login(randomPhoneNumber());
    expect(Object.keys(decodeJwt(login.access)).sort()).toEqual(
      [
        'amr',
        'aud',
        'auth_time',
        'exp',
        'iat',
        'iss',
        'jti',
        'phone_number',
        'session_epoch',
        'sub',
        'token_use',
      ].sort(),
    );
  });
});
