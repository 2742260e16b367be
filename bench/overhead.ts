import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../lambdas/core/tokens.js';
import type { ApiEvent, ApiHandler } from '../lambdas/http/api-event.js';
import { type BenchContext, createBenchTable } from './context.js';
import { apiEvent, inParallel, randomPhoneNumber, seedPendingCode, seedRefreshToken, wrongCode } from './fixtures.js';
import { createInstrumentedApp, type SdkCall, withStdoutDiscarded } from './instrumented-app.js';
import { median, percentile, round, type Summary, summarize } from './report.js';

/** The target: what a warm request costs beyond DynamoDB, SNS and RSA signing. */
export const OVERHEAD_TARGET_MS = 1;

export interface OverheadRow {
  readonly route: string;
  readonly requests: number;
  readonly status: number;
  /** Medians over the measured requests, ms. */
  readonly totalMs: number;
  readonly sdkMs: number;
  /** The signing median subtracted from each request (0 for routes that sign nothing). */
  readonly signingMs: number;
  readonly overheadMs: number;
  readonly overheadP90Ms: number;
  /** SDK calls per request, by service: `DynamoDB 3, SNS 1`. */
  readonly callsPerRequest: string;
}

export interface OverheadResult {
  readonly requests: number;
  readonly warmup: number;
  readonly targetMs: number;
  /** `signAccessToken` alone (RS256, 2048-bit key), over the same number of calls. */
  readonly signingMs: Summary;
  readonly rows: readonly OverheadRow[];
}

interface Scenario {
  readonly route: string;
  readonly handler: ApiHandler;
  readonly status: number;
  /** RS256 signatures one request makes. */
  readonly signs: number;
  /** Seeds whatever state `count` requests need and returns their events (not timed). */
  readonly events: (count: number) => Promise<ApiEvent[]>;
}

/**
 * Warm handler overhead, in this process. Each hot handler is built from the real adapters (DynamoDB
 * Local; SNS and Secrets Manager on the fake endpoint) with Lambda's default telemetry (INFO logs,
 * EMF metrics). After `warmup` unmeasured requests per route (the JIT, keep-alive sockets and the
 * key cache warm up), `requests` requests per route run one at a time, the routes interleaved so
 * drift hits all alike. For each request: overhead = wall time of `handler(event)` - time inside SDK
 * sends (from the clients' middleware, see SdkMeter) - for token-issuing routes, the median time of
 * `signAccessToken` measured alone. The row reports the median and p90 of that difference: what our
 * own code (parsing, validation, phone number parsing, TOTP, hashing, logging, metrics) costs.
 */
