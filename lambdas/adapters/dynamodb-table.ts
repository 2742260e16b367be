import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

import { TABLE_KEY_SCHEMA, TTL_ATTRIBUTE } from './table-keys.js';

const ACTIVE_WAIT_SECONDS = 60;

/**
 * Creates the table as the stack defines it (on-demand, pk/sk strings, TTL on `ttl`) unless it exists,
 * then waits until it is ACTIVE. For local engines and tests only: in AWS the stack owns the table.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [...TABLE_KEY_SCHEMA],
        AttributeDefinitions: TABLE_KEY_SCHEMA.map(({ AttributeName }) => ({ AttributeName, AttributeType: 'S' })),
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
  await enableTimeToLive(client, tableName);
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
