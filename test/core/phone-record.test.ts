import { describe, expect, it } from 'vitest';
import { totpStepAt } from '../../lambdas/core/otp-code.js';
import {
  assertNotLocked,
  assertSendAllowed,
  emptyRecord,
  failedAttemptsAt,
  lockState,
  type PhoneRecord,
  pendingCodeAt,
  planCallerCharge,
  planMovedRecord,
  planNumberChangeSend,
  planSend,
  planVacatedRecord,
  REQUEST_MAX_SECONDS,
  recentSends,
  retentionFor,
  type SendLimits,
  staleChangeTargets,
  type UserAccount,
  type UserStatus,
} from '../../lambdas/core/phone-record.js';
import { TEST_SEND_LIMITS } from '../helpers/fixtures.js';
import { authError } from './auth-error.js';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
// The first second of a TOTP step, so "within one 30 s period" is unambiguous.
const T0 = 1_800_000_000;
const STEP_AT_T0 = totpStepAt(T0);

const LIMITS: SendLimits = TEST_SEND_LIMITS;

const PHONE = '+919876543210';

function record(fields: Partial<PhoneRecord> = {}): PhoneRecord {
  return { ...emptyRecord(PHONE), ...fields };
}

function user(status: UserStatus): UserAccount {
  return { userId: 'user-1', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', status, createdAt: T0 - DAY };
}

describe('emptyRecord', () => {
  it('has no user, no code, no failures and no sends', () => {
    expect(emptyRecord(PHONE)).toEqual({ phoneNumber: PHONE, failedAttempts: 0, sendTimes: [] });
  });
});

describe('failedAttemptsAt', () => {
  it('counts every wrong code while the latest is younger than OTP_LOCKOUT_SECONDS', () => {
    const failures = record({ failedAttempts: 4, lastFailedAt: T0 });

    expect(failedAttemptsAt(failures, T0, LIMITS)).toBe(4);
    expect(failedAttemptsAt(failures, T0 + LIMITS.otpLockoutSeconds - 1, LIMITS)).toBe(4);
  });

  it('ages them all out together OTP_LOCKOUT_SECONDS after the latest, for a known or an unknown number', () => {
    const at = T0 + LIMITS.otpLockoutSeconds;

    expect(failedAttemptsAt(record({ failedAttempts: 4, lastFailedAt: T0 }), at, LIMITS)).toBe(0);
    expect(failedAttemptsAt(record({ failedAttempts: 4, lastFailedAt: T0, user: user('active') }), at, LIMITS)).toBe(0);
  });

  it('counts nothing without a lastFailedAt', () => {
    expect(failedAttemptsAt(record({ failedAttempts: 3 }), T0, LIMITS)).toBe(0);
  });
});

describe('lockState', () => {
  it('is unlocked below the attempt limit, with the wrong codes that still count', () => {
    expect(lockState(record({ failedAttempts: 4, lastFailedAt: T0 }), T0, LIMITS)).toEqual({
      locked: false,
      failedAttempts: 4,
    });
  });

  it('is locked for the lockout after the last counted failure, with the remaining seconds as retry-after', () => {
    expect(lockState(record({ failedAttempts: 5, lastFailedAt: T0 - 300 }), T0, LIMITS)).toEqual({
      locked: true,
      retryAfterSeconds: LIMITS.otpLockoutSeconds - 300,
    });
  });

  it('starts a new count once a lockout has ended', () => {
    const lastFailedAt = T0 - LIMITS.otpLockoutSeconds;
    expect(lockState(record({ failedAttempts: 5, lastFailedAt }), T0, LIMITS)).toEqual({
      locked: false,
      failedAttempts: 0,
    });
  });

  it('unlocks exactly OTP_LOCKOUT_SECONDS after the last failure', () => {
    const locked = record({ failedAttempts: 5, lastFailedAt: T0 });

    expect(lockState(locked, T0 + LIMITS.otpLockoutSeconds - 1, LIMITS)).toEqual({
      locked: true,
      retryAfterSeconds: 1,
    });
    expect(lockState(locked, T0 + LIMITS.otpLockoutSeconds, LIMITS).locked).toBe(false);
  });

  it('never locks for good: a budget spent under a higher OTP_MAX_ATTEMPTS ends with the lockout too', () => {
    const old = record({ failedAttempts: 4, lastFailedAt: T0 - 10 * DAY });
    expect(lockState(old, T0, { ...LIMITS, otpMaxAttempts: 3 })).toEqual({ locked: false, failedAttempts: 0 });
  });

  it('forgets wrong codes under the budget once they age: max-1 of them a day ago do not lock with one more', () => {
    const aDayAgo = record({ failedAttempts: 4, lastFailedAt: T0 - DAY, user: user('active') });

    expect(lockState(aDayAgo, T0, LIMITS)).toEqual({ locked: false, failedAttempts: 0 });
  });
});

describe('assertNotLocked', () => {
  it('throws too_many_attempts with the retry-after of a locked number', () => {
    const lastFailedAt = T0 - (LIMITS.otpLockoutSeconds - 120);
    expect(() => assertNotLocked(record({ failedAttempts: 5, lastFailedAt }), T0, LIMITS)).toThrow(
      authError('too_many_attempts', { retryAfterSeconds: 120 }),
    );
  });

  it('returns the unlocked state otherwise', () => {
    expect(assertNotLocked(record({ failedAttempts: 2, lastFailedAt: T0 }), T0, LIMITS)).toEqual({
      locked: false,
      failedAttempts: 2,
    });
  });
});

describe('retentionFor', () => {
  it('never lets an active user expire', () => {
    expect(retentionFor(user('active'), T0, LIMITS)).toBeUndefined();
  });

  it('keeps any other record until every counter written now has aged: sends a day, wrong codes the lockout', () => {
    const retainUntil = retentionFor(undefined, T0, LIMITS) ?? 0;
    const written = record({ failedAttempts: 5, lastFailedAt: T0, sendTimes: [T0] });

    expect(retainUntil).toBe(T0 + DAY + LIMITS.otpLockoutSeconds);
    expect(lockState(written, retainUntil, LIMITS)).toEqual({ locked: false, failedAttempts: 0 });
    expect(recentSends(written, retainUntil)).toEqual([]);
  });
});

describe('assertSendAllowed', () => {
  it('allows the first send', () => {
    expect(() => assertSendAllowed(record(), T0, LIMITS)).not.toThrow();
  });

  it('refuses a send within the cooldown, with the remaining cooldown as retry-after', () => {
    const justSent = record({ sendTimes: [T0 - 20] });

    expect(() => assertSendAllowed(justSent, T0, LIMITS)).toThrow(authError('rate_limited', { retryAfterSeconds: 40 }));
  });

  it('allows a send once the cooldown has passed', () => {
    expect(() => assertSendAllowed(record({ sendTimes: [T0 - 60] }), T0, LIMITS)).not.toThrow();
  });

  it('allows back-to-back sends when the cooldown is 0', () => {
    const noCooldown = { ...LIMITS, sendCooldownSeconds: 0 };

    expect(() => assertSendAllowed(record({ sendTimes: [T0] }), T0, noCooldown)).not.toThrow();
  });

  it('refuses the 6th send within an hour until the oldest of them leaves the hour', () => {
    const fiveThisHour = record({
      sendTimes: [T0 - 50 * MINUTE, T0 - 40 * MINUTE, T0 - 30 * MINUTE, T0 - 20 * MINUTE, T0 - 10 * MINUTE],
    });

    expect(() => assertSendAllowed(fiveThisHour, T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 10 * MINUTE }),
    );
    expect(() => assertSendAllowed(fiveThisHour, T0 + 10 * MINUTE - 1, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 1 }),
    );
    expect(() => assertSendAllowed(fiveThisHour, T0 + 10 * MINUTE, LIMITS)).not.toThrow();
  });

  it('waits for enough sends to leave the hour when the history is over the limit', () => {
    // A limit lowered after the sends: 5 sends against a limit of 3, so 3 must leave the hour.
    const sends = record({
      sendTimes: [T0 - 50 * MINUTE, T0 - 40 * MINUTE, T0 - 30 * MINUTE, T0 - 20 * MINUTE, T0 - 10 * MINUTE],
    });
    const limits = { ...LIMITS, sendMaxPerHour: 3 };

    expect(() => assertSendAllowed(sends, T0, limits)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 30 * MINUTE }),
    );
    expect(() => assertSendAllowed(sends, T0 + 30 * MINUTE, limits)).not.toThrow();
  });

  it('refuses the 11th send within a day until the oldest of them leaves the day', () => {
    // Ten sends two hours apart: never more than one in an hour, so only the day limit applies.
    const oldest = T0 - 19 * HOUR;
    const tenToday = record({ sendTimes: Array.from({ length: 10 }, (_, i) => oldest + i * 2 * HOUR) });

    expect(() => assertSendAllowed(tenToday, T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 5 * HOUR }),
    );
    expect(() => assertSendAllowed(tenToday, oldest + DAY, LIMITS)).not.toThrow();
  });

  it('ignores sends 24 hours old or older', () => {
    const yesterday = record({ sendTimes: Array.from({ length: 10 }, (_, i) => T0 - DAY - i * MINUTE) });

    expect(() => assertSendAllowed(yesterday, T0, LIMITS)).not.toThrow();
  });

  it('counts a send one second younger than 24 hours', () => {
    const sendTimes = [T0 - DAY + 1, ...Array.from({ length: 9 }, (_, i) => T0 - 20 * HOUR + i * 2 * HOUR)];

    expect(() => assertSendAllowed(record({ sendTimes }), T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 1 }),
    );
  });

  it('times the cooldown from the latest send of the day, not the earliest', () => {
    const sends = record({ sendTimes: [T0 - 50 * MINUTE, T0 - 10] });

    expect(() => assertSendAllowed(sends, T0, LIMITS)).toThrow(authError('rate_limited', { retryAfterSeconds: 50 }));
  });

  it('waits for the oldest send to leave the hour whatever order the history lists them in', () => {
    const shuffled = record({
      sendTimes: [T0 - 10 * MINUTE, T0 - 50 * MINUTE, T0 - 30 * MINUTE, T0 - 20 * MINUTE, T0 - 40 * MINUTE],
    });

    expect(() => assertSendAllowed(shuffled, T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 10 * MINUTE }),
    );
  });

  it('waits for enough sends to leave the day when the history is over the limit', () => {
    // A limit lowered after the sends: 12 sends 90 minutes apart against a limit of 10, so 3 must leave the day.
    const oldest = T0 - 20 * HOUR;
    const twelve = record({ sendTimes: Array.from({ length: 12 }, (_, i) => oldest + i * 90 * MINUTE) });

    expect(() => assertSendAllowed(twelve, T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 7 * HOUR }),
    );
    expect(() => assertSendAllowed(twelve, oldest + 3 * HOUR + DAY, LIMITS)).not.toThrow();
  });

  it('reports the longest wait when several limits apply', () => {
    // The 5th send of the hour was 10 s ago: cooldown frees in 50 s, the hour limit in 20 min.
    const sends = record({
      sendTimes: [T0 - 40 * MINUTE, T0 - 30 * MINUTE, T0 - 20 * MINUTE, T0 - 10 * MINUTE, T0 - 10],
    });

    expect(() => assertSendAllowed(sends, T0, LIMITS)).toThrow(
      authError('rate_limited', { retryAfterSeconds: 20 * MINUTE }),
    );
  });
});

