import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../lambdas/core/clock.js';
import { CountryBudgetSpentError } from '../../lambdas/core/country-budget.js';
import { type OtpPolicy, parseAllowedPhone, provisionUser, sendOtp, verifyOtp } from '../../lambdas/core/login.js';
import { codeAtStep, totpStepAt } from '../../lambdas/core/otp-code.js';
import { parsePhoneNumber } from '../../lambdas/core/phone.js';
import { emptyRecord, type PhoneRecord, type UserAccount, type UserStatus } from '../../lambdas/core/phone-record.js';
import type {
  CountryCharge,
  CountrySendLimiter,
  FailedAttemptOutcome,
  IpRateLimiter,
  PhoneRecordStore,
  RefreshFamilyStore,
  SigningKeySource,
  SmsSender,
  VersionedPhoneRecord,
} from '../../lambdas/core/ports.js';
import { generateSigningKey, importKeySet, type KeySet, planRotation } from '../../lambdas/core/signing-keys.js';
import { TEST_OTP_POLICY } from '../helpers/fixtures.js';
import { authError } from './auth-error.js';

// Use cases against scripted ports: each test says what the store answers and checks what the use
// case asked of it. The store's own semantics are tested against DynamoDB Local (test/adapters).

const DAY = 86_400;
// 1000 s into an hour, so "the rest of the hour" is neither 0 nor a whole hour.
const T0 = 1_800_000_000 + 1000;
const PHONE = '+919876543210';
const US_PHONE = '+12015550123';
// RFC 6238's test secret; login.ts's decoy secret for unknown numbers is another.
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const DECOY_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const POLICY: OtpPolicy = TEST_OTP_POLICY;

const SESSIONS = {
  issuer: 'https://auth.test',
  audience: 'otp-login',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * DAY,
  refreshReuseGraceSeconds: 10,
};

let keySet: KeySet;
beforeAll(async () => {
  keySet = await importKeySet(
    planRotation(undefined, await generateSigningKey(T0 - 60), T0 - 60, { publishLeadSeconds: 0, retainSeconds: 0 }),
    T0,
  );
});

class MovableClock implements Clock {
  constructor(public seconds: number) {}
  now(): number {
    return this.seconds * 1000;
  }
}

function user(status: UserStatus, fields: Partial<UserAccount> = {}): UserAccount {
  return { userId: 'user-1', totpSecret: SECRET, status, createdAt: T0 - DAY, ...fields };
}

function record(fields: Partial<PhoneRecord> = {}): PhoneRecord {
  return { ...emptyRecord(PHONE), ...fields };
}

/** A record holding a pending code at the current step, and that code. */
function withPendingCode(status: UserStatus = 'pending'): { record: PhoneRecord; code: string; step: number } {
  const step = totpStepAt(T0);
  return {
    record: record({ user: user(status), code: { step, expiresAt: T0 + 300, consumed: false }, lastStep: step }),
    code: codeAtStep(SECRET, step),
    step,
  };
}

/** A record store that answers what it is told: `reads` in turn (the last one repeats), writes as scripted. */
function scriptedRecords(
  reads: readonly (PhoneRecord | VersionedPhoneRecord)[],
  script: { saves?: boolean[]; consumes?: boolean[]; failures?: FailedAttemptOutcome['outcome'][] } = {},
) {
  const answers = reads.map((r) => ('record' in r ? r : { record: r, version: 3 }));
  let read = 0;
  const next = <T>(list: T[] | undefined, fallback: T): T => list?.shift() ?? fallback;
  return {
    get: vi.fn(
      async (_phone: string, _now: number) => answers[Math.min(read++, answers.length - 1)] as VersionedPhoneRecord,
    ),
    save: vi.fn(async (_record: PhoneRecord, _version: number) => next(script.saves, true)),
    extendCode: vi.fn(async () => {}),
    cancelCode: vi.fn(async () => {}),
    consumeCode: vi.fn(async () => next(script.consumes, true)),
    recordFailedAttempt: vi.fn(
      async (): Promise<FailedAttemptOutcome> =>
        next(script.failures, 'counted') === 'counted'
          ? { outcome: 'counted', failedAttempts: 1 }
          : { outcome: 'refused' },
    ),
    endSessions: vi.fn(async () => true),
    withdrawChange: vi.fn(async () => {}),
  } satisfies PhoneRecordStore;
}

function allowingIp(allowed = true) {
  return { tryConsume: vi.fn(async () => allowed), refund: vi.fn(async () => {}) } satisfies IpRateLimiter;
}

/** An SMS provider that accepts after `delaySeconds` (moving the clock), or refuses with `failure`. */
function sms(clock: MovableClock, options: { delaySeconds?: number; failure?: Error } = {}) {
  return {
    send: vi.fn(async (_phone: string, _message: string) => {
      clock.seconds += options.delaySeconds ?? 0;
      if (options.failure) throw options.failure;
    }),
  } satisfies SmsSender;
}

const CHARGE: CountryCharge = { country: 'IN', windowStart: T0 - (T0 % 3600), shard: 7 };

