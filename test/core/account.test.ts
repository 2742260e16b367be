import { beforeAll, describe, expect, it, vi } from 'vitest';
import { confirmNumberChange, currentAccount, deleteAccount, requestNumberChange } from '../../lambdas/core/account.js';
import type { Clock } from '../../lambdas/core/clock.js';
import type { OtpPolicy } from '../../lambdas/core/login.js';
import { codeAtStep, totpStepAt } from '../../lambdas/core/otp-code.js';
import { emptyRecord, type PhoneRecord, type UserAccount } from '../../lambdas/core/phone-record.js';
import type {
  CountryCharge,
  NumberMoves,
  PhoneRecordStore,
  RefreshFamily,
  UserFamilies,
  VersionedPhoneRecord,
} from '../../lambdas/core/ports.js';
import { generateSigningKey, importKeySet, type KeySet, planRotation } from '../../lambdas/core/signing-keys.js';
import { TEST_OTP_POLICY } from '../helpers/fixtures.js';

// The account use cases against an in-memory record store with DynamoDB's version rule, whose
// writes can be made to lose races on demand. The DynamoDB adapters themselves, and the routes end to
// end, are tested against DynamoDB Local (test/http/account*.test.ts).

const T0 = 1_800_000_000 + 1000; // 1000 s into an hour
const OLD = '+919876543210';
const NEW = '+919876543211';
const THIRD = '+919876543212';
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const CHANGE_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ';
const NEW_SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';
const USER: UserAccount = { userId: 'user-1', totpSecret: SECRET, status: 'active', createdAt: T0 - 100 };
const SUBJECT = { userId: 'user-1', phoneNumber: OLD, sessionEpoch: 0 };

const POLICY: OtpPolicy = { ...TEST_OTP_POLICY, signupMode: 'closed' };

let keySet: KeySet;
beforeAll(async () => {
  keySet = await importKeySet(
    planRotation(undefined, await generateSigningKey(T0 - 60), T0 - 60, { publishLeadSeconds: 0, retainSeconds: 0 }),
    T0,
  );
});

const clock: Clock = { now: () => T0 * 1000 };
const CHARGE: CountryCharge = { country: 'IN', windowStart: T0 - 1000, shard: 3 };

/** Records by number with DynamoDB's version guard; `losing` writes lose their race first. */
class MemoryRecords implements PhoneRecordStore {
  readonly items = new Map<string, { record: PhoneRecord; version: number }>();
  losing = 0;
  /** Numbers whose next write loses its race, once each. */
  readonly losingOnce = new Set<string>();
  saves = 0;
  constructor(records: PhoneRecord[] = []) {
    for (const record of records) this.items.set(record.phoneNumber, { record, version: 1 });
  }
  async get(phoneNumber: string): Promise<VersionedPhoneRecord> {
    return this.items.get(phoneNumber) ?? { record: emptyRecord(phoneNumber), version: 0 };
  }
  async save(record: PhoneRecord, seenVersion: number): Promise<boolean> {
    this.saves++;
    const current = this.items.get(record.phoneNumber)?.version ?? 0;
    if (this.losing > 0 || current !== seenVersion || this.losingOnce.delete(record.phoneNumber)) {
      this.losing = Math.max(0, this.losing - 1);
      return false;
    }
    this.items.set(record.phoneNumber, { record, version: current + 1 });
    return true;
  }
  extendCode = vi.fn(async () => {});
  cancelCode = vi.fn(async () => {});
  consumeCode = vi.fn(async () => true);
  recordFailedAttempt = vi.fn(async () => ({ outcome: 'counted' as const, failedAttempts: 1 }));
  endSessions = vi.fn(async () => true);
  withdrawChange = vi.fn(async (_phoneNumber: string, _userId: string) => {});
  record(phoneNumber: string): PhoneRecord | undefined {
    return this.items.get(phoneNumber)?.record;
  }
}

