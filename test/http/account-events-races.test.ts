import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountEvent } from '../../lambdas/core/account-events.js';
import { main as usersCli } from '../../scripts/users.js';
import { createTestTable, type TestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { enrolledPasskey, passkeyClient } from '../helpers/passkey-enrolment.js';
import { type StreamEvents, streamEventsOf, summaryOf } from '../helpers/stream-events.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// An attacker's view of the account events: two requests of one account racing each other through the
// real handlers (and the operator's CLI), the events read back from DynamoDB Local's stream. Whoever
// wins, the events must tell what the answers told: no event for the request that lost, and none
// missing for the one that won. One table and one stream for the file; each test takes its own events.

let table: TestTable;
let app: TestApp;
let stream: StreamEvents;

beforeAll(async () => {
  table = await createTestTable({ stream: true });
  app = await createTestApp(
    { SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100', SEND_MAX_PER_IP_PER_HOUR: '10000' },
    { table },
  );
  stream = await streamEventsOf(table);
});
afterAll(() => stream?.close());

let numbers = 0;
const freshNumber = () => `+9198766${String(10_000 + ++numbers).padStart(5, '0')}`;
const ROUNDS = 4;

/** The CLI in-process against the app's table; its exit code, never a throw. */
async function operator(...argv: string[]): Promise<number> {
  return usersCli(['--table', app.tableName, ...argv], testDynamoDbEnv(), {
    stdout: () => {},
    stderr: () => {},
    clock: app.clock,
  });
}

const types = (events: readonly AccountEvent[]) => events.map((event) => event['detail-type']);

describe('racing requests of one account publish what the answers say', () => {
  it('a number change racing the account deletion: PhoneNumberChanged or UserDeleted, as the winner answered, never both', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const from = freshNumber();
      const to = freshNumber();
      const user = await app.login(from);
      expect((await app.changeNumber(user.access, to)).status).toBe(200);
      const code = app.sms.lastCodeFor(to);
      await stream.take();

      const [moved, deleted] = await Promise.all([
        app.verifyNumberChange(user.access, to, code),
        app.deleteAccount(user.access),
      ]);

      const events = await stream.take();
      // Exactly one of the two commits: the loser's token names a number its user no longer holds.
      expect([moved.status, deleted.status].sort()).toEqual(moved.status === 200 ? [200, 401] : [204, 401]);
      expect(events.map(summaryOf)).toEqual(
        moved.status === 200
          ? [{ type: 'PhoneNumberChanged', sub: user.sub, country: 'IN', previous_country: 'IN' }]
          : [{ type: 'UserDeleted', sub: user.sub, country: 'IN', initiator: 'user' }],
      );
    }
  });

  it('sign out everywhere racing a number change: SessionsRevoked and PhoneNumberChanged exactly when their requests answered success', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const from = freshNumber();
      const to = freshNumber();
      const user = await app.login(from);
      expect((await app.changeNumber(user.access, to)).status).toBe(200);
      const code = app.sms.lastCodeFor(to);
      await stream.take();

      const [moved, signedOut] = await Promise.all([
        app.verifyNumberChange(user.access, to, code),
        app.logoutAll(user.refresh),
      ]);

      expect([200, 401]).toContain(moved.status);
      expect([204, 401]).toContain(signedOut.status);
      expect(moved.status === 200 || signedOut.status === 204).toBe(true);
      const events = await stream.take();
      // Sign out everywhere first ends the session the change was asked in (the move is refused),
      // or finds the sessions moved away with the number: each event exactly when its request won.
      expect(types(events)).toEqual([
        ...(signedOut.status === 204 ? ['SessionsRevoked'] : []),
        ...(moved.status === 200 ? ['PhoneNumberChanged'] : []),
      ]);
      if (signedOut.status === 204) {
        expect(summaryOf(events[0] as AccountEvent)).toEqual({
          type: 'SessionsRevoked',
          sub: user.sub,
          country: 'IN',
          initiator: 'user',
          session_epoch: 1,
        });
      }
      expect(events.every((event) => event.detail.sub === user.sub)).toBe(true);
    }
  });

  it('the user and an operator deleting one account at once: one UserDeleted, naming whoever won', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const phone = freshNumber();
      const user = await app.login(phone);
      await stream.take();

      // Each side starts first in turn, so that each wins some rounds.
      const [byUser, byOperator] =
        round % 2 === 0
          ? await Promise.all([app.deleteAccount(user.access), operator('remove', phone)])
          : await Promise.all([operator('remove', phone), app.deleteAccount(user.access)]).then(
              ([o, u]) => [u, o] as const,
            );

      const events = await stream.take();
      expect(events).toHaveLength(1);
      expect(events[0]?.['detail-type']).toBe('UserDeleted');
      expect(events[0]?.detail.sub).toBe(user.sub);
      // The user's 204 names the user; otherwise the operator's removal (exit 0) won.
      if (byUser.status === 204) {
        expect(events[0]?.detail).toHaveProperty('initiator', 'user');
      } else {
        expect(byUser.status).toBe(401);
        expect(byOperator).toBe(0);
        expect(events[0]?.detail).toHaveProperty('initiator', 'operator');
      }
    }
  });

  it('an operator add racing the first login of the number: one UserCreated for the one user, whoever wins', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const phone = freshNumber();
      expect((await app.sendOtp(phone)).status).toBe(200);
      const code = app.sms.lastCodeFor(phone);
      await stream.take();

      const [verified, added] =
        round % 2 === 0
          ? await Promise.all([app.verifyOtp(phone, code), operator('add', phone)])
          : await Promise.all([operator('add', phone), app.verifyOtp(phone, code)]).then(([a, v]) => [v, a] as const);

      expect(verified.status).toBe(200);
      expect(added).toBe(0);
      const events = await stream.take();
      expect(types(events)).toEqual(['UserCreated']);
      const sub = events[0]?.detail.sub;
      // The pending user the code was sent for is the one created: the login's token names it.
      const access = String(verified.body.access);
      expect(decodeJwt(access).sub).toBe(sub);
      expect(events[0]?.detail).toHaveProperty('via', expect.stringMatching(/^(login|operator)$/));
    }
  });

  it("a user's passkey removal racing DELETE /me: UserDeleted always, PasskeyRemoved only if the removal answered 204", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const phone = freshNumber();
      const user = await app.login(phone);
      const client = passkeyClient(app, user.access);
      const laptop = await enrolledPasskey(client, 'ES256', 'Laptop');
      await stream.take();

      const [removed, deleted] =
        round % 2 === 0
          ? await Promise.all([client.remove(String(laptop.created.id)), app.deleteAccount(user.access)])
          : await Promise.all([app.deleteAccount(user.access), client.remove(String(laptop.created.id))]).then(
              ([d, r]) => [r, d] as const,
            );

      expect(deleted.status).toBe(204);
      expect([204, 401, 404]).toContain(removed.status);
      const events = await stream.take();
      expect(types(events).sort()).toEqual(
        removed.status === 204 ? ['PasskeyRemoved', 'UserDeleted'] : ['UserDeleted'],
      );
      // Nothing of the passkey outlives the account (the deletion's DeleteItem made no event).
      expect(events.filter((event) => event['detail-type'] === 'PasskeyAdded')).toEqual([]);
    }
  });
});
