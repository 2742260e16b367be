import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbIpRateLimiter } from '../../lambdas/adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbRefreshFamilyStore } from '../../lambdas/adapters/dynamodb-refresh-family-store.js';
import type { PhoneRecord } from '../../lambdas/core/phone-record.js';
import type { RefreshFamily } from '../../lambdas/core/ports.js';
import { createTestTable } from '../helpers/dynamodb.js';

const now = Math.floor(Date.now() / 1000);
let seq = 0;
const nextPhone = () => `+9198765${String(10_000 + ++seq).padStart(5, '0')}`;

function pendingRecord(phoneNumber: string, step = 100): PhoneRecord {
  return {
    phoneNumber,
    user: {
      userId: `user-${phoneNumber}`,
      totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      status: 'pending',
      createdAt: now,
    },
    code: { step, expiresAt: now + 300, consumed: false },
    lastStep: step,
    failedAttempts: 0,
    sendTimes: [now],
    retainUntil: now + 86_400,
  };
}

/** A wrong guess against a live count (or the first one, with `restart`), with a 900 s lockout. */
const guess = (at: number, fields: { restart?: boolean; retainUntil?: number } = {}) => ({
  now: at,
  maxAttempts: 5,
  lockoutSeconds: 900,
  restart: false,
  ...fields,
});

let records: DynamoDbPhoneRecordStore;
let limiter: DynamoDbIpRateLimiter;
let families: DynamoDbRefreshFamilyStore;
let documents: ReturnType<typeof createDocumentClient>;
let tableName: string;

beforeAll(async () => {
  const table = await createTestTable();
  documents = createDocumentClient(table.client);
  tableName = table.tableName;
  records = new DynamoDbPhoneRecordStore(documents, table.tableName);
  limiter = new DynamoDbIpRateLimiter(documents, table.tableName);
  families = new DynamoDbRefreshFamilyStore(documents, table.tableName);
});

