import { type AddressInfo, createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { AuthError } from '../../lambdas/core/errors.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { makeWellKnownHandler } from '../../lambdas/http/well-known-handler.js';
import { createTestTable, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../helpers/dynamodb.js';
import { firstKeySetDocument, rotatedKeySetDocument } from '../helpers/keys.js';
import { apiEvent, invoke, type TestResponse } from '../helpers/test-app.js';

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
});

describe('DynamoDbPublicJwksStore failures, as the JWKS route answers them', () => {
  async function itemHolds(item: Record<string, unknown>): Promise<void> {
    await createDocumentClient(table.client).send(
      new PutCommand({ TableName: table.tableName, Item: { ...ITEM_KEY, rotatedAt: FIRST_AT, ...item } }),
    );
  }

  it('answers 503 service_unavailable, Retry-After 5, while the published key set is empty', async () => {
    await itemHolds({ jwks: '{"keys":[]}' });

    const { response } = await serveJwks(store);

    expect(response).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
    expect(response.headers['retry-after']).toBe('5');
  });

  it('answers 503 service_unavailable with Retry-After when DynamoDB cannot be reached', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = new DynamoDBClient({
      endpoint,
      region: TEST_AWS_REGION,
      credentials: TEST_AWS_CREDENTIALS,
      maxAttempts: 2,
    });

    const { response } = await serveJwks(
      new DynamoDbPublicJwksStore(createDocumentClient(unreachable), table.tableName),
    );

    expect(response).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  });

  it.each([
    [
      'private key material',
      async () => ({
        jwks: JSON.stringify({
          keys: (await firstKeySetDocument(FIRST_AT)).keys.map((k) => ({ ...k.privateJwk, kid: k.kid })),
        }),
      }),
      /private key material/,
    ],
    ['no keys list', async () => ({ jwks: '{"notKeys":[]}' }), /no keys list/],
    ['a key that is not RSA', async () => ({ jwks: '{"keys":[{"kty":"EC","kid":"k1"}]}' }), /not an RSA key/],
    ['text that is not JSON', async () => ({ jwks: '{"keys":[' }), /JSON/],
    ['no jwks attribute', async () => ({}), /jwks/],
  ])('answers 500 internal_error, and logs why, for an item with %s', async (_case, contents, cause) => {
    await itemHolds(await contents());

    const { response, logs } = await serveJwks(store);

    expect(response).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(JSON.stringify(logs.find((l) => l.message === 'unhandled error')?.cause)).toMatch(cause);
  });

  it.each([
    ['a table that does not exist', () => `otp-missing-${FIRST_AT}`, /ResourceNotFoundException/],
    ['a table name DynamoDB refuses', () => 'no', /ValidationException/],
  ])('answers 500 internal_error, and logs the cause, for %s', async (_case, tableName, cause) => {
    const { response, logs } = await serveJwks(
      new DynamoDbPublicJwksStore(createDocumentClient(table.client), tableName()),
    );

    expect(response).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(JSON.stringify(logs.find((l) => l.message === 'unhandled error')?.cause)).toMatch(cause);
  });
});

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** What `GET /.well-known/jwks.json` answers over `source`, and what it logged. */
async function serveJwks(
  source: DynamoDbPublicJwksStore,
): Promise<{ response: TestResponse; logs: Record<string, unknown>[] }> {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  const telemetry = createTelemetry();
  process.env.POWERTOOLS_LOG_LEVEL = previous;
  const handler = makeWellKnownHandler({ jwks: source, issuer: 'https://auth.test' }, telemetry);
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  // Powertools writes INFO to stdout, WARN and ERROR to stderr.
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let response: TestResponse;
  try {
    response = await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'));
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const logs = chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { response, logs };
}
