import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelemetry, METRIC } from '../../lambdas/http/telemetry.js';
import { createTestApp } from '../helpers/test-app.js';

const PHONE = '+919876543210';

/** Everything the process writes to stdout and stderr while `run` runs. */
async function captureOutput(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks.join('');
}

describe('logs', () => {
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  afterEach(() => {
    process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  });

  it('never contain a code, secret, token or full phone number during a whole login, failures included', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const app = await createTestApp({ OTP_MAX_ATTEMPTS: '3', SEND_MAX_PER_HOUR: '3' });
    const secrets: string[] = [];

    const output = await captureOutput(async () => {
      app.sms.failNext = 1; // the provider's error text names the number
      await app.sendOtp(PHONE);
      await app.sendOtp(PHONE);
      const code = app.sms.lastCodeFor(PHONE);
      secrets.push(code);
      await app.verifyOtp(PHONE, code === '000000' ? '111111' : '000000');
      const verified = await app.verifyOtp(PHONE, code);
      const access = String(verified.body.access);
      const refresh = String(verified.body.refresh);
      const refreshed = await app.refresh(refresh);
      await app.refresh(refresh); // reuse: revokes the family
      await app.logout(String(refreshed.body.refresh));
      secrets.push(access, refresh, String(refreshed.body.refresh), String(refreshed.body.access));
      await app.sendOtp(PHONE);
      await app.sendOtp(PHONE); // rate limited
    });
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
});
