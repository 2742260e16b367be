/**
 * `npm run bench [-- --quick]`: bundle bytes, cold import against the SDK floor, local throughput,
 * warm handler overhead and AWS calls per route, printed as tables on stdout (progress on stderr).
 * Scratch files go to bench/.build/ (gitignored); the README's Performance section is the record.
 */
import { cpus } from 'node:os';
import { buildBundles } from './bundles.js';
import { measureColdStarts } from './cold-start.js';
import { startBenchContext } from './context.js';
import { bytes, ms, table, verdict } from './report.js';
import { measureThroughput } from './throughput.js';
import { MAX_DYNAMODB_CALLS, measureWarm, OVERHEAD_TARGET_MS } from './warm.js';

/** The cold-start target: each handler's import within this factor of its SDK floor. */
const IMPORT_RATIO_TARGET = 1.15;

const SETTINGS = {
  full: { coldRuns: 9, seconds: 10, connections: 10, verifyPool: 2000, requests: 200, warmup: 20, limitMin: 15 },
  quick: { coldRuns: 3, seconds: 2, connections: 10, verifyPool: 300, requests: 50, warmup: 10, limitMin: 4 },
};

async function main(): Promise<void> {
  const extra = process.argv.slice(2).filter((arg) => arg !== '--quick');
  if (extra.length > 0) throw new Error(`unknown argument ${extra.join(' ')} (the only option is --quick)`);
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  const settings = SETTINGS[mode];
  // A stuck engine or child ends the run; exiting also stops DynamoDB Local (scripts/dynamodb-engine.ts).
  setTimeout(() => fail(new Error(`gave up after ${settings.limitMin} minutes`)), settings.limitMin * 60_000).unref();
  // Before any SDK client exists: Lambda runs Node 22+, where the SDK prints no end-of-support warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = performance.now();
  const print = (...lines: string[]) => process.stdout.write(`${lines.join('\n')}\n\n`);
  const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const cpu = cpus();
  print(
    `otp-login bench (${mode}): ${cpu[0]?.model.trim()}, ${cpu.length} cores, Node ${process.version} ${process.arch}`,
  );

  progress('building bundles');
  const bundles = await buildBundles();
  print(
    table(
      'Bundle size (esbuild settings of lib/constructs/bundling.ts)',
      bundles.map((b) => ({
        handler: b.name,
        bytes: bytes(b.bundle.bytes),
        'gzip bytes': bytes(b.bundle.gzipBytes),
        floor: b.floorName,
        'floor bytes': bytes(b.floor.bytes),
      })),
    ),
  );

  progress('starting DynamoDB engine and fake SNS / Secrets Manager');
  const context = await startBenchContext();
  const engine = context.engine.engine;
  try {
    const cold = await measureColdStarts(context, bundles, settings.coldRuns, progress);
    print(
      table(
        `Cold start: median of ${settings.coldRuns} fresh node processes, no NODE_OPTIONS (DynamoDB: ${engine})`,
        cold.map((r) => ({
          handler: r.handler,
          'import ms': ms(r.importMs),
          'min-max': `${ms(r.minImportMs)}-${ms(r.maxImportMs)}`,
          'floor import ms': ms(r.floorImportMs),
          ratio: r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}x`,
          'first response ms': ms(r.firstResponseMs),
          [`<= ${IMPORT_RATIO_TARGET}x`]: verdict(r.ratio === undefined ? undefined : r.ratio <= IMPORT_RATIO_TARGET),
        })),
      ),
      'ratio = import / floor import; n/a: an entry with no SDK client has an empty floor, so only its ms count.',
    );

    const { seconds, connections, verifyPool } = settings;
    const load = await measureThroughput(context, { seconds, connections, poolSize: verifyPool }, progress);
    print(
      table(
        `Warm throughput of the local server: ${seconds} s, ${connections} connections (DynamoDB: ${engine})`,
        load.map((r) => ({
          scenario: r.scenario,
          'req/s': r.requestsPerSecond.toFixed(1),
          'logins/s': r.loginsPerSecond?.toFixed(1) ?? '-',
          'p50 ms': ms(r.p50Ms),
          'p99 ms': ms(r.p99Ms),
          total: String(r.total),
          statuses: Object.entries({ ...r.statuses, ...(r.errors ? { errors: r.errors } : {}) })
            .map(([status, n]) => `${status}:${n}`)
            .join(' '),
        })),
      ),
    );

    const warm = await measureWarm(context, { requests: settings.requests, warmup: settings.warmup }, progress);
    print(
      table(
        "AWS calls per request (warm; a function's first request also makes those in the last column)",
        warm.calls.map((r) => ({
          route: r.route,
          status: String(r.status),
          'DynamoDB calls': String(r.dynamodb.length),
          DynamoDB: r.dynamodb.join(', ') || '-',
          other: r.other.join(', ') || '-',
          [`<= ${MAX_DYNAMODB_CALLS}`]: verdict(r.met),
          'first request also': r.firstRequestAlso.join(', ') || '-',
        })),
      ),
    );
    print(
      table(
        `Warm handler overhead: ${settings.requests} requests per route after ${settings.warmup} warm-up`,
        warm.overhead.map((r) => ({
          route: r.route,
          'total ms': ms(r.totalMs),
          'SDK ms': ms(r.sdkMs),
          'signing ms': ms(r.signingMs),
          'overhead ms': r.overheadMs.toFixed(3),
          'p90 ms': r.overheadP90Ms.toFixed(3),
          [`< ${OVERHEAD_TARGET_MS} ms`]: verdict(r.overheadMs < OVERHEAD_TARGET_MS),
        })),
      ),
      `overhead = total - SDK - signing, per request; signAccessToken alone: ${warm.signingMs.toFixed(3)} ms (RS256, 2048-bit).`,
    );
  } finally {
    progress('stopping DynamoDB engine and fake AWS');
    await context.close();
  }
  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);
}

function fail(error: unknown): never {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

// Exiting, rather than dying of the signal, lets the engine's exit hook stop DynamoDB Local.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// Exit explicitly: idle keep-alive sockets would otherwise hold the process open.
await main().then(() => process.exit(0), fail);