function countryLimiter(room = true) {
  return {
    tryConsume: vi.fn(async (): Promise<CountryCharge | undefined> => (room ? CHARGE : undefined)),
    refund: vi.fn(async (_charge: CountryCharge) => {}),
    hasRoom: vi.fn(async () => room),
    countSent: vi.fn(async () => {}),
  } satisfies CountrySendLimiter;
}

function sendDeps(
  records: PhoneRecordStore,
  overrides: {
    policy?: Partial<OtpPolicy>;
    ipLimiter?: IpRateLimiter;
    countryLimiter?: CountrySendLimiter;
    sms?: SmsSender;
    clock?: MovableClock;
  } = {},
) {
  const clock = overrides.clock ?? new MovableClock(T0);
  return {
    records,
    ipLimiter: overrides.ipLimiter ?? allowingIp(),
    countryLimiter: overrides.countryLimiter ?? countryLimiter(),
    sms: overrides.sms ?? sms(clock),
    clock,
    policy: { ...POLICY, ...overrides.policy },
    newUserId: () => 'new-user',
  };
}

function refreshFamilies() {
  return {
    get: vi.fn(async () => undefined),
    create: vi.fn(async () => {}),
    rotate: vi.fn(async () => true),
    revoke: vi.fn(async () => true),
  } satisfies RefreshFamilyStore;
}

function verifyDeps(records: PhoneRecordStore, policy: Partial<OtpPolicy> = {}) {
  const keys: SigningKeySource = { load: async () => keySet };
  return {
    records,
    refreshFamilies: refreshFamilies(),
    keys,
    clock: new MovableClock(T0),
    sessions: SESSIONS,
    policy: { ...POLICY, ...policy },
  };
}

/** What a call threw, so a test can check the logged detail as well as the code. */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('parseAllowedPhone', () => {
  it('accepts any valid number when ALLOWED_COUNTRIES is empty', () => {
    expect(parseAllowedPhone(US_PHONE, { ...POLICY, allowedCountries: [] }).e164).toBe(US_PHONE);
  });

  it('accepts a number of an allowed country and refuses one of any other', () => {
    expect(parseAllowedPhone(PHONE, { ...POLICY, allowedCountries: ['IN'] }).country).toBe('IN');
    expect(() => parseAllowedPhone(US_PHONE, { ...POLICY, allowedCountries: ['IN'] })).toThrow(
      authError('country_not_allowed'),
    );
  });

  it('refuses a non-geographic number once countries are restricted: it belongs to none of them', () => {
    expect(() => parseAllowedPhone('+80012345678', { ...POLICY, allowedCountries: ['IN'] })).toThrow(
      authError('country_not_allowed'),
    );
  });

  it.each([
    ['an Iridium number (+881)', '+8816 31234567', '+881631234567', '881'],
    ['an Inmarsat number (+870)', '+870 773 111 632', '+870773111632', '870'],
  ])(
    'refuses %s, typed MOBILE, with unsupported_phone_number unless its calling code is named',
    (_what, input, e164, code) => {
      expect(parsePhoneNumber(input)).toMatchObject({ e164, country: undefined, callingCode: code, type: 'MOBILE' });
      expect(thrownBy(() => parseAllowedPhone(input, POLICY))).toMatchObject({
        code: 'unsupported_phone_number',
        detail: `global calling code +${code}`,
      });
      expect(() => parseAllowedPhone(input, { ...POLICY, allowedGlobalCallingCodes: ['882', '883'] })).toThrow(
        authError('unsupported_phone_number'),
      );

      expect(parseAllowedPhone(input, { ...POLICY, allowedGlobalCallingCodes: [code] }).e164).toBe(e164);
      // Named, it is served even where countries are restricted: the setting is its own allow list.
      expect(
        parseAllowedPhone(input, { ...POLICY, allowedCountries: ['IN'], allowedGlobalCallingCodes: [code] }).e164,
      ).toBe(e164);
    },
  );

  it('still checks the type of a number whose global calling code is named', () => {
    expect(parsePhoneNumber('+80012345678').type).toBe('TOLL_FREE');
    expect(() => parseAllowedPhone('+80012345678', { ...POLICY, allowedGlobalCallingCodes: ['800'] })).toThrow(
      authError('unsupported_phone_number'),
    );
  });

  it.each([
    ['a US premium-rate number', '+19005550100', 'PREMIUM_RATE'],
    ['a US toll-free number', '+18005550100', 'TOLL_FREE'],
    ['an Indian toll-free number', '+9118002001234', 'TOLL_FREE'],
    ['a US personal number (500)', '+15005550006', 'PERSONAL_NUMBER'],
    ['a UK fixed line', '+442071838750', 'FIXED_LINE'],
    ['an international freephone number (+800)', '+80012345678', 'TOLL_FREE'],
  ])('refuses %s with unsupported_phone_number under the default types', (_what, number, type) => {
    expect(parsePhoneNumber(number).type).toBe(type);
    // +800 named, so that the type is what refuses it; the log says which type.
    expect(thrownBy(() => parseAllowedPhone(number, { ...POLICY, allowedGlobalCallingCodes: ['800'] }))).toMatchObject({
      code: 'unsupported_phone_number',
      detail: type,
    });
  });

  it('checks the country before the type: a toll-free number of a country not served is country_not_allowed', () => {
    expect(() => parseAllowedPhone('+18005550100', { ...POLICY, allowedCountries: ['IN'] })).toThrow(
      authError('country_not_allowed'),
    );
  });

  it('accepts exactly the configured types', () => {
    const fixedLineOnly = { ...POLICY, allowedNumberTypes: ['FIXED_LINE'] as const };
    expect(parseAllowedPhone('+442071838750', fixedLineOnly).type).toBe('FIXED_LINE');
    expect(() => parseAllowedPhone('+447400123456', fixedLineOnly)).toThrow(authError('unsupported_phone_number'));
    expect(parseAllowedPhone('+447400123456', POLICY).type).toBe('MOBILE');
    expect(parseAllowedPhone(US_PHONE, POLICY).type).toBe('FIXED_LINE_OR_MOBILE');
  });
});

