import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimsHook, ClaimsHookInput } from '../../lambdas/core/claims-hook.js';
import { createTestTable } from '../helpers/dynamodb.js';
import { randomPhoneNumber } from '../helpers/fixtures.js';
import { type StreamEvents, streamEventsOf } from '../helpers/stream-events.js';
import { createTestApp, type TestApp, type TestResponse } from '../helpers/test-app.js';

/**
 * The claims hook attacked through the handlers, over DynamoDB Local: a thief whose refresh races the
 * victim's "sign out everywhere" while the hook is being asked, and a local hook (`CLAIMS_HOOK`, an ES
 * module: any JavaScript value, not only JSON) that tries to slip a reserved claim past the checks or
 * to make the service answer 5xx.
 */

/** The hook, scripted per test: `during` runs inside the hook call, before it answers. */
class ScriptedHook {
  calls: ClaimsHookInput[] = [];
  during: (input: ClaimsHookInput) => Promise<void> = async () => {};
  answer: (input: ClaimsHookInput) => unknown = () => ({ claims: { tenant: 't-1' } });
  readonly hook: ClaimsHook = async (input) => {
    this.calls.push(input);
    await this.during(input);
    return this.answer(input);
  };
}

function expectHookFailure(response: TestResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.body).toEqual({ error: 'The service is busy. Try again shortly.', code: 'service_unavailable' });
}

const scripted = new ScriptedHook();
let app: TestApp;
let stream: StreamEvents;
beforeAll(async () => {
  const table = await createTestTable({ stream: true });
  app = await createTestApp({}, { claimsHook: scripted.hook, table });
  stream = await streamEventsOf(table);
});
afterAll(() => stream?.close());
beforeEach(() => {
  scripted.calls = [];
  scripted.during = async () => {};
  scripted.answer = () => ({ claims: { tenant: 't-1' } });
});

describe('a refresh racing the end of its session while the hook is asked', () => {
  it('answers 401 when the user signs out everywhere while the hook of a stolen token is being asked: no fresh token of an ended session', async () => {
    const phone = randomPhoneNumber();
    const victim = await app.login(phone);
    const thief = await app.login(phone);
    // The victim signs out everywhere while the hook answers the thief's refresh (a hook of a few
    // hundred milliseconds, up to CLAIMS_HOOK_TIMEOUT_MS, is all the window this needs).
    let signedOut: TestResponse | undefined;
    scripted.calls = [];
    scripted.during = async () => {
      scripted.during = async () => {};
      signedOut = await app.logoutAll(victim.refresh);
    };

    const refreshed = await app.refresh(thief.refresh);

    expect(signedOut?.status).toBe(204);
    expect(scripted.calls.map((call) => call.event)).toEqual(['refresh']);
    expect(refreshed).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect(refreshed.body).not.toHaveProperty('access');
    // And the token it presented stays dead.
    expect((await app.refresh(thief.refresh)).status).toBe(401);
  });

  it('answers 401 when the account is deleted while the hook is being asked', async () => {
    const victim = await app.login(randomPhoneNumber());
    let deleted: TestResponse | undefined;
    scripted.during = async () => {
      scripted.during = async () => {};
      deleted = await app.deleteAccount(victim.access);
    };
    const refreshed = await app.refresh(victim.refresh);
    expect(deleted?.status).toBe(204);
    expect(refreshed).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
  });

  it('answers an ended session 401, not 503, even while the hook is failing: a client is told to log in, not to retry', async () => {
    const phone = randomPhoneNumber();
    const session = await app.login(phone);
    expect((await app.logoutAll(session.refresh)).status).toBe(204);
    scripted.answer = () => {
      throw new Error('no profile for this user any more');
    };
    expect(await app.refresh(session.refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
  });

  it('still answers a live session 503 while the hook fails, and rotates it once the hook answers', async () => {
    const session = await app.login(randomPhoneNumber());
    scripted.answer = () => ({ claims: { sub: 'someone-else' } });
    expectHookFailure(await app.refresh(session.refresh));
    scripted.answer = () => ({ claims: { tenant: 'back' } });
    const refreshed = await app.refresh(session.refresh);
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access))).toMatchObject({ tenant: 'back', sub: session.sub });
  });
});

