import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Env, parseOtpConfig } from '../lambdas/config.js';
import { startLocalServer } from '../scripts/local-server.js';
import { type BenchContext, createBenchTable } from './context.js';
import { inParallel, randomPhoneNumber, seedPendingCode, wrongCode } from './fixtures.js';
import { BUILD_DIR } from './handlers.js';
import { round } from './report.js';

export interface ThroughputRow {
  readonly scenario: 'send-otp' | 'verify-otp (wrong code)' | 'login (send + verify)';
  /** HTTP requests per second (a login is two). */
  readonly requestsPerSecond: number;
  /** Logins per second, for the login row. */
  readonly loginsPerSecond?: number;
  /** Per request; for the login row, per send + verify pair. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly total: number;
  readonly expectedStatus: number;
  /** Responses by status; anything but the expected status means the figure measured something else. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
}

export interface ThroughputResult {
  readonly seconds: number;
  readonly connections: number;
  readonly serverEnv: Readonly<Record<string, string>>;
  readonly rows: readonly ThroughputRow[];
}

interface WorkerResult {
  requests?: number;
  logins?: number;
  requestsPerSecond: number;
  loginsPerSecond?: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  errors: number;
}

/** Limits raised so the figures measure the work of a request, not the 429 that would normally stop a flood. */
const RAISED_LIMITS = {
  SEND_COOLDOWN_SECONDS: '0',
  SEND_MAX_PER_HOUR: '1000',
  SEND_MAX_PER_DAY: '10000',
  SEND_MAX_PER_IP_PER_HOUR: '1000000',
  OTP_MAX_ATTEMPTS: '100',
};

/**
 * Warm throughput of the local server (`startLocalServer`, the same handler factories as the
 * Lambdas) in this process, against the bench's DynamoDB Local. The load runs on a worker thread:
 * autocannon for send-otp (a new number each request) and wrong-code verifies (round robin over
 * numbers seeded with a pending code); for logins, `connections` loops doing send, reading the code
 * from the outbox file, verify.
 */
export async function measureThroughput(
  context: BenchContext,
  options: { seconds: number; connections: number; poolSize: number },
  progress: (line: string) => void,
): Promise<ThroughputResult> {
  const table = await createBenchTable(context, 'load');
  const dataDir = join(BUILD_DIR, `load-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const serverEnv: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: context.engine.endpoint,
    TABLE_NAME: table.tableName,
    LOCAL_DATA_DIR: dataDir,
    SMS_OUTBOX_FILE: join(dataDir, 'outbox.jsonl'),
    ...RAISED_LIMITS,
  };

  // The server's logger and metrics read these once, when it builds its handlers: quiet for the load.
  const saved = { log: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const server = await startLocalServer({ env: serverEnv as Env, port: 0, log: () => {} }).finally(() => {
    restoreEnv('POWERTOOLS_LOG_LEVEL', saved.log);
    restoreEnv('POWERTOOLS_METRICS_DISABLED', saved.metrics);
  });
  try {
    const policy = parseOtpConfig(serverEnv);
    const pool = await inParallel(
      Array.from({ length: options.poolSize }, () => randomPhoneNumber()),
      16,
      async (phone) => ({ phone, wrong: wrongCode(await seedPendingCode(table.records, phone, policy)) }),
    );
    const base = { url: server.url, connections: options.connections, outboxFile: server.outboxFile, pool };
    // One short unmeasured round warms the JIT, the keep-alive sockets and the signing-key cache.
    await runWorker({ ...base, scenario: 'login', seconds: Math.min(2, options.seconds) });

    progress('throughput: send-otp');
    const send = await runWorker({ ...base, scenario: 'send-otp', seconds: options.seconds });
    progress('throughput: verify-otp with a wrong code');
    const wrong = await runWorker({ ...base, scenario: 'verify-wrong', seconds: options.seconds });
    progress('throughput: login');
    const login = await runWorker({ ...base, scenario: 'login', seconds: options.seconds });

    return {
      seconds: options.seconds,
      connections: options.connections,
      serverEnv: { ...RAISED_LIMITS, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
      rows: [
        row('send-otp', send, 200),
        row('verify-otp (wrong code)', wrong, 400),
        {
          ...row('login (send + verify)', login, 200),
          loginsPerSecond: round(login.loginsPerSecond ?? 0, 1),
        },
      ],
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function row(scenario: ThroughputRow['scenario'], result: WorkerResult, expectedStatus: number): ThroughputRow {
  return {
    scenario,
    requestsPerSecond: round(result.requestsPerSecond, 1),
    p50Ms: round(result.p50Ms, 2),
    p99Ms: round(result.p99Ms, 2),
    total: result.requests ?? result.logins ?? 0,
    expectedStatus,
    statuses: result.statuses,
    errors: result.errors,
  };
}

function runWorker(data: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((done, fail) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: data });
    let result: WorkerResult | undefined;
    worker.once('message', (message: WorkerResult) => {
      result = message;
      // Whatever the load generator still holds open (sockets, timers) must not keep the run alive.
      void worker.terminate();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => {
      if (result) done(result);
      else fail(new Error(`load worker (${String(data.scenario)}) exited with code ${code} and no result`));
    });
  });
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