describe('sendOtp', () => {
  it('reserves the current step for a new number, texts its code and answers sent', async () => {
    const records = scriptedRecords([record()]);
    const deps = sendDeps(records);

    const result = await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

    expect(result).toEqual({
      expiresIn: 300,
      outcome: 'sent',
      phone: { e164: PHONE, country: 'IN', callingCode: '91', type: 'MOBILE' },
    });
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledWith('203.0.113.7', T0, 10);
    expect(records.save).toHaveBeenCalledTimes(1);
    const [saved, version] = records.save.mock.calls[0] ?? [];
    expect(version).toBe(3);
    expect(saved?.user).toMatchObject({ userId: 'new-user', status: 'pending', createdAt: T0 });
    expect(saved?.code).toEqual({ step: totpStepAt(T0), expiresAt: T0 + 301, consumed: false });
    expect(deps.sms.send).toHaveBeenCalledWith(
      PHONE,
      `Code ${codeAtStep(saved?.user?.totpSecret ?? '', totpStepAt(T0))}`,
    );
    expect(records.extendCode).not.toHaveBeenCalled();
  });

  it('gives a new user a random id when no id generator is given', async () => {
    const records = scriptedRecords([record()]);
    const { newUserId: _none, ...deps } = sendDeps(records);

    await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

    expect(records.save.mock.calls[0]?.[0].user?.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });

  it('texts a known user the code of its own secret', async () => {
    const records = scriptedRecords([record({ user: user('active') })]);
    const deps = sendDeps(records);

    await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

    expect(records.save.mock.calls[0]?.[0].user).toEqual(user('active'));
    expect(deps.sms.send).toHaveBeenCalledWith(PHONE, `Code ${codeAtStep(SECRET, totpStepAt(T0))}`);
  });

  it('refuses a locked number before counting the IP, writing or texting anything', async () => {
    const records = scriptedRecords([record({ failedAttempts: 5, lastFailedAt: T0 - 100 })]);
    const deps = sendDeps(records);

    await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
      authError('too_many_attempts', { retryAfterSeconds: 800 }),
    );
    expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();
    expect(records.save).not.toHaveBeenCalled();
    expect(deps.sms.send).not.toHaveBeenCalled();
  });

  it('refuses a send within the cooldown before counting the IP', async () => {
    const records = scriptedRecords([record({ sendTimes: [T0 - 20] })]);
    const deps = sendDeps(records);

    await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
      authError('rate_limited', { retryAfterSeconds: 40 }),
    );
    expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();
  });

  it('refuses an IP that used up its hour, with the seconds left in that hour, before writing', async () => {
    const records = scriptedRecords([record()]);
    const deps = sendDeps(records, { ipLimiter: allowingIp(false) });

    await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
      authError('rate_limited', { retryAfterSeconds: 3600 - 1000 }),
    );
    expect(records.save).not.toHaveBeenCalled();
    expect(deps.sms.send).not.toHaveBeenCalled();
  });

  it('counts the IP once when a lost write race makes it read and decide again', async () => {
    const records = scriptedRecords([record()], { saves: [false, false, true] });
    const deps = sendDeps(records);

    const result = await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

    expect(result.outcome).toBe('sent');
    expect(records.get).toHaveBeenCalledTimes(3);
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
    expect(deps.sms.send).toHaveBeenCalledTimes(1);
  });

  it('re-checks the send limits on every lost race: a send that won meanwhile starts the cooldown', async () => {
    const records = scriptedRecords([record(), record({ sendTimes: [T0] })], { saves: [false] });
    const deps = sendDeps(records);

    await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
      authError('rate_limited', { retryAfterSeconds: 60 }),
    );
    expect(deps.sms.send).not.toHaveBeenCalled();
  });

  it('gives up with rate_limited after 4 lost races, without texting', async () => {
    const records = scriptedRecords([record()], { saves: [false, false, false, false, true] });
    const deps = sendDeps(records);

    await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
      authError('rate_limited', { retryAfterSeconds: 1 }),
    );
    expect(records.get).toHaveBeenCalledTimes(4);
    expect(records.save).toHaveBeenCalledTimes(4);
    expect(deps.sms.send).not.toHaveBeenCalled();
  });

  describe('under SIGNUP_MODE=closed', () => {
    it('counts the send of an unknown number and answers it alike, but creates no user and texts nothing', async () => {
      const records = scriptedRecords([record({ sendTimes: [T0 - 120] })]);
      const deps = sendDeps(records, { policy: { signupMode: 'closed' } });

      const result = await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      expect(result).toMatchObject({ expiresIn: 300, outcome: 'unknown_number' });
      expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
      expect(records.save).toHaveBeenCalledWith(
        { ...record(), sendTimes: [T0 - 120, T0], retainUntil: T0 + DAY + 900 },
        3,
      );
      expect(deps.sms.send).not.toHaveBeenCalled();
    });

    it('decides again when the unknown number lost a write race', async () => {
      const records = scriptedRecords([record()], { saves: [false, true] });
      const deps = sendDeps(records, { policy: { signupMode: 'closed' } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'unknown_number',
      });
      expect(records.save).toHaveBeenCalledTimes(2);
    });

    it('texts a known number as usual', async () => {
      const records = scriptedRecords([record({ user: user('active') })]);
      const deps = sendDeps(records, { policy: { signupMode: 'closed' } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'sent',
      });
      expect(deps.sms.send).toHaveBeenCalledTimes(1);
    });
  });

  describe('with SEND_MAX_PER_COUNTRY_PER_HOUR', () => {
    const budgets = { byCountry: new Map([['IN', 5000]]), otherCountries: 200 };

    it("counts the send against its country's budget after the IP, then writes and texts", async () => {
      const order: string[] = [];
      const records = scriptedRecords([record()]);
      records.save.mockImplementation(async () => {
        order.push('save');
        return true;
      });
      const ipLimiter = { tryConsume: vi.fn(async () => order.push('ip') > 0), refund: vi.fn(async () => {}) };
      const country = countryLimiter();
      country.tryConsume.mockImplementation(async () => {
        order.push('country');
        return CHARGE;
      });
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets },
        ipLimiter,
        countryLimiter: country,
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'sent',
      });
      expect(order).toEqual(['ip', 'country', 'save']);
      expect(country.tryConsume).toHaveBeenCalledWith('IN', T0, 5000);
      expect(country.hasRoom).not.toHaveBeenCalled();
    });

    it('gives a country not listed the * budget, and a non-geographic plan its own counter', async () => {
      const country = countryLimiter();
      const deps = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets, allowedGlobalCallingCodes: ['870'] },
        countryLimiter: country,
      });

      await sendOtp(deps, { phoneNumber: '+447400123456', sourceIp: '203.0.113.7' });
      await sendOtp(deps, { phoneNumber: '+870301234567', sourceIp: '203.0.113.7' });

      expect(country.tryConsume.mock.calls).toEqual([
        ['GB', T0, 200],
        ['+870', T0, 200],
      ]);
    });

    it('leaves a country uncapped when it is not listed and there is no *', async () => {
      const deps = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: { byCountry: new Map([['IN', 1]]), otherCountries: undefined } },
      });

      await sendOtp(deps, { phoneNumber: US_PHONE, sourceIp: '203.0.113.7' });

      expect(deps.countryLimiter.tryConsume).not.toHaveBeenCalled();
      expect(deps.sms.send).toHaveBeenCalledTimes(1);
    });

    it('refuses a spent budget with rate_limited until the end of the hour, writing and texting nothing', async () => {
      const records = scriptedRecords([record()]);
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets },
        countryLimiter: countryLimiter(false),
      });

      const refused = sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      await expect(refused).rejects.toThrow(authError('rate_limited', { retryAfterSeconds: 3600 - 1000 }));
      await expect(refused).rejects.toBeInstanceOf(CountryBudgetSpentError);
      await expect(refused).rejects.toMatchObject({ country: 'IN', detail: 'country budget spent' });
      expect(records.save).not.toHaveBeenCalled();
      expect(deps.sms.send).not.toHaveBeenCalled();
    });

    it('never counts a send the per-number or per-IP limits refused', async () => {
      const cooling = sendDeps(scriptedRecords([record({ sendTimes: [T0 - 1] })]), {
        policy: { sendMaxPerCountryPerHour: budgets, sendCooldownSeconds: 60 },
      });
      await expect(sendOtp(cooling, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited'),
      );
      const ipSpent = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets },
        ipLimiter: allowingIp(false),
      });
      await expect(sendOtp(ipSpent, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited'),
      );

      expect(cooling.countryLimiter.tryConsume).not.toHaveBeenCalled();
      expect(ipSpent.countryLimiter.tryConsume).not.toHaveBeenCalled();
    });

    it('counts the country once when a lost write race makes it read and decide again', async () => {
      const records = scriptedRecords([record()], { saves: [false, false, true] });
      const deps = sendDeps(records, { policy: { sendMaxPerCountryPerHour: budgets } });

      await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      expect(records.save).toHaveBeenCalledTimes(3);
      expect(deps.countryLimiter.tryConsume).toHaveBeenCalledTimes(1);
    });

    it('spends nothing on a test number', async () => {
      const deps = sendDeps(scriptedRecords([record({ user: user('active') })]), {
        policy: { sendMaxPerCountryPerHour: budgets, testPhoneNumbers: new Map([[PHONE, '123456']]) },
        countryLimiter: countryLimiter(false),
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'test_number',
      });
      expect(deps.countryLimiter.tryConsume).not.toHaveBeenCalled();
      expect(deps.countryLimiter.hasRoom).not.toHaveBeenCalled();
    });

    it('under closed signup, still counts the send when a retry finds the number became a user', async () => {
      const records = scriptedRecords([record(), record({ user: user('active') })], { saves: [false, true] });
      const country = countryLimiter();
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets, signupMode: 'closed' },
        countryLimiter: country,
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'sent',
      });
      expect(country.hasRoom).toHaveBeenCalledTimes(1);
      expect(country.tryConsume).toHaveBeenCalledTimes(1);
      expect(deps.sms.send).toHaveBeenCalledTimes(1);
    });

    it('under closed signup, checks an unknown number against the budget without spending it', async () => {
      const open = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets, signupMode: 'closed' },
      });
      await expect(sendOtp(open, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).resolves.toMatchObject({
        outcome: 'unknown_number',
      });
      expect(open.countryLimiter.hasRoom).toHaveBeenCalledWith('IN', T0, 5000);
      expect(open.countryLimiter.tryConsume).not.toHaveBeenCalled();

      const records = scriptedRecords([record()]);
      const spent = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets, signupMode: 'closed' },
        countryLimiter: countryLimiter(false),
      });
      // The very answer a known number gets, so a spent hour does not tell numbers with accounts apart.
      await expect(sendOtp(spent, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 2600 }),
      );
      expect(records.save).not.toHaveBeenCalled();
    });
  });

  describe('giving back the units of a request that sends nothing', () => {
    const budgets = { byCountry: new Map([['IN', 5000]]), otherCountries: undefined };

    it('gives back the IP and country units when a lost race ends in a per-number refusal', async () => {
      const records = scriptedRecords([record(), record({ sendTimes: [T0] })], { saves: [false] });
      const deps = sendDeps(records, { policy: { sendMaxPerCountryPerHour: budgets, sendCooldownSeconds: 60 } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 60 }),
      );
      expect(deps.countryLimiter.refund).toHaveBeenCalledExactlyOnceWith(CHARGE);
      expect(deps.ipLimiter.refund).toHaveBeenCalledExactlyOnceWith('203.0.113.7', T0);
      expect(deps.sms.send).not.toHaveBeenCalled();
    });

    it('gives back nothing when refused before anything was counted', async () => {
      const records = scriptedRecords([record({ sendTimes: [T0] })]);
      const deps = sendDeps(records, { policy: { sendMaxPerCountryPerHour: budgets, sendCooldownSeconds: 60 } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 60 }),
      );
      expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();
      expect(deps.ipLimiter.refund).not.toHaveBeenCalled();
      expect(deps.countryLimiter.refund).not.toHaveBeenCalled();
    });

    it('gives back both when every write race is lost', async () => {
      const records = scriptedRecords([record()], { saves: [false, false, false, false] });
      const deps = sendDeps(records, { policy: { sendMaxPerCountryPerHour: budgets } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 1 }),
      );
      expect(deps.countryLimiter.tryConsume).toHaveBeenCalledTimes(1);
      expect(deps.countryLimiter.refund).toHaveBeenCalledExactlyOnceWith(CHARGE);
      expect(deps.ipLimiter.refund).toHaveBeenCalledTimes(1);
    });

    it('gives back the country unit but keeps the IP unit when the provider refuses the message', async () => {
      const clock = new MovableClock(T0);
      const deps = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets },
        clock,
        sms: sms(clock, { failure: new Error('provider down') }),
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('sms_unavailable'),
      );
      expect(deps.countryLimiter.refund).toHaveBeenCalledExactlyOnceWith(CHARGE);
      expect(deps.ipLimiter.refund).not.toHaveBeenCalled();
    });

    it('still answers sms_unavailable and gives back the country unit when cancelling the unsent code fails', async () => {
      const clock = new MovableClock(T0);
      const records = scriptedRecords([record()]);
      records.cancelCode.mockRejectedValueOnce(new Error('cancel lost'));
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets },
        clock,
        sms: sms(clock, { failure: new Error('provider down') }),
      });

      const sent = sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });
      await expect(sent).rejects.toThrow(authError('sms_unavailable'));
      await expect(sent).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/provider down.*cancelling/) },
      });
      expect(deps.countryLimiter.refund).toHaveBeenCalledExactlyOnceWith(CHARGE);
    });

    it('keeps both once the provider took the message, even if a later write fails', async () => {
      const clock = new MovableClock(T0);
      const records = scriptedRecords([record()]);
      records.extendCode.mockRejectedValueOnce(new Error('throttled'));
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets },
        clock,
        sms: sms(clock, { delaySeconds: 5 }),
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow('throttled');
      expect(deps.sms.send).toHaveBeenCalledTimes(1);
      expect(deps.countryLimiter.refund).not.toHaveBeenCalled();
      expect(deps.ipLimiter.refund).not.toHaveBeenCalled();
    });

    it('keeps the IP unit of a request the country budget refused, and of a closed-signup unknown number', async () => {
      const spent = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets },
        countryLimiter: countryLimiter(false),
      });
      await expect(sendOtp(spent, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toBeInstanceOf(
        CountryBudgetSpentError,
      );
      expect(spent.ipLimiter.refund).not.toHaveBeenCalled();
      expect(spent.countryLimiter.refund).not.toHaveBeenCalled();

      const unknownSpent = sendDeps(scriptedRecords([record()]), {
        policy: { sendMaxPerCountryPerHour: budgets, signupMode: 'closed' },
        countryLimiter: countryLimiter(false),
      });
      await expect(sendOtp(unknownSpent, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toBeInstanceOf(
        CountryBudgetSpentError,
      );
      expect(unknownSpent.ipLimiter.refund).not.toHaveBeenCalled();

      const unknownRaced = sendDeps(scriptedRecords([record(), record({ sendTimes: [T0] })], { saves: [false] }), {
        policy: { sendMaxPerCountryPerHour: budgets, signupMode: 'closed', sendCooldownSeconds: 60 },
      });
      await expect(sendOtp(unknownRaced, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 60 }),
      );
      expect(unknownRaced.ipLimiter.refund).toHaveBeenCalledTimes(1);
      expect(unknownRaced.countryLimiter.refund).not.toHaveBeenCalled();
    });

    it('answers with the refusal even when a refund fails (the unit then stays spent)', async () => {
      const records = scriptedRecords([record(), record({ sendTimes: [T0] })], { saves: [false] });
      const country = countryLimiter();
      country.refund.mockRejectedValueOnce(new Error('throttled'));
      const deps = sendDeps(records, {
        policy: { sendMaxPerCountryPerHour: budgets, sendCooldownSeconds: 60 },
        countryLimiter: country,
      });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('rate_limited', { retryAfterSeconds: 60 }),
      );
      expect(deps.ipLimiter.refund).toHaveBeenCalledTimes(1);
    });
  });

  describe('to a TEST_PHONE_NUMBERS number', () => {
    const testNumbers = new Map([[PHONE, '123456']]);

    it('reserves a code without texting, counting the IP or applying the send limits', async () => {
      const records = scriptedRecords([record({ user: user('active'), sendTimes: [T0 - 1] })]);
      const deps = sendDeps(records, { policy: { testPhoneNumbers: testNumbers } });

      const result = await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      expect(result.outcome).toBe('test_number');
      expect(records.save.mock.calls[0]?.[0].code).toMatchObject({ consumed: false, expiresAt: T0 + 301 });
      expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();
      expect(deps.sms.send).not.toHaveBeenCalled();
    });

    it('still refuses it while locked', async () => {
      const records = scriptedRecords([record({ failedAttempts: 5, lastFailedAt: T0 })]);
      const deps = sendDeps(records, { policy: { testPhoneNumbers: testNumbers } });

      await expect(sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' })).rejects.toThrow(
        authError('too_many_attempts', { retryAfterSeconds: 900 }),
      );
    });
  });

  describe('when the SMS provider fails', () => {
    it('cancels the reserved code and answers sms_unavailable, keeping the provider error as the cause', async () => {
      const failure = new Error('SNS throttled');
      const records = scriptedRecords([record()]);
      const clock = new MovableClock(T0);
      const deps = sendDeps(records, { clock, sms: sms(clock, { failure }) });

      const sent = sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      await expect(sent).rejects.toThrow(authError('sms_unavailable'));
      await expect(sent).rejects.toMatchObject({ cause: failure });
      expect(records.cancelCode).toHaveBeenCalledWith(PHONE, totpStepAt(T0));
      expect(records.extendCode).not.toHaveBeenCalled();
    });
  });

  describe('code lifetime', () => {
    it('needs no second write when the provider accepts within the one second of slack', async () => {
      const records = scriptedRecords([record()]);
      const clock = new MovableClock(T0);
      const deps = sendDeps(records, { clock, sms: sms(clock, { delaySeconds: 1 }) });

      await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      expect(records.extendCode).not.toHaveBeenCalled();
    });

    it('starts when the provider accepted the message, when that took longer', async () => {
      const records = scriptedRecords([record()]);
      const clock = new MovableClock(T0);
      const deps = sendDeps(records, { clock, sms: sms(clock, { delaySeconds: 7 }) });

      await sendOtp(deps, { phoneNumber: PHONE, sourceIp: '203.0.113.7' });

      expect(records.extendCode).toHaveBeenCalledWith(PHONE, totpStepAt(T0), T0 + 7 + 300);
    });
  });
});

