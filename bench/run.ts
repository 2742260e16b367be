/**
 * `npm run bench [-- --quick] [-- --only=bundles,cold,throughput,overhead,calls]`: the figures of
 * issue #5, printed as tables on stdout (progress goes to stderr). Nothing is written into the
 * source tree: the README's Performance section is the record.
 */
import { cpus, platform, release } from 'node:os';
import { type AwsCallsRow, countAwsCalls, MAX_DYNAMODB_CALLS } from './aws-calls.js';
import { type BundlesResult, buildBundles } from './bundles.js';
import { type ColdStartResult, measureColdStarts } from './cold-start.js';
import { startBenchContext } from './context.js';
import { HANDLERS } from './handlers.js';
import { measureOverhead, OVERHEAD_TARGET_MS, type OverheadResult } from './overhead.js';
import { killLiveProcesses } from './processes.js';
import { bytes, ms, table } from './report.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';

const SECTIONS = ['bundles', 'cold', 'throughput', 'overhead', 'calls'] as const;
type Section = (typeof SECTIONS)[number];

/** The issue's cold-start target: each handler's import within this factor of its SDK floor. */
const IMPORT_RATIO_TARGET = 1.15;

const SETTINGS = {
  full: {
    coldRuns: 9,
    throughputSeconds: 10,
    connections: 10,
    verifyPool: 2000,
    requests: 200,
    warmup: 20,
  },
  quick: {
    coldRuns: 3,
    throughputSeconds: 2,
    connections: 10,
    verifyPool: 300,
    requests: 50,
    warmup: 10,
  },
} as const;

/** Hard bounds: a stuck engine or child must end the run, not hang CI. */
const WATCHDOG_MS = { full: 15 * 60_000, quick: 4 * 60_000 } as const;

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<Section>; partial: boolean } {
  let quick = false;
  let only: Set<Section> | undefined;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--only=')) {
      const names = arg.slice('--only='.length).split(',').filter(Boolean);
      for (const name of names) {
        if (!(SECTIONS as readonly string[]).includes(name)) {
          throw new Error(`--only takes ${SECTIONS.join(', ')}; got "${name}"`);
        }
      }
      only = new Set(names as Section[]);
    } else throw new Error(`unknown argument "${arg}" (use --quick, --only=${SECTIONS.join(',')})`);
  }
  return { quick, only: only ?? new Set(SECTIONS), partial: only !== undefined };
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Before any SDK client exists: Lambda runs Node 22+, where the SDK prints no end-of-support warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const mode = args.quick ? 'quick' : 'full';
  const settings = SETTINGS[mode];
  const watchdog = setTimeout(() => {
    process.stderr.write(`[bench] gave up after ${WATCHDOG_MS[mode] / 60_000} minutes\n`);
    killLiveProcesses();
    process.exit(1);
  }, WATCHDOG_MS[mode]);
  watchdog.unref();

  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    arch: process.arch,
    os: `${platform()} ${release()}`,
  };
  const print = (text: string) => process.stdout.write(`${text}\n\n`);
  print(
    [
      `otp-login benchmarks (${mode}${args.partial ? `, only ${[...args.only].join(', ')}` : ''})`,
      `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.arch}, ${machine.os}`,
    ].join('\n'),
  );

  const started = performance.now();
  const needsBundles = ['bundles', 'cold'].some((s) => args.only.has(s as Section));
  const needsContext = ['cold', 'throughput', 'overhead', 'calls'].some((s) => args.only.has(s as Section));

  let bundles: BundlesResult | undefined;
  if (needsBundles) {
    progress('building bundles');
    bundles = await buildBundles();
    print(bundlesTable(bundles));
    print(packagesTable(bundles, ['send-otp', 'verify-otp']));
  }

  let engine: string | undefined;
  let cold: ColdStartResult | undefined;
  let throughput: ThroughputResult | undefined;
  let overhead: OverheadResult | undefined;
  let calls: readonly AwsCallsRow[] | undefined;
  if (needsContext) {
    progress('starting DynamoDB engine and fake SNS/Secrets Manager');
    const context = await startBenchContext();
    engine = context.engine.engine;
    try {
      if (args.only.has('cold') && bundles) {
        cold = await measureColdStarts(context, bundles, settings.coldRuns, progress);
        print(coldTable(cold, engine));
      }
      if (args.only.has('throughput')) {
        throughput = await measureThroughput(
          context,
          { seconds: settings.throughputSeconds, connections: settings.connections, poolSize: settings.verifyPool },
          progress,
        );
        print(throughputTable(throughput, engine));
      }
      if (args.only.has('overhead')) {
        overhead = await measureOverhead(context, { requests: settings.requests, warmup: settings.warmup }, progress);
        print(overheadTable(overhead));
      }
      if (args.only.has('calls')) {
        progress('counting AWS calls');
        calls = await countAwsCalls(context);
        print(callsTable(calls));
      }
    } finally {
      progress('stopping DynamoDB engine and fake AWS');
      await context.close();
    }
  }

  const targets = targetsOf(cold, overhead, calls);
  print(targetsTable(targets));

  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);
}