describe('a local hook answering JavaScript that is not JSON', () => {
  it('cannot set a reserved claim through toJSON: nbf and kid, which the service does not set itself, never reach the token', async () => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);
    scripted.answer = () => ({ claims: { toJSON: () => ({ role: 'admin', nbf: 4_102_444_800, kid: 'attacker' }) } });

    const verified = await app.verifyOtp(phone, code);

    expectHookFailure(verified);
    // The code was not spent: once the hook answers, it logs in, with no reserved claim of the hook's.
    scripted.answer = () => ({ claims: { role: 'admin' } });
    const retried = await app.verifyOtp(phone, code);
    expect(retried.status).toBe(200);
    const claims = decodeJwt(String(retried.body.access));
    expect(claims.role).toBe('admin');
    expect(claims).not.toHaveProperty('nbf');
    expect(claims).not.toHaveProperty('kid');
  });

  it.each([
    ['a toJSON that answers undefined', () => ({ claims: { toJSON: () => undefined } })],
    ['a toJSON that answers a function', () => ({ claims: { toJSON: () => () => 1 } })],
    ['a toJSON that answers an array', () => ({ claims: { toJSON: () => ['admin'] } })],
    [
      'a toJSON that throws',
      () => ({
        claims: {
          toJSON: () => {
            throw new Error('boom');
          },
        },
      }),
    ],
  ])('fails closed (503), never 500, on %s', async (_, answer) => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    scripted.answer = answer;
    expectHookFailure(await app.verifyOtp(phone, app.sms.lastCodeFor(phone)));
  });

  it('refuses a claim named __proto__ (as a Lambda hook spells it in JSON), which a verifier merging claims would take as a prototype', async () => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);
    scripted.answer = () => JSON.parse('{"claims":{"tenant":"t","__proto__":{"admin":true}}}');
    expectHookFailure(await app.verifyOtp(phone, code));
    scripted.answer = () => JSON.parse('{"claims":{"profile":{"__proto__":{"admin":true}}}}');
    expectHookFailure(await app.verifyOtp(phone, code));
    // Why: a verifier that copies the claims into its own object gets a poisoned one.
    const copied = Object.assign({}, JSON.parse('{"__proto__":{"admin":true}}') as object) as { admin?: boolean };
    expect(copied.admin).toBe(true);
  });

  it('takes constructor and prototype as plain names: JSON and a copy keep them own, harmless members', async () => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    scripted.answer = () => ({ claims: { constructor: 'c', prototype: { admin: true } } });
    const verified = await app.verifyOtp(phone, app.sms.lastCodeFor(phone));
    expect(verified.status).toBe(200);
    expect(decodeJwt(String(verified.body.access))).toMatchObject({ constructor: 'c', prototype: { admin: true } });
  });

  it('cannot change the session by changing the input it is given: the token is signed from the session, not from the input', async () => {
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    scripted.answer = (input) => {
      const writable = input as unknown as { sub: string; phone_number: string; amr: string[]; auth_time: number };
      writable.sub = 'someone-else';
      writable.phone_number = '+12015550123';
      writable.amr.push('pwd');
      writable.auth_time = 0;
      return { claims: { role: 'r' } };
    };
    const verified = await app.verifyOtp(phone, app.sms.lastCodeFor(phone));
    expect(verified.status).toBe(200);
    const claims = decodeJwt(String(verified.body.access));
    expect(claims).toMatchObject({ role: 'r', phone_number: phone, amr: ['sms'], auth_time: app.clock.seconds });
    expect(claims.sub).not.toBe('someone-else');
  });
});

describe('a hook and the account events', () => {
  it('is asked at a first login before the account exists: a hook that refuses a sub it has no UserCreated for refuses that login for ever', async () => {
    // The app's backend knows the users it saw a UserCreated for; its hook refuses the others.
    const known = new Set<string>();
    scripted.answer = (input) => {
      if (!known.has(input.sub)) throw new Error('no profile yet');
      return { claims: {} };
    };
    const phone = randomPhoneNumber();
    await app.sendOtp(phone);
    const code = app.sms.lastCodeFor(phone);
    await stream.take();
    for (let attempt = 0; attempt < 3; attempt++) {
      expectHookFailure(await app.verifyOtp(phone, code));
      for (const event of await stream.take()) known.add(event.detail.sub);
    }
    // The event it waits for comes only from the login it refuses: the account never exists.
    expect(known.size).toBe(0);
    expect(scripted.calls.map((call) => call.event)).toEqual(['login', 'login', 'login']);
    // A hook that answers default claims for a sub it does not know yet lets the login through, and
    // only then is the account created.
    scripted.answer = () => ({ claims: { plan: 'free' } });
    const verified = await app.verifyOtp(phone, code);
    expect(verified.status).toBe(200);
    const created = await stream.take();
    expect(created.map((event) => [event['detail-type'], event.detail.sub])).toEqual([
      ['UserCreated', decodeJwt(String(verified.body.access)).sub],
    ]);
  });

  it('is no notification: a number change it was asked for may still not happen, and only the event says whether it did', async () => {
    const from = randomPhoneNumber();
    const to = randomPhoneNumber();
    const user = await app.login(from);
    expect((await app.changeNumber(user.access, to)).status).toBe(200);
    const code = app.sms.lastCodeFor(to);
    await stream.take();
    scripted.calls = [];
    // The user deletes the account while the hook answers the change: the move loses.
    let deleted: TestResponse | undefined;
    scripted.during = async (input) => {
      if (input.event !== 'number_change') return;
      scripted.during = async () => {};
      deleted = await app.deleteAccount(user.access);
    };

    const moved = await app.verifyNumberChange(user.access, to, code);

    expect(scripted.calls.map((call) => [call.event, call.phone_number])).toEqual([['number_change', to]]);
    expect(deleted?.status).toBe(204);
    // Refused: the deletion withdrew the change, so the code no longer moves anyone to the number.
    expect(moved).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
    expect((await stream.take()).map((event) => event['detail-type'])).toEqual(['UserDeleted']);
  });
});
