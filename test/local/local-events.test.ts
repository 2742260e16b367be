import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountEvent } from '../../lambdas/core/account-events.js';
import {
  checkpointFileOf,
  type EventEnvelope,
  envelopeOf,
  eventLine,
  type LocalEvents,
  startLocalEvents,
} from '../../scripts/local-events.js';
import { createTestTable, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type TestTable } from '../helpers/dynamodb.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// The poller of `npm start` over the test engine's DynamoDB Local: polled by hand (poll()), so no
// test waits on its timer.

let table: TestTable;
let app: TestApp;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  table = await createTestTable({ stream: true });
  app = await createTestApp({}, { table });
  streams = new DynamoDBStreamsClient({
    endpoint: table.endpoint,
    region: TEST_AWS_REGION,
    credentials: TEST_AWS_CREDENTIALS,
  });
});
afterAll(() => streams?.destroy());

async function poller(eventsFile: string, lines: string[], extra: { includePhoneNumber?: boolean } = {}) {
  return startLocalEvents({
    dynamodb: table.client,
    streams,
    tableName: table.tableName,
    eventsFile,
    source: 'com.example.auth',
    includePhoneNumber: extra.includePhoneNumber ?? false,
    log: (line) => lines.push(line),
    // Long: these tests poll by hand.
    intervalMs: 60_000,
  });
}

async function written(file: string): Promise<EventEnvelope[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EventEnvelope);
}

describe('the local event poller', () => {
  it('appends each event once as an EventBridge envelope, and after a restart goes on from its checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-events-'));
    const file = join(dir, 'events.jsonl');
    const lines: string[] = [];
    let events: LocalEvents = await poller(file, lines);
    expect(events.streaming).toBe(true);

    const first = await app.login('+919876543210');
    await events.poll();
    const once = await written(file);
    expect(once).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        source: 'com.example.auth',
        'detail-type': 'UserCreated',
        time: expect.any(String),
        detail: expect.objectContaining({ sub: first.sub, via: 'login', country: 'IN' }),
      },
    ]);
    expect(lines).toEqual([`[account event] UserCreated of user ${first.sub} (IN)`]);
    await events.poll();
    expect(await written(file)).toHaveLength(1);
    await events.stop();

    // Written while it was stopped: found by the next start, and nothing before it again.
    const second = await app.login('+919876543211');
    events = await poller(file, lines, { includePhoneNumber: true });
    await events.poll();
    const after = await written(file);
    expect(after.slice(0, 1)).toEqual(once);
    expect(after.slice(1).map((e) => [e['detail-type'], e.detail.sub, e.detail.phone_number])).toEqual([
      ['UserCreated', second.sub, '+919876543211'],
    ]);
    expect(lines.at(-1)).toBe(`[account event] UserCreated of user ${second.sub} (+919876543211, IN)`);
    await events.stop();
    expect(JSON.parse(await readFile(checkpointFileOf(file), 'utf8'))).toMatchObject({
      streamArn: expect.stringContaining(table.tableName),
      shards: expect.any(Object),
    });
  });

  it("starts at the stream's oldest record without a checkpoint, or with one of another stream", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-events-'));
    const file = join(dir, 'events.jsonl');
    await writeFile(checkpointFileOf(file), JSON.stringify({ streamArn: 'arn:of:another:stream', shards: {} }));
    const events = await poller(file, []);
    await events.poll();
    await events.stop();
    // Every user created in this file so far.
    expect((await written(file)).filter((e) => e['detail-type'] === 'UserCreated').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a checkpoint file it cannot read, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-events-'));
    const file = join(dir, 'events.jsonl');
    await writeFile(checkpointFileOf(file), '{not json');
    await expect(poller(file, [])).rejects.toThrow(`${checkpointFileOf(file)} is not a checkpoint`);
  });

  it('stops at once, a poll in flight included, however often it is started and stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-events-'));
    const file = join(dir, 'events.jsonl');
    for (let i = 0; i < 5; i++) {
      const events = await startLocalEvents({
        dynamodb: table.client,
        streams,
        tableName: table.tableName,
        eventsFile: file,
        source: 'otp-login',
        includePhoneNumber: false,
        log: () => {},
        intervalMs: 1,
      });
      const polling = events.poll();
      await events.stop();
      await polling;
      // Stopped: a poll asked for now does nothing.
      await events.poll();
    }
    const ids = (await written(file)).map((e) => e.detail.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('envelopes and console lines', () => {
  const event: AccountEvent = {
    'detail-type': 'UserDeleted',
    time: '2026-12-06T09:00:00Z',
    detail: { event_id: 'e1:UserDeleted', sub: 'u1', time: '2026-12-06T09:00:00Z', country: null, initiator: 'user' },
  };

  it('wraps an event as EventBridge delivers it: id, source, detail-type, time, detail', () => {
    expect(envelopeOf(event, 'otp-login', 'id-1')).toEqual({
      id: 'id-1',
      source: 'otp-login',
      'detail-type': 'UserDeleted',
      time: '2026-12-06T09:00:00Z',
      detail: event.detail,
    });
    expect(envelopeOf(event, 'otp-login').id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });

  it('prints the type and the user, and where: nothing for a non-geographic number', () => {
    expect(eventLine(event)).toBe('[account event] UserDeleted of user u1');
  });
});
