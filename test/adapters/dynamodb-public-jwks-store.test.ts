import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { AuthError } from '../../lambdas/core/errors.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { createTestTable } from '../helpers/dynamodb.js';
import { firstKeySetDocument, rotatedKeySetDocument } from '../helpers/keys.js';

const FIRST_AT = 1_750_000_000;
const ROTATED_AT = FIRST_AT + 90 * 86_400;
const ITEM_KEY = { pk: 'JWKS#current', sk: 'JWKS' };

let store: DynamoDbPublicJwksStore;
let table: Awaited<ReturnType<typeof createTestTable>>;

// A table per test: the store keeps a single item, so tests must not see each other's.
beforeEach(async () => {
  table = await createTestTable();
  store = new DynamoDbPublicJwksStore(createDocumentClient(table.client), table.tableName);
});

async function storedItem(): Promise<Record<string, unknown> | undefined> {
  const { Item } = await createDocumentClient(table.client).send(
    new GetCommand({ TableName: table.tableName, Key: ITEM_KEY, ConsistentRead: true }),
  );
  return Item;
}

describe('DynamoDbPublicJwksStore', () => {
  it('serves exactly the public keys the rotation published, and no private member', async () => {
    const doc = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);

    await store.publish(publicJwksOf(doc), doc.rotatedAt);
    const served = await store.load();

    expect(served).toEqual(publicJwksOf(doc));
    expect(served.map((k) => k.kid)).toEqual(doc.keys.map((k) => k.kid));
    const stored = JSON.parse(String((await storedItem())?.jwks)) as { keys: Record<string, unknown>[] };
    expect(stored.keys).toHaveLength(doc.keys.length);
    for (const key of stored.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(member);
    }
  });

  it('answers 503 before the first rotation has published anything', async () => {
    await expect(store.load()).rejects.toSatisfy(
      (error) => error instanceof AuthError && error.code === 'service_unavailable',
    );
  });

  it('keeps a newer key set when an older one that it already covers is published again', async () => {
    const first = await firstKeySetDocument(FIRST_AT);
    const rotated = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    expect(rotated.keys.map((k) => k.kid)).toContain(first.keys[0]?.kid);

    await store.publish(publicJwksOf(rotated), rotated.rotatedAt);
    await store.publish(publicJwksOf(first), first.rotatedAt);

    expect((await store.load()).map((k) => k.kid)).toEqual(rotated.keys.map((k) => k.kid));
    expect((await storedItem())?.rotatedAt).toBe(rotated.rotatedAt);
  });

  it('throws when a newer key set is published that lacks a key it was asked to publish', async () => {
    const rotated = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    const [, upcoming] = publicJwksOf(rotated);
    if (!upcoming) throw new Error('fixture needs two keys');
    const olderButOther = [{ ...upcoming, kid: 'not-in-the-newer-set' }];

    await store.publish(publicJwksOf(rotated), rotated.rotatedAt);

    await expect(store.publish(olderButOther, FIRST_AT)).rejects.toThrow(/lacks not-in-the-newer-set/);
    expect((await storedItem())?.rotatedAt).toBe(rotated.rotatedAt);
  });

  it('throws rather than skip when the stored item has no rotatedAt to compare', async () => {
    const doc = await firstKeySetDocument(FIRST_AT);
    await createDocumentClient(table.client).send(
      new PutCommand({ TableName: table.tableName, Item: { ...ITEM_KEY, jwks: '{"keys":[]}' } }),
    );

    await expect(store.publish(publicJwksOf(doc), doc.rotatedAt)).rejects.toThrow(/lacks/);
  });

  it('replaces the keys when the same or a newer rotation publishes again', async () => {
    const first = await firstKeySetDocument(FIRST_AT);
    const rotated = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    const [upcoming] = publicJwksOf(rotated).slice(1);
    if (!upcoming) throw new Error('fixture needs two keys');

    await store.publish(publicJwksOf(first), first.rotatedAt);
    // Same rotatedAt, other contents: a retry that must win, not be skipped as "already there".
    await store.publish([upcoming], first.rotatedAt);
    expect((await store.load()).map((k) => k.kid)).toEqual([upcoming.kid]);

    await store.publish(publicJwksOf(rotated), rotated.rotatedAt);
    expect((await store.load()).map((k) => k.kid)).toEqual(rotated.keys.map((k) => k.kid));
  });

  it('refuses to publish a key with private material', async () => {
    const doc = await firstKeySetDocument(FIRST_AT);
    const leaked = doc.keys.map((k) => ({ ...k.privateJwk, kid: k.kid }));

    await expect(store.publish(leaked, doc.rotatedAt)).rejects.toThrow(/private key material/);
    expect(await storedItem()).toBeUndefined();
  });

  it.each([
    [
      'private key material',
      async () => (await firstKeySetDocument(FIRST_AT)).keys.map((k) => ({ ...k.privateJwk, kid: k.kid })),
      /private key material/,
    ],
    ['no keys list', async () => ({ notKeys: [] }), /no keys list/],
    ['an empty key set', async () => [], undefined],
  ])('answers 503 instead of serving an item with %s', async (_case, contents, cause) => {
    const value = await contents();
    const jwks = JSON.stringify(Array.isArray(value) ? { keys: value } : value);
    await createDocumentClient(table.client).send(
      new PutCommand({ TableName: table.tableName, Item: { ...ITEM_KEY, jwks, rotatedAt: FIRST_AT } }),
    );

    const error = await store.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('service_unavailable');
    if (cause) expect(String((error as Error).cause)).toMatch(cause);
  });
});
