import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BUNDLE_FILE_NAME } from '../../lib/constructs/bundling.js';
import { OtpTable } from '../../lib/constructs/otp-table.js';
import { SigningKey } from '../../lib/constructs/signing-key.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const STACK = 'Hashes';

/**
 * The signing key alone, really bundled: the rotation function is a NodeFunction like every other
 * (same `bundling` object, only the entry differs, and its bundle pulls in the AWS SDK, jose and
 * our own code), and it carries what a hash change would rerun, the deploy trigger and the
 * function version it invokes, plus CDK's trigger provider asset. The whole stack would bundle ten
 * more entries through the very same settings and prove nothing more, at several times the cost.
 */
function synthInto(outdir: string): { template: unknown; assetDirs: string[] } {
  const app = new App({ outdir });
  const stack = new Stack(app, STACK);
  new SigningKey(stack, 'SigningKey', {
    timing: { publishLeadSeconds: 7_800, retainSeconds: 8_400 },
    publicKeysTable: new OtpTable(stack, 'Table'),
  });
  const assembly = app.synth();
  return {
    template: assembly.getStackByName(STACK).template,
    assetDirs: readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name)),
  };
}

function lambdaCodeKeys(template: unknown): string[] {
  const resources = (template as { Resources: Record<string, { Type: string; Properties: { Code?: unknown } }> })
    .Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => JSON.stringify((r.Properties.Code as { S3Key?: unknown }).S3Key))
    .sort();
}

describe('asset hashes', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'otp-hashes-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('do not depend on the folder `cdk synth -o` writes to, so a pipeline redeploys nothing unchanged', () => {
    const shallow = synthInto(join(workDir, 'out'));
    const deep = synthInto(join(workDir, 'a', 'much', 'deeper', 'cdk.out'));

    // Two functions with code in S3: the rotation function and CDK's trigger provider.
    const keys = lambdaCodeKeys(shallow.template);
    expect(keys).toHaveLength(2);
    expect(lambdaCodeKeys(deep.template)).toEqual(keys);
    // Everything else follows from the same hashes: the function version the trigger invokes
    // (its logical id is derived from the code), and so whether the trigger runs at all.
    expect(deep.template).toEqual(shallow.template);

    // The reason it holds: the source map names its sources from the project root, not from the
    // temporary folder CDK bundled into.
    const bundle = shallow.assetDirs.find((dir) => readdirSync(dir).includes(BUNDLE_FILE_NAME));
    if (!bundle) throw new Error('no bundled asset');
    const map = JSON.parse(readFileSync(join(bundle, `${BUNDLE_FILE_NAME}.map`), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('lambdas/functions/rotate-signing-key.ts');
    expect(map.sources.filter((source) => source.startsWith('../') || source.startsWith('/'))).toEqual([]);
  });
});
