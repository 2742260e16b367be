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
    expect(JSON.stringify(await storedItem())).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
  });

  it('answers 503 before the first rotation has published anything', async () => {
    await expect(store.load()).rejects.toSatisfy(
      (error) => error instanceof AuthError && error.code === 'service_unavailable',
    );
  });

  it('never goes back to an older key set when a late retry publishes it', async () => {
    const first = await firstKeySetDocument(FIRST_AT);
    const rotated = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);

    await store.publish(publicJwksOf(rotated), rotated.rotatedAt);
    await store.publish(publicJwksOf(first), first.rotatedAt);

    expect((await store.load()).map((k) => k.kid)).toEqual(rotated.keys.map((k) => k.kid));
    expect((await storedItem())?.rotatedAt).toBe(rotated.rotatedAt);
  });

  it('replaces the keys when the same or a newer rotation publishes again', async () => {
    const first = await firstKeySetDocument(FIRST_AT);
    const rotated = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);

    await store.publish(publicJwksOf(first), first.rotatedAt);
    await store.publish(publicJwksOf(first), first.rotatedAt);
    await store.publish(publicJwksOf(rotated), rotated.rotatedAt);

    expect((await store.load()).length).toBe(rotated.keys.length);
  });

  it('refuses to publish a key with private material', async () => {
    const doc = await firstKeySetDocument(FIRST_AT);
    const leaked = doc.keys.map((k) => ({ ...k.privateJwk, kid: k.kid }));

    await expect(store.publish(leaked, doc.rotatedAt)).rejects.toThrow(/private key material/);
    expect(await storedItem()).toBeUndefined();
  });

  it.each([
    ['private key material', async () => (await firstKeySetDocument(FIRST_AT)).keys.map((k) => k.privateJwk)],
    ['no keys list', async () => ({ notKeys: [] })],
    ['an empty key set', async () => []],
  ])('answers 503 instead of serving an item with %s', async (_case, contents) => {
    const value = await contents();
    const jwks = JSON.stringify(Array.isArray(value) ? { keys: value } : value);
    await createDocumentClient(table.client).send(
      new PutCommand({ TableName: table.tableName, Item: { ...ITEM_KEY, jwks, rotatedAt: FIRST_AT } }),
    );

    await expect(store.load()).rejects.toSatisfy(
      (error) => error instanceof AuthError && error.code === 'service_unavailable',
    );
  });
});
