import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCountrySendLimiter } from '../../lambdas/adapters/dynamodb-country-send-limiter.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbIpRateLimiter } from '../../lambdas/adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { makeChangePhoneNumberHandler } from '../../lambdas/http/change-phone-number-handler.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { wrongCode } from '../helpers/fixtures.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, type TestApp } from '../helpers/test-app.js';

const CALLER = '+919876543210';
const REGISTERED = '+919876543220';
const FREE = '+919876543230';
const ND = '+919876543240';
const NE = '+919876543250';

async function sendsOf(app: TestApp, phoneNumber: string): Promise<number> {
  return (await app.records.get(phoneNumber, app.clock.seconds)).record.sendTimes.length;
}

describe('POST /me/phone-number costs the caller one send whatever the new number is', () => {
  it('lets the user change the number right after logging in: the caller pays, its cooldown does not apply', async () => {
    const app = await createTestApp({ SEND_COOLDOWN_SECONDS: '60' });
    const { access } = await app.login(CALLER); // the login's send starts CALLER's cooldown

    expect((await app.changeNumber(access, FREE)).status).toBe(200);
    expect(await sendsOf(app, CALLER)).toBe(2);
  });

  it('charges every probe, of a locked free number or a registered one, until the caller is out of sends', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '4', SEND_MAX_PER_DAY: '4', OTP_MAX_ATTEMPTS: '3' });
    const { access } = await app.login(CALLER); // the login is the caller's first send of the day
    await app.login(REGISTERED);
    // Wrong codes lock a free number: no SMS, no IP budget.
    for (let i = 0; i < 3; i++) expect((await app.verifyOtp(FREE, wrongCode('000000'))).status).toBe(400);
    const registered = await app.records.get(REGISTERED, app.clock.seconds);
    expect(await sendsOf(app, CALLER)).toBe(1);

    const locked = await app.changeNumber(access, FREE);
    expect([locked.status, locked.body.code]).toEqual([429, 'too_many_attempts']);
    expect(await sendsOf(app, CALLER)).toBe(2);

    const taken = await app.changeNumber(access, REGISTERED);
    expect([taken.status, taken.body.code]).toEqual([409, 'phone_number_taken']);
    expect(await sendsOf(app, CALLER)).toBe(3);

    const lockedAgain = await app.changeNumber(access, FREE);
    expect([lockedAgain.status, lockedAgain.body.code]).toEqual([429, 'too_many_attempts']);
    expect(await sendsOf(app, CALLER)).toBe(4);

    // SEND_MAX_PER_DAY spent: refused on the caller's own budget, whatever the target.
    for (const target of [REGISTERED, FREE, ND]) {
      const refused = await app.changeNumber(access, target);
      expect([refused.status, refused.body.code], target).toEqual([429, 'rate_limited']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    }
    expect(await sendsOf(app, CALLER)).toBe(4);
    // The registered number's record was never written.
    expect(await app.records.get(REGISTERED, app.clock.seconds)).toEqual(registered);
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual([CALLER, REGISTERED]);
  });
});

/** Every item of the table, as text. */
async function scanTable(app: TestApp): Promise<string[]> {
  const { Items = [] } = await app.client.send(new ScanCommand({ TableName: app.tableName }));
  return Items.map((item) => JSON.stringify(item));
}

async function changeSecretOf(app: TestApp, phoneNumber: string): Promise<string> {
  const secret = (await app.records.get(phoneNumber, app.clock.seconds)).record.change?.secret;
  if (!secret) throw new Error(`no change pending on ${phoneNumber}`);
  return secret;
}

