import { randomUUID } from 'node:crypto';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import {
  checkHolder,
  consumeChallenge,
  DynamoDbChallengeIssuer,
  DynamoDbPasskeyReader,
  failedParts,
  passkeyEntry,
  passkeysKeyOf,
} from '../../lambdas/adapters/dynamodb-passkey-items.js';
import { phoneKeyOf } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import type { StoredPasskey } from '../../lambdas/core/passkeys.js';
import { createTestTable } from '../helpers/dynamodb.js';

const NOW = 1_800_000_000;
let documents: ReturnType<typeof createDocumentClient>;
let tableName: string;

beforeAll(async () => {
  const table = await createTestTable();
  documents = createDocumentClient(table.client);
  tableName = table.tableName;
});

/** Runs a transaction of `parts`; the positions of the parts whose condition failed, [] when it committed. */
async function transact(...parts: object[]): Promise<number[]> {
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: parts as never }));
    return [];
  } catch (error) {
    const failed = failedParts(error);
    if (failed === undefined) throw error;
    return failed;
  }
}

const challenges = () => new DynamoDbChallengeIssuer(documents, tableName);

describe('passkey challenges', () => {
  it('are spent once: of 8 concurrent transactions spending one, exactly one commits', async () => {
    const challenge = randomUUID();
    await challenges().issue(challenge, { ceremony: 'authentication', expiresAt: NOW + 300 });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        transact(consumeChallenge(tableName, challenge, { ceremony: 'authentication', now: NOW })),
      ),
    );
    expect(outcomes.filter((failed) => failed.length === 0)).toHaveLength(1);
    expect(outcomes.filter((failed) => failed.length === 1 && failed[0] === 0)).toHaveLength(7);
  });

  it('never serve another ceremony: a registration challenge signs nobody in', async () => {
    const challenge = randomUUID();
    await challenges().issue(challenge, { ceremony: 'registration', expiresAt: NOW + 300, userId: 'u1' });
    expect(await transact(consumeChallenge(tableName, challenge, { ceremony: 'authentication', now: NOW }))).toEqual([
      0,
    ]);
    // Still there for its own ceremony and user, and only for them.
    expect(
      await transact(consumeChallenge(tableName, challenge, { ceremony: 'registration', now: NOW, userId: 'u2' })),
    ).toEqual([0]);
    expect(
      await transact(consumeChallenge(tableName, challenge, { ceremony: 'registration', now: NOW, userId: 'u1' })),
    ).toEqual([]);
  });

  it('expire at expiresAt, whether or not TTL has deleted them', async () => {
    const challenge = randomUUID();
    await challenges().issue(challenge, { ceremony: 'authentication', expiresAt: NOW + 300 });
    expect(
      await transact(consumeChallenge(tableName, challenge, { ceremony: 'authentication', now: NOW + 300 })),
    ).toEqual([0]);
    expect(
      await transact(consumeChallenge(tableName, challenge, { ceremony: 'authentication', now: NOW + 299 })),
    ).toEqual([]);
  });

  it('are never written twice', async () => {
    const challenge = randomUUID();
    await challenges().issue(challenge, { ceremony: 'authentication', expiresAt: NOW + 300 });
    await expect(challenges().issue(challenge, { ceremony: 'authentication', expiresAt: NOW + 600 })).rejects.toThrow(
      /conditional request failed/i,
    );
  });
});

describe('checkHolder', () => {
  async function holder(item: Record<string, unknown>): Promise<string> {
    const phoneNumber = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await documents.send(new PutCommand({ TableName: tableName, Item: { ...phoneKeyOf(phoneNumber), ...item } }));
    return phoneNumber;
  }

  it('passes for the active holder at the epoch seen, absent epoch as 0', async () => {
    const absent = await holder({ userId: 'u', status: 'active' });
    expect(await transact(checkHolder(tableName, absent, { userId: 'u', sessionEpoch: 0 }))).toEqual([]);
    const second = await holder({ userId: 'u', status: 'active', sessionEpoch: 2 });
    expect(await transact(checkHolder(tableName, second, { userId: 'u', sessionEpoch: 2 }))).toEqual([]);
  });

  it.each([
    ['another user', { userId: 'other', status: 'active' }, 0],
    ['a user not active', { userId: 'u', status: 'pending' }, 0],
    ['a later session epoch', { userId: 'u', status: 'active', sessionEpoch: 1 }, 0],
    ['an epoch that went away', { userId: 'u', status: 'active' }, 1],
  ])('fails for %s', async (_case, item, sessionEpoch) => {
    const phoneNumber = await holder(item);
    expect(await transact(checkHolder(tableName, phoneNumber, { userId: 'u', sessionEpoch }))).toEqual([0]);
  });
});

describe('DynamoDbPasskeyReader', () => {
  const passkey = (id: string, createdAt: number): StoredPasskey => ({
    id,
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
    transports: ['internal', 'hybrid'],
    backedUp: true,
    deviceType: 'multiDevice',
    name: `key ${id}`,
    createdAt,
    aaguid: '00000000-0000-0000-0000-000000000000',
  });

  it('reads what was written, oldest first', async () => {
    const userId = randomUUID();
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...passkeysKeyOf(userId),
          userId,
          phoneNumber: '+919876543210',
          passkeys: { b: passkeyEntry(passkey('b', NOW + 1)), a: passkeyEntry(passkey('a', NOW)) },
        },
      }),
    );
    expect(await new DynamoDbPasskeyReader(documents, tableName).passkeysOf(userId)).toEqual({
      userId,
      phoneNumber: '+919876543210',
      passkeys: [passkey('a', NOW), passkey('b', NOW + 1)],
    });
  });

  it('reads an item the number change made before any enrolment as no passkeys, and no item as undefined', async () => {
    const userId = randomUUID();
    const reader = new DynamoDbPasskeyReader(documents, tableName);
    expect(await reader.passkeysOf(userId)).toBeUndefined();
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...passkeysKeyOf(userId), userId, phoneNumber: '+919876543210' },
      }),
    );
    expect(await reader.passkeysOf(userId)).toEqual({ userId, phoneNumber: '+919876543210', passkeys: [] });
  });
});
