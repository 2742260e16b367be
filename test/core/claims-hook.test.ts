import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  askClaimsHook,
  type ClaimsHook,
  type ClaimsHookFailure,
  type ClaimsHookInput,
  checkClaimsAnswer,
  claimsHookInput,
  describeClaimsHookFailure,
  extraClaimsFromHook,
  MAX_CLAIMS_BYTES,
  RESERVED_CLAIMS,
} from '../../lambdas/core/claims-hook.js';
import { AuthError } from '../../lambdas/core/errors.js';
import type { OtpLoginClaimsHookEvent } from '../../lib/index.js';

const SUBJECT = { userId: 'user-1', phoneNumber: '+919876543210', amr: ['sms'] as const, authTime: 1_800_000_000 };
const INPUT: ClaimsHookInput = {
  sub: 'user-1',
  phone_number: '+919876543210',
  country: 'IN',
  amr: ['sms'],
  auth_time: 1_800_000_000,
  event: 'login',
};

/** `{"claims": {"pad": "xxx..."}}` whose claims are exactly `bytes` long as JSON. */
function claimsOfBytes(bytes: number, char = 'x'): Record<string, string> {
  const overhead = JSON.stringify({ pad: '' }).length;
  return { pad: char.repeat(bytes - overhead) };
}

describe('checkClaimsAnswer', () => {
  it('takes the claims of a plain {"claims": {...}}', () => {
    expect(checkClaimsAnswer({ claims: { tenant: 't-1', roles: ['admin'], plan: { tier: 2 } } })).toEqual({
      ok: true,
      claims: { tenant: 't-1', roles: ['admin'], plan: { tier: 2 } },
    });
  });

  it('reads absent and empty claims as no extra claims', () => {
    expect(checkClaimsAnswer({})).toEqual({ ok: true, claims: {} });
    expect(checkClaimsAnswer({ claims: {} })).toEqual({ ok: true, claims: {} });
    expect(checkClaimsAnswer({ claims: undefined })).toEqual({ ok: true, claims: {} });
  });

  it('keeps what JSON keeps: undefined members go, as they would from the token', () => {
    expect(checkClaimsAnswer({ claims: { a: 1, b: undefined, c: new Date(0) } })).toEqual({
      ok: true,
      claims: { a: 1, c: '1970-01-01T00:00:00.000Z' },
    });
  });

  it.each(RESERVED_CLAIMS)('refuses the reserved claim %s, whatever its value', (name) => {
    expect(checkClaimsAnswer({ claims: { tenant: 't', [name]: null } })).toEqual({
      ok: false,
      failure: { reason: 'reserved', claim: name },
    });
  });

  it('reserves exactly the fixed claims and the header kid', () => {
    expect([...RESERVED_CLAIMS].sort()).toEqual(
      [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'nbf',
        'jti',
        'token_use',
        'phone_number',
        'session_epoch',
        'auth_time',
        'amr',
        'kid',
      ].sort(),
    );
    expect(checkClaimsAnswer({ claims: { Sub: 'x', role: 'r' } }).ok).toBe(true);
  });

  it('accepts exactly 2048 bytes of claims and refuses 2049', () => {
    expect(MAX_CLAIMS_BYTES).toBe(2048);
    const exact = claimsOfBytes(2048);
    expect(JSON.stringify(exact)).toHaveLength(2048);
    expect(checkClaimsAnswer({ claims: exact })).toEqual({ ok: true, claims: exact });
    expect(checkClaimsAnswer({ claims: claimsOfBytes(2049) })).toEqual({
      ok: false,
      failure: { reason: 'too_large', bytes: 2049 },
    });
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 1024 é are 2048 bytes but 1024 characters: with the JSON around them, over the limit.
    const claims = { pad: 'é'.repeat(1024) };
    expect(JSON.stringify(claims).length).toBeLessThan(2048);
    expect(checkClaimsAnswer({ claims })).toEqual({
      ok: false,
      failure: { reason: 'too_large', bytes: Buffer.byteLength(JSON.stringify(claims)) },
    });
  });

  it.each([
    ['null', null, 'the answer is not a JSON object'],
    ['an array', [{ claims: {} }], 'the answer is not a JSON object'],
    ['a string', '{"claims":{}}', 'the answer is not a JSON object'],
    ['a number', 1, 'the answer is not a JSON object'],
    ['undefined', undefined, 'the answer is not a JSON object'],
    ['a class instance', new (class Answer {})(), 'the answer is not a JSON object'],
    ['claims: null', { claims: null }, 'claims is not a JSON object'],
    ['claims: an array', { claims: ['a'] }, 'claims is not a JSON object'],
    ['claims: a string', { claims: 'role=admin' }, 'claims is not a JSON object'],
    ['claims: a Map', { claims: new Map([['role', 'admin']]) }, 'claims is not a JSON object'],
    ['another member', { claims: {}, extra: 1 }, 'the answer has a member other than claims'],
    ['a misspelt claims', { claim: { role: 'admin' } }, 'the answer has a member other than claims'],
    ['a BigInt claim', { claims: { big: 1n } }, 'claims cannot be written as JSON'],
  ])('refuses %s', (_, answer, what) => {
    expect(checkClaimsAnswer(answer)).toEqual({ ok: false, failure: { reason: 'malformed', what } });
  });

  it('takes an object without a prototype, as JSON.parse never makes but a hook might', () => {
    const claims = Object.assign(Object.create(null) as Record<string, unknown>, { role: 'admin' });
    expect(checkClaimsAnswer({ claims })).toEqual({ ok: true, claims: { role: 'admin' } });
  });
});

