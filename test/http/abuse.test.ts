import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { DynamoDbCountrySendLimiter } from '../../lambdas/adapters/dynamodb-country-send-limiter.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbIpRateLimiter } from '../../lambdas/adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { KEY_PREFIXES } from '../../lambdas/adapters/table-keys.js';
import { rateLimitKeyForIp } from '../../lambdas/core/client-ip.js';
import { DAY, HOUR } from '../../lambdas/core/clock.js';
import { provisionUser } from '../../lambdas/core/login.js';
import { MAX_SEND_HISTORY, type PhoneRecord } from '../../lambdas/core/phone-record.js';
import { makeSendOtpHandler } from '../../lambdas/http/send-otp-handler.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { apiEvent, createTestApp, invoke, type TestApp, type TestResponse, wrongCode } from '../helpers/test-app.js';

const PHONE = '+919876543210';

/** An item as stored, every attribute included (the TTL too), or undefined. */
async function storedItem(app: TestApp, pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await createDocumentClient(app.client).send(
    new GetCommand({ TableName: app.tableName, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

/** The per-IP send window holding `at`, as stored. */
function storedIpWindow(app: TestApp, ip: string, at: number) {
  return storedItem(app, `${KEY_PREFIXES.ip}${rateLimitKeyForIp(ip)}`, `SEND#${at - (at % HOUR)}`);
}

function tally(responses: readonly TestResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of responses) {
    const key = `${r.status}${r.body.code ? ` ${String(r.body.code)}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('brute force: OTP_MAX_ATTEMPTS and OTP_LOCKOUT_SECONDS', () => {
  it('judges at most OTP_MAX_ATTEMPTS of 40 concurrent wrong guesses; the rest get 429, none a 5xx', async () => {
    const app = await createTestApp();
    await app.sendOtp(PHONE);
    const wrong = wrongCode(app.sms.lastCodeFor(PHONE));

    const responses = await Promise.all(Array.from({ length: 40 }, () => app.verifyOtp(PHONE, wrong)));

    expect(tally(responses)).toEqual({ '400 invalid_otp': 5, '429 too_many_attempts': 35 });
    for (const r of responses.filter((x) => x.status === 429)) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(900);
    }
  });

  it('refuses even the right code while locked, with Retry-After, and accepts it once the lockout ends', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '3', OTP_LOCKOUT_SECONDS: '600', OTP_TTL_SECONDS: '900' });
    await app.sendOtp(PHONE);
    const right = app.sms.lastCodeFor(PHONE);
    for (let i = 0; i < 3; i++) expect((await app.verifyOtp(PHONE, wrongCode(right))).status).toBe(400);

    const locked = await app.verifyOtp(PHONE, right);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(locked.headers['retry-after']).toBe('600');

    app.clock.advance(599);
    expect((await app.verifyOtp(PHONE, right)).headers['retry-after']).toBe('1');
    app.clock.advance(1);
    expect((await app.verifyOtp(PHONE, right)).status).toBe(200);
  });

  it('gives a fresh budget after a lockout ends, and locks again after the next OTP_MAX_ATTEMPTS', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '2', OTP_LOCKOUT_SECONDS: '60', OTP_TTL_SECONDS: '900' });
    await app.sendOtp(PHONE);
    const wrong = wrongCode(app.sms.lastCodeFor(PHONE));
    await app.verifyOtp(PHONE, wrong);
    await app.verifyOtp(PHONE, wrong);
    app.clock.advance(60);

    expect((await app.verifyOtp(PHONE, wrong)).status).toBe(400);
    expect((await app.verifyOtp(PHONE, wrong)).status).toBe(400);
    expect((await app.verifyOtp(PHONE, wrong)).status).toBe(429);
  });

  it('never resets the attempt budget when a new code is requested', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '3' });
    await app.sendOtp(PHONE);
    await app.verifyOtp(PHONE, wrongCode(app.sms.lastCodeFor(PHONE)));
    await app.verifyOtp(PHONE, wrongCode(app.sms.lastCodeFor(PHONE)));
    await app.sendOtp(PHONE);
    const fresh = app.sms.lastCodeFor(PHONE);

    expect((await app.verifyOtp(PHONE, wrongCode(fresh))).status).toBe(400);
    expect((await app.verifyOtp(PHONE, fresh)).status).toBe(429);
  });

  it('does not lift a lockout when a new code is sent: the send itself is refused', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '1' });
    await app.sendOtp(PHONE);
    await app.verifyOtp(PHONE, wrongCode(app.sms.lastCodeFor(PHONE)));
    const smsBefore = app.sms.sent.length;

    const send = await app.sendOtp(PHONE);

    expect(send.status).toBe(429);
    expect(send.body.code).toBe('too_many_attempts');
    expect(app.sms.sent.length).toBe(smsBefore);
  });

  it('counts wrong guesses for unknown numbers too, so a lockout does not reveal which numbers exist', async () => {
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '2', SIGNUP_MODE: 'closed' });
    await provisionUser(app.records, PHONE, app.clock);
    const unknown = '+919876500099';
    const known = [] as number[];
    const unknownStatuses = [] as number[];
    for (let i = 0; i < 3; i++) {
      known.push((await app.verifyOtp(PHONE, '123456')).status);
      unknownStatuses.push((await app.verifyOtp(unknown, '123456')).status);
    }

    expect(known).toEqual([400, 400, 429]);
    expect(unknownStatuses).toEqual(known);
    expect((await app.records.get(unknown, app.clock.seconds)).record.user).toBeUndefined();
  });
});

