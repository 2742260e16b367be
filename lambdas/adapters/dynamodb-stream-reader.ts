/**
 * Reads a table's DynamoDB stream through the Streams API (DescribeStream, GetShardIterator,
 * GetRecords), for the local runtime and the tests: in AWS the pipe reads the stream. Every call
 * reads all that the stream holds past a checkpoint, shard by shard, a parent shard to its end before
 * its children (DynamoDB closes a shard and opens children as it splits), so each item's changes come
 * out in the order they committed.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamApiRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { type AccountEvent, type AccountEventOptions, accountEventsOf } from '../core/account-events.js';
import { tableChangeOf } from './dynamodb-stream-records.js';

/**
 * Where a reader has got to: per shard, the sequence number of the last record read, and the closed
 * shards read to their end. Plain JSON, so the local runtime can keep it in a file across restarts.
 */
export interface StreamCheckpoint {
  /** The stream it belongs to: a checkpoint of another stream (the table was created again) is void. */
  readonly streamArn: string;
  readonly shards: Readonly<Record<string, ShardPosition>>;
}

export interface ShardPosition {
  /** The last record read; absent for a shard read to its end without a record. */
  readonly sequenceNumber?: string;
  /** Closed and read to its end: never read again. */
  readonly finished?: true;
}

export interface StreamRead {
  /** In commit order per item; records of different shards in no particular order. */
  readonly records: readonly StreamApiRecord[];
  readonly checkpoint: StreamCheckpoint;
}

/** Pages of GetRecords per shard per read: bounds one read, the next one goes on from there. */
const MAX_PAGES_PER_SHARD = 100;

/**
 * The ARN of a table's stream, or undefined when it has none (dynalite keeps no stream, whatever the
 * table's StreamSpecification says).
 */
export async function tableStreamArn(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.StreamSpecification?.StreamEnabled ? Table.LatestStreamArn : undefined;
}

/** The checkpoint of a reader that has read nothing: it starts at the oldest record the stream keeps. */
export function streamStart(streamArn: string): StreamCheckpoint {
  return { streamArn, shards: {} };
}

export class DynamoDbStreamReader {
  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
  ) {}

  /**
   * Every record after `checkpoint` (of this stream; another stream's reads from the start), and the
   * checkpoint after them. Shards the stream no longer lists (trimmed after 24 hours) leave the
   * checkpoint.
   */
  async readSince(checkpoint: StreamCheckpoint, options: { signal?: AbortSignal } = {}): Promise<StreamRead> {
    const previous = checkpoint.streamArn === this.streamArn ? checkpoint.shards : {};
    const shards = await this.shards(options.signal);
    const positions: Record<string, ShardPosition> = {};
    for (const shard of shards) {
      const id = shard.ShardId;
      if (id && previous[id]) positions[id] = previous[id];
    }
    const records: StreamApiRecord[] = [];
    for (const shard of parentsFirst(shards)) {
      const id = shard.ShardId as string;
      if (positions[id]?.finished) continue;
      // A child's records follow its parent's: wait for the parent to be read to its end.
      const parent = shard.ParentShardId;
      if (parent && shards.some((s) => s.ShardId === parent) && !positions[parent]?.finished) continue;
      const read = await this.readShard(shard, positions[id], options.signal);
      records.push(...read.records);
      positions[id] = read.position;
    }
    return { records, checkpoint: { streamArn: this.streamArn, shards: positions } };
  }

  private async shards(signal: AbortSignal | undefined): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
        }),
        { abortSignal: signal },
      );
      shards.push(...(StreamDescription?.Shards ?? []).filter((shard) => shard.ShardId));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  private async readShard(
    shard: Shard,
    position: ShardPosition | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ records: StreamApiRecord[]; position: ShardPosition }> {
    const after = position?.sequenceNumber;
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.ShardId,
        ...(after === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
      }),
      { abortSignal: signal },
    );
    const records: StreamApiRecord[] = [];
    let iterator = ShardIterator;
    let last = after;
    for (let page = 0; iterator && page < MAX_PAGES_PER_SHARD; page++) {
      const { Records = [], NextShardIterator } = await this.client.send(
        new GetRecordsCommand({ ShardIterator: iterator }),
        { abortSignal: signal },
      );
      records.push(...Records);
      last = Records.at(-1)?.dynamodb?.SequenceNumber ?? last;
      // No next iterator: the shard is closed and every record of it has been read.
      if (!NextShardIterator)
        return { records, position: { ...(last ? { sequenceNumber: last } : {}), finished: true } };
      // An open shard answers an empty page at its end (DynamoDB Local at once; AWS may also answer
      // one before the end, and the next read goes on from the checkpoint).
      if (Records.length === 0) break;
      iterator = NextShardIterator;
    }
    return { records, position: last ? { sequenceNumber: last } : {} };
  }
}

/** The shards with every parent before its children (the stream lists them in no promised order). */
function parentsFirst(shards: readonly Shard[]): Shard[] {
  const byId = new Map(shards.map((shard) => [shard.ShardId as string, shard]));
  const ordered: Shard[] = [];
  const placed = new Set<string>();
  const place = (shard: Shard) => {
    const id = shard.ShardId as string;
    if (placed.has(id)) return;
    placed.add(id);
    const parent = shard.ParentShardId ? byId.get(shard.ParentShardId) : undefined;
    if (parent) place(parent);
    ordered.push(shard);
  };
  for (const shard of shards) place(shard);
  return ordered;
}

/** The account events of the records past `checkpoint`, in the records' order, and the checkpoint after them. */
export async function accountEventsSince(
  reader: DynamoDbStreamReader,
  checkpoint: StreamCheckpoint,
  options: AccountEventOptions & { signal?: AbortSignal },
): Promise<{ events: AccountEvent[]; checkpoint: StreamCheckpoint }> {
  const read = await reader.readSince(checkpoint, options.signal ? { signal: options.signal } : {});
  const events = read.records.flatMap((record) =>
    accountEventsOf(tableChangeOf(record), { includePhoneNumber: options.includePhoneNumber }),
  );
  return { events, checkpoint: read.checkpoint };
}