export async function measureOverhead(
  context: BenchContext,
  options: { requests: number; warmup: number },
  progress: (line: string) => void,
): Promise<OverheadResult> {
  const table = await createBenchTable(context, 'warm');
  const app = createInstrumentedApp(context, table);
  try {
    const seeded = async <T>(count: number, seed: () => Promise<T>) =>
      inParallel(Array.from({ length: count }), 16, () => seed());
    const scenarios: Scenario[] = [
      {
        route: 'send-otp',
        handler: app.handlers.sendOtp,
        status: 200,
        signs: 0,
        events: async (count) =>
          Array.from({ length: count }, () => apiEvent('POST', '/send-otp', { phone_number: randomPhoneNumber() })),
      },
      {
        route: 'verify-otp (right code)',
        handler: app.handlers.verifyOtp,
        status: 200,
        signs: 1,
        events: (count) =>
          seeded(count, async () => {
            const phone = randomPhoneNumber();
            const otp = await seedPendingCode(table.records, phone, app.policy);
            return apiEvent('POST', '/verify-otp', { phone_number: phone, otp });
          }),
      },
      {
        route: 'verify-otp (wrong code)',
        handler: app.handlers.verifyOtp,
        status: 400,
        signs: 0,
        events: (count) =>
          seeded(count, async () => {
            const phone = randomPhoneNumber();
            const otp = wrongCode(await seedPendingCode(table.records, phone, app.policy));
            return apiEvent('POST', '/verify-otp', { phone_number: phone, otp });
          }),
      },
      {
        route: 'token/refresh',
        handler: app.handlers.refresh,
        status: 200,
        signs: 1,
        events: (count) =>
          seeded(count, async () =>
            apiEvent('POST', '/token/refresh', { refresh: await seedRefreshToken(table.refreshFamilies) }),
          ),
      },
    ];

    progress('overhead: seeding');
    const warmEvents = await Promise.all(scenarios.map((s) => s.events(options.warmup)));
    const events = await Promise.all(scenarios.map((s) => s.events(options.requests)));
    const samples = scenarios.map(() => ({ totalMs: [] as number[], sdkMs: [] as number[], calls: [] as SdkCall[][] }));

    progress('overhead: measuring');
    const signing = await withStdoutDiscarded(async () => {
      for (let i = 0; i < options.warmup; i++) {
        for (const [index, scenario] of scenarios.entries()) {
          await invoke(scenario, warmEvents[index]?.[i]);
        }
      }
      app.meter.take();
      for (let i = 0; i < options.requests; i++) {
        for (const [index, scenario] of scenarios.entries()) {
          const started = performance.now();
          await invoke(scenario, events[index]?.[i]);
          const totalMs = performance.now() - started;
          const { calls, sdkMs } = app.meter.take();
          samples[index]?.totalMs.push(totalMs);
          samples[index]?.sdkMs.push(sdkMs);
          samples[index]?.calls.push(calls);
        }
      }
      return measureSigning(app, options);
    });

    const signingMedian = signing.median;
    const rows = scenarios.map((scenario, index): OverheadRow => {
      const sample = samples[index] ?? { totalMs: [], sdkMs: [], calls: [] };
      const subtract = scenario.signs * signingMedian;
      const overhead = sample.totalMs.map((total, i) => total - (sample.sdkMs[i] ?? 0) - subtract);
      return {
        route: scenario.route,
        requests: sample.totalMs.length,
        status: scenario.status,
        totalMs: round(median(sample.totalMs), 3),
        sdkMs: round(median(sample.sdkMs), 3),
        signingMs: round(subtract, 3),
        overheadMs: round(median(overhead), 3),
        overheadP90Ms: round(percentile(overhead, 90), 3),
        callsPerRequest: describeCalls(sample.calls),
      };
    });
    return {
      requests: options.requests,
      warmup: options.warmup,
      targetMs: OVERHEAD_TARGET_MS,
      signingMs: signing,
      rows,
    };
  } finally {
    app.destroy();
  }
}

async function invoke(scenario: Scenario, event: ApiEvent | undefined): Promise<void> {
  if (!event) throw new Error(`no event prepared for ${scenario.route}`);
  const result = await scenario.handler(event);
  if (result.statusCode !== scenario.status) {
    throw new Error(`${scenario.route} answered ${result.statusCode}, expected ${scenario.status}: ${result.body}`);
  }
}

/** `signAccessToken` alone with the loaded key set: the RSA part the overhead leaves out. */
async function measureSigning(
  app: ReturnType<typeof createInstrumentedApp>,
  options: { requests: number; warmup: number },
): Promise<Summary> {
  const keys = await app.keys.load();
  const subject = { userId: randomUUID(), phoneNumber: randomPhoneNumber() };
  const times: number[] = [];
  for (let i = 0; i < options.warmup + options.requests; i++) {
    const now = Math.floor(Date.now() / 1000);
    const started = performance.now();
    await signAccessToken(keys, app.sessions, subject, now);
    if (i >= options.warmup) times.push(performance.now() - started);
  }
  const summary = summarize(times);
  return { ...summary, median: round(median(times), 3) };
}

/** The most common per-request call mix, e.g. `DynamoDB 3, SNS 1`. */
function describeCalls(perRequest: readonly SdkCall[][]): string {
  const counts = new Map<string, number>();
  for (const calls of perRequest) {
    const byService = new Map<string, number>();
    for (const call of calls) byService.set(call.service, (byService.get(call.service) ?? 0) + 1);
    const key = [...byService].map(([service, n]) => `${service} ${n}`).join(', ') || 'none';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
}