describe('DELETE /me after several number-change requests', () => {
  it('leaves no item holding the user id or a change secret of the user', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '10', SEND_MAX_PER_DAY: '10' });
    const { access, sub } = await app.login(CALLER);
    expect((await app.changeNumber(access, ND)).status).toBe(200);
    app.clock.advance(30);
    expect((await app.changeNumber(access, NE)).status).toBe(200);
    const secrets = [await changeSecretOf(app, ND), await changeSecretOf(app, NE)];
    expect((await scanTable(app)).filter((item) => item.includes(sub)).length).toBeGreaterThanOrEqual(3);

    expect((await app.deleteAccount(access)).status).toBe(204);

    const items = await scanTable(app);
    expect(items.length).toBeGreaterThan(0);
    for (const needle of [sub, ...secrets]) expect(items.filter((item) => item.includes(needle))).toEqual([]);
  });

  it('withdraws a change whose code expired long ago when the next one is asked for', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '10', SEND_MAX_PER_DAY: '10' });
    const { access, sub } = await app.login(CALLER);
    expect((await app.changeNumber(access, ND)).status).toBe(200);
    const secret = await changeSecretOf(app, ND);
    app.clock.advance(2 * 3600); // the ND code is long dead
    // and so is that login: a number change needs a recent one (RECENT_LOGIN_MAX_AGE_SECONDS)
    const { access: again } = await app.login(CALLER);
    expect((await app.changeNumber(again, NE)).status).toBe(200);

    const nd = (await app.records.get(ND, app.clock.seconds)).record;
    expect(nd.change).toBeUndefined();
    expect(JSON.stringify(nd)).not.toContain(secret);
    expect((await app.records.get(CALLER, app.clock.seconds)).record.pendingChanges).toEqual([
      { phoneNumber: NE, requestedAt: app.clock.seconds },
    ]);
    expect((await app.deleteAccount(again)).status).toBe(204);
    expect((await scanTable(app)).filter((item) => item.includes(sub))).toEqual([]);
  });

  it('after moving to one of the numbers, still withdraws the others', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '10', SEND_MAX_PER_DAY: '10' });
    const { access, sub } = await app.login(CALLER);
    expect((await app.changeNumber(access, ND)).status).toBe(200);
    const code = app.sms.lastCodeFor(ND);
    expect((await app.changeNumber(access, NE)).status).toBe(200);
    const neSecret = await changeSecretOf(app, NE);
    const moved = await app.verifyNumberChange(access, ND, code);
    expect(moved.status).toBe(200);

    expect((await app.deleteAccount(String(moved.body.access))).status).toBe(204);

    const items = await scanTable(app);
    for (const needle of [sub, neSecret]) expect(items.filter((item) => item.includes(needle))).toEqual([]);
  });

  it('withdraws a change to a test number too', async () => {
    const TEST_NUMBER = '+12015550123';
    const app = await createTestApp({ TEST_PHONE_NUMBERS: `${TEST_NUMBER}:424242` });
    const { access, sub } = await app.login(CALLER);
    const sendsBefore = await sendsOf(app, CALLER);
    expect((await app.changeNumber(access, TEST_NUMBER)).status).toBe(200);
    expect(await sendsOf(app, CALLER)).toBe(sendsBefore); // listed, not charged: test numbers cost nothing

    expect((await app.deleteAccount(access)).status).toBe(204);

    expect((await scanTable(app)).filter((item) => item.includes(sub) || item.includes('changeSecret'))).toEqual([]);
  });

  it('leaves nothing when the deletion lands between the caller charge and the change write, and sends nothing', async () => {
    const app = await createTestApp();
    const { access, sub } = await app.login(CALLER);
    const documents = createDocumentClient(app.client);
    const ipWindows = new DynamoDbIpRateLimiter(documents, app.tableName);
    let deleted = false;
    // The IP is counted after the caller's record is written and before the new number's is.
    const ipLimiter = {
      tryConsume: async (ip: string, now: number, max: number) => {
        if (!deleted) {
          deleted = true;
          expect((await app.deleteAccount(access)).status).toBe(204);
        }
        return ipWindows.tryConsume(ip, now, max);
      },
      refund: (ip: string, at: number) => ipWindows.refund(ip, at),
    };
    const changePhoneNumber = makeChangePhoneNumberHandler(
      {
        records: new DynamoDbPhoneRecordStore(documents, app.tableName),
        ipLimiter,
        countryLimiter: new DynamoDbCountrySendLimiter(documents, app.tableName),
        sms: app.sms,
        clock: app.clock,
        policy: app.policy,
        recentLoginMaxAgeSeconds: 300,
      },
      createTelemetry(),
    );
    const smsBefore = app.sms.sent.length;

    const answer = await invoke(
      changePhoneNumber,
      apiEvent('POST', '/me/phone-number', { phone_number: ND }, { claims: authorizerClaimsOf(access) }),
    );

    expect(deleted).toBe(true);
    expect([answer.status, answer.body.code]).toEqual([401, 'invalid_token']);
    expect(app.sms.sent.length).toBe(smsBefore);
    expect((await scanTable(app)).filter((item) => item.includes(sub) || item.includes('changeSecret'))).toEqual([]);
  });
});