describe('enumeration under SIGNUP_MODE=closed', () => {
  it('answers repeated sends to known and unknown numbers alike: cooldown, then hour and day limits', async () => {
    const app = await createTestApp({
      SIGNUP_MODE: 'closed',
      SEND_COOLDOWN_SECONDS: '60',
      SEND_MAX_PER_HOUR: '2',
      SEND_MAX_PER_DAY: '3',
    });
    await provisionUser(app.records, PHONE, app.clock);
    const unknown = '+919876500098';
    const transcript = async (phone: string) => {
      const answers: string[] = [];
      for (const wait of [0, 10, 60, 60, 3600, 60]) {
        app.clock.advance(wait);
        const r = await app.sendOtp(phone, `198.51.100.${phone === PHONE ? 1 : 2}`);
        answers.push(`${r.status} ${String(r.body.code ?? '')} ${r.headers['retry-after'] ?? ''}`);
      }
      return answers;
    };

    const known = await transcript(PHONE);
    app.clock.advance(-(10 + 60 + 60 + 3600 + 60));
    const unknownAnswers = await transcript(unknown);

    expect(unknownAnswers).toEqual(known);
    expect(known.filter((a) => a.startsWith('429'))).toHaveLength(3);
  });
});

describe('races on one code', () => {
  it('lets exactly one of 20 concurrent verifies of the right code succeed', async () => {
    const app = await createTestApp();
    await app.sendOtp(PHONE);
    const code = app.sms.lastCodeFor(PHONE);

    const responses = await Promise.all(Array.from({ length: 20 }, () => app.verifyOtp(PHONE, code)));

    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.every((r) => r.status < 500)).toBe(true);
    // Losers that read after the winner see a spent code: a wrong code, which counts against the budget.
    const losers = responses.filter((r) => r.status !== 200).map((r) => r.body.code);
    expect(losers.every((code) => code === 'invalid_otp' || code === 'too_many_attempts')).toBe(true);
  });
});

