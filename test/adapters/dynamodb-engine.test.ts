import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../lambdas/adapters/dynamodb-table.js';
import {
  type DynamoDbEngine,
  type DynamoDbEngineOptions,
  dynaliteCanPersist,
  startDynamoDbEngine,
} from '../../scripts/dynamodb-engine.js';
import { isLoopback, listeningSockets } from '../e2e/listening-sockets.js';
import { createTestTable, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../helpers/dynamodb.js';

const TABLE = 'engine-test';
const KEY = { pk: { S: 'PHONE#+15555550100' }, sk: { S: 'OTP' } };

// Each test starts its own engines (the shared one from the global setup is not involved), so a
// JVM start or two per test needs more than the default timeout on a slow runner.
const ENGINE_TEST_TIMEOUT_MS = 90_000;

describe('startDynamoDbEngine', () => {
  const running: DynamoDbEngine[] = [];
  const clients: DynamoDBClient[] = [];
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-dynamodb-engine-'));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(running.splice(0).map((engine) => engine.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(options: DynamoDbEngineOptions): Promise<{ engine: DynamoDbEngine; client: DynamoDBClient }> {
    const engine = await startDynamoDbEngine(options);
    running.push(engine);
    const client = new DynamoDBClient({
      endpoint: engine.endpoint,
      region: TEST_AWS_REGION,
      credentials: TEST_AWS_CREDENTIALS,
    });
    clients.push(client);
    return { engine, client };
  }

  async function putOnce(client: DynamoDBClient, code: string): Promise<void> {
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...KEY, code: { S: code } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async function readCode(client: DynamoDBClient): Promise<string | undefined> {
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: KEY, ConsistentRead: true }));
    return Item?.code?.S;
  }

  it('serves an in-memory dynalite on loopback that enforces conditional writes', async () => {
    const { engine, client } = await start({ engine: 'dynalite' });

    await ensureTable(client, TABLE);
    await putOnce(client, '111111');

    expect(engine.engine).toBe('dynalite');
    expect(engine.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(putOnce(client, '222222')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await readCode(client)).toBe('111111');
  });

  // Either engine accepts any credentials, so whoever reaches it can read every TOTP secret.
  // Linux only: the sockets are read from /proc.
  it.runIf(process.platform === 'linux').each(['dynamodb-local', 'dynalite'] as const)(
    'listens on loopback only (%s)',
    async (name) => {
      const { engine } = await start({ engine: name });

      const sockets = (await listeningSockets(process.pid)).filter((s) => s.port === portOf(engine));

      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.filter((s) => !isLoopback(s.address))).toEqual([]);
    },
    ENGINE_TEST_TIMEOUT_MS,
  );

  it('stops dynalite idempotently and frees its port', async () => {
    const { engine } = await start({ engine: 'dynalite' });

    await engine.stop();
    await engine.stop();

    await expect(listenOn(portOf(engine))).resolves.toBeUndefined();
  });

  it(
    'keeps DynamoDB Local data in dataDir across a restart, after an idempotent stop that frees the port',
    async () => {
      const first = await start({ engine: 'dynamodb-local', dataDir });
      await ensureTable(first.client, TABLE);
      await putOnce(first.client, '123456');
      await first.engine.stop();
      await first.engine.stop();
      await expect(listenOn(portOf(first.engine))).resolves.toBeUndefined();

      const second = await start({ engine: 'dynamodb-local', dataDir });
      await ensureTable(second.client, TABLE);

      expect(second.engine.engine).toBe('dynamodb-local');
      expect(await readCode(second.client)).toBe('123456');
      await expect(putOnce(second.client, '654321')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    },
    ENGINE_TEST_TIMEOUT_MS,
  );

  it.runIf(dynaliteCanPersist())('keeps dynalite data in dataDir across a restart', async () => {
    const first = await start({ engine: 'dynalite', dataDir });
    await ensureTable(first.client, TABLE);
    await putOnce(first.client, '123456');
    await first.engine.stop();

    const second = await start({ engine: 'dynalite', dataDir });
    await ensureTable(second.client, TABLE);

    expect(await readCode(second.client)).toBe('123456');
  });

  it('refuses a port that is already taken instead of talking to its owner', async () => {
    const squatter = createServer();
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const address = squatter.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    try {
      await expect(startDynamoDbEngine({ engine: 'dynamodb-local', port })).rejects.toThrow(/not available/);
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  });
});

describe('createTestTable', () => {
  it('gives each caller its own table in the shared engine', async () => {
    const first = await createTestTable();
    const second = await createTestTable();

    await first.client.send(new PutItemCommand({ TableName: first.tableName, Item: KEY }));
    const { Item } = await second.client.send(new GetItemCommand({ TableName: second.tableName, Key: KEY }));

    expect(second.tableName).not.toBe(first.tableName);
    expect(second.endpoint).toBe(first.endpoint);
    expect(Item).toBeUndefined();
    first.client.destroy();
    second.client.destroy();
  });
});

function portOf(engine: DynamoDbEngine): number {
  return Number(new URL(engine.endpoint).port);
}

async function listenOn(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, done);
  });
  await new Promise<void>((done) => server.close(() => done()));
}
