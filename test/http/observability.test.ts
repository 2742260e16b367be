import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import { maskPhoneNumber } from '../../lambdas/core/phone.js';
import { refreshTokenFamily } from '../../lambdas/core/tokens.js';
import { json } from '../../lambdas/http/api-event.js';
import { handleApi } from '../../lambdas/http/handle.js';
import { createTelemetry, METRIC } from '../../lambdas/http/telemetry.js';
import { captureOutput } from '../helpers/capture-output.js';
import { apiEvent, createTestApp, invoke, type TestResponse } from '../helpers/test-app.js';

const PHONE = '+919876543210';

describe('logs', () => {
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  afterEach(() => {
    process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  });

  it('never contain a code, secret, token or full phone number during a whole login, failures included', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '3', SEND_MAX_PER_HOUR: '3' });
    const secrets: string[] = [];
    const statuses: number[] = [];
    const step = async (response: Promise<TestResponse>) => {
      const answered = await response;
      statuses.push(answered.status);
      return answered;
    };

    const output = await captureOutput(async () => {
      app.sms.failNext = 1; // the provider's error text names the number
      await step(app.sendOtp(PHONE));
      await step(app.sendOtp(PHONE));
      const code = app.sms.lastCodeFor(PHONE);
      secrets.push(code);
      await step(app.verifyOtp(PHONE, code === '000000' ? '111111' : '000000'));
      const verified = await step(app.verifyOtp(PHONE, code));
      const access = String(verified.body.access);
      const refresh = String(verified.body.refresh);
      const refreshed = await step(app.refresh(refresh));
      await step(app.refresh(refresh)); // reuse: revokes the family
      await step(app.logout(String(refreshed.body.refresh)));
      secrets.push(access, refresh, String(refreshed.body.refresh), String(refreshed.body.access));
      await step(app.sendOtp(PHONE));
      await step(app.sendOtp(PHONE)); // rate limited
    });
    // Every step did what it is there for, so every kind of secret was really handled.
    expect(statuses).toEqual([503, 200, 400, 200, 200, 401, 204, 200, 429]);
    const { record } = await app.records.get(PHONE, app.clock.seconds);
    secrets.push(String(record.user?.totpSecret), ...app.sms.sent.map((s) => s.code));

    const lines = output.split('\n').filter((l) => l.startsWith('{"level"'));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry.request_id).toEqual(expect.stringMatching(/^req-/));
    }
    for (const secret of secrets)
      expect(output).not.toMatch(new RegExp(`(?<![0-9A-Za-z_-])${escapeRegExp(secret)}(?![0-9A-Za-z_-])`));
    expect(output).not.toContain('919876543210');
    expect(output).not.toContain('9876543210');
    expect(output).toContain('+91******3210');
    expect(output).toContain('"code":"rate_limited"');
    expect(output).toContain('"detail":"refresh_token_reuse"');
  });
});

describe('logs of concurrent requests', () => {
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  afterEach(() => {
    process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  });

  it("carry on every line the request id and route of the request that logged it, never another's", async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const app = await createTestApp();
    // Sends log "otp requested" after three DynamoDB calls; verifies of a number with no code log
    // "request refused" from handleApi after one: 20 requests in flight at once, interleaved.
    const requests = Array.from({ length: 20 }, (_, i) => {
      const phone = `+9198765432${String(10 + i)}`;
      const event =
        i % 2 === 0
          ? apiEvent('POST', '/send-otp', { phone_number: phone })
          : apiEvent('POST', '/verify-otp', { phone_number: phone, otp: '123456' });
      return { phone, event, handler: i % 2 === 0 ? app.handlers['send-otp'] : app.handlers['verify-otp'] };
    });
    const byId = new Map(requests.map((r) => [r.event.requestContext.requestId, r]));
    expect(byId.size).toBe(20);

    let statuses: number[] = [];
    const output = await captureOutput(async () => {
      statuses = (await Promise.all(requests.map((r) => invoke(r.handler, r.event)))).map((r) => r.status);
    });

    expect(statuses).toEqual(requests.map((_, i) => (i % 2 === 0 ? 200 : 400)));
    const lines = logLines(output);
    expect(lines).toHaveLength(20);
    for (const line of lines) {
      const request = byId.get(String(line.request_id));
      expect(request, JSON.stringify(line)).toBeDefined();
      expect(line.route).toBe(request?.event.routeKey);
      if (line.message === 'otp requested') expect(line.phone).toBe(maskPhoneNumber(String(request?.phone)));
      else expect(line).toMatchObject({ message: 'request refused', code: 'invalid_otp' });
    }
    expect(new Set(lines.map((l) => l.request_id))).toEqual(new Set(byId.keys()));
  });

  it("keep each request's keys across awaits, on success, refusal and unexpected failure alike", async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const telemetry = createTelemetry();
    const count = 12;
    // Every route logs once, waits until all of them have, then logs again: the worst interleaving.
    let arrived = 0;
    let releaseAll: () => void = () => {};
    const allArrived = new Promise<void>((release) => {
      releaseAll = release;
    });
    const handler = handleApi(telemetry, async (event) => {
      const mine = event.requestContext.requestId;
      telemetry.logger.info('before', { mine });
      if (++arrived === count) releaseAll();
      await allArrived;
      telemetry.logger.info('after', { mine });
      const n = Number(mine.replace(/\D/g, ''));
      if (n % 3 === 1) throw new AuthError('invalid_request');
      if (n % 3 === 2) throw new TypeError('a bug');
      return json(200, {});
    });
    const events = Array.from({ length: count }, (_, i) =>
      apiEvent(i % 2 === 0 ? 'POST' : 'GET', i % 2 === 0 ? '/send-otp' : '/me'),
    );

    const output = await captureOutput(async () => {
      await Promise.all(events.map((event) => invoke(handler, event)));
    });

    const routeOf = new Map(events.map((e) => [e.requestContext.requestId, e.routeKey]));
    const lines = logLines(output);
    const failures = events.filter((e) => Number(e.requestContext.requestId.replace(/\D/g, '')) % 3 !== 0);
    expect(lines).toHaveLength(2 * count + failures.length);
    for (const line of lines) {
      expect(routeOf.get(String(line.request_id)), JSON.stringify(line)).toBe(line.route);
      if (line.message === 'before' || line.message === 'after') expect(line.mine).toBe(line.request_id);
    }
  });
});

