import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** The single table's key: every record is addressed by a string partition key and a string sort key. */
export const TABLE_KEY_SCHEMA = [
  { AttributeName: 'pk', KeyType: 'HASH' },
  { AttributeName: 'sk', KeyType: 'RANGE' },
] as const satisfies readonly KeySchemaElement[];

/** Attribute holding each item's expiry in epoch seconds. */
export const TTL_ATTRIBUTE = 'ttl';

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
