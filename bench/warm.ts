import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../lambdas/core/tokens.js';
import type { ApiEvent, ApiHandler } from '../lambdas/http/api-event.js';
import { type BenchContext, type BenchTable, createBenchTable } from './context.js';
import type { CapacityUnits } from './dynamodb-capacity.js';
import { randomPhoneNumber, repeatInParallel, routeEvents } from './fixtures.js';
import { createInstrumentedApp, type InstrumentedApp, type SdkCall, withStdoutDiscarded } from './instrumented-app.js';
import { median, percentile } from './report.js';

/** The targets for a warm request: our own code's share, and DynamoDB calls on a success path. */
export const OVERHEAD_TARGET_MS = 1;
export const MAX_DYNAMODB_CALLS = 3;
/** send-otp with a country budget (as the bench runs it) also counts one shard of it. */
export const MAX_SEND_OTP_DYNAMODB_CALLS = 4;
/** A passkey sign-in: the budget, three calls plus the transaction that writes the family. */
export const MAX_PASSKEY_VERIFY_DYNAMODB_CALLS = 4;
const CALL_LIMITS: Readonly<Record<string, number>> = {
  'POST /send-otp': MAX_SEND_OTP_DYNAMODB_CALLS,
  'POST /passkey/verify': MAX_PASSKEY_VERIFY_DYNAMODB_CALLS,
};

interface RouteCase {
  readonly route: string;
  readonly handler: ApiHandler;
  readonly status: number;
  /** RS256 signatures one request makes; absent for routes the overhead table leaves out. */
  readonly signs?: number;
  /** Seeds whatever state the request needs and returns its event. */
  readonly event: () => Promise<ApiEvent>;
}

/**
 * In this process, on the handlers built from the real adapters (DynamoDB Local; SNS and Secrets
 * Manager on the fake endpoint) with Lambda's default telemetry, logs and metrics written to the
 * null device: the SDK calls per route, then the overhead of the hot routes.
 */
export async function measureWarm(
  context: BenchContext,
  options: { requests: number; warmup: number },
  progress: (line: string) => void,
) {
  const table = await createBenchTable(context, 'warm');
  const app = createInstrumentedApp(context, table);
  const cases = routeCases(app, table);
  try {
    return await withStdoutDiscarded(async () => {
      progress('counting AWS calls');
      const calls = await countCalls(app, cases);
      progress('measuring warm overhead');
      return { calls, ...(await measureOverhead(app, cases, options)) };
    }, app.written);
  } finally {
    app.destroy();
  }
}

/**
 * SDK commands per route, counted by each client's middleware: every route's first request (empty
 * key caches), then a warm one. The warm calls are the figure; the first request's extras are listed.
 * For the warm request also the DynamoDB request units of each call, and the bytes and lines the
 * handler wrote to stdout (its log and EMF lines: what CloudWatch Logs ingests besides Lambda's own).
 */
async function countCalls(app: InstrumentedApp, cases: readonly RouteCase[]) {
  // Every first request before any warm one: the well-known function serves two routes from one cache.
  const first: string[][] = [];
  for (const c of cases) first.push(names(await invoke(app, c, await c.event())));
  const rows = [];
  for (const [index, c] of cases.entries()) {
    const result = await invoke(app, c, await c.event());
    const warm = names(result);
    const firstRequestAlso = [...(first[index] ?? [])];
    for (const name of warm) {
      const at = firstRequestAlso.indexOf(name);
      if (at !== -1) firstRequestAlso.splice(at, 1);
    }
    const dynamodb = warm.filter((name) => name.startsWith('DynamoDB.')).map((name) => name.slice(9));
    rows.push({
      route: c.route,
      status: c.status,
      /** DynamoDB operations of a warm request, in order. */
      dynamodb,
      other: warm.filter((name) => !name.startsWith('DynamoDB.')),
      firstRequestAlso,
      // Only a success path is held to the limit.
      met: c.status < 400 ? dynamodb.length <= (CALL_LIMITS[c.route] ?? MAX_DYNAMODB_CALLS) : undefined,
      capacity: capacityOf(result.calls),
      /** `GetItem 1 R`, `PutItem 1 W`, ...: each DynamoDB call of the warm request and its units. */
      unitsPerCall: result.calls.filter((call) => call.service === 'DynamoDB').map(describeUnits),
      logBytes: result.logBytes,
      logLines: result.logLines,
    });
  }
  return rows;
}

