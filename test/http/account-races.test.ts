import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestResponse } from '../helpers/test-app.js';

/**
 * The account routes under real concurrency against DynamoDB Local: each scenario starts its requests
 * together and checks what must hold whatever order DynamoDB serialized them in. Several rounds each,
 * so more than one interleaving is exercised.
 */
const ROUNDS = 6;

const numberOf = (round: number, slot: number) => `+9198765${String(round * 10 + slot).padStart(5, '0')}`;

/** `count` sessions of one number, one login after another (concurrent sends would replace each other's code). */
async function devices(app: TestApp, phone: string, count: number) {
  const logins = [];
  for (let i = 0; i < count; i++) logins.push(await app.login(phone));
  return logins;
}

/** Sends a code and trades it, without throwing: in a race either step may lose, but never with a 5xx. */
async function tryLogin(app: TestApp, phone: string): Promise<TestResponse | undefined> {
  const sent = await app.sendOtp(phone);
  expect([200, 429], `send-otp ${JSON.stringify(sent.body)}`).toContain(sent.status);
  if (sent.status !== 200) return undefined;
  const verified = await app.verifyOtp(phone, app.sms.lastCodeFor(phone));
  expect([200, 400, 429], `verify-otp ${JSON.stringify(verified.body)}`).toContain(verified.status);
  return verified;
}

/** What a racing account route may answer: success or a 4xx, never a 5xx. */
const RACE_STATUSES = [200, 204, 400, 401, 409, 429];

const subOf = (response: TestResponse | undefined) =>
  response?.status === 200 ? String(decodeJwt(String(response.body.access)).sub) : undefined;

/** Every refresh token in the answers that belongs to `sub`. */
function refreshTokensOf(sub: string, answers: readonly (TestResponse | undefined)[]): string[] {
  return answers.filter((answer) => subOf(answer) === sub).map((answer) => String(answer?.body.refresh));
}

describe('a deletion racing refreshes and a login of the same number', () => {
  it('leaves no live refresh token of the deleted user, whichever order they land in', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100' });
    for (let round = 0; round < ROUNDS; round++) {
      const phone = numberOf(round, 0);
      const owner = await app.login(phone);
      const others = await devices(app, phone, 3);

      // Each device refreshes three times in a row while the deletion and a new login run.
      const chains = others.map(async (device) => {
        const answers: TestResponse[] = [];
        let refresh = device.refresh;
        for (let i = 0; i < 3; i++) {
          const answer = await app.refresh(refresh);
          answers.push(answer);
          if (answer.status !== 200) break;
          refresh = String(answer.body.refresh);
        }
        return answers;
      });
      const [deleted, login, ...refreshed] = await Promise.all([
        app.deleteAccount(owner.access),
        tryLogin(app, phone),
        ...chains,
      ]);

      expect(deleted.status).toBe(204);
      for (const answer of refreshed.flat()) expect([200, 401]).toContain(answer.status);
      expect(RACE_STATUSES).toContain(login?.status ?? 200);
      const issued = [
        owner.refresh,
        ...others.map((d) => d.refresh),
        ...refreshTokensOf(owner.sub, [login, ...refreshed.flat()]),
      ];
      for (const refresh of issued) {
        expect((await app.refresh(refresh)).status, `round ${round}`).toBe(401);
      }
      // A login that landed after the deletion is somebody new; one before it ended with the user.
      const newSub = subOf(login);
      if (newSub !== undefined && newSub !== owner.sub) {
        expect((await app.refresh(String(login?.body.refresh))).status).toBe(200);
      }
      expect((await app.me(owner.access)).status).toBe(401);
    }
  });
});

describe('sign out everywhere racing refreshes', () => {
  it('ends every session, including the refreshes that won their race', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100' });
    for (let round = 0; round < ROUNDS; round++) {
      const phone = numberOf(round, 1);
      const sessions = await devices(app, phone, 4);
      const [first, ...others] = sessions;

      const [signedOut, ...refreshed] = await Promise.all([
        app.logoutAll(String(first?.refresh)),
        ...others.map((device) => app.refresh(device.refresh)),
      ]);

      expect(signedOut.status).toBe(204);
      for (const answer of refreshed) expect([200, 401]).toContain(answer.status);
      const issued = [...sessions.map((d) => d.refresh), ...refreshTokensOf(String(first?.sub), refreshed)];
      for (const refresh of issued) expect((await app.refresh(refresh)).status, `round ${round}`).toBe(401);
      const again = await app.login(phone);
      expect((await app.refresh(again.refresh)).status).toBe(200);
    }
  });
});

