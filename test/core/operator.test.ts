import { describe, expect, it } from 'vitest';
import {
  countLiveSessions,
  isLiveSession,
  planUnlock,
  summarizeNumber,
  summarizePasskeys,
} from '../../lambdas/core/operator.js';
import type { StoredPasskey } from '../../lambdas/core/passkeys.js';
import { emptyRecord, lockState, type PhoneRecord, type SendLimits } from '../../lambdas/core/phone-record.js';
import type { RefreshFamily } from '../../lambdas/core/ports.js';
import { MAX_FAMILY_GENERATION } from '../../lambdas/core/sessions.js';
import { TEST_SEND_LIMITS } from '../helpers/fixtures.js';

const HOUR = 3600;
const DAY = 86_400;
const NOW = 1_800_000_000;
const PHONE = '+919876543210';

const LIMITS: SendLimits = TEST_SEND_LIMITS;

const USER = {
  userId: 'user-1',
  totpSecret: 'SECRETSECRETSECRET',
  status: 'active' as const,
  createdAt: NOW - 10 * DAY,
  verifiedAt: NOW - 9 * DAY,
  sessionEpoch: 2,
};

function record(fields: Partial<PhoneRecord> = {}): PhoneRecord {
  return { ...emptyRecord(PHONE), user: USER, ...fields };
}

function family(fields: Partial<RefreshFamily> = {}): RefreshFamily {
  return {
    familyId: 'fam-1',
    userId: USER.userId,
    phoneNumber: PHONE,
    familyExpiresAt: NOW + DAY,
    createdAt: NOW - HOUR,
    headHash: 'head',
    generation: 3,
    sessionEpoch: 2,
    ...fields,
  };
}