/**
 * After `warmup` unmeasured requests per route, `requests` more one at a time, routes interleaved so
 * drift hits all alike. Per request: wall time minus time inside SDK sends minus, for token-issuing
 * routes, the median of `signAccessToken` measured alone. Rows give medians in ms. Also the process's
 * CPU time per request (the SDK's work on the client side included, and that of this process's fake
 * SNS / Secrets Manager endpoint; DynamoDB Local runs in its own process): the share of a request a
 * Lambda memory size stretches, the rest being the wait on AWS.
 */
async function measureOverhead(
  app: InstrumentedApp,
  cases: readonly RouteCase[],
  options: { requests: number; warmup: number },
) {
  const timed = cases.filter((c) => c.signs !== undefined);
  const warmEvents = await Promise.all(timed.map((c) => repeatInParallel(options.warmup, c.event)));
  const events = await Promise.all(timed.map((c) => repeatInParallel(options.requests, c.event)));
  for (let i = 0; i < options.warmup; i++) {
    for (const [index, c] of timed.entries()) await invoke(app, c, warmEvents[index]?.[i]);
  }
  const samples = timed.map(() => ({
    totalMs: [] as number[],
    sdkMs: [] as number[],
    cpuMs: [] as number[],
    dynamodbCalls: [] as number[],
    read: [] as number[],
    write: [] as number[],
    logBytes: [] as number[],
  }));
  for (let i = 0; i < options.requests; i++) {
    for (const [index, c] of timed.entries()) {
      const { totalMs, sdkMs, cpuMs, calls, logBytes } = await invoke(app, c, events[index]?.[i]);
      const sample = samples[index];
      const capacity = capacityOf(calls);
      sample?.totalMs.push(totalMs);
      sample?.sdkMs.push(sdkMs);
      sample?.cpuMs.push(cpuMs);
      sample?.dynamodbCalls.push(calls.filter((call) => call.service === 'DynamoDB').length);
      sample?.read.push(capacity.read);
      sample?.write.push(capacity.write);
      sample?.logBytes.push(logBytes);
    }
  }
  const signingMs = await measureSigning(app, options.warmup + options.requests, options.warmup);
  const overhead = timed.map((c, index) => {
    const { totalMs, sdkMs, cpuMs, dynamodbCalls, read, write, logBytes } = samples[index] ?? {
      totalMs: [],
      sdkMs: [],
      cpuMs: [],
      dynamodbCalls: [],
      read: [],
      write: [],
      logBytes: [],
    };
    const signing = (c.signs ?? 0) * signingMs;
    const own = totalMs.map((total, i) => total - (sdkMs[i] ?? 0) - signing);
    return {
      route: c.route,
      totalMs: median(totalMs),
      sdkMs: median(sdkMs),
      signingMs: signing,
      overheadMs: median(own),
      overheadP90Ms: percentile(own, 90),
      cpuMs: median(cpuMs),
      // Means, not medians: a bill adds up every request, the occasional extra call included.
      requests: totalMs.length,
      meanDynamodbCalls: mean(dynamodbCalls),
      meanReadUnits: mean(read),
      meanWriteUnits: mean(write),
      meanLogBytes: mean(logBytes),
    };
  });
  return { overhead, signingMs };
}