describe('SMS pumping: per-number and per-IP send limits', () => {
  it('lets exactly SEND_MAX_PER_HOUR of 15 concurrent sends leave; the rest get 429 rate_limited', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '3', SEND_COOLDOWN_SECONDS: '0' });

    const responses = await Promise.all(Array.from({ length: 15 }, () => app.sendOtp(PHONE)));

    // Exactly, not at most: a write lost to a concurrent send retries on the new record, so the
    // limit is reached under contention, never undershot.
    expect(tally(responses)).toEqual({ '200': 3, '429 rate_limited': 12 });
    expect(app.sms.sent).toHaveLength(3);
    const { record } = await app.records.get(PHONE, app.clock.seconds);
    expect(record.sendTimes).toHaveLength(3);
  });

  it('counts a send against SEND_MAX_PER_IP_PER_HOUR once, even when it loses a write race and retries', async () => {
    const app = await createTestApp({ SEND_MAX_PER_IP_PER_HOUR: '1' });
    const ours = '198.51.100.30';
    const rivals = '198.51.100.31';
    let rival: TestResponse | undefined;
    let saves = 0;
    /** The real store, except that a send to the same number from another client lands between our read and our first write. */
    class RecordsWithARival extends DynamoDbPhoneRecordStore {
      override async save(record: PhoneRecord, seenVersion: number): Promise<boolean> {
        saves++;
        rival ??= await app.sendOtp(PHONE, rivals);
        return super.save(record, seenVersion);
      }
    }
    const documents = createDocumentClient(app.client);
    const sendOtp = makeSendOtpHandler(
      {
        records: new RecordsWithARival(documents, app.tableName),
        ipLimiter: new DynamoDbIpRateLimiter(documents, app.tableName),
        countryLimiter: new DynamoDbCountrySendLimiter(documents, app.tableName),
        sms: app.sms,
        clock: app.clock,
        policy: app.policy,
      },
      createTelemetry(),
    );

    const response = await invoke(sendOtp, apiEvent('POST', '/send-otp', { phone_number: PHONE }, { ip: ours }));

    expect(rival?.status).toBe(200);
    expect(saves).toBe(2); // the first write lost to the rival's, the retry won
    expect(response.status).toBe(200);
    expect(app.sms.sent.map((s) => s.phoneNumber)).toEqual([PHONE, PHONE]);
    expect(await storedIpWindow(app, ours, app.clock.seconds)).toMatchObject({ count: 1 });
    expect(await storedIpWindow(app, rivals, app.clock.seconds)).toMatchObject({ count: 1 });
  });

  it('enforces SEND_COOLDOWN_SECONDS with Retry-After', async () => {
    const app = await createTestApp({ SEND_COOLDOWN_SECONDS: '60' });
    await app.sendOtp(PHONE);
    app.clock.advance(20);

    const early = await app.sendOtp(PHONE);
    expect(early.status).toBe(429);
    expect(early.body.code).toBe('rate_limited');
    expect(early.headers['retry-after']).toBe('40');
    app.clock.advance(40);
    expect((await app.sendOtp(PHONE)).status).toBe(200);
  });

  it('enforces SEND_MAX_PER_HOUR and SEND_MAX_PER_DAY over time', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '2', SEND_MAX_PER_DAY: '3' });
    expect((await app.sendOtp(PHONE)).status).toBe(200);
    expect((await app.sendOtp(PHONE)).status).toBe(200);
    const hourly = await app.sendOtp(PHONE);
    expect(hourly.status).toBe(429);
    expect(hourly.headers['retry-after']).toBe('3600');

    app.clock.advance(3600);
    expect((await app.sendOtp(PHONE)).status).toBe(200);
    const daily = await app.sendOtp(PHONE);
    expect(daily.status).toBe(429);
    expect(Number(daily.headers['retry-after'])).toBe(86_400 - 3600);
    app.clock.advance(86_400 - 3600);
    expect((await app.sendOtp(PHONE)).status).toBe(200);
  });

  it('enforces SEND_MAX_PER_DAY exactly at its maximum, the send history a record keeps', async () => {
    const max = String(MAX_SEND_HISTORY);
    const app = await createTestApp({
      SEND_MAX_PER_DAY: max,
      SEND_MAX_PER_HOUR: max,
      SEND_MAX_PER_IP_PER_HOUR: '1000000',
    });
    const first = app.clock.seconds;
    const statuses: number[] = [];
    // A minute apart: never more than 60 in an hour, so only the day limit can refuse.
    for (let i = 0; i < MAX_SEND_HISTORY; i++) {
      statuses.push((await app.sendOtp(PHONE)).status);
      app.clock.advance(60);
    }

    const refused = await app.sendOtp(PHONE);

    expect(statuses).toEqual(Array(MAX_SEND_HISTORY).fill(200));
    expect(app.sms.sent).toHaveLength(MAX_SEND_HISTORY);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBe(first + 86_400 - app.clock.seconds);
    expect(app.sms.sent).toHaveLength(MAX_SEND_HISTORY);
  });

  it('limits sends per client IP with SEND_MAX_PER_IP_PER_HOUR, across numbers, exactly under concurrency', async () => {
    const app = await createTestApp({ SEND_MAX_PER_IP_PER_HOUR: '4' });
    const numbers = Array.from({ length: 10 }, (_, i) => `+9198765000${String(20 + i)}`);

    const responses = await Promise.all(numbers.map((n) => app.sendOtp(n, '198.51.100.9')));

    expect(tally(responses)).toEqual({ '200': 4, '429 rate_limited': 6 });
    expect(app.sms.sent).toHaveLength(4);
    expect((await app.sendOtp('+919876500040', '198.51.100.10')).status).toBe(200);
  });

  it('counts IPv6 clients per /64', async () => {
    const app = await createTestApp({ SEND_MAX_PER_IP_PER_HOUR: '1' });
    expect((await app.sendOtp('+919876500041', '2001:db8:1:2::1')).status).toBe(200);
    expect((await app.sendOtp('+919876500042', '2001:db8:1:2:abcd::7')).status).toBe(429);
  });

  it('counts a failed SMS against the send limits, so a failing provider cannot be hammered', async () => {
    const app = await createTestApp({ SEND_MAX_PER_HOUR: '2' });
    app.sms.failNext = 2;
    expect((await app.sendOtp(PHONE)).status).toBe(503);
    expect((await app.sendOtp(PHONE)).status).toBe(503);

    const third = await app.sendOtp(PHONE);
    expect(third.status).toBe(429);
    expect(app.sms.sent).toHaveLength(0);
  });

  it('refuses countries outside ALLOWED_COUNTRIES with 400 before storing or sending anything', async () => {
    const app = await createTestApp({ ALLOWED_COUNTRIES: 'IN,US' });
    const before = await app.countItems();

    const refused = await app.sendOtp('+447911123456');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('country_not_allowed');
    expect(app.sms.sent).toHaveLength(0);
    expect(await app.countItems()).toBe(before);
    expect((await app.sendOtp('+12015550123')).status).toBe(200);
  });

  it.each([
    ['premium rate', '+19005550100'],
    ['toll-free', '+18005550100'],
    ['Indian toll-free', '+9118002001234'],
    ['personal number', '+15005550006'],
  ])(
    'refuses a %s number with 400 unsupported_phone_number before storing or sending anything',
    async (_type, number) => {
      const app = await createTestApp();
      const before = await app.countItems();

      const refused = await app.sendOtp(number);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        error: 'This kind of phone number cannot receive login codes.',
        code: 'unsupported_phone_number',
      });
      const verify = await app.verifyOtp(number, '123456');
      expect(verify.status).toBe(400);
      expect(verify.body.code).toBe('unsupported_phone_number');
      expect(app.sms.sent).toHaveLength(0);
      expect(await app.countItems()).toBe(before);
    },
  );

  it('sends to a fixed line once ALLOWED_NUMBER_TYPES names it', async () => {
    const app = await createTestApp({ ALLOWED_NUMBER_TYPES: 'MOBILE,FIXED_LINE' });

    expect((await app.sendOtp('+442071838750')).status).toBe(200);
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual(['+442071838750']);
    expect((await app.sendOtp('+12015550123')).body.code).toBe('unsupported_phone_number');
  });
});