/** The JSON log lines Powertools printed. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('metrics', () => {
  it('emits EMF counts for sent, verified, failed, locked, rate-limited and sms_failed', async () => {
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const metrics = new Metrics({ namespace: 'OtpLoginTest', serviceName: 'otp-login' });
    const app = await createTestApp(
      { OTP_MAX_ATTEMPTS: '1', SEND_MAX_PER_HOUR: '2' },
      { telemetry: createTelemetry(metrics) },
    );

    const output = await captureOutput(async () => {
      await app.login(PHONE); // OtpSent, OtpVerified
      app.sms.failNext = 1;
      await app.sendOtp(PHONE); // SmsFailed
      await app.sendOtp(PHONE); // RateLimited
      await app.verifyOtp(PHONE, '000000'); // OtpFailed
      await app.verifyOtp(PHONE, '000000'); // OtpLocked
    });
    process.env.POWERTOOLS_METRICS_DISABLED = previous;

    const names = output
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .flatMap((l) =>
        (JSON.parse(l)._aws.CloudWatchMetrics as { Metrics: { Name: string }[] }[]).flatMap((m) => m.Metrics),
      )
      .map((m) => m.Name);
    expect(new Set(names)).toEqual(
      new Set([METRIC.sent, METRIC.verified, METRIC.smsFailed, METRIC.rateLimited, METRIC.failed, METRIC.locked]),
    );
  });

  it('counts TokenRefreshed for each refresh that answers tokens, and RefreshTokenReuse only when a spent token revokes its family', async () => {
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    try {
      const metrics = new Metrics({ namespace: 'OtpLoginTest', serviceName: 'otp-login' });
      const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' }, { telemetry: createTelemetry(metrics) });
      /** The metrics one request emitted, with their counts, and its response. */
      const refresh = async (token: string) => {
        let response: TestResponse | undefined;
        const output = await captureOutput(async () => {
          response = await app.refresh(token);
        });
        return { status: response?.status, refresh: String(response?.body.refresh), metrics: emittedCounts(output) };
      };
      let login = { access: '', refresh: '' };
      await captureOutput(async () => {
        login = await app.login(PHONE);
      });

      const rotated = await refresh(login.refresh);
      app.clock.advance(5);
      const graceReplay = await refresh(login.refresh);
      const unknownToken = await refresh(`${refreshTokenFamily(login.refresh)}.${'A'.repeat(43)}`);
      app.clock.advance(5);
      const reuse = await refresh(login.refresh);
      const afterRevocation = await refresh(rotated.refresh);

      const transcript = [rotated, graceReplay, unknownToken, reuse, afterRevocation];
      expect(transcript.map(({ status, metrics }) => ({ status, metrics }))).toEqual([
        { status: 200, metrics: { [METRIC.refreshed]: 1 } },
        { status: 200, metrics: { [METRIC.refreshed]: 1 } }, // the grace replay answers tokens too
        { status: 401, metrics: {} }, // a token the family never issued is no theft
        { status: 401, metrics: { [METRIC.refreshReuse]: 1 } },
        { status: 401, metrics: {} }, // the family is already revoked: not a second theft
      ]);
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = previous;
    }
  });
});

/** Every EMF metric in the output, summed by name. */
function emittedCounts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of output.split('\n').filter((l) => l.includes('"_aws"'))) {
    const emf = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    };
    for (const { Name } of emf._aws.CloudWatchMetrics.flatMap((m) => m.Metrics)) {
      const values = [emf[Name]].flat().map(Number);
      counts[Name] = (counts[Name] ?? 0) + values.reduce((sum, v) => sum + v, 0);
    }
  }
  return counts;
}
