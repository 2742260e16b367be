import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Env, parseOtpConfig } from '../lambdas/config.js';
import { MAX_SEND_HISTORY } from '../lambdas/core/phone-record.js';
import { startLocalServer } from '../scripts/local-server.js';
import { BUILD_DIR } from './bundles.js';
import { type BenchContext, createBenchTable } from './context.js';
import { randomPhoneNumber, repeatInParallel, seedPendingCode, wrongCode } from './fixtures.js';

/** What bench/load-worker.mjs posts back. */
export interface LoadResult {
  readonly scenario: string;
  /** HTTP requests per second (a login is two). */
  readonly requestsPerSecond: number;
  readonly loginsPerSecond?: number;
  /** Per request; for a login, per send + verify pair. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly total: number;
  /** Responses by status: anything but the expected one means the figure measured something else. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
}

/**
 * Limits raised as far as the config allows, so the figures measure the work of a request, not the
 * 429 that would normally stop a flood from one address.
 */
const RAISED_LIMITS = {
  SEND_COOLDOWN_SECONDS: '0',
  SEND_MAX_PER_HOUR: String(MAX_SEND_HISTORY),
  SEND_MAX_PER_DAY: String(MAX_SEND_HISTORY),
  SEND_MAX_PER_IP_PER_HOUR: '1000000',
  OTP_MAX_ATTEMPTS: '100',
};

/**
 * Warm throughput of the local server (the same handler factories as the Lambdas) in this process,
 * against the bench's DynamoDB Local, logs and metrics off. The load runs on a worker thread, so it
 * does not share the server's event loop: autocannon for send-otp (a new number per request) and
 * wrong-code verifies (round robin over numbers seeded with a pending code); for logins,
 * `connections` loops of send, read the code from the outbox file, verify.
 */
export async function measureThroughput(
  context: BenchContext,
  options: { seconds: number; connections: number; poolSize: number },
  progress: (line: string) => void,
): Promise<LoadResult[]> {
  const table = await createBenchTable(context, 'load');
  const dataDir = join(BUILD_DIR, `load-${process.pid}`);
  await mkdir(dataDir, { recursive: true });
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: context.engine.endpoint,
    TABLE_NAME: table.tableName,
    LOCAL_DATA_DIR: dataDir,
    SMS_OUTBOX_FILE: join(dataDir, 'outbox.jsonl'),
    ...RAISED_LIMITS,
  };
  // The server's logger and metrics read these once, when it builds its handlers: quiet for the load.
  const quiet = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };
  const saved = Object.keys(quiet).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, quiet);
  const server = await startLocalServer({ env: env as Env, port: 0, log: () => {} }).finally(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  try {
    const policy = parseOtpConfig(env);
    const pool = await repeatInParallel(options.poolSize, async () => {
      const phone = randomPhoneNumber();
      return { phone, wrong: wrongCode(await seedPendingCode(table.records, phone, policy)) };
    });
    const load = (scenario: string, seconds = options.seconds) =>
      runWorker({
        scenario,
        seconds,
        url: server.url,
        connections: options.connections,
        outboxFile: server.outboxFile,
        pool,
      });
    // One short unmeasured round warms the JIT, the keep-alive sockets and the signing-key cache.
    await load('login (send + verify)', Math.min(2, options.seconds));
    const results: LoadResult[] = [];
    for (const scenario of ['send-otp', 'verify-otp (wrong code)', 'login (send + verify)']) {
      progress(`throughput: ${scenario}`);
      results.push(await load(scenario));
    }
    return results;
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function runWorker(data: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((done, fail) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: data });
    let result: LoadResult | undefined;
    worker.once('message', (message: LoadResult) => {
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