function routeCases(app: InstrumentedApp, table: BenchTable): RouteCase[] {
  const { handlers: h } = app;
  const events = routeEvents(table, app.policy);
  const route = (route: string, handler: ApiHandler, status: number, event: () => Promise<ApiEvent>, signs?: number) =>
    ({ route, handler, status, event, ...(signs === undefined ? {} : { signs }) }) satisfies RouteCase;
  return [
    route('POST /send-otp', h['send-otp'], 200, events.sendOtp, 0),
    route('POST /send-otp (country budget spent)', h['send-otp'], 429, events.sendOtpToSpentCountry),
    route('POST /verify-otp', h['verify-otp'], 200, events.verifyOtp, 1),
    route('POST /verify-otp (wrong code)', h['verify-otp'], 400, events.verifyOtpWrongCode, 0),
    route('POST /token/refresh', h['refresh-token'], 200, events.refresh, 1),
    route('POST /logout', h.logout, 204, events.logout),
    route('GET /me', h.me, 200, events.me),
    route('DELETE /me', h['delete-account'], 204, events.deleteAccount),
    route('DELETE /me (login not recent)', h['delete-account'], 403, events.deleteAccountStaleLogin),
    route('POST /me/phone-number', h['change-phone-number'], 200, events.changeNumber, 0),
    route('POST /me/phone-number/verify', h['verify-phone-number'], 200, events.verifyNumberChange, 1),
    route('POST /passkey/options', h['passkey-sign-in'], 200, events.passkeyOptions),
    route('POST /passkey/verify', h['passkey-sign-in'], 200, events.passkeyVerify, 1),
    route('POST /me/passkeys/options', h.passkeys, 200, events.enrolOptions),
    route('POST /me/passkeys (a second passkey)', h.passkeys, 201, events.enrol),
    route('GET /me/passkeys', h.passkeys, 200, events.listPasskeys),
    route('DELETE /me/passkeys/{id}', h.passkeys, 204, events.removePasskey),
    route('GET /.well-known/jwks.json', h['well-known'], 200, events.jwks),
    route('GET /.well-known/openid-configuration', h['well-known'], 200, events.openidConfiguration),
    route('$default (not found)', h['not-found'], 404, events.notFound),
  ];
}

const names = ({ calls }: { calls: readonly SdkCall[] }) => calls.map((c) => `${c.service}.${c.operation}`);

async function invoke(app: InstrumentedApp, c: RouteCase, event: ApiEvent | undefined) {
  if (!event) throw new Error(`no event prepared for ${c.route}`);
  app.meter.take();
  const { bytes, lines } = app.written;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await c.handler(event);
  const totalMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  if (result.statusCode !== c.status) {
    throw new Error(`${c.route} answered ${result.statusCode}, expected ${c.status}: ${result.body}`);
  }
  return {
    totalMs,
    cpuMs: (user + system) / 1000,
    logBytes: app.written.bytes - bytes,
    logLines: app.written.lines - lines,
    ...app.meter.take(),
  };
}

/** Request units of the calls, summed; `estimated` if any call's units were computed, not reported. */
function capacityOf(calls: readonly SdkCall[]): CapacityUnits {
  let read = 0;
  let write = 0;
  let estimated = false;
  for (const { capacity } of calls) {
    read += capacity?.read ?? 0;
    write += capacity?.write ?? 0;
    estimated ||= capacity?.estimated ?? false;
  }
  return { read, write, estimated };
}

function describeUnits({ operation, capacity }: SdkCall): string {
  if (!capacity) return `${operation} ?`;
  const units = [capacity.read ? `${capacity.read} R` : '', capacity.write ? `${capacity.write} W` : '']
    .filter(Boolean)
    .join(' + ');
  return `${operation} ${units || '0'}${capacity.estimated ? ' (estimated)' : ''}`;
}

const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / (values.length || 1);

/** `signAccessToken` alone with the loaded key set, median ms: the RSA part the overhead leaves out. */
async function measureSigning(app: InstrumentedApp, calls: number, unmeasured: number): Promise<number> {
  const keys = await app.keys.load();
  const subject = { userId: randomUUID(), phoneNumber: randomPhoneNumber() };
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const now = Math.floor(Date.now() / 1000);
    const started = performance.now();
    await signAccessToken(keys, app.sessions, subject, now);
    if (i >= unmeasured) times.push(performance.now() - started);
  }
  return median(times);
}
