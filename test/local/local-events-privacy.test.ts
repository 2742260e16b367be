import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEvents } from '../../scripts/local-events.js';
import { createTestTable, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type TestTable } from '../helpers/dynamodb.js';
import { enrolledPasskey, passkeyClient } from '../helpers/passkey-enrolment.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// A reader of `npm start`'s console and events.jsonl with EVENTS_INCLUDE_PHONE_NUMBER off (the
// default): every lifecycle event of a number that moves, signs out everywhere, enrols and removes a
// passkey and is deleted, and not one full number, in either place, in any spelling.

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

describe('the local events with EVENTS_INCLUDE_PHONE_NUMBER off', () => {
  it('write no full number to events.jsonl or the console, for any event of the lifecycle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-events-privacy-'));
    const file = join(dir, 'events.jsonl');
    const lines: string[] = [];
    const events = await startLocalEvents({
      dynamodb: table.client,
      streams,
      tableName: table.tableName,
      eventsFile: file,
      source: 'otp-login',
      includePhoneNumber: false,
      log: (line) => lines.push(line),
      intervalMs: 60_000,
    });
    const from = '+919876512345';
    const to = '+12015550199';
    const user = await app.login(from);
    expect((await app.changeNumber(user.access, to)).status).toBe(200);
    const moved = await app.verifyNumberChange(user.access, to, app.sms.lastCodeFor(to));
    expect(moved.status).toBe(200);
    const access = String(moved.body.access);
    const client = passkeyClient(app, access);
    const passkey = await enrolledPasskey(client, 'ES256', 'Laptop');
    expect((await client.remove(String(passkey.created.id))).status).toBe(204);
    expect((await app.logoutAll(String(moved.body.refresh))).status).toBe(204);
    const again = await app.login(to);
    expect((await app.deleteAccount(again.access)).status).toBe(204);
    await events.poll();
    await events.stop();

    const text = await readFile(file, 'utf8');
    const types = text
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { 'detail-type': string })['detail-type']);
    // Every kind of event was written, or the check below would prove little.
    expect(types).toEqual([
      'UserCreated',
      'PhoneNumberChanged',
      'PasskeyAdded',
      'PasskeyRemoved',
      'SessionsRevoked',
      'UserDeleted',
    ]);
    expect(lines).toHaveLength(6);
    for (const number of [from, to]) {
      const national = number.slice(-10);
      for (const where of [text, lines.join('\n')]) {
        expect(where).not.toContain(number);
        expect(where).not.toContain(national);
      }
    }
  });
});
