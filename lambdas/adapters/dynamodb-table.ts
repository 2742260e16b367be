import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

import { TABLE_KEY_SCHEMA, TTL_ATTRIBUTE, USER_INDEX } from './table-keys.js';

const USER_INDEX_DEFINITION = {
  IndexName: USER_INDEX.name,
  KeySchema: [{ AttributeName: USER_INDEX.partitionKey, KeyType: 'HASH' as const }],
  Projection: { ProjectionType: 'KEYS_ONLY' as const },
};
const ATTRIBUTES = [...TABLE_KEY_SCHEMA.map(({ AttributeName }) => AttributeName), USER_INDEX.partitionKey].map(
  (AttributeName) => ({ AttributeName, AttributeType: 'S' as const }),
);

const ACTIVE_WAIT_SECONDS = 60;

/**
 * The stream the account events are read from, as the stack defines it: both images, since an event
 * compares who held a number before and after. DynamoDB Local implements it; dynalite accepts the
 * setting and has no stream (the local server says so).
 */
export const TABLE_STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/**
 * Creates the table as the stack defines it (on-demand, pk/sk strings, the user index, TTL on `ttl`)
 * unless it exists, adds the index to a table kept from a version without it, then waits until it is
 * ACTIVE. For local engines and tests only: in AWS the stack owns the table. `stream: false` is for
 * tests that read no events: DynamoDB Local writes a stream record per write, about a tenth more time.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { readonly stream?: boolean } = {},
): Promise<void> {
  const stream = options.stream ?? true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [...TABLE_KEY_SCHEMA],
        AttributeDefinitions: ATTRIBUTES,
        GlobalSecondaryIndexes: [USER_INDEX_DEFINITION],
        ...(stream ? { StreamSpecification: TABLE_STREAM } : {}),
      }),
    );
  } catch (error) {
    // Already there (an earlier run, or a concurrent caller): creating is the idempotent part.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists(
    { client, minDelay: 1, maxDelay: 2, maxWaitTime: ACTIVE_WAIT_SECONDS },
    { TableName: tableName },
  );
  await addUserIndex(client, tableName);
  if (stream) await enableStream(client, tableName);
  await enableTimeToLive(client, tableName);
}

// A local data directory may hold the table from a version without the stream.
async function enableStream(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  try {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: TABLE_STREAM }));
  } catch (error) {
    // dynalite ignores the setting on create and refuses an update that sets only it: it has no streams.
    if (!(error instanceof Error && error.name === 'ValidationException' && /Stream/.test(error.message))) throw error;
  }
}

// A local data directory may hold the table from a version without the index.
async function addUserIndex(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === USER_INDEX.name)) return;
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ATTRIBUTES,
      GlobalSecondaryIndexUpdates: [{ Create: USER_INDEX_DEFINITION }],
    }),
  );
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  // Enabling twice is a ValidationException in AWS, so look first.
  if (current?.TimeToLiveStatus === 'ENABLED' || current?.TimeToLiveStatus === 'ENABLING') return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no UpdateTimeToLive. TTL deletion is lazy even in AWS, so nothing may rely on it
    // and a table without it behaves the same for correct code.
    if (!(error instanceof Error && error.name === 'UnknownOperationException')) throw error;
  }
}