interface Targets {
  readonly importRatio: readonly { handler: string; ratio: number | undefined; met: boolean | undefined }[];
  readonly overhead: readonly { route: string; overheadMs: number; met: boolean }[];
  readonly dynamodbCalls: readonly { route: string; calls: number; met: boolean }[];
}

function targetsOf(
  cold: ColdStartResult | undefined,
  overhead: OverheadResult | undefined,
  calls: readonly AwsCallsRow[] | undefined,
): Targets {
  return {
    importRatio: (cold?.rows ?? []).map((r) => ({
      handler: r.handler,
      ratio: r.ratio,
      met: r.ratio === undefined ? undefined : r.ratio <= IMPORT_RATIO_TARGET,
    })),
    overhead: (overhead?.rows ?? []).map((r) => ({
      route: r.route,
      overheadMs: r.overheadMs,
      met: r.overheadMs < OVERHEAD_TARGET_MS,
    })),
    dynamodbCalls: (calls ?? [])
      .filter((r) => r.path === 'success')
      .map((r) => ({ route: r.route, calls: r.dynamodb.length, met: r.dynamodb.length <= MAX_DYNAMODB_CALLS })),
  };
}

function bundlesTable(bundles: BundlesResult): string {
  return table(
    'Bundle size (esbuild settings of lib/constructs/bundling.ts)',
    ['handler', 'bytes', 'gzip bytes', 'map bytes', 'floor', 'floor bytes', 'largest packages'],
    HANDLERS.map((h) => {
      const b = bundles.handlers[h.name];
      if (!b) return [h.name, '?', '?', '?', '?', '?', ''];
      return [
        h.name,
        bytes(b.bytes),
        bytes(b.gzipBytes),
        bytes(b.mapBytes),
        b.floor,
        bytes(bundles.floors[b.floor]?.bytes ?? 0),
        b.packages
          .slice(0, 3)
          .map((p) => `${p.name} ${Math.round(p.bytes / 1024)}K`)
          .join(', '),
      ];
    }),
  );
}

function packagesTable(bundles: BundlesResult, names: readonly string[]): string {
  const byName = new Map<string, number[]>();
  names.forEach((name, column) => {
    for (const p of bundles.handlers[name]?.packages ?? []) {
      const row = byName.get(p.name) ?? names.map(() => 0);
      row[column] = p.bytes;
      byName.set(p.name, row);
    }
  });
  const rows = [...byName]
    .sort((a, b) => Math.max(...b[1]) - Math.max(...a[1]))
    .slice(0, 12)
    .map(([name, counts]) => [name, ...counts.map(bytes)]);
  return table(`Bytes by package (esbuild metafile), top 12`, ['package', ...names], rows);
}

