/**
 * The account events of a test table, read from DynamoDB Local's stream exactly as `npm start`'s
 * poller reads them (the same reader, tableChangeOf and accountEventsOf): what a test asserts is
 * what the table's writes published, never what a handler said it did.
 */
import { DynamoDBStreamsClient, type _Record as StreamApiRecord } from '@aws-sdk/client-dynamodb-streams';
import {
  accountEventsSince,
  DynamoDbStreamReader,
  type StreamCheckpoint,
  streamStart,
  tableStreamArn,
} from '../../lambdas/adapters/dynamodb-stream-reader.js';
import { tableChangeOf } from '../../lambdas/adapters/dynamodb-stream-records.js';
import type { AccountEvent, TableChange } from '../../lambdas/core/account-events.js';
import { TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type TestTable } from './dynamodb.js';

export interface StreamEvents {
  /** The events of every change since the last call (or since the table was created), in order. */
  take(options?: { includePhoneNumber?: boolean }): Promise<AccountEvent[]>;
  /** The table changes since the last call, for a test that derives events itself. */
  takeChanges(): Promise<TableChange[]>;
  /** Every record the stream holds, from its start (the checkpoint is left as it is). */
  allRecords(): Promise<readonly StreamApiRecord[]>;
  close(): void;
}

export async function streamEventsOf(
  table: Pick<TestTable, 'client' | 'tableName' | 'endpoint'>,
): Promise<StreamEvents> {
  const streamArn = await tableStreamArn(table.client, table.tableName);
  if (!streamArn)
    throw new Error(
      `table ${table.tableName} has no stream: create it with createTestTable({ stream: true }), on DynamoDB Local`,
    );
  const client = new DynamoDBStreamsClient({
    endpoint: table.endpoint,
    region: TEST_AWS_REGION,
    credentials: TEST_AWS_CREDENTIALS,
  });
  const reader = new DynamoDbStreamReader(client, streamArn);
  let checkpoint: StreamCheckpoint = streamStart(streamArn);
  return {
    async take(options = {}) {
      const read = await accountEventsSince(reader, checkpoint, {
        includePhoneNumber: options.includePhoneNumber ?? false,
      });
      checkpoint = read.checkpoint;
      return read.events;
    },
    async takeChanges() {
      const read = await reader.readSince(checkpoint);
      checkpoint = read.checkpoint;
      return read.records.map(tableChangeOf);
    },
    async allRecords() {
      return (await reader.readSince(streamStart(streamArn))).records;
    },
    close: () => client.destroy(),
  };
}

/** An event as a test compares it: its type and the detail fields that are not ids or times. */
export function summaryOf(event: AccountEvent): Record<string, unknown> {
  const { event_id: _id, time: _time, ...detail } = event.detail;
  return { type: event['detail-type'], ...detail };
}
