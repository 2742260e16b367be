import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const HOUR = 3600;

/** `count` distinct valid Indian mobile numbers. */
function indianMobiles(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `+9198765${String(10_000 + i).padStart(5, '0')}`);
}

/** The units counted in every window whose partition key starts with `prefix`. */
async function unitsSpent(app: TestApp, prefix: string): Promise<number> {
  const { Items = [] } = await app.client.send(
    new ScanCommand({
      TableName: app.tableName,
      FilterExpression: 'begins_with(pk, :p)',
      ExpressionAttributeValues: { ':p': { S: prefix } },
    }),
  );
  return Items.reduce((sum, item) => sum + Number(item.count?.N ?? 0), 0);
}

describe('SEND_MAX_PER_COUNTRY_PER_HOUR under concurrency (DynamoDB Local)', () => {
  it('of 64 concurrent sends to 64 numbers of one country from 64 IPs, admits 47 or 48 of the budget of 48; the rest get 429 and no SMS', async () => {
    const recording = recordingTelemetry();
    const app = await createTestApp(
      { SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=48,*=1000' },
      { telemetry: recording.telemetry },
    );
    const numbers = indianMobiles(64);
    const secondsLeft = HOUR - (app.clock.seconds % HOUR);

    const responses = await Promise.all(numbers.map((number, i) => app.sendOtp(number, `198.51.100.${i + 1}`)));

    const accepted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200);
    // A request whose shard is full tries the others: refused only once the whole budget is spent.
    // Shares of 3 against 4 draws each on average: giving up on the first full shard would leave
    // several shards unspent.
    expect(accepted.length).toBeLessThanOrEqual(48);
    expect(accepted.length).toBeGreaterThanOrEqual(47);
    for (const response of refused) {
      expect(response.status).toBe(429);
      expect(response.body).toEqual({ error: 'Too many requests. Try again later.', code: 'rate_limited' });
      expect(Number(response.headers['retry-after'])).toBe(secondsLeft);
    }
    expect(app.sms.sent).toHaveLength(accepted.length);
    const texted = new Set(app.sms.sent.map((sms) => sms.phoneNumber));
    responses.forEach((response, i) => {
      expect(texted.has(numbers[i] ?? '')).toBe(response.status === 200);
    });
    // The shards counted exactly the sends that went out.
    expect(await unitsSpent(app, 'CTRY#IN#')).toBe(accepted.length);
    expect(recording.countedInCountry).toEqual(refused.map(() => ['CountryBudgetSpent', 'IN']));
    expect(recording.counted.filter((metric) => metric === 'CountryBudgetSpent')).toHaveLength(refused.length);
  });

  it("counts another country's sends against its own budget", async () => {
    const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' });

    expect((await app.sendOtp('+919876543210')).status).toBe(200);
    expect((await app.sendOtp('+919876543211')).status).toBe(429);
    expect((await app.sendOtp('+12015550123')).status).toBe(200); // US: not listed, no *
    app.clock.advance(HOUR);
    expect((await app.sendOtp('+919876543211')).status).toBe(200);
  });

  it('refuses an unknown number under closed signup once the budget is spent, exactly as a known one', async () => {
    const app = await createTestApp({
      SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1',
      SIGNUP_MODE: 'closed',
      TEST_PHONE_NUMBERS: '+919000000000:111111',
    });
    await app.records.save(
      {
        phoneNumber: '+919876543210',
        user: { userId: 'u1', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', status: 'active', createdAt: 0 },
        failedAttempts: 0,
        sendTimes: [],
      },
      0,
    );

    expect((await app.sendOtp('+919876543299')).status).toBe(200); // unknown: checked, not counted
    expect((await app.sendOtp('+919876543210')).status).toBe(200); // known: spends the budget
    const known = await app.sendOtp('+919876543210');
    const unknown = await app.sendOtp('+919876543298');
    expect([known.status, known.body, known.headers['retry-after']]).toEqual([
      unknown.status,
      unknown.body,
      unknown.headers['retry-after'],
    ]);
    expect(unknown.status).toBe(429);
    expect((await app.sendOtp('+919000000000')).status).toBe(200); // a test number spends nothing
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual(['+919876543210']);
  });

  it('spends exactly one unit for 25 concurrent sends to one registered number, which texts it once', async () => {
    const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=48', SEND_COOLDOWN_SECONDS: '60' });
    const phone = '+919876543210';
    await app.records.save(
      {
        phoneNumber: phone,
        user: { userId: 'u1', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', status: 'active', createdAt: 0 },
        failedAttempts: 0,
        sendTimes: [],
      },
      0,
    );

    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => app.sendOtp(phone, `198.51.100.${i + 1}`)),
    );

    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200)) {
      expect([response.status, response.body.code]).toEqual([429, 'rate_limited']);
    }
    expect(app.sms.sent).toHaveLength(1);
    // The 24 refused by the cooldown, after losing the record write or not, kept no unit.
    expect(await unitsSpent(app, 'CTRY#IN#')).toBe(1);
    expect(await unitsSpent(app, 'IP#')).toBe(1);
  });

  it('spends as many units as SMS sent for 25 concurrent number changes to one number', async () => {
    const app = await createTestApp({
      SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=48',
      SEND_COOLDOWN_SECONDS: '60',
      SEND_MAX_PER_HOUR: '100',
      SEND_MAX_PER_DAY: '100',
      SEND_MAX_PER_IP_PER_HOUR: '100',
    });
    // A US account (no US budget), so only the change codes count against India's.
    const { access } = await app.login('+12015550123');
    const target = '+919876543211';

    const responses = await Promise.all(Array.from({ length: 25 }, () => app.changeNumber(access, target)));

    const sent = responses.filter((response) => response.status === 200);
    expect(sent).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200)) {
      expect([response.status, response.body.code]).toEqual([429, 'rate_limited']);
    }
    expect(app.sms.sent.filter((sms) => sms.phoneNumber === target)).toHaveLength(1);
    expect(await unitsSpent(app, 'CTRY#IN#')).toBe(1);
  });

  it('sends to three numbers one after another under IN=3 and refuses only the fourth, hour after hour', async () => {
    const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=3' });
    // Five hours: a request that gave up on the first full shard it drew would fail one of them
    // with a probability of 1 - (2/9)^5.
    for (let hour = 0; hour < 5; hour++) {
      const numbers = indianMobiles(20).slice(hour * 4, hour * 4 + 4);
      const statuses = [];
      for (const number of numbers) statuses.push((await app.sendOtp(number, `198.51.100.${hour + 1}`)).status);
      expect(statuses, `hour ${hour}`).toEqual([200, 200, 200, 429]);
      app.clock.advance(HOUR);
    }
  });

  it('gives the unit back when the SMS provider refuses the message: the budget counts SMS sent', async () => {
    const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' });
    app.sms.failNext = 1;

    const failed = await app.sendOtp('+919876543210');
    expect([failed.status, failed.body.code]).toEqual([503, 'sms_unavailable']);
    expect(await unitsSpent(app, 'CTRY#IN#')).toBe(0);
    // The IP unit stays: a client cannot hammer a failing provider past its own hourly budget.
    expect(await unitsSpent(app, 'IP#')).toBe(1);
    expect((await app.sendOtp('+919876543211')).status).toBe(200);
    expect((await app.sendOtp('+919876543212')).status).toBe(429);
  });

  it('counts the notice a move texts to the old number, which a spent budget does not silence', async () => {
    const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' });
    const user = await app.login('+919876543210'); // IN 1 of 1
    expect((await app.changeNumber(user.access, '+447400123456')).status).toBe(200);
    const moved = await app.verifyNumberChange(user.access, '+447400123456', app.sms.lastCodeFor('+447400123456'));
    expect(moved.status).toBe(200);

    const toIndia = app.sms.sent.filter((sms) => sms.phoneNumber.startsWith('+91'));
    expect(toIndia).toHaveLength(2); // the login code and the notice
    expect(await unitsSpent(app, 'CTRY#IN#')).toBe(2);
    app.clock.advance(HOUR - (app.clock.seconds % HOUR) - 1); // later in the same hour
    expect((await app.sendOtp('+919876543211')).status).toBe(429);
  });
});
