import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const HOUR = 3600;

/** `count` distinct valid Indian mobile numbers. */
function indianMobiles(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `+9198765${String(10_000 + i).padStart(5, '0')}`);
}

describe('SEND_MAX_PER_COUNTRY_PER_HOUR under concurrency (DynamoDB Local)', () => {
  it('of 80 concurrent sends to 80 numbers of one country from 80 IPs, admits at most the budget of 24; the rest get 429 and no SMS', async () => {
    const recording = recordingTelemetry();
    const app = await createTestApp(
      { SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=24,*=1000' },
      { telemetry: recording.telemetry },
    );
    const numbers = indianMobiles(80);
    const secondsLeft = HOUR - (app.clock.seconds % HOUR);

    const responses = await Promise.all(numbers.map((number, i) => app.sendOtp(number, `198.51.100.${i + 1}`)));

    const accepted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200);
    expect(accepted.length).toBeLessThanOrEqual(24);
    // Random shards: 80 sends over 16 shards of 1 or 2 fill nearly all of them.
    expect(accepted.length).toBeGreaterThanOrEqual(16);
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
    const { Items = [] } = await app.client.send(
      new ScanCommand({
        TableName: app.tableName,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: 'CTRY#IN#' } },
      }),
    );
    expect(Items.reduce((sum, item) => sum + Number(item.count?.N), 0)).toBe(accepted.length);
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
});