describe('claimsHookInput', () => {
  it('is the event type the package exports for a claims function', () => {
    expectTypeOf<ClaimsHookInput>().toEqualTypeOf<OtpLoginClaimsHookEvent>();
  });

  it('is exactly sub, phone_number, country, amr, auth_time and event', () => {
    expect(claimsHookInput(SUBJECT, 'login')).toStrictEqual(INPUT);
    expect(claimsHookInput({ ...SUBJECT, phoneNumber: '+12015550123', amr: ['hwk', 'user'] }, 'refresh')).toStrictEqual(
      {
        ...INPUT,
        phone_number: '+12015550123',
        country: 'US',
        amr: ['hwk', 'user'],
        event: 'refresh',
      },
    );
  });

  it('gives a null country, never a throw, for a stored number the current metadata calls invalid (a session older than a metadata update)', () => {
    // +44 7700 900xxx: Ofcom's drama range, well-formed E.164 that libphonenumber does not call valid.
    expect(claimsHookInput({ ...SUBJECT, phoneNumber: '+447700900123' }, 'refresh')).toMatchObject({
      phone_number: '+447700900123',
      country: null,
      event: 'refresh',
    });
  });

  it('gives a number of no country a null country', () => {
    expect(claimsHookInput({ ...SUBJECT, phoneNumber: '+80012345678' }, 'number_change').country).toBeNull();
  });
});

