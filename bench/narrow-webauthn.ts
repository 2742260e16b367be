/**
 * `npx tsx bench/narrow-webauthn.ts`: what the narrow @simplewebauthn/server import
 * (lib/constructs/narrow-webauthn.ts) saves, in cold-import instructions (bench/cold-instructions.ts)
 * against the dynamodb+secrets-manager floor of the passkey sign-in function. The same fixture
 * entry (test/fixtures/narrow-webauthn-entry.ts: the two authentication calls), beside the floor's
 * clients, bundled three ways: the package index as it is; the two authentication files with
 * verifyOKP/verifyAKP's import redirected but the library's ASN.1 (unwrapEC2Signature); and the
 * narrow import the sign-in bundle gets. Then refresh-token (jose, a signing-key function on the same
 * floor) alone and with the narrow import, for a feel of the real function. `npm run
 * bench:instructions` measures the real passkey-sign-in entry once it is in lambdas/registry.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE_FILE_NAME, esbuildBuildOptions, lambdaEntry, PROJECT_ROOT } from '../lib/constructs/bundling.js';
import {
  buildNarrowWebauthnBundle,
  buildWithRedirects,
  narrowWebauthnRedirects,
} from '../lib/constructs/narrow-webauthn.js';
import { BUILD_DIR, type Bundle, buildFloor, type HandlerBundles } from './bundles.js';
import { measureColdInstructions } from './cold-instructions.js';
import { table } from './report.js';

const DIR = join(BUILD_DIR, 'narrow-webauthn');
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'narrow-webauthn-entry.ts');
const FLOOR = 'dynamodb+secrets-manager';

type Way = 'full' | 'deep' | 'narrow';

/** A scratch entry file of these lines. */
async function writeEntry(name: string, lines: readonly string[]): Promise<string> {
  const file = join(DIR, 'entries', `${name}.mjs`);
  await mkdir(join(DIR, 'entries'), { recursive: true });
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

async function bundle(name: string, entry: string, way: Way | 'plain'): Promise<Bundle> {
  const file = join(DIR, 'bundles', name, BUNDLE_FILE_NAME);
  const options = { ...esbuildBuildOptions(entry, file), logLevel: 'warning' as const };
  if (way === 'full' || way === 'plain') await build(options);
  else if (way === 'narrow') buildNarrowWebauthnBundle(options, PROJECT_ROOT);
  else {
    const kept = narrowWebauthnRedirects(PROJECT_ROOT).filter(
      (r) => r.specifier === '@simplewebauthn/server' || r.specifier === '../../index.js',
    );
    buildWithRedirects(options, kept);
  }
  const code = await readFile(file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 6 }).length };
}

const progress = (line: string) => process.stderr.write(`[narrow-webauthn] ${line}\n`);
const floor = await buildFloor(FLOOR, ['dynamodb', 'secrets-manager']);
const floorSource = await readFile(join(BUILD_DIR, 'floor-entries', `${FLOOR}.mjs`), 'utf8');
const fixtureEntry = await writeEntry('floor-and-fixture', [
  floorSource.replace(/export const handler[^\n]*\n/, ''),
  `import { signInOptions, verifySignIn } from ${JSON.stringify(FIXTURE)};`,
  'export const handler = async () => ({ statusCode: 200, body: String(clients.length), uses: [signInOptions, verifySignIn] });',
]);
const refreshEntry = await writeEntry('refresh-token-and-fixture', [
  `export { handler } from ${JSON.stringify(lambdaEntry('refresh-token'))};`,
  `export { signInOptions, verifySignIn } from ${JSON.stringify(FIXTURE)};`,
]);

const bundles: HandlerBundles[] = [];
const add = async (name: string, entry: string, way: Way | 'plain') =>
  bundles.push({ name: name as never, bundle: await bundle(name, entry, way), floorName: FLOOR, floor });
await add('fixture: package index', fixtureEntry, 'full');
await add('fixture: deep import, library ASN.1', fixtureEntry, 'deep');
await add('fixture: narrow import', fixtureEntry, 'narrow');
await add('refresh-token', lambdaEntry('refresh-token'), 'plain');
await add('refresh-token + narrow import', refreshEntry, 'narrow');

const report = await measureColdInstructions(bundles, progress);
if ('skipped' in report) throw new Error(report.skipped);
const m = (n: number | undefined) => (n === undefined ? 'n/a' : (n / 1e6).toFixed(1));
process.stdout.write(
  `${table(
    `Cold import of the passkey sign-in's webauthn part, against the ${FLOOR} floor (callgrind)`,
    report.results.map((r) => ({
      bundle: r.handler,
      KB: ((bundles.find((b) => b.name === r.handler)?.bundle.bytes ?? 0) / 1024).toFixed(1),
      'instructions M': m(r.instructions),
      'floor M': m(r.floorInstructions),
      'above floor M': m(r.instructions - (r.floorInstructions ?? 0)),
      ratio: r.ratio?.toFixed(3) ?? 'n/a',
    })),
  )}\n`,
);
