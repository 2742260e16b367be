import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStreamReader, streamStart } from '../../lambdas/adapters/dynamodb-stream-reader.js';

// DynamoDB Local never splits a shard within a test, so the shard walk (parents first, children once
// their parent is read to its end, DescribeStream's pages) is checked here against the Streams API's
// answers as documented; reading DynamoDB Local's real stream is tested in test/http/account-events.test.ts.

const ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/1';
const streams = mockClient(DynamoDBStreamsClient);

const record = (sequence: string) => ({ eventID: `e${sequence}`, dynamodb: { SequenceNumber: sequence } });

beforeEach(() => streams.reset());

const pagesByShard = new Map<string, { records: string[]; next: boolean }[]>();

beforeEach(() => {
  pagesByShard.clear();
  // Iterators name their shard and page, so each GetRecords answer can be told apart.
  streams.on(GetShardIteratorCommand).callsFake(async (input) => ({ ShardIterator: `${input.ShardId}@0` }));
  streams.on(GetRecordsCommand).callsFake(async (input) => {
    const [shardId = '', index] = String(input.ShardIterator).split('@');
    const page = pagesByShard.get(shardId)?.[Number(index)];
    if (!page) throw new Error(`no page ${input.ShardIterator}`);
    return {
      Records: page.records.map(record),
      ...(page.next ? { NextShardIterator: `${shardId}@${Number(index) + 1}` } : {}),
    };
  });
});

function serveShard(shardId: string, pages: { records: string[]; next: boolean }[]) {
  pagesByShard.set(shardId, pages);
}

describe('DynamoDbStreamReader', () => {
  it('reads a closed parent to its end before its child, across DescribeStream pages, and checkpoints each', async () => {
    streams
      .on(DescribeStreamCommand, { ExclusiveStartShardId: undefined })
      .resolves({
        StreamDescription: { Shards: [{ ShardId: 'child', ParentShardId: 'parent' }], LastEvaluatedShardId: 'child' },
      })
      .on(DescribeStreamCommand, { ExclusiveStartShardId: 'child' })
      .resolves({
        StreamDescription: {
          Shards: [
            { ShardId: 'parent', SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '2' } },
          ],
        },
      });
    serveShard('parent', [
      { records: ['1'], next: true },
      { records: ['2'], next: false },
    ]);
    serveShard('child', [
      { records: ['3'], next: true },
      { records: [], next: true },
    ]);
    const reader = new DynamoDbStreamReader(new DynamoDBStreamsClient({ region: 'us-east-1' }), ARN);

    const read = await reader.readSince(streamStart(ARN));

    expect(read.records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['1', '2', '3']);
    expect(read.checkpoint).toEqual({
      streamArn: ARN,
      shards: { parent: { sequenceNumber: '2', finished: true }, child: { sequenceNumber: '3' } },
    });
    expect(streams.commandCalls(GetShardIteratorCommand).map((call) => call.args[0].input)).toEqual([
      { StreamArn: ARN, ShardId: 'parent', ShardIteratorType: 'TRIM_HORIZON' },
      { StreamArn: ARN, ShardId: 'child', ShardIteratorType: 'TRIM_HORIZON' },
    ]);

    // From the checkpoint: the finished parent is not read again, the child goes on after its last record.
    streams.resetHistory();
    serveShard('child', [{ records: [], next: true }]);
    const next = await reader.readSince(read.checkpoint);
    expect(next.records).toEqual([]);
    expect(streams.commandCalls(GetShardIteratorCommand).map((call) => call.args[0].input)).toEqual([
      { StreamArn: ARN, ShardId: 'child', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '3' },
    ]);
    expect(next.checkpoint).toEqual(read.checkpoint);
  });

  it('leaves a child unread while its parent still has records to give, and drops shards the stream no longer lists', async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { Shards: [{ ShardId: 'child', ParentShardId: 'parent' }, { ShardId: 'parent' }] },
    });
    serveShard('parent', [
      { records: ['1'], next: true },
      { records: [], next: true },
    ]);
    serveShard('child', [{ records: ['9'], next: true }]);
    const reader = new DynamoDbStreamReader(new DynamoDBStreamsClient({ region: 'us-east-1' }), ARN);

    const read = await reader.readSince({
      streamArn: ARN,
      shards: { trimmed: { sequenceNumber: '0', finished: true } },
    });

    expect(read.records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['1']);
    expect(read.checkpoint).toEqual({ streamArn: ARN, shards: { parent: { sequenceNumber: '1' } } });
  });

  it("reads another stream's checkpoint as no checkpoint, and a parent the stream no longer lists as read", async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { Shards: [{ ShardId: 'orphan', ParentShardId: 'gone' }] },
    });
    serveShard('orphan', [{ records: [], next: true }]);
    const reader = new DynamoDbStreamReader(new DynamoDBStreamsClient({ region: 'us-east-1' }), ARN);

    const read = await reader.readSince({ streamArn: 'arn:another', shards: { orphan: { sequenceNumber: '5' } } });

    expect(read.records).toEqual([]);
    expect(read.checkpoint).toEqual({ streamArn: ARN, shards: { orphan: {} } });
    expect(streams.commandCalls(GetShardIteratorCommand)[0]?.args[0].input).toMatchObject({
      ShardIteratorType: 'TRIM_HORIZON',
    });
  });
});