describe('verifyOtp', () => {
  it('trades the pending code for tokens first, then spends the code', async () => {
    const { record: pending, code, step } = withPendingCode();
    const records = scriptedRecords([pending]);
    const deps = verifyDeps(records);

    const result = await verifyOtp(deps, { phoneNumber: PHONE, otp: code });

    expect(result.userId).toBe('user-1');
    expect(result.phone.e164).toBe(PHONE);
    expect(result.tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(deps.refreshFamilies.create).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'user-1', phoneNumber: PHONE, generation: 0 }),
    );
    expect(records.consumeCode).toHaveBeenCalledWith(PHONE, { step, now: T0, maxAttempts: 5, lockoutSeconds: 900 });
    const [created] = deps.refreshFamilies.create.mock.invocationCallOrder;
    const [consumed] = records.consumeCode.mock.invocationCallOrder;
    expect(created).toBeLessThan(consumed ?? 0);
    expect(records.recordFailedAttempt).not.toHaveBeenCalled();
  });

  it('answers invalid_otp when a concurrent verify spent the code first', async () => {
    const { record: pending, code } = withPendingCode();
    const records = scriptedRecords([pending], { consumes: [false] });

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: code })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.get).toHaveBeenCalledTimes(2);
    expect(records.recordFailedAttempt).not.toHaveBeenCalled();
  });

  it('answers too_many_attempts when the number got locked while the code was being spent', async () => {
    const { record: pending, code } = withPendingCode();
    const locked = { ...pending, failedAttempts: 5, lastFailedAt: T0 };
    const records = scriptedRecords([pending, locked], { consumes: [false] });

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: code })).rejects.toThrow(
      authError('too_many_attempts', { retryAfterSeconds: 900 }),
    );
  });

  it('refuses a consumed code, even during the step it was issued for, and counts the attempt', async () => {
    const { record: pending, code } = withPendingCode('active');
    const used = { ...pending, code: { ...(pending.code as NonNullable<PhoneRecord['code']>), consumed: true } };
    const records = scriptedRecords([used]);
    const deps = verifyDeps(records);

    await expect(verifyOtp(deps, { phoneNumber: PHONE, otp: code })).rejects.toThrow(authError('invalid_otp'));
    expect(deps.refreshFamilies.create).not.toHaveBeenCalled();
    expect(records.consumeCode).not.toHaveBeenCalled();
    expect(records.recordFailedAttempt).toHaveBeenCalledTimes(1);
  });

  it('refuses a locked number even the right code, without counting it', async () => {
    const { record: pending, code } = withPendingCode();
    const records = scriptedRecords([{ ...pending, failedAttempts: 5, lastFailedAt: T0 - 300 }]);

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: code })).rejects.toThrow(
      authError('too_many_attempts', { retryAfterSeconds: 600 }),
    );
    expect(records.consumeCode).not.toHaveBeenCalled();
    expect(records.recordFailedAttempt).not.toHaveBeenCalled();
  });

  it('counts a wrong code as the first of a new count when the old one has aged', async () => {
    const { record: pending, code } = withPendingCode();
    const records = scriptedRecords([{ ...pending, failedAttempts: 4, lastFailedAt: T0 - 900 }]);

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: wrong(code) })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.recordFailedAttempt).toHaveBeenCalledWith(PHONE, {
      now: T0,
      maxAttempts: 5,
      lockoutSeconds: 900,
      restart: true,
      retainUntil: T0 + DAY + 900,
    });
  });

  it('adds a wrong code to a live count, and sets no retention for an active user', async () => {
    const { record: pending, code } = withPendingCode('active');
    const records = scriptedRecords([{ ...pending, failedAttempts: 2, lastFailedAt: T0 - 10 }]);

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: wrong(code) })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.recordFailedAttempt).toHaveBeenCalledWith(PHONE, {
      now: T0,
      maxAttempts: 5,
      lockoutSeconds: 900,
      restart: false,
    });
  });

  it("refuses the decoy secret's code for an unknown number, and counts it", async () => {
    const records = scriptedRecords([record()]);
    const decoyCode = codeAtStep(DECOY_SECRET, totpStepAt(T0));

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: decoyCode })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.recordFailedAttempt).toHaveBeenCalledTimes(1);
  });

  it('refuses a code stored without a user (no writer stores one) like any wrong code', async () => {
    const step = totpStepAt(T0);
    const orphan = record({ code: { step, expiresAt: T0 + 300, consumed: false } });
    const records = scriptedRecords([orphan]);

    await expect(
      verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: codeAtStep(DECOY_SECRET, step) }),
    ).rejects.toThrow(authError('invalid_otp'));
    expect(records.consumeCode).not.toHaveBeenCalled();
  });

  it('replaces a record past its retention on a wrong code, instead of adding to its old counters', async () => {
    const old = record({ user: user('pending'), failedAttempts: 4, lastFailedAt: T0 - 10, sendTimes: [T0 - 5] });
    const records = scriptedRecords([{ record: old, version: 7, stale: true }]);

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: '000000' })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.save).toHaveBeenCalledWith(
      { ...old, failedAttempts: 1, lastFailedAt: T0, retainUntil: T0 + DAY + 900 },
      7,
    );
    expect(records.recordFailedAttempt).not.toHaveBeenCalled();
  });

  it('decides again when a record past its retention was rewritten meanwhile', async () => {
    const old = record({ failedAttempts: 4, lastFailedAt: T0 - 10 });
    const records = scriptedRecords([{ record: old, version: 7, stale: true }, record()], { saves: [false] });

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: '000000' })).rejects.toThrow(
      authError('invalid_otp'),
    );
    expect(records.save).toHaveBeenCalledTimes(1);
    expect(records.recordFailedAttempt).toHaveBeenCalledTimes(1);
  });

  it('answers rate_limited after losing 4 races to count a wrong code on a number that is not locked', async () => {
    const records = scriptedRecords([record()], { failures: ['refused', 'refused', 'refused', 'refused'] });

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: '000000' })).rejects.toThrow(
      authError('rate_limited', { retryAfterSeconds: 1 }),
    );
    expect(records.recordFailedAttempt).toHaveBeenCalledTimes(4);
    expect(records.get).toHaveBeenCalledTimes(5);
  });

  it('answers too_many_attempts with the wait when the races it lost locked the number', async () => {
    const live = record({ failedAttempts: 1, lastFailedAt: T0 });
    const locked = record({ failedAttempts: 5, lastFailedAt: T0 - 100 });
    const records = scriptedRecords([live, live, live, live, locked], {
      failures: ['refused', 'refused', 'refused', 'refused'],
    });

    await expect(verifyOtp(verifyDeps(records), { phoneNumber: PHONE, otp: '000000' })).rejects.toThrow(
      authError('too_many_attempts', { retryAfterSeconds: 800 }),
    );
  });

  describe('for a TEST_PHONE_NUMBERS number', () => {
    const testNumbers = new Map([[PHONE, '123456']]);

    it('accepts the fixed code while a code is pending', async () => {
      const { record: pending } = withPendingCode();
      const records = scriptedRecords([pending]);

      await expect(
        verifyOtp(verifyDeps(records, { testPhoneNumbers: testNumbers }), { phoneNumber: PHONE, otp: '123456' }),
      ).resolves.toMatchObject({ userId: 'user-1' });
    });

    it('refuses the TOTP code in place of the fixed one', async () => {
      const { record: pending, code } = withPendingCode();
      const records = scriptedRecords([pending]);

      await expect(
        verifyOtp(verifyDeps(records, { testPhoneNumbers: testNumbers }), { phoneNumber: PHONE, otp: code }),
      ).rejects.toThrow(authError('invalid_otp'));
    });
  });
});

