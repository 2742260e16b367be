import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbAccountDeletionRecords,
  WITHHELD_SECRET,
} from '../../lambdas/adapters/dynamodb-account-deletion-records.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore, phoneKeyOf } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DELETION_ATTRIBUTES } from '../../lambdas/adapters/table-keys.js';
import { type PhoneRecord, planVacatedRecord } from '../../lambdas/core/phone-record.js';
import { createTestTable } from '../helpers/dynamodb.js';
import { TEST_SEND_LIMITS } from '../helpers/fixtures.js';

const now = Math.floor(Date.now() / 1000);
let seq = 0;
const nextPhone = () => `+9198764${String(10_000 + ++seq).padStart(5, '0')}`;
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** An active user's record with everything a record can hold: a code, a change it asked for, a change to it. */
function fullRecord(phoneNumber: string): PhoneRecord {
  return {
    phoneNumber,
    user: {
      userId: `user-${phoneNumber}`,
      totpSecret: SECRET,
      status: 'active',
      createdAt: now - 50,
      verifiedAt: now - 40,
      sessionEpoch: 3,
    },
    code: { step: 100, expiresAt: now + 300, consumed: true },
    change: { userId: 'someone-else', secret: 'CHANGESECRETCHANGESECRET' },
    pendingChanges: [{ phoneNumber: '+919876500001', requestedAt: now - 20 }],
    lastStep: 100,
    failedAttempts: 2,
    lastFailedAt: now - 10,
    sendTimes: [now - 30],
  };
}

describe('DynamoDbAccountDeletionRecords', () => {
  let full: DynamoDbPhoneRecordStore;
  let deletion: DynamoDbAccountDeletionRecords;
  let raw: (phoneNumber: string) => Promise<Record<string, unknown> | undefined>;
  const sent: unknown[] = [];

  beforeAll(async () => {
    const table = await createTestTable();
    const documents = createDocumentClient(table.client);
    full = new DynamoDbPhoneRecordStore(documents, table.tableName);
    // What the function receives from DynamoDB, as it comes over the wire.
    const watched = createDocumentClient(table.client);
    watched.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        sent.push((result.output as { Item?: unknown }).Item);
        return result;
      },
      { step: 'initialize', name: 'captureItems' },
    );
    deletion = new DynamoDbAccountDeletionRecords(watched, table.tableName);
    raw = async (phoneNumber) =>
      (await documents.send(new GetCommand({ TableName: table.tableName, Key: phoneKeyOf(phoneNumber) }))).Item;
  });

  it('reads the holder, version, counters and pending change, and receives none of the secrets or the code', async () => {
    const phone = nextPhone();
    expect(await full.save(fullRecord(phone), 0)).toBe(true);
    sent.length = 0;

    const { record, version } = await deletion.get(phone, now);

    expect(version).toBe(1);
    expect(record).toEqual({
      phoneNumber: phone,
      user: { userId: `user-${phone}`, totpSecret: WITHHELD_SECRET, status: 'active', createdAt: 0, sessionEpoch: 3 },
      pendingChanges: [{ phoneNumber: '+919876500001', requestedAt: now - 20 }],
      lastStep: 100,
      failedAttempts: 2,
      lastFailedAt: now - 10,
      sendTimes: [now - 30],
    });
    expect(sent).toHaveLength(1);
    expect(Object.keys(sent[0] as object).sort()).toEqual(
      [...DELETION_ATTRIBUTES].filter((name) => name !== 'ttl').sort(),
    );
    expect(JSON.stringify(sent)).not.toContain(SECRET);
    expect(JSON.stringify(sent)).not.toContain('CHANGESECRET');
  });

  it('vacates the record with one write conditioned on the version read: no secret, code or change is left', async () => {
    const phone = nextPhone();
    await full.save(fullRecord(phone), 0);
    const { record, version } = await deletion.get(phone, now);

    expect(
      await deletion.save(planVacatedRecord(record, now, TEST_SEND_LIMITS, { kind: 'deleted', by: 'user' }), version),
    ).toBe(true);
    expect(
      await deletion.save(planVacatedRecord(record, now, TEST_SEND_LIMITS, { kind: 'deleted', by: 'user' }), version),
    ).toBe(false);

    const item = await raw(phone);
    expect(item).toMatchObject({ version: 2, failedAttempts: 2, lastStep: 100, sendTimes: [now - 30] });
    for (const gone of ['userId', 'totpSecret', 'changeSecret', 'changeUserId', 'changeTo', 'otpStep', 'status']) {
      expect(item, gone).not.toHaveProperty(gone);
    }
  });

  it('refuses to save a record that has a user: it would write the placeholder as the secret', async () => {
    const phone = nextPhone();
    await full.save(fullRecord(phone), 0);
    const { record, version } = await deletion.get(phone, now);

    await expect(deletion.save(record, version)).rejects.toThrow(/can only save a record without a user/);
    expect((await raw(phone))?.totpSecret).toBe(SECRET);
  });

  it('reads a missing record as empty at version 0, and one past its retention as empty at its version', async () => {
    const missing = nextPhone();
    expect(await deletion.get(missing, now)).toEqual({
      record: { phoneNumber: missing, failedAttempts: 0, sendTimes: [] },
      version: 0,
    });

    const expired = nextPhone();
    await full.save({ phoneNumber: expired, failedAttempts: 1, sendTimes: [], retainUntil: now - 1 }, 0);
    expect(await deletion.get(expired, now)).toEqual({
      record: { phoneNumber: expired, failedAttempts: 0, sendTimes: [] },
      version: 1,
      stale: true,
    });
  });
});
