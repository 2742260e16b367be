import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChangeOf } from '../../lambdas/adapters/dynamodb-stream-records.js';
import { type AccountEvent, accountEventsOf } from '../../lambdas/core/account-events.js';
import { main as usersCli } from '../../scripts/users.js';
import { createTestTable, type TestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { enrolledPasskey, passkeyClient } from '../helpers/passkey-enrolment.js';
import { assertionFor, passkeyVerify } from '../helpers/passkeys.js';
import { type StreamEvents, streamEventsOf, summaryOf } from '../helpers/stream-events.js';
import { createTestApp, type TestApp, wrongCode } from '../helpers/test-app.js';

// Every lifecycle path through the real handlers (and the operator's CLI), its events read back from
// DynamoDB Local's stream of the table the writes went to: what the table says happened, once. One
// table and one stream for the whole file; each test takes the events its own steps made.

let table: TestTable;
let app: TestApp;
let stream: StreamEvents;

beforeAll(async () => {
  table = await createTestTable({ stream: true });
  // Limits high enough for the many logins of one number the deletion race makes.
  app = await createTestApp(
    { SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100', SEND_MAX_PER_IP_PER_HOUR: '10000' },
    { table },
  );
  stream = await streamEventsOf(table);
});
afterAll(() => stream?.close());

let numbers = 0;
/** A fresh Indian mobile number per call: every scenario starts from a number nobody used. */
const freshNumber = () => `+9198765${String(43_000 + ++numbers).padStart(5, '0')}`;
const US_NUMBER = '+12015550123';

/** The CLI in-process against the app's table, as an operator runs it. */
async function operator(...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await usersCli(['--table', app.tableName, ...argv], testDynamoDbEnv(), {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    clock: app.clock,
  });
  if (code !== 0) throw new Error(`users ${argv.join(' ')} exited ${code}: ${err}`);
  return out;
}

const summaries = (events: readonly AccountEvent[]) => events.map(summaryOf);

describe('account events of the lifecycle, from the table stream', () => {
  it('publishes UserCreated (via login) for a first login, with an id per record and type, and nothing for a second login', async () => {
    const phone = freshNumber();
    await stream.take();
    const first = await app.login(phone);

    const events = await stream.take();
    expect(summaries(events)).toEqual([{ type: 'UserCreated', sub: first.sub, country: 'IN', via: 'login' }]);
    const [created] = events;
    expect(created?.detail.event_id).toMatch(/^[0-9a-f-]{36}:UserCreated$/);
    expect(created?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created?.detail.time).toBe(created?.time);
    expect(created?.detail).not.toHaveProperty('phone_number');

    const second = await app.login(phone);
    expect(second.sub).toBe(first.sub);
    expect(await stream.take()).toEqual([]);
  });

  it('publishes UserCreated (via operator) for `users add`, and nothing when that user then logs in', async () => {
    const phone = freshNumber();
    await stream.take();
    await operator('add', phone);
    const events = await stream.take();
    expect(events).toHaveLength(1);
    const sub = events[0]?.detail.sub;
    expect(summaries(events)).toEqual([{ type: 'UserCreated', sub, country: 'IN', via: 'operator' }]);

    expect((await app.login(phone)).sub).toBe(sub);
    expect(await stream.take()).toEqual([]);
    // Adding an existing user writes nothing, so publishes nothing.
    await operator('add', phone);
    expect(await stream.take()).toEqual([]);
  });

  it('publishes exactly one PhoneNumberChanged for a number change, the numbers only when asked to', async () => {
    const from = freshNumber();
    const user = await app.login(from);
    await stream.take();

    expect((await app.changeNumber(user.access, US_NUMBER)).status).toBe(200);
    const code = app.sms.lastCodeFor(US_NUMBER);
    expect((await app.verifyNumberChange(user.access, US_NUMBER, wrongCode(code))).status).toBe(400);
    // The request and the refused code write both records, and publish nothing.
    expect(await stream.take()).toEqual([]);

    const moved = await app.verifyNumberChange(user.access, US_NUMBER, code);
    expect(moved.status).toBe(200);
    const changes = await stream.takeChanges();
    const without = changes.flatMap((change) => accountEventsOf(change, { includePhoneNumber: false }));
    const withNumbers = changes.flatMap((change) => accountEventsOf(change, { includePhoneNumber: true }));
    expect(summaries(without)).toEqual([
      { type: 'PhoneNumberChanged', sub: user.sub, country: 'US', previous_country: 'IN' },
    ]);
    expect(summaries(withNumbers)).toEqual([
      {
        type: 'PhoneNumberChanged',
        sub: user.sub,
        country: 'US',
        phone_number: US_NUMBER,
        previous_country: 'IN',
        previous_phone_number: from,
      },
    ]);

    // The session the move issued goes on without events; the user leaves the US number for the next test.
    expect((await app.refresh(String(moved.body.refresh))).status).toBe(200);
    expect((await app.deleteAccount(String(moved.body.access))).status).toBe(204);
    expect(summaries(await stream.take())).toEqual([
      { type: 'UserDeleted', sub: user.sub, country: 'US', initiator: 'user' },
    ]);
  });

  it('publishes UserDeleted with the initiator: the user (DELETE /me) or an operator (`users remove`)', async () => {
    const mine = freshNumber();
    const theirs = freshNumber();
    const user = await app.login(mine);
    const other = await app.login(theirs);
    await stream.take();

    expect((await app.deleteAccount(user.access)).status).toBe(204);
    expect(summaries(await stream.take())).toEqual([
      { type: 'UserDeleted', sub: user.sub, country: 'IN', initiator: 'user' },
    ]);
    await operator('remove', theirs);
    expect(summaries(await stream.take())).toEqual([
      { type: 'UserDeleted', sub: other.sub, country: 'IN', initiator: 'operator' },
    ]);
    // A new login of the number is a new user.
    const again = await app.login(mine);
    expect(again.sub).not.toBe(user.sub);
    expect(summaries(await stream.take())).toEqual([
      { type: 'UserCreated', sub: again.sub, country: 'IN', via: 'login' },
    ]);
  });

  it('publishes SessionsRevoked for sign out everywhere (user) and `users revoke` (operator), nothing for a plain logout', async () => {
    const phone = freshNumber();
    const user = await app.login(phone);
    const second = await app.login(phone);
    await stream.take();

    expect((await app.logout(second.refresh)).status).toBe(204);
    expect(await stream.take()).toEqual([]);

    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    expect(summaries(await stream.take())).toEqual([
      { type: 'SessionsRevoked', sub: user.sub, country: 'IN', initiator: 'user', session_epoch: 1 },
    ]);

    await operator('revoke', phone);
    expect(summaries(await stream.take())).toEqual([
      { type: 'SessionsRevoked', sub: user.sub, country: 'IN', initiator: 'operator', session_epoch: 2 },
    ]);
  });

  it('publishes PasskeyAdded and PasskeyRemoved (user, operator, --all), nothing for a passkey sign-in, and only UserDeleted for an account with passkeys', async () => {
    const phone = freshNumber();
    const user = await app.login(phone);
    const client = passkeyClient(app, user.access);
    await stream.take();

    const laptop = await enrolledPasskey(client, 'ES256', 'Laptop');
    const laptopId = String(laptop.created.id);
    expect(summaries(await stream.take())).toEqual([
      {
        type: 'PasskeyAdded',
        sub: user.sub,
        country: 'IN',
        passkeys: [
          {
            id: laptopId,
            name: 'Laptop',
            created_at: laptop.created.created_at,
            // The soft authenticator says it is synced (BE and BS), as a platform passkey does.
            device_type: 'multi_device',
            backed_up: true,
          },
        ],
      },
    ]);

    const signedIn = await passkeyVerify(app, await assertionFor(app, laptop.device));
    expect(signedIn.status).toBe(200);
    expect(await stream.take()).toEqual([]);

    expect((await client.remove(laptopId)).status).toBe(204);
    expect(summaries(await stream.take())).toEqual([
      {
        type: 'PasskeyRemoved',
        sub: user.sub,
        country: 'IN',
        passkeys: [{ id: laptopId, name: 'Laptop' }],
        initiator: 'user',
      },
    ]);

    const phoneKey = await enrolledPasskey(client, 'EdDSA', 'Phone');
    const tablet = await enrolledPasskey(client, 'ES256', 'Tablet');
    const key = await enrolledPasskey(client, 'ES256', 'Key');
    expect((await stream.take()).map((event) => event['detail-type'])).toEqual([
      'PasskeyAdded',
      'PasskeyAdded',
      'PasskeyAdded',
    ]);
    await operator('passkeys', 'remove', phone, String(phoneKey.created.id));
    expect(summaries(await stream.take())).toEqual([
      {
        type: 'PasskeyRemoved',
        sub: user.sub,
        country: 'IN',
        passkeys: [{ id: phoneKey.created.id, name: 'Phone' }],
        initiator: 'operator',
      },
    ]);
    await operator('passkeys', 'remove', phone, '--all');
    const all = await stream.take();
    expect(all.map(summaryOf)).toEqual([
      {
        type: 'PasskeyRemoved',
        sub: user.sub,
        country: 'IN',
        passkeys: expect.arrayContaining([
          { id: tablet.created.id, name: 'Tablet' },
          { id: key.created.id, name: 'Key' },
        ]),
        initiator: 'operator',
      },
    ]);
    expect(all[0]?.detail).toHaveProperty('passkeys.length', 2);

    await enrolledPasskey(client, 'ES256', 'Last');
    expect((await stream.take()).map((event) => event['detail-type'])).toEqual(['PasskeyAdded']);
    expect((await app.deleteAccount(user.access)).status).toBe(204);
    // The passkey item goes with the account: UserDeleted says it all.
    expect(summaries(await stream.take())).toEqual([
      { type: 'UserDeleted', sub: user.sub, country: 'IN', initiator: 'user' },
    ]);
  });
});

describe('refused and lost-race requests publish nothing', () => {
  it('a wrong code, a locked number and a refused code after the lockout publish nothing', async () => {
    const phone = freshNumber();
    await stream.take();
    expect((await app.sendOtp(phone)).status).toBe(200);
    const code = app.sms.lastCodeFor(phone);
    for (let i = 0; i < app.policy.otpMaxAttempts; i++) {
      expect((await app.verifyOtp(phone, wrongCode(code))).status).toBe(400);
    }
    expect(await app.verifyOtp(phone, code)).toMatchObject({ status: 429, body: { code: 'too_many_attempts' } });
    expect(await stream.take()).toEqual([]);
  });

  it('concurrent first logins of one number with the same code: one 200, one UserCreated', async () => {
    const phone = freshNumber();
    await stream.take();
    expect((await app.sendOtp(phone)).status).toBe(200);
    const code = app.sms.lastCodeFor(phone);
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.verifyOtp(phone, code)));
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    const sub = decodeJwt(String(ok[0]?.body.access)).sub;
    expect(summaries(await stream.take())).toEqual([{ type: 'UserCreated', sub, country: 'IN', via: 'login' }]);
  });

  it('concurrent sign outs everywhere: one SessionsRevoked per epoch moved', async () => {
    const phone = freshNumber();
    const first = await app.login(phone);
    const second = await app.login(phone);
    await stream.take();
    const answers = await Promise.all([
      app.logoutAll(first.refresh),
      app.logoutAll(second.refresh),
      app.logoutAll(first.refresh),
      app.logoutAll(second.refresh),
    ]);
    expect(answers.filter((answer) => answer.status === 204)).toHaveLength(1);
    expect(summaries(await stream.take())).toEqual([
      { type: 'SessionsRevoked', sub: first.sub, country: 'IN', initiator: 'user', session_epoch: 1 },
    ]);
  });

  it('a deletion racing a login: every user is created once, and never deleted before it was created', async () => {
    const phone = freshNumber();
    await stream.take();
    let holder = await app.login(phone);
    for (let round = 0; round < 12; round++) {
      const [deleted] = await Promise.all([
        app.deleteAccount(holder.access),
        app.login(phone).then(
          (session) => session,
          () => undefined,
        ),
      ]);
      expect(deleted.status).toBe(204);
      holder = await app.login(phone);
    }
    const bySub = new Map<string, string[]>();
    const events = await stream.take();
    for (const event of events) {
      expect(['UserCreated', 'UserDeleted']).toContain(event['detail-type']);
      bySub.set(event.detail.sub, [...(bySub.get(event.detail.sub) ?? []), event['detail-type']]);
    }
    // 13 users at least (one per round and the first), each created once, then maybe deleted once.
    expect(bySub.size).toBeGreaterThanOrEqual(13);
    for (const sequence of bySub.values()) {
      expect([['UserCreated'], ['UserCreated', 'UserDeleted']]).toContainEqual(sequence);
    }
    // Exactly one user holds the number at the end: the one created last and not deleted.
    expect([...bySub.values()].filter((sequence) => sequence.length === 1)).toHaveLength(1);
    expect(bySub.get(holder.sub)).toEqual(['UserCreated']);
  });
});