describe('provisionUser', () => {
  it('creates an active user for a new number', async () => {
    const records = scriptedRecords([record({ retainUntil: T0 + DAY })]);

    await expect(provisionUser(records, '+91 98765 43210', new MovableClock(T0))).resolves.toBe('created');
    const [saved, version] = records.save.mock.calls[0] ?? [];
    expect(saved).toEqual({
      phoneNumber: PHONE,
      failedAttempts: 0,
      sendTimes: [],
      user: {
        userId: expect.any(String),
        totpSecret: expect.stringMatching(/^[A-Z2-7]{32}$/),
        status: 'active',
        createdAt: T0,
      },
      holderChange: { kind: 'created', by: 'operator' },
    });
    expect(version).toBe(3);
  });

  it('activates a pending user, keeping its id and secret, and stops the record from expiring', async () => {
    const records = scriptedRecords([record({ user: user('pending'), retainUntil: T0 + DAY })]);

    await expect(provisionUser(records, PHONE, new MovableClock(T0))).resolves.toBe('activated');
    expect(records.save.mock.calls[0]?.[0]).toEqual(
      record({ user: user('active'), holderChange: { kind: 'created', by: 'operator' } }),
    );
  });

  it('leaves an active user as it is', async () => {
    const records = scriptedRecords([record({ user: user('active') })]);

    await expect(provisionUser(records, PHONE, new MovableClock(T0))).resolves.toBe('exists');
    expect(records.save).not.toHaveBeenCalled();
  });

  it('decides again after a lost write race, and gives up with service_unavailable after 4', async () => {
    const once = scriptedRecords([record(), record({ user: user('active') })], { saves: [false] });
    const always = scriptedRecords([record()], { saves: [false, false, false, false, true] });

    await expect(provisionUser(once, PHONE, new MovableClock(T0))).resolves.toBe('exists');
    await expect(provisionUser(always, PHONE, new MovableClock(T0))).rejects.toThrow(authError('service_unavailable'));
    expect(always.get).toHaveBeenCalledTimes(4);
  });
});

/** A wrong code for a known right one: never equal to it. */
function wrong(right: string): string {
  return right === '000000' ? '111111' : '000000';
}