describe('a number change racing a login of either number', () => {
  it('leaves the user on exactly one of them, and only that number logs in to it', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100' });
    const outcomes = new Set<string>();
    for (let round = 0; round < ROUNDS * 2; round++) {
      const [oldNumber, newNumber] = [numberOf(round, 2), numberOf(round, 3)];
      const user = await app.login(oldNumber);
      expect((await app.changeNumber(user.access, newNumber)).status).toBe(200);
      const changeCode = app.sms.lastCodeFor(newNumber);

      // Even rounds race a login of each number; odd rounds only the old number's, whose writes make
      // the move's transaction re-read and retry instead of killing its code (a login send to the new
      // number replaces the change code, so with it the move usually loses).
      const [moved, loginOld, loginNew] = await Promise.all([
        app.verifyNumberChange(user.access, newNumber, changeCode),
        tryLogin(app, oldNumber),
        round % 2 === 0 ? tryLogin(app, newNumber) : Promise.resolve(undefined),
      ]);

      expect(RACE_STATUSES, `move ${JSON.stringify(moved.body)}`).toContain(moved.status);
      const now = app.clock.seconds;
      const holders = (
        await Promise.all([oldNumber, newNumber].map(async (phone) => (await app.records.get(phone, now)).record))
      ).filter((record) => record.user?.userId === user.sub && record.user.status === 'active');
      expect(holders, `round ${round}`).toHaveLength(1);
      const holder = holders[0]?.phoneNumber;
      outcomes.add(holder === newNumber ? 'moved' : 'stayed');
      expect(moved.status === 200).toBe(holder === newNumber);

      // Every refresh token of the user that still works carries the number that holds it.
      for (const refresh of [user.refresh, ...refreshTokensOf(user.sub, [moved, loginOld, loginNew])]) {
        const answer = await app.refresh(refresh);
        if (answer.status === 200) {
          expect(decodeJwt(String(answer.body.access)).phone_number, `round ${round}`).toBe(holder);
        }
      }
      // From now on only the holder logs in to the user; the other number is somebody else.
      const [afterOld, afterNew] = [await app.login(oldNumber), await app.login(newNumber)];
      expect([afterOld.sub === user.sub, afterNew.sub === user.sub]).toEqual([
        holder === oldNumber,
        holder === newNumber,
      ]);
    }
    // The move won some races against the old number's writes, so the checks above saw it land.
    expect(outcomes).toContain('moved');
  });
});

describe('a deletion racing a number change', () => {
  it('leaves the user either moved or deleted, never on both numbers and never half-deleted', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '100', SEND_MAX_PER_DAY: '100' });
    for (let round = 0; round < ROUNDS; round++) {
      const [oldNumber, newNumber] = [numberOf(round, 4), numberOf(round, 5)];
      const user = await app.login(oldNumber);
      await app.changeNumber(user.access, newNumber);

      const [deleted, moved] = await Promise.all([
        app.deleteAccount(user.access),
        app.verifyNumberChange(user.access, newNumber, app.sms.lastCodeFor(newNumber)),
      ]);

      const now = app.clock.seconds;
      const holders = (
        await Promise.all([oldNumber, newNumber].map(async (phone) => (await app.records.get(phone, now)).record))
      ).filter((record) => record.user?.userId === user.sub);
      // Exactly one of the two won. A losing move saw the user gone (401), or the deletion had already
      // withdrawn its change code (400 invalid_otp); a losing deletion saw the user moved away (401).
      if (deleted.status === 204) expect([400, 401], `round ${round}`).toContain(moved.status);
      else expect([deleted.status, moved.status], `round ${round}`).toEqual([401, 200]);
      expect(holders.map((h) => h.phoneNumber)).toEqual(moved.status === 200 ? [newNumber] : []);
      expect((await app.refresh(user.refresh)).status).toBe(401);
    }
  });
});