const holder = (): PhoneRecord => ({ ...emptyRecord(OLD), user: USER, lastStep: 7, sendTimes: [T0 - 5000] });

function families(ids: string[] = ['fam-a', 'fam-b']) {
  return {
    familyIdsOf: vi.fn(async (_userId: string) => ids),
    deleteFamilies: vi.fn(async (_ids: readonly string[]) => {}),
  } satisfies UserFamilies;
}

function requestDeps(records: MemoryRecords, policy: Partial<OtpPolicy> = {}) {
  return {
    records,
    ipLimiter: { tryConsume: vi.fn(async () => true), refund: vi.fn(async () => {}) },
    countryLimiter: {
      tryConsume: vi.fn(async (): Promise<CountryCharge | undefined> => CHARGE),
      refund: vi.fn(async (_charge: CountryCharge) => {}),
      hasRoom: vi.fn(async () => true),
      countSent: vi.fn(async () => {}),
    },
    sms: { send: vi.fn(async (_phone: string, _message: string) => {}) },
    clock,
    policy: { ...POLICY, ...policy },
    newChangeSecret: () => CHANGE_SECRET,
  };
}

describe('currentAccount', () => {
  it('answers the user holding the token number', async () => {
    const holderOf = vi.fn(async () => USER);
    expect(await currentAccount({ holders: { holderOf }, clock }, SUBJECT)).toEqual(USER);
    expect(holderOf).toHaveBeenCalledWith(OLD, T0);
  });

  it.each([
    ['no user', undefined],
    ['another user', { ...USER, userId: 'user-2' }],
    ['a pending user', { ...USER, status: 'pending' as const }],
    ['the user, signed out everywhere since the token', { ...USER, sessionEpoch: 1 }],
  ])('refuses %s with invalid_token, detail account_gone', async (_case, user) => {
    const holders = { holderOf: async () => user };
    await expect(currentAccount({ holders, clock }, SUBJECT)).rejects.toMatchObject({
      code: 'invalid_token',
      detail: 'account_gone',
    });
  });
});

/** The user's passkey item: deleted as asked, or failing with `error`. */
function passkeyItem(error?: Error) {
  return {
    deletePasskeysOf: vi.fn(async (_userId: string) => (error ? Promise.reject(error) : undefined)),
  };
}