describe('askClaimsHook', () => {
  it('answers the checked claims of a hook that answers in time, given the input and a live signal', async () => {
    let seen: { input: ClaimsHookInput; aborted: boolean } | undefined;
    const hook: ClaimsHook = async (input, signal) => {
      seen = { input, aborted: signal.aborted };
      return { claims: { role: 'admin' } };
    };
    expect(await askClaimsHook(hook, INPUT, 1000)).toEqual({ ok: true, claims: { role: 'admin' } });
    expect(seen).toEqual({ input: INPUT, aborted: false });
  });

  it('times out a hook that never answers, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const hook: ClaimsHook = (_, s) => {
      signal = s;
      return new Promise(() => {});
    };
    expect(await askClaimsHook(hook, INPUT, 20)).toEqual({ ok: false, failure: { reason: 'timeout', timeoutMs: 20 } });
    expect(signal?.aborted).toBe(true);
  });

  it('reads an adapter that rejects on the abort as the timeout', async () => {
    const hook: ClaimsHook = (_, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('AbortError'))));
    expect(await askClaimsHook(hook, INPUT, 20)).toEqual({ ok: false, failure: { reason: 'timeout', timeoutMs: 20 } });
  });

  it('fails a hook that rejects, or throws before returning a promise, with the error as cause', async () => {
    const error = new Error('database down');
    expect(await askClaimsHook(async () => Promise.reject(error), INPUT, 1000)).toEqual({
      ok: false,
      failure: { reason: 'error', cause: error },
    });
    const throwing = (() => {
      throw error;
    }) as unknown as ClaimsHook;
    expect(await askClaimsHook(throwing, INPUT, 1000)).toEqual({
      ok: false,
      failure: { reason: 'error', cause: error },
    });
  });

  it('checks the answer of a hook that answers in time', async () => {
    expect(await askClaimsHook(async () => ({ claims: { sub: 'me' } }), INPUT, 1000)).toEqual({
      ok: false,
      failure: { reason: 'reserved', claim: 'sub' },
    });
  });

  it('leaves no timer behind once the hook answered', async () => {
    vi.useFakeTimers();
    try {
      await askClaimsHook(async () => ({}), INPUT, 1000);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('describeClaimsHookFailure', () => {
  it.each<[ClaimsHookFailure, string]>([
    [{ reason: 'timeout', timeoutMs: 250 }, 'claims hook timed out after 250 ms'],
    [{ reason: 'error', cause: new Error('secret value') }, 'claims hook failed'],
    [
      { reason: 'malformed', what: 'claims is not a JSON object' },
      'claims hook answered badly: claims is not a JSON object',
    ],
    [{ reason: 'reserved', claim: 'amr' }, 'claims hook set the reserved claim amr'],
    [{ reason: 'too_large', bytes: 4096 }, 'claims hook answered 4096 bytes of claims (at most 2048)'],
  ])('says %j as %s, never a value', (failure, text) => {
    expect(describeClaimsHookFailure(failure)).toBe(text);
  });
});

describe('extraClaimsFromHook', () => {
  it('asks the hook with the input of the session and event, and answers its claims', async () => {
    const hook = vi.fn<ClaimsHook>(async () => ({ claims: { tenant: 't-1' } }));
    const failures: ClaimsHookFailure[] = [];
    const source = extraClaimsFromHook(hook, { timeoutMs: 1000 }, (f) => failures.push(f));
    expect(await source(SUBJECT, 'number_change')).toEqual({ tenant: 't-1' });
    expect(hook).toHaveBeenCalledOnce();
    expect(hook.mock.calls[0]?.[0]).toStrictEqual({ ...INPUT, event: 'number_change' });
    expect(failures).toEqual([]);
  });

  it('fails closed: 503 service_unavailable, Retry-After 5, why in the detail, told to onFailure', async () => {
    const failures: ClaimsHookFailure[] = [];
    const source = extraClaimsFromHook(
      async () => ({ claims: { phone_number: '+1' } }),
      { timeoutMs: 1000 },
      (f) => failures.push(f),
    );
    const error = await source(SUBJECT, 'login').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'service_unavailable',
      retryAfterSeconds: 5,
      detail: 'claims hook set the reserved claim phone_number',
    });
    expect((error as Error).cause).toBeUndefined();
    expect(failures).toEqual([{ reason: 'reserved', claim: 'phone_number' }]);
  });

  it("keeps a throwing hook's error as the cause, for the log", async () => {
    const thrown = new Error('boom');
    const error = await extraClaimsFromHook(async () => Promise.reject(thrown), { timeoutMs: 1000 })(
      SUBJECT,
      'refresh',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'service_unavailable', detail: 'claims hook failed', cause: thrown });
  });

  it('gives up at the deadline it was given', async () => {
    const error = await extraClaimsFromHook(() => new Promise(() => {}), { timeoutMs: 30 })(SUBJECT, 'login').catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'service_unavailable', detail: 'claims hook timed out after 30 ms' });
  });
});

describe('checkClaimsAnswer against a hostile local hook (any JavaScript value, not only JSON)', () => {
  const malformed = (what: string) => ({ ok: false, failure: { reason: 'malformed', what } });

  it('checks the names JSON writes, not the names the object shows: a toJSON cannot smuggle a reserved claim', () => {
    const claims = { toJSON: () => ({ role: 'admin', nbf: 4_102_444_800, kid: 'attacker' }) };
    expect(checkClaimsAnswer({ claims })).toEqual({ ok: false, failure: { reason: 'reserved', claim: 'nbf' } });
  });

  it('refuses claims that write no JSON object, without throwing', () => {
    expect(checkClaimsAnswer({ claims: { toJSON: () => undefined } })).toEqual(
      malformed('claims cannot be written as JSON'),
    );
    expect(checkClaimsAnswer({ claims: { toJSON: () => () => 1 } })).toEqual(
      malformed('claims cannot be written as JSON'),
    );
    expect(checkClaimsAnswer({ claims: { toJSON: () => ['admin'] } })).toEqual(
      malformed('claims is not a JSON object'),
    );
    expect(checkClaimsAnswer({ claims: { toJSON: () => 'admin' } })).toEqual(malformed('claims is not a JSON object'));
  });

  it('refuses a member named __proto__ at any depth, as JSON.parse makes it', () => {
    for (const text of [
      '{"claims":{"__proto__":{"admin":true}}}',
      '{"claims":{"profile":{"__proto__":{"admin":true}}}}',
      '{"claims":{"list":[{"__proto__":{"admin":true}}]}}',
    ]) {
      expect(checkClaimsAnswer(JSON.parse(text))).toEqual(malformed('a claim is named __proto__'));
    }
  });

  it('takes constructor and prototype as plain names', () => {
    expect(checkClaimsAnswer({ claims: { constructor: 'c', prototype: { a: 1 } } })).toEqual({
      ok: true,
      claims: { constructor: 'c', prototype: { a: 1 } },
    });
  });
});