describe('planSend', () => {
  it('issues the current TOTP step to a number that never had one', () => {
    const { step, next } = planSend(record(), user('pending'), T0 + 7, LIMITS);

    expect(step).toBe(STEP_AT_T0);
    expect(next.code?.step).toBe(STEP_AT_T0);
    expect(next.lastStep).toBe(STEP_AT_T0);
  });

  it('gives two sends within one 30 s period different steps', () => {
    const first = planSend(record(), user('pending'), T0, LIMITS);
    const second = planSend(first.next, user('pending'), T0 + 29, LIMITS);

    expect(second.step).toBe(first.step + 1);
    expect(second.next.lastStep).toBe(second.step);
  });

  it('never reuses a step: it moves past lastStep even when that is ahead of the clock', () => {
    const { step } = planSend(record({ lastStep: STEP_AT_T0 + 5 }), user('pending'), T0, LIMITS);

    expect(step).toBe(STEP_AT_T0 + 6);
  });

  it('returns to the clock once the clock has moved past lastStep', () => {
    const { step } = planSend(record({ lastStep: STEP_AT_T0 - 3 }), user('pending'), T0, LIMITS);

    expect(step).toBe(STEP_AT_T0);
  });

  it('gives every send of a burst a new step', () => {
    const steps: number[] = [];
    let current = record();
    for (let i = 0; i < 20; i++) {
      const { next, step } = planSend(current, user('pending'), T0 + i, LIMITS);
      steps.push(step);
      current = next;
    }

    expect(new Set(steps).size).toBe(20);
  });

  it('expires the code ttl + 1 seconds after the send, unconsumed', () => {
    const { next } = planSend(record(), user('pending'), T0, LIMITS);

    expect(next.code).toEqual({ step: STEP_AT_T0, expiresAt: T0 + 300 + 1, consumed: false });
  });

  it('replaces a consumed code with a fresh one', () => {
    const used = record({
      code: { step: STEP_AT_T0 - 10, expiresAt: T0 + 100, consumed: true },
      lastStep: STEP_AT_T0 - 10,
    });

    const { next } = planSend(used, user('active'), T0, LIMITS);

    expect(next.code).toEqual({ step: STEP_AT_T0, expiresAt: T0 + 301, consumed: false });
  });

  it('keeps failedAttempts and lastFailedAt: a new code never resets the attempt budget', () => {
    const { next } = planSend(record({ failedAttempts: 3, lastFailedAt: T0 - 100 }), user('pending'), T0, LIMITS);

    expect(next.failedAttempts).toBe(3);
    expect(next.lastFailedAt).toBe(T0 - 100);
  });

  it('leaves a number that spent its budget locked', () => {
    const { next } = planSend(record({ failedAttempts: 5, lastFailedAt: T0 }), user('pending'), T0, LIMITS);

    expect(lockState(next, T0 + 1, LIMITS).locked).toBe(true);
  });

  it('does not invent a lastFailedAt', () => {
    const { next } = planSend(record({ failedAttempts: 1 }), user('pending'), T0, LIMITS);

    expect(next).not.toHaveProperty('lastFailedAt');
  });

  it('appends the send time and drops sends 24 hours old or older', () => {
    const history = record({ sendTimes: [T0 - DAY - 5, T0 - DAY, T0 - DAY + 1, T0 - HOUR] });

    const { next } = planSend(history, user('pending'), T0, LIMITS);

    expect(next.sendTimes).toEqual([T0 - DAY + 1, T0 - HOUR, T0]);
  });

  it('keeps the send history bounded', () => {
    const history = record({ sendTimes: Array.from({ length: 150 }, (_, i) => T0 - 150 + i) });

    const { next } = planSend(history, user('pending'), T0, LIMITS);

    expect(next.sendTimes).toHaveLength(100);
    expect(next.sendTimes.at(-1)).toBe(T0);
  });

  it('lets the store forget a pending user after a day and a lockout', () => {
    const { next } = planSend(record(), user('pending'), T0, LIMITS);

    expect(next.retainUntil).toBe(T0 + DAY + LIMITS.otpLockoutSeconds);
  });

  it('never lets the store forget an active user', () => {
    const { next } = planSend(record({ retainUntil: T0 + 10 }), user('active'), T0, LIMITS);

    expect(next).not.toHaveProperty('retainUntil');
  });

  it('stores the user and the phone number it was given', () => {
    const active = user('active');

    const { next } = planSend(record(), active, T0, LIMITS);

    expect(next.user).toBe(active);
    expect(next.phoneNumber).toBe(PHONE);
  });
});