describe('DynamoDbPhoneRecordStore', () => {
  it('reads an unknown number as an empty record at version 0', async () => {
    const phone = nextPhone();
    expect(await records.get(phone, now)).toEqual({
      record: { phoneNumber: phone, failedAttempts: 0, sendTimes: [] },
      version: 0,
    });
  });

  it('round-trips a record and refuses a write based on a stale version', async () => {
    const phone = nextPhone();
    expect(await records.save(pendingRecord(phone), 0)).toBe(true);
    expect(await records.save(pendingRecord(phone), 0)).toBe(false);

    const { record, version } = await records.get(phone, now);
    expect(record).toEqual(pendingRecord(phone));
    expect(version).toBe(1);
    expect(await records.save({ ...record, failedAttempts: 0 }, version)).toBe(true);
    expect(await records.save({ ...record, failedAttempts: 0 }, version)).toBe(false);
  });

  it('counts exactly maxAttempts of 30 concurrent wrong guesses', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone), failedAttempts: 1, lastFailedAt: now }, 0);

    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => records.recordFailedAttempt(phone, guess(now))),
    );

    expect(outcomes.filter((o) => o.outcome === 'counted')).toHaveLength(4);
    expect((await records.get(phone, now)).record.failedAttempts).toBe(5);
  });

  it('makes a whole-record write that read before a counted attempt fail, so a send cannot undo a guess', async () => {
    const phone = nextPhone();
    await records.save(pendingRecord(phone), 0);
    const { record, version } = await records.get(phone, now);

    await records.recordFailedAttempt(phone, guess(now, { restart: true }));

    expect(await records.save(record, version)).toBe(false);
    expect((await records.get(phone, now)).record.failedAttempts).toBe(1);
  });

  it('counts guesses for an unknown number in a record without a user that expires', async () => {
    const phone = nextPhone();
    await records.recordFailedAttempt(phone, guess(now, { restart: true, retainUntil: now + 1000 }));

    const { record } = await records.get(phone, now);
    expect(record).toMatchObject({ phoneNumber: phone, failedAttempts: 1, retainUntil: now + 1000 });
    expect(record.user).toBeUndefined();
  });

  it('stamps lastFailedAt with each counted failure: the lockout needs no second write', async () => {
    const phone = nextPhone();
    await records.save(pendingRecord(phone), 0);

    await records.recordFailedAttempt(phone, guess(now - 5, { restart: true }));
    await records.recordFailedAttempt(phone, guess(now));

    expect((await records.get(phone, now)).record).toMatchObject({ failedAttempts: 2, lastFailedAt: now });
  });

  it('restarts an aged count only for the first of concurrent writers; the others are refused', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone), failedAttempts: 5, lastFailedAt: now - 900 }, 0);

    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => records.recordFailedAttempt(phone, guess(now, { restart: true }))),
    );

    expect(outcomes.filter((o) => o.outcome === 'counted')).toEqual([{ outcome: 'counted', failedAttempts: 1 }]);
    expect(outcomes.filter((o) => o.outcome === 'refused')).toHaveLength(4);
    expect((await records.get(phone, now)).record).toMatchObject({ failedAttempts: 1, lastFailedAt: now });
  });

  it('never adds to a count that has aged out, even one under the budget: it must restart', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone), failedAttempts: 4, lastFailedAt: now - 900 }, 0);

    expect(await records.recordFailedAttempt(phone, guess(now))).toEqual({ outcome: 'refused' });
    expect(await records.recordFailedAttempt(phone, guess(now - 1))).toEqual({ outcome: 'counted', failedAttempts: 5 });
  });

  it('never restarts a count that is still live, even one under the budget', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone), failedAttempts: 4, lastFailedAt: now - 899 }, 0);

    expect(await records.recordFailedAttempt(phone, guess(now, { restart: true }))).toEqual({ outcome: 'refused' });
    expect((await records.get(phone, now)).record.failedAttempts).toBe(4);
  });

  it('lets exactly one of 20 concurrent consumes of a code succeed, and activates the user', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone, 7), failedAttempts: 2 }, 0);

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        records.consumeCode(phone, { step: 7, now, maxAttempts: 5, lockoutSeconds: 900 }),
      ),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
    const { record } = await records.get(phone, now);
    expect(record.user?.status).toBe('active');
    expect(record.code?.consumed).toBe(true);
    expect(record.failedAttempts).toBe(0);
    expect(record.lastFailedAt).toBeUndefined();
    expect(record.retainUntil).toBeUndefined();
  });

  it('refuses to consume an expired code, another step, or a code of a locked number', async () => {
    const lockout = { maxAttempts: 5, lockoutSeconds: 900 };
    const expired = nextPhone();
    await records.save(pendingRecord(expired), 0);
    expect(await records.consumeCode(expired, { step: 100, now: now + 300, ...lockout })).toBe(false);
    expect(await records.consumeCode(expired, { step: 99, now, ...lockout })).toBe(false);

    const locked = nextPhone();
    await records.save({ ...pendingRecord(locked), failedAttempts: 5, lastFailedAt: now - 60 }, 0);
    expect(await records.consumeCode(locked, { step: 100, now, ...lockout })).toBe(false);
    expect(await records.consumeCode(locked, { step: 100, now: now - 60 + 900, ...lockout })).toBe(false);
  });

  it('consumes the code once the lockout after the last failure has ended', async () => {
    const phone = nextPhone();
    await records.save({ ...pendingRecord(phone), failedAttempts: 5, lastFailedAt: now - 900 }, 0);

    expect(await records.consumeCode(phone, { step: 100, now, maxAttempts: 5, lockoutSeconds: 900 })).toBe(true);
  });

  it('cancels and extends only the code at the given step', async () => {
    const phone = nextPhone();
    await records.save(pendingRecord(phone, 50), 0);
    await records.extendCode(phone, 49, now + 9999);
    await records.extendCode(phone, 50, now + 400);
    await records.cancelCode(phone, 49);
    expect((await records.get(phone, now)).record.code).toEqual({ step: 50, expiresAt: now + 400, consumed: false });

    await records.cancelCode(phone, 50);
    expect((await records.get(phone, now)).record.code?.consumed).toBe(true);
  });

  it('treats a record past its retention as gone but stale, and keeps guarding writes with its version', async () => {
    const phone = nextPhone();
    await records.save(pendingRecord(phone), 0);
    const later = now + 86_400 + 1;

    const { record, version, stale } = await records.get(phone, later);
    expect(record.user).toBeUndefined();
    expect(version).toBe(1);
    expect(stale).toBe(true);
    expect((await records.get(phone, now)).stale).toBeUndefined();
    expect(await records.save(pendingRecord(phone), 0)).toBe(false);
    expect(await records.save(pendingRecord(phone), version)).toBe(true);
  });
});

