import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { ensureTable } from '../../lambdas/adapters/dynamodb-table.js';

/** Region and credentials the test engine accepts; the values are arbitrary but must be present. */
export const TEST_AWS_REGION = 'us-east-1';
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export interface TestTable {
  tableName: string;
  client: DynamoDBClient;
  endpoint: string;
}

/** Endpoint of the engine started by the global setup. */
export function testDynamoDbEndpoint(): string {
  return inject('dynamodbEndpoint');
}

/** Environment that points a spawned process (local server, CLI) at the test engine. */
export function testDynamoDbEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_REGION: TEST_AWS_REGION,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
  };
}

/**
 * A fresh table in the shared engine. Each call gets its own name, so test files never see each
 * other's items and can run in parallel; the engine is in memory, so nothing needs deleting. Only a
 * test that reads the account events asks for the stream: each write costs DynamoDB Local more with it.
 */
export async function createTestTable(options: { readonly stream?: boolean } = {}): Promise<TestTable> {
  const endpoint = testDynamoDbEndpoint();
  const client = new DynamoDBClient({ endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS });
  const tableName = `otp-test-${randomUUID()}`;
  await ensureTable(client, tableName, { stream: options.stream ?? false });
  return { tableName, client, endpoint };
}