describe('deleteAccount', () => {
  it('vacates the record, keeping only the counters, then deletes the families the index lists', async () => {
    const records = new MemoryRecords([{ ...holder(), failedAttempts: 2, lastFailedAt: T0 - 10 }]);
    const found = families();

    expect(
      await deleteAccount(
        { records, families: found, passkeys: passkeyItem(), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).toEqual({
      familiesDeleted: 2,
    });

    expect(records.record(OLD)).toEqual({
      phoneNumber: OLD,
      lastStep: 7,
      failedAttempts: 2,
      lastFailedAt: T0 - 10,
      sendTimes: [T0 - 5000],
      retainUntil: T0 + 86_400 + 900,
      holderChange: { kind: 'deleted', by: 'user' },
    });
    expect(found.familyIdsOf).toHaveBeenCalledWith('user-1');
    expect(found.deleteFamilies).toHaveBeenCalledWith(['fam-a', 'fam-b']);
  });

  it('withdraws every change the user asked for, and reports a failure without failing the deletion', async () => {
    const pendingChanges = [
      { phoneNumber: NEW, requestedAt: T0 - 100 },
      { phoneNumber: THIRD, requestedAt: T0 - 50 },
    ];
    const records = new MemoryRecords([{ ...holder(), pendingChanges }]);
    expect(
      await deleteAccount(
        { records, families: families([]), passkeys: passkeyItem(), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).toEqual({
      familiesDeleted: 0,
    });
    expect(records.withdrawChange.mock.calls).toEqual([
      [NEW, 'user-1'],
      [THIRD, 'user-1'],
    ]);
    expect(records.record(OLD)).not.toHaveProperty('pendingChanges');

    const failing = new MemoryRecords([{ ...holder(), pendingChanges }]);
    const broken = new Error('throttled');
    failing.withdrawChange.mockRejectedValueOnce(broken);
    expect(
      await deleteAccount(
        { records: failing, families: families([]), passkeys: passkeyItem(), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).toEqual({
      familiesDeleted: 0,
      cleanupError: broken,
    });
  });

  it('reads again after a lost race, and gives up with 429 rate_limited after four', async () => {
    const records = new MemoryRecords([holder()]);
    records.losing = 3;
    expect(
      (
        await deleteAccount(
          { records, families: families(), passkeys: passkeyItem(), clock, policy: POLICY },
          SUBJECT,
          'user',
        )
      ).familiesDeleted,
    ).toBe(2);
    expect(records.saves).toBe(4);

    const busy = new MemoryRecords([holder()]);
    busy.losing = 4;
    await expect(
      deleteAccount(
        { records: busy, families: families(), passkeys: passkeyItem(), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    expect(busy.record(OLD)?.user).toEqual(USER);
  });

  it('reports a failed cleanup instead of failing the deletion, which is done', async () => {
    const records = new MemoryRecords([holder()]);
    const broken = new Error('throttled');
    const failing = { familyIdsOf: vi.fn(async () => Promise.reject(broken)), deleteFamilies: vi.fn(async () => {}) };

    expect(
      await deleteAccount(
        { records, families: failing, passkeys: passkeyItem(), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).toEqual({
      familiesDeleted: 0,
      cleanupError: broken,
    });
    expect(records.record(OLD)?.user).toBeUndefined();
  });

  it("deletes the user's passkeys once, after the record is vacated, never before", async () => {
    const records = new MemoryRecords([holder()]);
    records.losing = 2;
    const passkeys = passkeyItem();
    passkeys.deletePasskeysOf.mockImplementation(async () => {
      // The record is already vacated when the passkeys go: an enrolment after it fails its holder check.
      expect(records.record(OLD)?.user).toBeUndefined();
    });
    expect(
      await deleteAccount({ records, families: families([]), passkeys, clock, policy: POLICY }, SUBJECT, 'user'),
    ).toEqual({
      familiesDeleted: 0,
    });
    expect(passkeys.deletePasskeysOf.mock.calls).toEqual([['user-1']]);
  });

  it('reports a failed passkey deletion without failing the deletion, and still deletes the families', async () => {
    const records = new MemoryRecords([holder()]);
    const broken = new Error('denied');
    const found = families();
    expect(
      await deleteAccount(
        { records, families: found, passkeys: passkeyItem(broken), clock, policy: POLICY },
        SUBJECT,
        'user',
      ),
    ).toEqual({ familiesDeleted: 2, passkeyCleanupError: broken });
    expect(records.record(OLD)?.user).toBeUndefined();
    expect(found.deleteFamilies).toHaveBeenCalledWith(['fam-a', 'fam-b']);
  });

  it('refuses a token whose user is gone, writing nothing', async () => {
    const records = new MemoryRecords([emptyRecord(OLD)]);
    const passkeys = passkeyItem();
    await expect(
      deleteAccount({ records, families: families(), passkeys, clock, policy: POLICY }, SUBJECT, 'user'),
    ).rejects.toMatchObject({ code: 'invalid_token', detail: 'account_gone' });
    expect(records.saves).toBe(0);
    expect(passkeys.deletePasskeysOf).not.toHaveBeenCalled();
  });
});

describe('requestNumberChange', () => {
  it('charges the caller one send, counts the IP once, and sends a change code bound to the user', async () => {
    const records = new MemoryRecords([holder()]);
    const deps = requestDeps(records);

    const result = await requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: '203.0.113.7' });

    expect(result).toMatchObject({ expiresIn: 300, outcome: 'sent', phone: { e164: NEW } });
    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(records.record(OLD)?.pendingChanges).toEqual([{ phoneNumber: NEW, requestedAt: T0 }]);
    const step = totpStepAt(T0);
    expect(records.record(NEW)).toEqual({
      phoneNumber: NEW,
      code: { step, expiresAt: T0 + 301, consumed: false },
      change: { userId: 'user-1', secret: CHANGE_SECRET },
      lastStep: step,
      failedAttempts: 0,
      sendTimes: [T0],
      retainUntil: T0 + 86_400 + 900,
    });
    expect(deps.sms.send).toHaveBeenCalledWith(NEW, `Code ${codeAtStep(CHANGE_SECRET, step)}`);
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledWith('203.0.113.7', T0, 10);
  });

  it('moves past the last step of the new number, so an older code there dies', async () => {
    const records = new MemoryRecords([holder(), { ...emptyRecord(NEW), lastStep: totpStepAt(T0) + 3 }]);
    await requestNumberChange(requestDeps(records), { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' });
    expect(records.record(NEW)?.code?.step).toBe(totpStepAt(T0) + 4);
  });

  it('charges the caller and counts the IP once however many races it loses', async () => {
    const records = new MemoryRecords([holder()]);
    const deps = requestDeps(records);
    records.losing = 2;

    await requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' });

    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
  });

  it('gives up with 429 rate_limited after four lost races, having sent nothing', async () => {
    const records = new MemoryRecords([holder()]);
    const deps = requestDeps(records);
    records.losing = 100;
    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    expect(deps.sms.send).not.toHaveBeenCalled();
    expect(records.saves).toBe(4);
  });

  it("charges the caller once when the new number's write loses its race after the charge", async () => {
    const records = new MemoryRecords([holder()]);
    records.losingOnce.add(NEW);
    const deps = requestDeps(records, {
      sendMaxPerCountryPerHour: { byCountry: new Map([['IN', 100]]), otherCountries: undefined },
    });

    expect((await requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' })).outcome).toBe(
      'sent',
    );

    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
    expect(deps.countryLimiter.tryConsume).toHaveBeenCalledTimes(1);
  });

  it('answers 409 for a taken number whatever its own limits, spending none of its country budget', async () => {
    const taken = {
      ...emptyRecord(NEW),
      user: { ...USER, userId: 'user-2' },
      sendTimes: [T0 - 10, T0 - 20, T0 - 30, T0 - 40, T0 - 50],
      failedAttempts: 5,
      lastFailedAt: T0 - 5,
    };
    const records = new MemoryRecords([holder(), taken]);
    const deps = requestDeps(records, {
      sendMaxPerCountryPerHour: { byCountry: new Map([['IN', 100]]), otherCountries: undefined },
    });

    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'phone_number_taken' });
    expect(deps.countryLimiter.tryConsume).not.toHaveBeenCalled();
  });

  it('answers 429 with the rest of the hour when the IP is over its limit, having charged the caller only', async () => {
    const records = new MemoryRecords([holder()]);
    const deps = {
      ...requestDeps(records),
      ipLimiter: { tryConsume: vi.fn(async () => false), refund: vi.fn(async () => {}) },
    };
    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3600 - 1000 });
    expect(records.saves).toBe(1);
    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(records.record(NEW)).toBeUndefined();
  });

  it('answers phone_number_taken for an active user of the number, after charging only the caller', async () => {
    const taken = { ...emptyRecord(NEW), user: { ...USER, userId: 'user-2' } };
    const records = new MemoryRecords([holder(), taken]);
    const deps = requestDeps(records);

    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'phone_number_taken' });

    expect(records.record(NEW)).toEqual(taken);
    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(records.record(OLD)).not.toHaveProperty('pendingChanges');
    expect(deps.sms.send).not.toHaveBeenCalled();
    // Answered on its merits: the IP unit stays spent, and no country unit was ever taken.
    expect(deps.ipLimiter.tryConsume).toHaveBeenCalledTimes(1);
    expect(deps.ipLimiter.refund).not.toHaveBeenCalled();
    expect(deps.countryLimiter.tryConsume).not.toHaveBeenCalled();
  });

  it('drops a user who never finished a login on the new number: a newer send replaces an older code', async () => {
    const pending = { ...emptyRecord(NEW), user: { ...USER, userId: 'user-2', status: 'pending' as const } };
    const records = new MemoryRecords([holder(), pending]);
    await requestNumberChange(requestDeps(records), { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' });
    expect(records.record(NEW)?.user).toBeUndefined();
    expect(records.record(NEW)?.change?.userId).toBe('user-1');
  });

  it('charges the caller before looking at the new number: a locked number or one at its limits costs a send too', async () => {
    const locked = { ...emptyRecord(NEW), failedAttempts: 5, lastFailedAt: T0 - 5 };
    const records = new MemoryRecords([holder(), locked]);
    const deps = requestDeps(records);

    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'too_many_attempts' });
    expect(records.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
    expect(records.record(NEW)).toEqual(locked);
    expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();

    const cooling = new MemoryRecords([holder(), { ...emptyRecord(NEW), sendTimes: [T0 - 1] }]);
    const coolingDeps = requestDeps(cooling, { sendCooldownSeconds: 60 });
    await expect(
      requestNumberChange(coolingDeps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 59 });
    expect(cooling.record(OLD)?.sendTimes).toEqual([T0 - 5000, T0]);
  });

  it('refuses on the caller budget first, charging nothing and looking at nothing else', async () => {
    const spent = [T0 - 10, T0 - 20, T0 - 30, T0 - 40, T0 - 50];
    const records = new MemoryRecords([{ ...holder(), sendTimes: spent }]);
    const deps = requestDeps(records);

    await expect(
      requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    expect(records.saves).toBe(0);
    expect(records.withdrawChange).not.toHaveBeenCalled();
  });

  it('withdraws the earlier changes whose code has expired before forgetting them, and keeps live ones', async () => {
    const pendingChanges = [
      { phoneNumber: '+919876543212', requestedAt: T0 - 300 - 61 },
      { phoneNumber: '+919876543213', requestedAt: T0 - 300 - 60 },
    ];
    const records = new MemoryRecords([{ ...holder(), pendingChanges }]);

    await requestNumberChange(requestDeps(records), { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' });

    expect(records.withdrawChange.mock.calls).toEqual([['+919876543212', 'user-1']]);
    expect(records.record(OLD)?.pendingChanges).toEqual([
      { phoneNumber: '+919876543213', requestedAt: T0 - 360 },
      { phoneNumber: NEW, requestedAt: T0 },
    ]);
  });

  it('sends nothing for a test number and skips the send limits, but still binds the change', async () => {
    // Both the caller's and the test number's own hour are spent: neither limit applies.
    const spent = [T0 - 10, T0 - 20, T0 - 30, T0 - 40, T0 - 50];
    const records = new MemoryRecords([
      { ...holder(), sendTimes: spent },
      { ...emptyRecord(NEW), sendTimes: spent },
    ]);
    const deps = requestDeps(records, { testPhoneNumbers: new Map([[NEW, '123456']]) });

    const result = await requestNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' });

    expect(result.outcome).toBe('test_number');
    expect(deps.sms.send).not.toHaveBeenCalled();
    expect(deps.ipLimiter.tryConsume).not.toHaveBeenCalled();
    expect(records.record(OLD)?.sendTimes).toHaveLength(5);
    expect(records.record(NEW)?.change?.userId).toBe('user-1');
  });

  it('refuses the number the user already has with invalid_request, detail same_number', async () => {
    const records = new MemoryRecords([holder()]);
    await expect(
      requestNumberChange(requestDeps(records), { subject: SUBJECT, phoneNumber: OLD, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'invalid_request', detail: 'same_number' });
    expect(records.saves).toBe(0);
  });

  it('refuses a caller who no longer holds the token number, writing nothing', async () => {
    const records = new MemoryRecords([emptyRecord(OLD)]);
    await expect(
      requestNumberChange(requestDeps(records), { subject: SUBJECT, phoneNumber: NEW, sourceIp: 'ip' }),
    ).rejects.toMatchObject({ code: 'invalid_token', detail: 'account_gone' });
    expect(records.saves).toBe(0);
  });
});

describe('confirmNumberChange', () => {
  const pendingChange = (overrides: Partial<PhoneRecord> = {}): PhoneRecord => ({
    ...emptyRecord(NEW),
    code: { step: totpStepAt(T0), expiresAt: T0 + 300, consumed: false },
    change: { userId: 'user-1', secret: CHANGE_SECRET },
    lastStep: totpStepAt(T0),
    sendTimes: [T0 - 30],
    failedAttempts: 1,
    lastFailedAt: T0 - 20,
    ...overrides,
  });
  const rightCode = () => codeAtStep(CHANGE_SECRET, totpStepAt(T0));

  function confirmDeps(records: MemoryRecords, moves: NumberMoves, policy: Partial<OtpPolicy> = {}) {
    return {
      records,
      moves,
      families: families(['fam-old', 'fam-new']),
      keys: { load: async () => keySet },
      clock,
      policy: { ...POLICY, ...policy },
      newTotpSecret: () => NEW_SECRET,
      sms: { send: vi.fn(async (_phoneNumber: string, _message: string) => {}) },
      numberChangedNotice: { default: 'Your number was changed.', byCountry: new Map([['IN', 'Aapka number badla.']]) },
      countryLimiter: { countSent: vi.fn(async (_country: string, _now: number, _max: number) => {}) },
      sessions: {
        issuer: 'https://auth.test',
        audience: 'otp-login',
        accessTokenTtlSeconds: 900,
        refreshTokenTtlSeconds: 30 * 86_400,
        refreshReuseGraceSeconds: 0,
      },
    };
  }

  it('moves the user in one call: epoch moved on, code spent, counters cleared, old record vacated', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    let moved: RefreshFamily | undefined;
    const moveUser = vi.fn(async (args: Parameters<NumberMoves['moveUser']>[0]) => {
      moved = args.family;
      return true;
    });
    // The index lists the new family too (it is the user's): the cleanup must keep it.
    const deps = {
      ...confirmDeps(records, { moveUser }),
      families: {
        familyIdsOf: vi.fn(async () => ['fam-old', moved?.familyId ?? '']),
        deleteFamilies: vi.fn(async (_ids: readonly string[]) => {}),
      },
    };

    const result = await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    const args = moveUser.mock.calls[0]?.[0];
    expect(args?.fromVersion).toBe(1);
    expect(args?.toVersion).toBe(1);
    expect(args?.vacated).toEqual({
      phoneNumber: OLD,
      lastStep: 7,
      failedAttempts: 0,
      sendTimes: [T0 - 5000],
      retainUntil: T0 + 86_400 + 900,
      holderChange: { kind: 'moved_out' },
    });
    expect(args?.moved).toEqual({
      phoneNumber: NEW,
      user: { ...USER, totpSecret: NEW_SECRET, verifiedAt: T0, sessionEpoch: 1 },
      code: { step: totpStepAt(T0), expiresAt: T0 + 300, consumed: true },
      lastStep: totpStepAt(T0),
      failedAttempts: 0,
      sendTimes: [T0 - 30],
      holderChange: { kind: 'moved_in', from: OLD },
    });
    const family = args?.family as RefreshFamily;
    expect(family).toMatchObject({ userId: 'user-1', phoneNumber: NEW, sessionEpoch: 1, generation: 0 });
    expect(result).toMatchObject({ userId: 'user-1', phone: { e164: NEW }, familiesDeleted: 1 });
    expect(result.tokens.refresh.startsWith(`${family.familyId}.`)).toBe(true);
    // Every family but the new one is deleted.
    expect(deps.families.deleteFamilies).toHaveBeenCalledWith(['fam-old']);
  });

  it.each([
    ['an expired change code', pendingChange({ code: { step: totpStepAt(T0), expiresAt: T0, consumed: false } })],
    ['a spent change code', pendingChange({ code: { step: totpStepAt(T0), expiresAt: T0 + 300, consumed: true } })],
    ['a change for another user', pendingChange({ change: { userId: 'user-2', secret: CHANGE_SECRET } })],
    ['a login code, no change pending', pendingChange({ change: undefined })],
  ])('refuses %s with invalid_otp, counting the attempt on the new number', async (_case, record) => {
    const records = new MemoryRecords([holder(), record]);
    const moveUser = vi.fn(async () => true);

    await expect(
      confirmNumberChange(confirmDeps(records, { moveUser }), { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() }),
    ).rejects.toMatchObject({ code: 'invalid_otp' });

    expect(records.recordFailedAttempt).toHaveBeenCalledWith(NEW, expect.objectContaining({ now: T0 }));
    expect(moveUser).not.toHaveBeenCalled();
  });

  it('accepts the fixed code of a test number, only for a change the user asked for', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const moveUser = vi.fn(async () => true);
    const deps = confirmDeps(records, { moveUser }, { testPhoneNumbers: new Map([[NEW, '123456']]) });

    await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: '123456' });
    expect(moveUser).toHaveBeenCalledTimes(1);

    const other = { userId: 'user-2', phoneNumber: '+919876543219', sessionEpoch: 0 };
    const otherRecords = new MemoryRecords([{ ...holder(), phoneNumber: other.phoneNumber }, pendingChange()]);
    await expect(
      confirmNumberChange(confirmDeps(otherRecords, { moveUser }, { testPhoneNumbers: new Map([[NEW, '123456']]) }), {
        subject: other,
        phoneNumber: NEW,
        otp: '123456',
      }),
    ).rejects.toMatchObject({ code: 'invalid_otp' });
  });

  it('refuses with phone_number_taken when the number got an active user since the code was sent', async () => {
    const added = { ...USER, userId: 'user-2' };
    const records = new MemoryRecords([holder(), pendingChange({ user: added })]);
    const moveUser = vi.fn(async () => true);

    await expect(
      confirmNumberChange(confirmDeps(records, { moveUser }), { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() }),
    ).rejects.toMatchObject({ code: 'phone_number_taken' });
    expect(moveUser).not.toHaveBeenCalled();
    expect(records.record(NEW)?.user).toEqual(added);
  });

  it('reads both records again after a failed transaction, and refuses after four', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const moveUser = vi.fn().mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    await confirmNumberChange(confirmDeps(records, { moveUser }), {
      subject: SUBJECT,
      phoneNumber: NEW,
      otp: rightCode(),
    });
    expect(moveUser).toHaveBeenCalledTimes(2);

    const never = vi.fn(async () => false);
    await expect(
      confirmNumberChange(confirmDeps(records, { moveUser: never }), {
        subject: SUBJECT,
        phoneNumber: NEW,
        otp: rightCode(),
      }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    expect(never).toHaveBeenCalledTimes(4);
  });

  it('refuses a caller who no longer holds the token number, moving nothing', async () => {
    const records = new MemoryRecords([emptyRecord(OLD), pendingChange()]);
    const moveUser = vi.fn(async () => true);
    await expect(
      confirmNumberChange(confirmDeps(records, { moveUser }), { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() }),
    ).rejects.toMatchObject({ code: 'invalid_token', detail: 'account_gone' });
    expect(moveUser).not.toHaveBeenCalled();
  });

  it('tells the old number once, after the move, in its country template, and says so in the result', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const moveUser = vi.fn(async () => true);
    const deps = confirmDeps(records, { moveUser });
    deps.sms.send.mockImplementation(async () => {
      // Sent only once the move is done: never before the transaction that makes it true.
      expect(moveUser).toHaveBeenCalledTimes(1);
    });

    const result = await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(deps.sms.send.mock.calls).toEqual([[OLD, 'Aapka number badla.']]);
    expect(result.notice).toEqual({ outcome: 'sent', maskedNumber: '+91******3210' });
  });

  it('counts the notice in the old number country budget, and hands back a failure to count it', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const deps = confirmDeps(
      records,
      { moveUser: vi.fn(async () => true) },
      {
        sendMaxPerCountryPerHour: { byCountry: new Map([['IN', 40]]), otherCountries: undefined },
      },
    );

    const result = await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(deps.countryLimiter.countSent.mock.calls).toEqual([['IN', T0, 40]]);
    expect(result.notice).toEqual({ outcome: 'sent', maskedNumber: '+91******3210' });

    const again = new MemoryRecords([holder(), pendingChange()]);
    const failing = confirmDeps(
      again,
      { moveUser: vi.fn(async () => true) },
      {
        sendMaxPerCountryPerHour: { byCountry: new Map([['IN', 40]]), otherCountries: undefined },
      },
    );
    const lost = new Error('throttled');
    failing.countryLimiter.countSent.mockRejectedValueOnce(lost);
    const counted = await confirmNumberChange(failing, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });
    expect(counted.notice).toEqual({ outcome: 'sent', maskedNumber: '+91******3210', uncounted: lost });
    expect(failing.sms.send).toHaveBeenCalledTimes(1);
  });

  it('counts no notice where the old number country has no budget', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const deps = confirmDeps(records, { moveUser: vi.fn(async () => true) });

    await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(deps.countryLimiter.countSent).not.toHaveBeenCalled();
  });

  it('uses the default notice for a country without one of its own', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const deps = { ...confirmDeps(records, { moveUser: vi.fn(async () => true) }) };
    const withoutIn = { ...deps, numberChangedNotice: { default: 'Your number was changed.', byCountry: new Map() } };

    await confirmNumberChange(withoutIn, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(deps.sms.send.mock.calls).toEqual([[OLD, 'Your number was changed.']]);
  });

  it('completes the move when the notice fails, handing the failure back to be logged and counted', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const moveUser = vi.fn(async () => true);
    const deps = confirmDeps(records, { moveUser });
    const refused = new Error('provider down');
    deps.sms.send.mockRejectedValueOnce(refused);

    const result = await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(moveUser).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ userId: 'user-1', phone: { e164: NEW } });
    expect(result.notice).toEqual({ outcome: 'failed', maskedNumber: '+91******3210', error: refused });
  });

  it('never texts an old number that is a test number', async () => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const deps = confirmDeps(
      records,
      { moveUser: vi.fn(async () => true) },
      { testPhoneNumbers: new Map([[OLD, '111111']]) },
    );

    const result = await confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: rightCode() });

    expect(deps.sms.send).not.toHaveBeenCalled();
    expect(result.notice.outcome).toBe('test_number');
  });

  it.each([
    ['a wrong code', () => '000000', () => true],
    ['a lost transaction, four times', () => rightCode(), () => false],
  ])('sends no notice after %s', async (_case, otp, moved) => {
    const records = new MemoryRecords([holder(), pendingChange()]);
    const deps = confirmDeps(records, { moveUser: vi.fn(async () => moved()) });

    await expect(confirmNumberChange(deps, { subject: SUBJECT, phoneNumber: NEW, otp: otp() })).rejects.toMatchObject({
      code: expect.stringMatching(/^(invalid_otp|rate_limited)$/),
    });

    expect(deps.sms.send).not.toHaveBeenCalled();
  });
});
