/**
 * The package's build (`npm pack` runs it as `prepack`): what a team installs, so that their
 * `cdk synth` needs no esbuild, no Docker and no TypeScript sources.
 * - dist/functions/<entry>/: each function's bundle, made by the very code a synth in this
 *   repository uses (lib/constructs/bundling.ts), so the package deploys the bytes the tests ran;
 * - dist/lib/index.js (ESM) and index.cjs (CommonJS): the construct, with the settings parsers it
 *   validates props with, and nothing of aws-cdk-lib or constructs, which the app brings (peers);
 * - dist/types/: the declarations.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  BUNDLE_FILE_NAME,
  BUNDLE_MANIFEST,
  type BundleManifest,
  buildBundle,
  PROJECT_ROOT,
  sha256Of,
} from '../lib/constructs/bundling.js';

const DIST = join(PROJECT_ROOT, 'dist');
// Shared by the entries, not one itself.
const NOT_ENTRIES = new Set(['lambda-runtime.ts']);

/**
 * Every file of lambdas/functions that is a Lambda entry: each route's function, each SMS variant,
 * each claims variant (`-claims`, the construct's pick with `claims`), the rotation.
 */
export function functionEntries(): string[] {
  return readdirSync(join(PROJECT_ROOT, 'lambdas', 'functions'))
    .filter((file) => file.endsWith('.ts') && !NOT_ENTRIES.has(file))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

async function buildLibrary(): Promise<void> {
  const common: BuildOptions = {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [join(PROJECT_ROOT, 'lib', 'index.ts')],
    bundle: true,
    platform: 'node',
    // The consumer's CDK app runs on its own Node.js, not Lambda's: the oldest this project supports.
    target: 'node20',
    // One copy of each in the app: two would make `instanceof Construct` and CDK's tokens fail.
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'esbuild'],
    logLevel: 'warning',
  };
  await build({ ...common, format: 'esm', outfile: join(DIST, 'lib', 'index.js') });
  // CommonJS has no import.meta: the construct finds its bundles from this file's own URL.
  await build({
    ...common,
    format: 'cjs',
    outfile: join(DIST, 'lib', 'index.cjs'),
    define: { 'import.meta.url': '__otpLoginModuleUrl' },
    banner: { js: "const __otpLoginModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** The modules the public declarations may name: the peers. */
const PEER_MODULE = /^(?:aws-cdk-lib(?:\/.*)?|constructs)$/;

/**
 * Every module the declarations reachable from `entry` import that is not a peer. tsc writes one
 * declaration file per source file, whole; a reachable one naming `jose` or the AWS SDK would fail
 * the type check of every consumer app that checks library types (`skipLibCheck: false`, as `cdk
 * init` writes it), for a package it does not have. So the public types reach only types of their own.
 */
export function nonPeerTypeImports(entry: string): string[] {
  const seen = new Set<string>();
  const foreign = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      else if (!PEER_MODULE.test(specifier)) foreign.add(`${specifier} (${file})`);
    }
  };
  visit(entry);
  return [...foreign].sort();
}

rmSync(DIST, { recursive: true, force: true });
const bundles: Record<string, string> = {};
for (const entry of functionEntries()) {
  buildBundle(entry, join(DIST, 'functions', entry));
  bundles[entry] = sha256Of(join(DIST, 'functions', entry, BUNDLE_FILE_NAME));
}
const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
const manifest: BundleManifest = { package: 'otp-login', version, bundles };
writeFileSync(join(DIST, 'functions', BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
await buildLibrary();
execFileSync(
  process.execPath,
  [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.package.json'],
  {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  },
);
const foreign = nonPeerTypeImports(join(DIST, 'types', 'lib', 'index.d.ts'));
if (foreign.length > 0) {
  throw new Error(`The package's public types reach modules a consumer does not have:\n${foreign.join('\n')}`);
}
// To stderr: `npm pack --json` prints its report on stdout.
process.stderr.write(
  `built ${functionEntries().length} function bundles, the construct (ESM and CommonJS) and its types into dist/\n`,
);