describe('numbers of no country (satellite, freephone, international networks)', () => {
  const IRIDIUM = '+8816 31234567';
  const INMARSAT = '+870 773 111 632';

  it.each([
    ['an Iridium', IRIDIUM],
    ['an Inmarsat', INMARSAT],
  ])(
    'refuses %s number, typed MOBILE, on every route that sends or checks a code, storing and sending nothing',
    async (_what, number) => {
      const app = await createTestApp();
      const user = await app.login('+919876543210');
      const before = await app.countItems();
      const sentBefore = app.sms.sent.length;
      const refused = { status: 400, body: { code: 'unsupported_phone_number' } };

      expect(await app.sendOtp(number)).toMatchObject(refused);
      expect(await app.verifyOtp(number, '123456')).toMatchObject(refused);
      expect(await app.changeNumber(user.access, number)).toMatchObject(refused);
      expect(await app.verifyNumberChange(user.access, number, '123456')).toMatchObject(refused);
      expect(app.sms.sent).toHaveLength(sentBefore);
      expect(await app.countItems()).toBe(before);
    },
  );

  it('sends to them once ALLOWED_GLOBAL_CALLING_CODES names their calling codes, each with its own +code budget', async () => {
    const app = await createTestApp({
      ALLOWED_GLOBAL_CALLING_CODES: '+881,+870',
      ALLOWED_COUNTRIES: 'IN',
      SEND_MAX_PER_COUNTRY_PER_HOUR: '+881=1,*=100',
    });

    expect((await app.sendOtp(IRIDIUM)).status).toBe(200);
    expect((await app.sendOtp(INMARSAT)).status).toBe(200);
    expect(app.sms.sent.map((sms) => sms.phoneNumber)).toEqual(['+881631234567', '+870773111632']);
    expect((await app.verifyOtp(IRIDIUM, app.sms.lastCodeFor('+881631234567'))).status).toBe(200);
    // +881's budget of one is spent; another +881 number is refused, another plan is not.
    expect(await app.sendOtp('+881631234568')).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    // Only the codes named: a +882 mobile is still refused (with ALLOWED_COUNTRIES set, as outside
    // the countries served), and so are countries outside ALLOWED_COUNTRIES.
    expect(await app.sendOtp('+8823421234')).toMatchObject({ status: 400, body: { code: 'country_not_allowed' } });
    expect((await app.sendOtp('+447911123456')).body.code).toBe('country_not_allowed');
  });
});

