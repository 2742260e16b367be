import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetStaging } from 'aws-cdk-lib';
import { type BundlingOptions, type ICommandHooks, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: `NodejsFunction` runs esbuild from here, so the benchmark must too. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** `lambdas/functions/<name>.ts`, absolute. */
export function lambdaEntry(name: string): string {
  return join(PROJECT_ROOT, 'lambdas', 'functions', `${name}.ts`);
}

/**
 * The syntax floor of every bundle: the project promises Node.js 22+, so a bundle must run there even
 * though the Lambda runtime is newer (and the benchmark may run the same bundle on a Node.js 22 host).
 */
const TARGET = 'node22';
const MINIFY = true;
const MAIN_FIELDS = ['module', 'main'] as const;
// ESM output has no `require`; CommonJS dependencies bundled into it (some SDK internals) still call it.
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
// A separate .map file, for symbolicating a stack trace offline or after setting
// NODE_OPTIONS=--enable-source-maps on one function while debugging. The functions do not enable
// source maps by default: Node parses the whole map at import, which cost ~15-25 ms of every cold
// start (bench/). Without the sources' text the map stays a fraction of its size.
const SOURCE_MAP = true;
const SOURCES_CONTENT = false;

/** The file name `NodejsFunction` writes for ESM output; the `sourceMappingURL` comment names it. */
export const BUNDLE_FILE_NAME = 'index.mjs';

/**
 * Rewrites the bundle's source map so that `sources` name files from the project root
 * (`lambdas/functions/me.ts`, `node_modules/jose/...`). esbuild writes them relative to the map,
 * and CDK bundles into a temporary folder inside the `cdk synth -o` folder, so the same code got a
 * different map, and so a different asset hash (CDK hashes a NodejsFunction's output), for every
 * output folder: a pipeline synthesizing elsewhere redeployed every function and reran the deploy
 * trigger. esbuild's `sourceRoot` would not help: it only adds a field, `sources` stay relative.
 * The map stays as useful: with `sourcesContent` off its paths are labels, and these are clearer.
 *
 * A one-line Node script, since hooks are shell commands (bash, cmd, or bash in the Docker
 * fallback); its strings are template literals so that the script needs no quote of its own.
 */
function projectRelativeSourcesCommand(inputDir: string, outputDir: string): string {
  const script = [
    'const fs=require(`fs`),path=require(`path`),[,root,out]=process.argv',
    `const file=path.join(out,\`${BUNDLE_FILE_NAME}.map\`)`,
    'const map=JSON.parse(fs.readFileSync(file,`utf8`))',
    'map.sources=map.sources.map(s=>path.relative(root,path.resolve(out,s)).split(path.sep).join(`/`))',
    'fs.writeFileSync(file,JSON.stringify(map))',
  ].join(';');
  const posix = process.platform !== 'win32' || outputDir === AssetStaging.BUNDLING_OUTPUT_DIR;
  const quote = posix ? (arg: string) => `'${arg.replaceAll("'", "'\\''")}'` : (arg: string) => `"${arg}"`;
  return ['node', '-e', quote(script), quote(inputDir), quote(outputDir)].join(' ');
}

const commandHooks: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => (SOURCE_MAP ? [projectRelativeSourcesCommand(inputDir, outputDir)] : []),
};

/**
 * esbuild settings for every Lambda. The AWS SDK is bundled rather than taken from the runtime:
 * a minified bundle holding only the commands a function uses loads faster than the runtime's full SDK,
 * and pins the SDK version we tested against.
 */
export const bundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: TARGET,
  minify: MINIFY,
  sourceMap: SOURCE_MAP,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: SOURCES_CONTENT,
  mainFields: [...MAIN_FIELDS],
  banner: BANNER,
  bundleAwsSDK: true,
  externalModules: [],
  commandHooks,
};

/**
 * Plain esbuild options that produce the same bundle as {@link bundling}, for building outside CDK
 * (the cold-start benchmark). The JavaScript is byte-identical when `outfile` is named
 * {@link BUNDLE_FILE_NAME}; the source map is not rewritten, so its `sources` stay relative to it.
 */
export function esbuildBuildOptions(entryPath: string, outfile: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [resolve(PROJECT_ROOT, entryPath)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    minify: MINIFY,
    sourcemap: SOURCE_MAP,
    sourcesContent: SOURCES_CONTENT,
    mainFields: [...MAIN_FIELDS],
    banner: { js: BANNER },
    external: [],
  };
}