describe('what never leaves', () => {
  it('no secret of any image of the whole run (TOTP and change secrets, token hashes, public keys) is in any event', async () => {
    const records = await stream.allRecords();
    const secrets = new Map<string, Set<string>>();
    const keep = (kind: string, value: unknown) => {
      if (typeof value !== 'string' || value.length < 8) return;
      secrets.set(kind, (secrets.get(kind) ?? new Set()).add(value));
    };
    for (const record of records) {
      for (const raw of [record.dynamodb?.OldImage, record.dynamodb?.NewImage]) {
        if (!raw) continue;
        const image = unmarshall(raw as never) as Record<string, unknown>;
        for (const name of ['totpSecret', 'changeSecret', 'headHash', 'previousHash']) keep(name, image[name]);
        for (const passkey of Object.values((image.passkeys ?? {}) as Record<string, { publicKey?: unknown }>)) {
          keep('publicKey', passkey.publicKey);
        }
      }
    }
    // Every kind was in the images, or the check below would prove nothing.
    expect([...secrets.keys()].sort()).toEqual(
      ['changeSecret', 'headHash', 'previousHash', 'publicKey', 'totpSecret'].sort(),
    );
    const events = records.flatMap((record) => accountEventsOf(tableChangeOf(record), { includePhoneNumber: true }));
    expect(events.length).toBeGreaterThan(20);
    const published = JSON.stringify(events);
    for (const [kind, values] of secrets) {
      for (const value of values) expect(published.includes(value), `a ${kind} is in an event`).toBe(false);
    }
  });
});