describe('pendingCodeAt', () => {
  const code = { step: STEP_AT_T0, expiresAt: T0 + 301, consumed: false };

  it('returns the code one second before it expires', () => {
    expect(pendingCodeAt(record({ code }), T0 + 300)).toEqual(code);
  });

  it('returns nothing at exactly expiresAt', () => {
    expect(pendingCodeAt(record({ code }), T0 + 301)).toBeUndefined();
  });

  it('returns nothing for a consumed code', () => {
    expect(pendingCodeAt(record({ code: { ...code, consumed: true } }), T0)).toBeUndefined();
  });

  it('returns nothing when no code was sent', () => {
    expect(pendingCodeAt(record(), T0)).toBeUndefined();
  });
});

describe('the number changes the user asked for (pendingChanges)', () => {
  const limits = LIMITS;
  const T = 1_800_000_000;
  const user: UserAccount = { userId: 'u', totpSecret: 'S', status: 'active', createdAt: 0 };
  const pendingChanges = [{ phoneNumber: '+919876543211', requestedAt: T - 10 }];
  const withChanges = { ...emptyRecord('+919876543210'), user, pendingChanges };

  it('survive a login send on the user own number, and are never set by a change send', () => {
    expect(planSend(withChanges, user, T, limits).next.pendingChanges).toEqual(pendingChanges);
    expect(planSend(emptyRecord('+919876543210'), user, T, limits).next).not.toHaveProperty('pendingChanges');
    expect(planNumberChangeSend(withChanges, { userId: 'u2', secret: 'X' }, T, limits).next).not.toHaveProperty(
      'pendingChanges',
    );
  });

  it('gain each change that will be sent (once per number), and are dropped by the vacated record', () => {
    expect(planCallerCharge(withChanges, T, limits, '+919876543212').pendingChanges).toEqual([
      ...pendingChanges,
      { phoneNumber: '+919876543212', requestedAt: T },
    ]);
    expect(planCallerCharge(withChanges, T, limits, '+919876543211').pendingChanges).toEqual([
      { phoneNumber: '+919876543211', requestedAt: T },
    ]);
    expect(planCallerCharge(withChanges, T, limits).pendingChanges).toEqual(pendingChanges);
    expect(planCallerCharge(emptyRecord('+919876543210'), T, limits)).not.toHaveProperty('pendingChanges');
    expect(planVacatedRecord(withChanges, T, limits, { kind: 'deleted', by: 'user' })).not.toHaveProperty(
      'pendingChanges',
    );
  });

  it('name as stale, and then forget, only changes whose code has certainly expired', () => {
    const expiry = limits.otpTtlSeconds + REQUEST_MAX_SECONDS;
    const record = {
      ...withChanges,
      pendingChanges: [
        { phoneNumber: '+919876543211', requestedAt: T - expiry - 1 },
        { phoneNumber: '+919876543212', requestedAt: T - expiry },
      ],
    };
    expect(staleChangeTargets(record, T, limits)).toEqual(['+919876543211']);
    expect(planCallerCharge(record, T, limits).pendingChanges).toEqual([
      { phoneNumber: '+919876543212', requestedAt: T - expiry },
    ]);
  });

  it('follow the user to the number it moves to, less that number', () => {
    const both = [...pendingChanges, { phoneNumber: '+919876543212', requestedAt: T - 5 }];
    const moved = planMovedRecord(emptyRecord('+919876543211'), user, T, 'NEW', '+919876543210', both);
    expect(moved.pendingChanges).toEqual([{ phoneNumber: '+919876543212', requestedAt: T - 5 }]);
    expect(
      planMovedRecord(emptyRecord('+919876543211'), user, T, 'NEW', '+919876543210', pendingChanges),
    ).not.toHaveProperty('pendingChanges');
  });
});
