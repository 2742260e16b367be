import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbChallengeIssuer, passkeyEntry, passkeysKeyOf } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import { DynamoDbPasskeySignIns } from '../../lambdas/adapters/dynamodb-passkey-sign-in.js';
import { phoneKeyOf } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { familyKeyOf } from '../../lambdas/adapters/dynamodb-refresh-family-store.js';
import type { RefreshFamily } from '../../lambdas/core/ports.js';
import { createTestTable } from '../helpers/dynamodb.js';

const NOW = 1_800_000_000;
let documents: ReturnType<typeof createDocumentClient>;
let tableName: string;

beforeAll(async () => {
  const table = await createTestTable();
  documents = createDocumentClient(table.client);
  tableName = table.tableName;
});

/** A user holding `phone` (session epoch `epoch`), with one passkey at `counter` and a fresh authentication challenge. */
async function arrange(args: { counter?: number; epoch?: number } = {}) {
  const userId = randomUUID();
  const phone = `+91987${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const credentialId = randomBytes(16).toString('base64url');
  const challenge = randomBytes(32).toString('base64url');
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...phoneKeyOf(phone),
        userId,
        status: 'active',
        ...(args.epoch ? { sessionEpoch: args.epoch } : {}),
      },
    }),
  );
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...passkeysKeyOf(userId),
        userId,
        phoneNumber: phone,
        passkeys: {
          [credentialId]: passkeyEntry({
            id: credentialId,
            publicKey: 'pk',
            counter: args.counter ?? 0,
            transports: ['internal'],
            backedUp: false,
            deviceType: 'multiDevice',
            name: 'Passkey',
            createdAt: NOW - 100,
            aaguid: '00000000-0000-0000-0000-000000000000',
          }),
        },
      },
    }),
  );
  await new DynamoDbChallengeIssuer(documents, tableName).issue(challenge, {
    ceremony: 'authentication',
    expiresAt: NOW + 300,
  });
  const family: RefreshFamily = {
    familyId: randomUUID(),
    userId,
    phoneNumber: phone,
    familyExpiresAt: NOW + 3600,
    createdAt: NOW,
    headHash: 'h',
    generation: 0,
    authTime: NOW,
    amr: ['hwk'],
  };
  const commitArgs = {
    challenge,
    userId,
    phoneNumber: phone,
    credentialId,
    counter: 0,
    backedUp: true,
    now: NOW,
    sessionEpoch: args.epoch ?? 0,
    family,
  };
  return { userId, phone, credentialId, challenge, family, commitArgs };
}

const signIns = () => new DynamoDbPasskeySignIns(documents, tableName);

async function familyStored(familyId: string): Promise<boolean> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: familyKeyOf(familyId) }));
  return Item !== undefined;
}

async function passkeyOf(userId: string, credentialId: string) {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: passkeysKeyOf(userId), ConsistentRead: true }),
  );
  return (Item?.passkeys as Record<string, Record<string, unknown>> | undefined)?.[credentialId];
}

describe('DynamoDbPasskeySignIns.commit', () => {
  it('spends the challenge, moves the passkey on and stores the family, all at once', async () => {
    const { userId, credentialId, family, commitArgs } = await arrange({ counter: 2 });

    expect(await signIns().commit({ ...commitArgs, counter: 3 })).toBe('committed');

    expect(await passkeyOf(userId, credentialId)).toMatchObject({ counter: 3, lastUsedAt: NOW, backedUp: true });
    expect(await familyStored(family.familyId)).toBe(true);
    // Spent: the same commit again is refused for its challenge.
    expect(await signIns().commit({ ...commitArgs, counter: 4, family: { ...family, familyId: randomUUID() } })).toBe(
      'challenge_spent',
    );
  });

  it('refuses a counter that another sign-in moved past it since the read, writing nothing', async () => {
    const { userId, credentialId, family, commitArgs } = await arrange({ counter: 7 });

    expect(await signIns().commit({ ...commitArgs, counter: 7 })).toBe('counter_regressed');

    expect(await passkeyOf(userId, credentialId)).toMatchObject({ counter: 7 });
    expect((await passkeyOf(userId, credentialId))?.lastUsedAt).toBeUndefined();
    expect(await familyStored(family.familyId)).toBe(false);
  });

  it('refuses 0 for a passkey that has started counting', async () => {
    const { commitArgs } = await arrange({ counter: 1 });
    expect(await signIns().commit({ ...commitArgs, counter: 0 })).toBe('counter_regressed');
  });

  it('refuses a passkey removed since the read', async () => {
    const { userId, credentialId, family, commitArgs } = await arrange();
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: passkeysKeyOf(userId),
        UpdateExpression: 'REMOVE passkeys.#id',
        ExpressionAttributeNames: { '#id': credentialId },
      }),
    );

    expect(await signIns().commit(commitArgs)).toBe('passkey_gone');
    expect(await familyStored(family.familyId)).toBe(false);
  });

  it('refuses when the user signed out everywhere since the read (the session epoch moved)', async () => {
    const { phone, family, commitArgs } = await arrange({ epoch: 2 });
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: phoneKeyOf(phone),
        UpdateExpression: 'SET sessionEpoch = :e',
        ExpressionAttributeValues: { ':e': 3 },
      }),
    );

    expect(await signIns().commit(commitArgs)).toBe('session_changed');
    expect(await familyStored(family.familyId)).toBe(false);
  });

  it('refuses when the item names another number since the read (a number change)', async () => {
    const { userId, family, commitArgs } = await arrange();
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: passkeysKeyOf(userId),
        UpdateExpression: 'SET phoneNumber = :p',
        ExpressionAttributeValues: { ':p': '+919876500000' },
      }),
    );

    expect(await signIns().commit(commitArgs)).toBe('session_changed');
    expect(await familyStored(family.familyId)).toBe(false);
  });

  it('refuses when the number has a new holder', async () => {
    const { phone, commitArgs } = await arrange();
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { ...phoneKeyOf(phone), userId: randomUUID(), status: 'active' } }),
    );
    expect(await signIns().commit(commitArgs)).toBe('session_changed');
  });

  it('of 8 concurrent commits of one challenge, exactly one commits', async () => {
    const { family, commitArgs } = await arrange();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        signIns().commit({ ...commitArgs, family: { ...family, familyId: randomUUID() } }),
      ),
    );
    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'challenge_spent')).toHaveLength(7);
  });
});