describe('summarizeNumber', () => {
  it('shows an active user with its times, no lockout and its live sessions', () => {
    const summary = summarizeNumber(record(), NOW, LIMITS, 2);
    expect(summary).toEqual({
      phoneNumber: PHONE,
      status: 'active',
      userId: 'user-1',
      createdAt: NOW - 10 * DAY,
      verifiedAt: NOW - 9 * DAY,
      locked: false,
      failedAttempts: 0,
      maxAttempts: 5,
      sendsLastHour: 0,
      sendsLastDay: 0,
      numberChangePending: false,
      liveSessions: 2,
    });
  });

  it('never carries the TOTP secret or the code step', () => {
    const summary = summarizeNumber(
      record({ code: { step: 123456, expiresAt: NOW + 100, consumed: false }, lastStep: 123456 }),
      NOW,
      LIMITS,
      0,
    );
    const text = JSON.stringify(summary);
    expect(text).not.toContain('SECRETSECRETSECRET');
    expect(text).not.toContain('123456');
    expect(summary.codeExpiresAt).toBe(NOW + 100);
  });

  it('says none for a record without a user, keeping its counters', () => {
    const summary = summarizeNumber(
      { ...emptyRecord(PHONE), sendTimes: [NOW - 10], failedAttempts: 2, lastFailedAt: NOW - 5 },
      NOW,
      LIMITS,
      0,
    );
    expect(summary.status).toBe('none');
    expect(summary.userId).toBeUndefined();
    expect(summary.createdAt).toBeUndefined();
    expect(summary.sendsLastDay).toBe(1);
    expect(summary.failedAttempts).toBe(2);
  });

  it('shows a pending user without a verified time', () => {
    const { verifiedAt: _v, ...pending } = USER;
    const summary = summarizeNumber(record({ user: { ...pending, status: 'pending' } }), NOW, LIMITS, 0);
    expect(summary.status).toBe('pending');
    expect(summary.verifiedAt).toBeUndefined();
  });

  it('shows a lockout ending when the latest wrong code ages out', () => {
    const locked = record({ failedAttempts: 5, lastFailedAt: NOW - 100 });
    const summary = summarizeNumber(locked, NOW, LIMITS, 0);
    expect(summary.locked).toBe(true);
    expect(summary.lockedUntil).toBe(NOW - 100 + 900);
    expect(summary.failedAttempts).toBe(5);
  });

  it('counts wrong codes only while they still count, and then shows no lockout', () => {
    const aged = record({ failedAttempts: 5, lastFailedAt: NOW - 900 });
    const summary = summarizeNumber(aged, NOW, LIMITS, 0);
    expect(summary.locked).toBe(false);
    expect(summary.lockedUntil).toBeUndefined();
    expect(summary.failedAttempts).toBe(0);

    const live = summarizeNumber(record({ failedAttempts: 3, lastFailedAt: NOW - 899 }), NOW, LIMITS, 0);
    expect(live.locked).toBe(false);
    expect(live.failedAttempts).toBe(3);
  });

  it('counts the sends of the last hour and of the last day apart', () => {
    const sends = [NOW - DAY, NOW - DAY + 1, NOW - HOUR, NOW - HOUR + 1, NOW - 10];
    const summary = summarizeNumber(record({ sendTimes: sends }), NOW, LIMITS, 0);
    expect(summary.sendsLastDay).toBe(4);
    expect(summary.sendsLastHour).toBe(2);
  });

  it('reports a usable code only, and whether it is a number change', () => {
    const expired = summarizeNumber(record({ code: { step: 1, expiresAt: NOW, consumed: false } }), NOW, LIMITS, 0);
    expect(expired.codeExpiresAt).toBeUndefined();
    const consumed = summarizeNumber(
      record({ code: { step: 1, expiresAt: NOW + 60, consumed: true } }),
      NOW,
      LIMITS,
      0,
    );
    expect(consumed.codeExpiresAt).toBeUndefined();
    const change = summarizeNumber(
      {
        ...emptyRecord(PHONE),
        code: { step: 1, expiresAt: NOW + 60, consumed: false },
        change: { userId: 'user-2', secret: 'CHANGESECRET' },
      },
      NOW,
      LIMITS,
      0,
    );
    expect(change.numberChangePending).toBe(true);
    expect(change.codeExpiresAt).toBe(NOW + 60);
    expect(JSON.stringify(change)).not.toContain('CHANGESECRET');
  });
});

describe('isLiveSession', () => {
  it('is live for an unexpired, unrevoked family of the holder at its epoch', () => {
    expect(isLiveSession(record(), family(), NOW)).toBe(true);
  });

  it('is not live once the user signed out everywhere (the epoch moved on)', () => {
    expect(isLiveSession(record({ user: { ...USER, sessionEpoch: 3 } }), family(), NOW)).toBe(false);
  });

  it('treats an absent epoch as 0 on both sides', () => {
    const { sessionEpoch: _e, ...noEpoch } = USER;
    const { sessionEpoch: _f, ...familyWithoutEpoch } = family();
    expect(isLiveSession(record({ user: noEpoch }), familyWithoutEpoch, NOW)).toBe(true);
  });

  it('is not live when revoked, expired, missing or out of rotations', () => {
    expect(isLiveSession(record(), family({ revokedAt: NOW - 1 }), NOW)).toBe(false);
    expect(isLiveSession(record(), family({ familyExpiresAt: NOW }), NOW)).toBe(false);
    expect(isLiveSession(record(), undefined, NOW)).toBe(false);
    expect(isLiveSession(record(), family({ generation: MAX_FAMILY_GENERATION }), NOW)).toBe(false);
    expect(isLiveSession(record(), family({ generation: MAX_FAMILY_GENERATION - 1 }), NOW)).toBe(true);
  });

  it('is not live for a family issued for another number (before a move) or another user', () => {
    expect(isLiveSession(record(), family({ phoneNumber: '+12015550123' }), NOW)).toBe(false);
    expect(isLiveSession(record(), family({ userId: 'user-2' }), NOW)).toBe(false);
  });

  it('is not live when the number has no active user', () => {
    expect(isLiveSession({ ...emptyRecord(PHONE) }, family(), NOW)).toBe(false);
    expect(isLiveSession(record({ user: { ...USER, status: 'pending' } }), family(), NOW)).toBe(false);
  });
});

