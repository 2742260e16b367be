import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore, phoneKeyOf, toRecord } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DELETION_ATTRIBUTES, HOLDER_ATTRIBUTES } from '../../lambdas/adapters/table-keys.js';
import { HOLDER_CHANGE_ATTRIBUTE } from '../../lambdas/core/account-events.js';
import type { PhoneRecord } from '../../lambdas/core/phone-record.js';
import { createTestTable } from '../helpers/dynamodb.js';

// The holder-change marker is written with the write it describes and never read back: a later
// whole-record write that changes no holder drops it, so no stale marker can describe another write.

const PHONE = '+919876543210';
const NOW = 1_796_000_000;
const user = { userId: 'user-1', totpSecret: 'SECRET', status: 'active', createdAt: NOW } as const;

let store: DynamoDbPhoneRecordStore;
let documents: ReturnType<typeof createDocumentClient>;
let tableName: string;
let stored: () => Promise<Record<string, unknown> | undefined>;

beforeAll(async () => {
  const table = await createTestTable();
  documents = createDocumentClient(table.client);
  tableName = table.tableName;
  store = new DynamoDbPhoneRecordStore(documents, table.tableName);
  stored = async () =>
    (await documents.send(new GetCommand({ TableName: table.tableName, Key: phoneKeyOf(PHONE), ConsistentRead: true })))
      .Item;
});

describe('the holder-change marker', () => {
  it('is written with the record, never read back, and gone after the next whole-record write', async () => {
    const created: PhoneRecord = {
      phoneNumber: PHONE,
      user,
      failedAttempts: 0,
      sendTimes: [],
      holderChange: { kind: 'created', by: 'operator' },
    };
    expect(await store.save(created, 0)).toBe(true);
    expect(await stored()).toMatchObject({ [HOLDER_CHANGE_ATTRIBUTE]: { kind: 'created', by: 'operator' } });

    const { record, version } = await store.get(PHONE, NOW);
    expect(record).not.toHaveProperty('holderChange');
    expect(
      toRecord({ ...phoneKeyOf(PHONE), version: 1, phoneNumber: PHONE, holderChange: { kind: 'deleted', by: 'user' } }),
    ).not.toHaveProperty('holderChange');

    expect(await store.save({ ...record, sendTimes: [NOW] }, version)).toBe(true);
    expect(await stored()).not.toHaveProperty(HOLDER_CHANGE_ATTRIBUTE);
  });

  it('names who ended the sessions in the epoch write, and a login activation removes any', async () => {
    const { version } = await store.get(PHONE, NOW);
    expect(await store.endSessions(PHONE, { userId: 'user-1', sessionEpoch: 0, by: 'operator' })).toBe(true);
    expect(await stored()).toMatchObject({
      sessionEpoch: 1,
      version: version + 1,
      [HOLDER_CHANGE_ATTRIBUTE]: { kind: 'sessions_revoked', by: 'operator' },
    });
    // A refused end of sessions writes no marker.
    expect(await store.endSessions(PHONE, { userId: 'user-1', sessionEpoch: 0, by: 'user' })).toBe(false);
    expect(await stored()).toMatchObject({ [HOLDER_CHANGE_ATTRIBUTE]: { by: 'operator' } });

    const current = await store.get(PHONE, NOW);
    const pending = { ...current.record, user: { ...user, status: 'pending' as const } };
    const withCode = { ...pending, code: { step: 100, expiresAt: NOW + 300, consumed: false } };
    expect(await store.save(withCode, current.version)).toBe(true);
    expect(await stored()).not.toHaveProperty(HOLDER_CHANGE_ATTRIBUTE);
    // A marker some other write left (none of ours does on a pending record) cannot describe the login.
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: phoneKeyOf(PHONE),
        UpdateExpression: 'SET #m = :m',
        ExpressionAttributeNames: { '#m': HOLDER_CHANGE_ATTRIBUTE },
        ExpressionAttributeValues: { ':m': { kind: 'created', by: 'operator' } },
      }),
    );
    expect(await store.consumeCode(PHONE, { step: 100, now: NOW, maxAttempts: 5, lockoutSeconds: 900 })).toBe(true);
    expect(await stored()).toMatchObject({ status: 'active' });
    expect(await stored()).not.toHaveProperty(HOLDER_CHANGE_ATTRIBUTE);
  });

  it('is never among the attributes an owner check or the account deletion reads', () => {
    expect(HOLDER_ATTRIBUTES).not.toContain(HOLDER_CHANGE_ATTRIBUTE);
    expect(DELETION_ATTRIBUTES).not.toContain(HOLDER_CHANGE_ATTRIBUTE);
  });
});
