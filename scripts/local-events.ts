/**
 * The local stand-in for the pipe and the event bus: polls the table's stream on DynamoDB Local,
 * derives the account events as the pipe's function does (tableChangeOf, accountEventsOf) and
 * appends each, as the EventBridge envelope a rule's target would receive, to a JSON-lines file
 * (`$LOCAL_DATA_DIR/events.jsonl`), printing a short line for each, like the SMS outbox.
 *
 * Where it starts: at the checkpoint kept next to the file (each shard's last sequence number,
 * written after the events it covers), so a restart neither loses nor repeats an event; with no
 * checkpoint (or one of another stream: the table was created again), at the oldest record the stream
 * holds. A crash between the file and the checkpoint repeats those events on the next start, with the
 * same `event_id`, as a redelivery in AWS would.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  accountEventsSince,
  DynamoDbStreamReader,
  type StreamCheckpoint,
  streamStart,
  tableStreamArn,
} from '../lambdas/adapters/dynamodb-stream-reader.js';
import type { AccountEvent } from '../lambdas/core/account-events.js';

/** An event as EventBridge delivers it to a target (the fields a consumer reads). */
export interface EventEnvelope {
  /** The bus's id of this delivery: a uuid. Deduplicate on `detail.event_id`, which a redelivery keeps. */
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': AccountEvent['detail-type'];
  readonly time: string;
  readonly detail: AccountEvent['detail'];
}

export function envelopeOf(event: AccountEvent, source: string, id: string = randomUUID()): EventEnvelope {
  return { id, source, 'detail-type': event['detail-type'], time: event.time, detail: event.detail };
}

/** The console line of an event: its type and user, the number only when the events carry it; never more. */
export function eventLine(event: AccountEvent): string {
  const { detail } = event;
  const where = [detail.phone_number, detail.country ?? undefined].filter(Boolean).join(', ');
  return `[account event] ${event['detail-type']} of user ${detail.sub}${where ? ` (${where})` : ''}`;
}

export interface LocalEventsOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly eventsFile: string;
  /** `EVENTS_SOURCE`. */
  readonly source: string;
  /** `EVENTS_INCLUDE_PHONE_NUMBER`. */
  readonly includePhoneNumber: boolean;
  readonly log: (line: string) => void;
  /** Between the end of one poll and the start of the next. */
  readonly intervalMs?: number;
}

export interface LocalEvents {
  /** False on an engine without streams (dynalite): nothing is ever written. */
  readonly streaming: boolean;
  readonly eventsFile: string;
  /** Reads the stream now (after any poll in flight); resolves once what it read is in the file. */
  poll(): Promise<void>;
  /** Stops polling; resolves once the poll in flight, if any, has ended. Later calls return the same promise. */
  stop(): Promise<void>;
}

export const DEFAULT_POLL_INTERVAL_MS = 250;

/** The checkpoint's file, next to the events it covers. */
export function checkpointFileOf(eventsFile: string): string {
  return eventsFile.replace(/(\.jsonl)?$/, '.checkpoint.json');
}

export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const { eventsFile, log } = options;
  const streamArn = await tableStreamArn(options.dynamodb, options.tableName);
  if (streamArn === undefined) {
    log(`dynalite has no streams: no account events are written to ${eventsFile} (DynamoDB Local, with Java 17+, has)`);
    return { streaming: false, eventsFile, poll: async () => {}, stop: async () => {} };
  }
  const checkpointFile = checkpointFileOf(eventsFile);
  const reader = new DynamoDbStreamReader(options.streams, streamArn);
  let checkpoint = await loadCheckpoint(checkpointFile, streamArn);
  const aborts = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let lastFailure: string | undefined;

  const pollOnce = async (): Promise<void> => {
    try {
      const read = await accountEventsSince(reader, checkpoint, {
        includePhoneNumber: options.includePhoneNumber,
        signal: aborts.signal,
      });
      if (read.events.length > 0) {
        await mkdir(dirname(eventsFile), { recursive: true });
        const lines = read.events.map((event) => `${JSON.stringify(envelopeOf(event, options.source))}\n`).join('');
        await appendFile(eventsFile, lines, { mode: 0o600 });
        for (const event of read.events) log(eventLine(event));
      }
      if (JSON.stringify(read.checkpoint) !== JSON.stringify(checkpoint)) {
        await saveCheckpoint(checkpointFile, read.checkpoint);
        checkpoint = read.checkpoint;
      }
      lastFailure = undefined;
    } catch (error) {
      if (stopped) return;
      // Once per cause, not every poll: the engine may be gone for a while (the tests stop it).
      const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (failure !== lastFailure) log(`account events: reading the stream failed (${failure}); retrying`);
      lastFailure = failure;
    }
  };
  const poll = (): Promise<void> => {
    inFlight = inFlight.then(() => (stopped ? undefined : pollOnce()));
    return inFlight;
  };
  const schedule = () => {
    if (stopped) return;
    // Unref'd: the poller never keeps a process alive on its own.
    timer = setTimeout(() => void poll().then(schedule), options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    timer.unref();
  };
  schedule();

  let stopping: Promise<void> | undefined;
  return {
    streaming: true,
    eventsFile,
    poll,
    stop: () => {
      stopping ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        aborts.abort();
        await inFlight;
      })();
      return stopping;
    },
  };
}

async function loadCheckpoint(file: string, streamArn: string): Promise<StreamCheckpoint> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return streamStart(streamArn);
    throw error;
  }
  let saved: StreamCheckpoint;
  try {
    saved = JSON.parse(text) as StreamCheckpoint;
  } catch {
    throw new Error(`${file} is not a checkpoint: delete it to read the stream from its oldest record again`);
  }
  // Another stream's positions mean nothing here (the table was created again): start over.
  return saved.streamArn === streamArn && typeof saved.shards === 'object' ? saved : streamStart(streamArn);
}

async function saveCheckpoint(file: string, checkpoint: StreamCheckpoint): Promise<void> {
  // Written whole, then renamed: a crash leaves the old checkpoint or the new one, never half of one.
  const partial = `${file}.${process.pid}.tmp`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(partial, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  await rename(partial, file);
}