describe('TEST_PHONE_NUMBERS', () => {
  it('accepts the fixed code without sending an SMS, skips send limits, but not the attempt budget', async () => {
    const app = await createTestApp({
      TEST_PHONE_NUMBERS: '+12015550123:424242',
      SEND_MAX_PER_HOUR: '1',
      SEND_MAX_PER_IP_PER_HOUR: '1',
      OTP_MAX_ATTEMPTS: '2',
    });
    for (let i = 0; i < 3; i++) expect((await app.sendOtp('+1 201 555 0123')).status).toBe(200);
    expect(app.sms.sent).toHaveLength(0);
    expect((await app.verifyOtp('+12015550123', '424242')).status).toBe(200);
    expect((await app.verifyOtp('+12015550123', '424242')).body.code).toBe('invalid_otp');

    await app.sendOtp('+12015550123');
    await app.verifyOtp('+12015550123', '111111');
    expect((await app.verifyOtp('+12015550123', '424242')).status).toBe(429);
  });
});

describe('code lifetime', () => {
  it('starts when SNS accepted the message, so a slow provider does not eat into it', async () => {
    const app = await createTestApp({ OTP_TTL_SECONDS: '300' });
    app.sms.delaySeconds = 20;
    await app.sendOtp(PHONE);
    const code = app.sms.lastCodeFor(PHONE);

    app.clock.advance(299);
    expect((await app.verifyOtp(PHONE, code)).status).toBe(200);
  });

  it('still ends OTP_TTL_SECONDS after acceptance', async () => {
    const app = await createTestApp({ OTP_TTL_SECONDS: '300' });
    app.sms.delaySeconds = 20;
    await app.sendOtp(PHONE);
    const code = app.sms.lastCodeFor(PHONE);

    app.clock.advance(300);
    expect((await app.verifyOtp(PHONE, code)).body.code).toBe('invalid_otp');
  });
});