describe('DynamoDbIpRateLimiter', () => {
  it('admits exactly the limit of 20 concurrent sends from one IP within an hour', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.tryConsume('192.0.2.1', now, 5)));
    expect(results.filter(Boolean)).toHaveLength(5);
  });

  it('opens a fresh window the next hour and counts other IPs separately', async () => {
    const hourStart = now - (now % 3600);
    expect(await limiter.tryConsume('192.0.2.2', hourStart, 1)).toBe(true);
    expect(await limiter.tryConsume('192.0.2.2', hourStart + 3599, 1)).toBe(false);
    expect(await limiter.tryConsume('192.0.2.3', hourStart, 1)).toBe(true);
    expect(await limiter.tryConsume('192.0.2.2', hourStart + 3600, 1)).toBe(true);
  });

  it('keeps the send window at IP#<ip> / SEND#<hour> and the passkey window apart at PASSKEY#<hour>', async () => {
    const hourStart = now - (now % 3600);
    const passkeys = new DynamoDbIpRateLimiter(documents, tableName, 'PASSKEY');
    expect(await limiter.tryConsume('192.0.2.4', hourStart, 1)).toBe(true);
    // A spent send window leaves the passkey window untouched, and the other way round.
    expect(await passkeys.tryConsume('192.0.2.4', hourStart, 2)).toBe(true);
    expect(await passkeys.tryConsume('192.0.2.4', hourStart, 2)).toBe(true);
    expect(await passkeys.tryConsume('192.0.2.4', hourStart, 2)).toBe(false);
    expect(await limiter.tryConsume('192.0.2.4', hourStart, 2)).toBe(true);
    const count = async (sk: string) =>
      (await documents.send(new GetCommand({ TableName: tableName, Key: { pk: 'IP#192.0.2.4', sk } }))).Item?.count;
    expect(await count(`SEND#${hourStart}`)).toBe(2);
    expect(await count(`PASSKEY#${hourStart}`)).toBe(2);
    await passkeys.refund('192.0.2.4', hourStart + 10);
    expect(await count(`PASSKEY#${hourStart}`)).toBe(1);
    expect(await count(`SEND#${hourStart}`)).toBe(2);
  });
});

describe('DynamoDbRefreshFamilyStore', () => {
  let seq = 0;
  const family = (fields: Partial<RefreshFamily> = {}): RefreshFamily => ({
    familyId: `family-${++seq}`,
    userId: 'u1',
    phoneNumber: '+919876543210',
    familyExpiresAt: now + 3600,
    createdAt: now,
    headHash: 'h0',
    generation: 0,
    ...fields,
  });

  it('stores a family once and reads it back', async () => {
    const f = family();
    await families.create(f);
    await expect(families.create(f)).rejects.toThrow();
    expect(await families.get(f.familyId, now)).toEqual(f);
  });

  it("keeps the login's time and methods, and reads a family stored without them as without them", async () => {
    const withLogin = family({ authTime: now - 60, amr: ['sms'] });
    await families.create(withLogin);
    expect(await families.get(withLogin.familyId, now)).toEqual(withLogin);
    const older = family();
    await families.create(older);
    const read = await families.get(older.familyId, now);
    expect(read).not.toHaveProperty('amr');
    expect(read).not.toHaveProperty('authTime');
  });

  it('reads a family past its end as gone', async () => {
    const f = family();
    await families.create(f);
    expect(await families.get(f.familyId, now + 3600)).toBeUndefined();
  });

  it('rotates the head for exactly one of 10 concurrent refreshes of it', async () => {
    const f = family();
    await families.create(f);

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        families.rotate(f.familyId, {
          fromHash: 'h0',
          toHash: `h1-${i}`,
          at: now,
          maxGeneration: 100,
          userId: 'user-1',
        }),
      ),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await families.get(f.familyId, now);
    expect(stored).toMatchObject({ previousHash: 'h0', rotatedAt: now, generation: 1 });
    expect(stored?.headHash).toMatch(/^h1-\d$/);
    expect(
      await families.rotate(f.familyId, {
        fromHash: 'h0',
        toHash: 'h2',
        at: now,
        maxGeneration: 100,
        userId: 'user-1',
      }),
    ).toBe(false);
  });

  it('refuses to rotate a revoked family or one at its generation limit', async () => {
    const revoked = family();
    await families.create(revoked);
    expect(await families.revoke(revoked.familyId, now)).toBe(true);
    expect(
      await families.rotate(revoked.familyId, {
        fromHash: 'h0',
        toHash: 'h1',
        at: now,
        maxGeneration: 100,
        userId: 'user-1',
      }),
    ).toBe(false);

    const old = family({ generation: 100 });
    await families.create(old);
    expect(
      await families.rotate(old.familyId, {
        fromHash: 'h0',
        toHash: 'h1',
        at: now,
        maxGeneration: 100,
        userId: 'user-1',
      }),
    ).toBe(false);
  });

  it('revokes idempotently, keeping the first time, and answers false for an unknown family', async () => {
    const f = family();
    await families.create(f);

    expect(await families.revoke(f.familyId, now)).toBe(true);
    expect(await families.revoke(f.familyId, now + 50)).toBe(true);
    expect((await families.get(f.familyId, now))?.revokedAt).toBe(now);
    expect(await families.revoke('no-such-family', now)).toBe(false);
  });
});
