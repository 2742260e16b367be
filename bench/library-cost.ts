/**
 * What the third-party libraries cost a handler's cold import, measured in place: the handler is
 * rebuilt with the stack's esbuild settings and its libraries replaced by inert stubs, and that
 * variant's import is timed in fresh processes next to the real bundle and its SDK floor. The
 * difference is the libraries' share of the import (their parse, compile and top-level work); what
 * is left over the floor is this project's own code and the SDK commands it uses.
 * One library at a time was tried too: each moves the import by 0.5-3 ms, inside this machine's
 * run-to-run noise, so only the sum is printed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { esbuildBuildOptions, lambdaEntry } from '../lib/constructs/bundling.js';
import type { BundlesResult } from './bundles.js';
import { lambdaEnv, runColdStartChild } from './cold-start.js';
import { BUILD_DIR, floorBundlePath } from './handlers.js';
import { median, round, type Summary, summarize } from './report.js';

interface Library {
  readonly name: string;
  /** The npm packages it is made of (as esbuild's metafile names them). */
  readonly packages: readonly string[];
  /** Import specifiers the stub replaces, in our code and between its own packages. */
  readonly specifiers: RegExp;
}

/** The libraries our handlers add on top of the AWS SDK, each required by an issue or the design. */
export const LIBRARIES: readonly Library[] = [
  { name: 'libphonenumber-js', packages: ['libphonenumber-js'], specifiers: /^libphonenumber-js(\/.*)?$/ },
  {
    name: 'Powertools Logger',
    packages: ['@aws-lambda-powertools/logger'],
    specifiers: /^@aws-lambda-powertools\/logger(\/.*)?$/,
  },
  {
    name: 'Powertools Metrics',
    packages: ['@aws-lambda-powertools/metrics'],
    specifiers: /^@aws-lambda-powertools\/metrics(\/.*)?$/,
  },
  { name: 'otplib', packages: ['@otplib/core', '@otplib/totp', '@scure/base'], specifiers: /^@otplib\// },
  { name: 'jose', packages: ['jose'], specifiers: /^jose(\/.*)?$/ },
  { name: 'valibot', packages: ['valibot'], specifiers: /^valibot$/ },
];

/** The handlers the breakdown covers: the two with the most libraries, and the largest ratios. */
export const LIBRARY_COST_HANDLERS = ['send-otp', 'verify-otp'] as const;

export interface LibraryCostRow {
  readonly handler: string;
  /** `as deployed`, `floor (<clients>)` or `without <libraries>`. */
  readonly variant: string;
  readonly bytes: number;
  readonly importMs: Summary;
  /** Median over runs of (import as deployed - import of this variant), each pair from the same run. */
  readonly savedMs: number | undefined;
  readonly ratio: number;
}

export interface LibraryCostResult {
  readonly runs: number;
  readonly rows: readonly LibraryCostRow[];
}

interface Variant {
  readonly handler: string;
  readonly kind: 'deployed' | 'floor' | 'without';
  readonly variant: string;
  readonly file: string;
  readonly bytes: number;
}

// Only imported, never invoked: the clients are built but never call these.
const UNUSED_ENDPOINT = 'http://127.0.0.1:9';

/** Runs with no DynamoDB engine or fake AWS alive, so nothing else competes for the CPU. */
export async function measureLibraryCost(
  bundles: BundlesResult,
  runs: number,
  progress: (line: string) => void,
): Promise<LibraryCostResult> {
  progress('library cost: building variants');
  const variants: Variant[] = [];
  for (const handler of LIBRARY_COST_HANDLERS) {
    const deployed = bundles.handlers[handler];
    if (!deployed) throw new Error(`no bundle for ${handler}`);
    variants.push({ handler, kind: 'deployed', variant: 'as deployed', file: deployed.file, bytes: deployed.bytes });
    const floor = bundles.floors[deployed.floor];
    if (!floor) throw new Error(`no floor bundle ${deployed.floor}`);
    variants.push({
      handler,
      kind: 'floor',
      variant: `floor (${deployed.floor})`,
      file: floorBundlePath(deployed.floor),
      bytes: floor.bytes,
    });
    const present = LIBRARIES.filter((lib) => deployed.packages.some((p) => lib.packages.includes(p.name)));
    variants.push(await buildWithout(handler, present, `without ${present.map((lib) => lib.name).join(', ')}`));
  }

  const homeDir = join(BUILD_DIR, 'empty-home');
  await mkdir(homeDir, { recursive: true });
  const envOf = new Map(
    LIBRARY_COST_HANDLERS.map((handler) => [
      handler as string,
      lambdaEnv(
        { engine: { endpoint: UNUSED_ENDPOINT }, fakeAws: { endpoint: UNUSED_ENDPOINT } },
        { functionName: handler, tableName: 'bench-library-cost', homeDir },
      ),
    ]),
  );
  const samples = new Map(variants.map((v) => [v, [] as number[]]));
  // One unmeasured round puts every file in the page cache; the order flips every run.
  for (let run = -1; run < runs; run++) {
    const order = run % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const { importMs } = await runColdStartChild(`${v.handler} ${v.variant}`, v.file, envOf.get(v.handler) ?? {});
      if (run >= 0) samples.get(v)?.push(importMs);
    }
    if (run >= 0) progress(`library cost: run ${run + 1}/${runs} done`);
  }

  const samplesOf = (handler: string, kind: Variant['kind']) =>
    samples.get(variants.find((o) => o.handler === handler && o.kind === kind) as Variant) ?? [];
  const rows = variants.map((v): LibraryCostRow => {
    const own = samples.get(v) ?? [];
    const deployed = samplesOf(v.handler, 'deployed');
    const importMs = summarize(own);
    return {
      handler: v.handler,
      variant: v.variant,
      bytes: v.bytes,
      importMs,
      // Paired by run: both imports ran seconds apart, so drift of the machine cancels out.
      savedMs: v.kind === 'without' ? round(median(own.map((ms, i) => (deployed[i] ?? ms) - ms))) : undefined,
      ratio: round(importMs.median / median(samplesOf(v.handler, 'floor')), 3),
    };
  });
  return { runs, rows };
}

async function buildWithout(handler: string, libraries: readonly Library[], variant: string): Promise<Variant> {
  const slug = variant.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const file = join(BUILD_DIR, 'library-cost', handler, slug, 'index.mjs');
  const result = await build({
    ...esbuildBuildOptions(lambdaEntry(handler), file),
    plugins: [inertStubs(libraries)],
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  return { handler, kind: 'without', variant, file, bytes };
}

/**
 * Replaces every import of the given libraries with a module exporting the same names, each bound to
 * one inert value that can be called, constructed and read from. Import-time code (creating a Logger,
 * building a schema) runs against it unchanged; the variant is only imported, never invoked.
 */
function inertStubs(libraries: readonly Library[]): Plugin {
  return {
    name: 'inert-library-stubs',
    setup(builder) {
      for (const lib of libraries) {
        builder.onResolve({ filter: lib.specifiers }, (args) => ({ path: args.path, namespace: 'inert-stub' }));
      }
      builder.onLoad({ filter: /.*/, namespace: 'inert-stub' }, async (args) => {
        const names = Object.keys((await import(args.path)) as Record<string, unknown>);
        const exported = names.map((name) => `inert as ${JSON.stringify(name)}`).join(', ');
        return {
          contents: `const inert = new Proxy(function inert() {}, {
  get: (_target, key) => (key === 'prototype' ? {} : key === 'then' ? undefined : inert),
  apply: () => inert,
  construct: () => inert,
});
export { ${exported} };
`,
          loader: 'js',
        };
      });
    },
  };
}