describe('expiry of stale records', () => {
  it('gives pending users and rate-limit windows a TTL, and treats an item past it as gone before TTL deletes it', async () => {
    const app = await createTestApp({ SEND_MAX_PER_DAY: '1', SEND_MAX_PER_IP_PER_HOUR: '1' });
    const ip = '198.51.100.40';
    const sentAt = app.clock.seconds;
    const windowStart = sentAt - (sentAt % HOUR);
    expect((await app.sendOtp(PHONE, ip)).status).toBe(200);
    const pending = await storedItem(app, `${KEY_PREFIXES.phone}${PHONE}`, 'USER');
    // Kept until every counter in it has aged: sends after a day, wrong codes after the lockout.
    expect(pending).toMatchObject({ status: 'pending', ttl: sentAt + DAY + app.policy.otpLockoutSeconds });
    // Kept an hour past its window: the window is chosen by the clock, so it is never read again.
    expect(await storedIpWindow(app, ip, sentAt)).toEqual({
      pk: `${KEY_PREFIXES.ip}${ip}`,
      sk: `SEND#${windowStart}`,
      count: 1,
      ttl: windowStart + 2 * HOUR,
    });

    app.clock.advance(Number(pending?.ttl) - 1 - sentAt);
    expect((await app.records.get(PHONE, app.clock.seconds)).record.user?.userId).toBe(pending?.userId);
    app.clock.advance(1);
    // Both items are past their TTL, and DynamoDB has not deleted them yet.
    expect(await storedItem(app, `${KEY_PREFIXES.phone}${PHONE}`, 'USER')).toEqual(pending);
    expect(await storedIpWindow(app, ip, sentAt)).toMatchObject({ count: 1 });

    expect((await app.sendOtp(PHONE, ip)).status).toBe(200);

    // The expired pending user was replaced, not revived; the IP counts in a window of its own.
    const replaced = await storedItem(app, `${KEY_PREFIXES.phone}${PHONE}`, 'USER');
    expect(replaced).toMatchObject({
      status: 'pending',
      sendTimes: [app.clock.seconds],
      ttl: app.clock.seconds + DAY + app.policy.otpLockoutSeconds,
      version: Number(pending?.version) + 1,
    });
    expect(replaced?.userId).not.toBe(pending?.userId);
    expect(await storedIpWindow(app, ip, app.clock.seconds)).toMatchObject({ count: 1 });
  });

  it('replaces an item past its TTL on a wrong code with what a never-seen number gets, so its pending user stays gone', async () => {
    const app = await createTestApp();
    const neverSeen = '+919876500060';
    expect((await app.sendOtp(PHONE)).status).toBe(200);
    const { record: pending } = await app.records.get(PHONE, app.clock.seconds);
    app.clock.advance(Number(pending.retainUntil) - app.clock.seconds);

    const onStale = await app.verifyOtp(PHONE, '123456');
    const onNeverSeen = await app.verifyOtp(neverSeen, '123456');

    expect(onStale.status).toBe(400);
    expect(onStale).toEqual(onNeverSeen);
    const now = app.clock.seconds;
    const fresh = {
      failedAttempts: 1,
      lastFailedAt: now,
      sendTimes: [],
      retainUntil: now + DAY + app.policy.otpLockoutSeconds,
    };
    expect((await app.records.get(neverSeen, now)).record).toEqual({ phoneNumber: neverSeen, ...fresh });
    // Counting the guess onto the old item would have renewed its TTL and brought its user back.
    expect((await app.records.get(PHONE, now)).record).toEqual({ phoneNumber: PHONE, ...fresh });
    const { access } = await app.login(PHONE);
    expect(decodeJwt(access).sub).not.toBe(pending.user?.userId);
  });

  it('never gives an active user a TTL, even after wrong guesses', async () => {
    const app = await createTestApp();
    await app.login(PHONE);
    await app.verifyOtp(PHONE, '000000');

    expect((await app.records.get(PHONE, app.clock.seconds)).record.retainUntil).toBeUndefined();
  });
});