function coldTable(cold: ColdStartResult, engine: string): string {
  const rows = cold.rows.map((r) => [
    r.handler,
    ms(r.importMs.median),
    `${ms(r.importMs.min)}-${ms(r.importMs.max)}`,
    ms(r.firstResponseMs.median),
    String(r.status ?? 'ok'),
    r.floor,
    ms(r.floorImportMs.median),
    r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(3)}x`,
    ms(r.withSourceMaps.importMs.median),
    ms(r.withSourceMaps.floorImportMs.median),
    r.withSourceMaps.ratio === undefined ? 'n/a' : `${r.withSourceMaps.ratio.toFixed(3)}x`,
  ]);
  return [
    table(
      `Cold start: median of ${cold.runs} fresh node processes (NODE_OPTIONS=${cold.nodeOptions || 'none, as deployed'}; DynamoDB: ${engine})`,
      [
        'handler',
        'import ms',
        'min-max',
        'first response ms',
        'status',
        'floor',
        'floor import ms',
        'ratio',
        '+map import',
        '+map floor',
        '+map ratio',
      ],
      rows,
    ),
    'ratio = handler import / floor import (target <= 1.15x); "n/a": the floor of an entry with no SDK client is an empty module, so its absolute ms is shown instead.',
    `fake SNS / Secrets Manager answered: ${
      Object.entries(cold.fakeAwsCalls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'nothing'
    }`,
  ].join('\n');
}

function throughputTable(result: ThroughputResult, engine: string): string {
  return table(
    `Warm throughput of the local server: ${result.seconds} s, ${result.connections} connections (DynamoDB: ${engine})`,
    ['scenario', 'req/s', 'logins/s', 'p50 ms', 'p99 ms', 'total', 'statuses'],
    result.rows.map((r) => [
      r.scenario,
      r.requestsPerSecond.toFixed(1),
      r.loginsPerSecond === undefined ? '-' : r.loginsPerSecond.toFixed(1),
      ms(r.p50Ms),
      ms(r.p99Ms),
      String(r.total),
      `${Object.entries(r.statuses)
        .map(([status, n]) => `${status}:${n}`)
        .join(' ')}${r.errors ? ` errors:${r.errors}` : ''}`,
    ]),
  );
}

function overheadTable(result: OverheadResult): string {
  return [
    table(
      `Warm handler overhead: ${result.requests} requests per route after ${result.warmup} warm-up (target < ${result.targetMs} ms)`,
      ['route', 'total ms', 'SDK ms', 'signing ms', 'overhead ms', 'p90 ms', 'SDK calls', 'target'],
      result.rows.map((r) => [
        r.route,
        ms(r.totalMs),
        ms(r.sdkMs),
        ms(r.signingMs),
        r.overheadMs.toFixed(3),
        r.overheadP90Ms.toFixed(3),
        r.callsPerRequest,
        r.overheadMs < result.targetMs ? 'met' : 'MISSED',
      ]),
    ),
    `overhead = handler time - SDK time - signing; signAccessToken alone: median ${result.signingMs.median.toFixed(3)} ms (RS256, 2048-bit).`,
  ].join('\n');
}

function callsTable(rows: readonly AwsCallsRow[]): string {
  return table(
    `AWS calls per request (target: at most ${MAX_DYNAMODB_CALLS} DynamoDB calls on a success path)`,
    ['route', 'path', 'status', 'DynamoDB', 'DynamoDB calls', 'SNS', 'Secrets Manager', 'first request also', 'target'],
    rows.map((r) => [
      r.route,
      r.path,
      String(r.status),
      r.dynamodb.join(', ') || '-',
      String(r.dynamodb.length),
      String(r.sns),
      String(r.secretsManagerWarm),
      r.firstRequestAlso.join(', ') || '-',
      r.withinLimit === undefined ? '-' : r.withinLimit ? 'met' : 'MISSED',
    ]),
  );
}

function targetsTable(targets: Targets): string {
  const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : 'MISSED');
  return table(
    'Targets',
    ['target', 'subject', 'figure', 'verdict'],
    [
      ...targets.importRatio.map((t) => [
        `cold import <= ${IMPORT_RATIO_TARGET}x SDK floor`,
        t.handler,
        t.ratio === undefined ? 'n/a' : `${t.ratio.toFixed(3)}x`,
        verdict(t.met),
      ]),
      ...targets.overhead.map((t) => [
        `warm overhead < ${OVERHEAD_TARGET_MS} ms`,
        t.route,
        `${t.overheadMs.toFixed(3)} ms`,
        verdict(t.met),
      ]),
      ...targets.dynamodbCalls.map((t) => [
        `DynamoDB calls <= ${MAX_DYNAMODB_CALLS}`,
        t.route,
        String(t.calls),
        verdict(t.met),
      ]),
    ],
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[bench] ${signal}: stopping\n`);
    killLiveProcesses();
    process.exit(130);
  });
}

try {
  await main();
  // Everything this run started is stopped by now; exiting here also covers idle keep-alive sockets.
  process.exit(0);
} catch (error) {
  killLiveProcesses();
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