describe('countLiveSessions', () => {
  it('counts only the live ones among what the index listed', () => {
    const families = [
      family({ familyId: 'a' }),
      family({ familyId: 'b', revokedAt: NOW - 5 }),
      undefined,
      family({ familyId: 'c', sessionEpoch: 1 }),
      family({ familyId: 'd' }),
    ];
    expect(countLiveSessions(record(), families, NOW)).toBe(2);
    expect(countLiveSessions(record(), [], NOW)).toBe(0);
  });
});

describe('planUnlock', () => {
  it('clears the wrong-code count and its age, which lifts the lockout', () => {
    const locked = record({ failedAttempts: 5, lastFailedAt: NOW - 10, sendTimes: [NOW - 20], lastStep: 7 });
    expect(lockState(locked, NOW, LIMITS).locked).toBe(true);
    const next = planUnlock(locked);
    expect(next).toBeDefined();
    expect(next?.failedAttempts).toBe(0);
    expect(next).not.toHaveProperty('lastFailedAt');
    expect(lockState(next as PhoneRecord, NOW, LIMITS)).toEqual({ locked: false, failedAttempts: 0 });
  });

  it('keeps everything else: user, sends, code, last step and retention', () => {
    const before = record({
      failedAttempts: 2,
      lastFailedAt: NOW - 10,
      sendTimes: [NOW - 20, NOW - 10],
      code: { step: 9, expiresAt: NOW + 100, consumed: false },
      lastStep: 9,
      retainUntil: NOW + DAY,
    });
    const { failedAttempts: _a, lastFailedAt: _b, ...kept } = before;
    const { failedAttempts: _c, ...after } = planUnlock(before) as PhoneRecord;
    expect(after).toEqual(kept);
  });

  it('has nothing to do when no wrong code was ever counted', () => {
    expect(planUnlock(record())).toBeUndefined();
  });

  it('still clears an aged count (its stamp alone is worth removing)', () => {
    expect(planUnlock(record({ failedAttempts: 0, lastFailedAt: NOW - DAY }))?.lastFailedAt).toBeUndefined();
    expect(planUnlock(record({ failedAttempts: 0, lastFailedAt: NOW - DAY }))).toBeDefined();
  });
});

describe('summarizePasskeys', () => {
  const passkey = (fields: Partial<StoredPasskey> & { id: string }): StoredPasskey => ({
    publicKey: 'PUBLIC-KEY',
    counter: 9,
    transports: ['internal'],
    backedUp: true,
    deviceType: 'multiDevice',
    name: 'Passkey',
    createdAt: NOW,
    aaguid: 'AAGUID',
    ...fields,
  });

  it('lists id, name, created, last used and backed up, oldest first (then by id); never the key or the counter', () => {
    const summaries = summarizePasskeys([
      passkey({ id: 'c', createdAt: NOW + 10, lastUsedAt: NOW + 20, name: 'Phone' }),
      passkey({ id: 'b', backedUp: false, name: 'Key' }),
      passkey({ id: 'a', name: 'Laptop' }),
    ]);
    expect(summaries).toEqual([
      { id: 'a', name: 'Laptop', createdAt: NOW, backedUp: true },
      { id: 'b', name: 'Key', createdAt: NOW, backedUp: false },
      { id: 'c', name: 'Phone', createdAt: NOW + 10, lastUsedAt: NOW + 20, backedUp: true },
    ]);
    expect(JSON.stringify(summaries)).not.toMatch(/PUBLIC-KEY|AAGUID|counter|internal/);
  });

  it('lists nothing for a user without passkeys', () => {
    expect(summarizePasskeys([])).toEqual([]);
  });
});
