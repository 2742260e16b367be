import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BUNDLE_FILE_NAME, esbuildBuildOptions, lambdaEntry } from '../../lib/constructs/bundling.js';
import { NodeFunction } from '../../lib/constructs/node-function.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

// The one test that really bundles, with the smallest entry, to keep it cheap.
describe('shared bundling', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'otp-bundling-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('makes the same bytes through NodejsFunction and through esbuildBuildOptions', async () => {
    const app = new App({ outdir: join(workDir, 'cdk.out') });
    new NodeFunction(new Stack(app, 'Bundle'), 'Me', { entryName: 'me' });
    const assembly = app.synth();
    const assetDirs = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assetDirs).toHaveLength(1);
    const cdkDir = join(assembly.directory, assetDirs[0] ?? '');

    const outfile = join(workDir, 'esbuild', BUNDLE_FILE_NAME);
    await build({ ...esbuildBuildOptions(lambdaEntry('me'), outfile), logLevel: 'silent' });

    const cdkBundle = readFileSync(join(cdkDir, BUNDLE_FILE_NAME));
    expect(readFileSync(outfile).equals(cdkBundle)).toBe(true);

    const code = cdkBundle.toString('utf8');
    expect(
      code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);"),
    ).toBe(true);
    expect(code.trimEnd().endsWith(`//# sourceMappingURL=${BUNDLE_FILE_NAME}.map`)).toBe(true);
    expect(readdirSync(cdkDir).sort()).toEqual([BUNDLE_FILE_NAME, `${BUNDLE_FILE_NAME}.map`]);
  });
});
