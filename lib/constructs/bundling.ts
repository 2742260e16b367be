import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { BuildOptions, Metafile } from 'esbuild';
import { buildNarrowWebauthnBundle, NARROW_WEBAUTHN_ENTRIES } from './narrow-webauthn.js';

/** The repository root: every bundle is built from here, so that its map names the same paths. */
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

const VIRTUAL_SOURCE = /^[a-z][a-z-]+:/;

/** The bundle's file name (ESM, so `.mjs`); the `sourceMappingURL` comment names it. */
export const BUNDLE_FILE_NAME = 'index.mjs';

/**
 * The esbuild settings of every Lambda bundle, whoever builds it: the synth in this repository
 * ({@link functionCode}), the package's build (scripts/build-package.ts) and the benchmark. The AWS
 * SDK is bundled rather than taken from the runtime: a minified bundle holding only the commands a
 * function uses loads faster than the runtime's full SDK, and pins the SDK version we tested against.
 * The source map is written beside the bundle; {@link buildBundle} rewrites its `sources`.
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

/**
 * Builds one function's bundle into `outputDir` (`index.mjs` and its map), synchronously, as a
 * synth needs it. The map's `sources` are rewritten to name files from the project root
 * (`lambdas/functions/me.ts`, `node_modules/jose/...`): esbuild writes them relative to the map, so
 * the same code bundled into another folder (CDK bundles into a temporary folder inside the
 * `cdk synth -o` folder) got another map, another asset hash, and a redeploy of every function. With
 * `sourcesContent` off, the map's paths are labels, and these are the clearer ones.
 *
 * esbuild is loaded here, not imported: it is a build tool of this repository, and the package a
 * team installs ships its bundles built ({@link functionCode}), so its consumers never load it.
 */
export function buildBundle(entryName: string, outputDir: string): void {
  writeBundle(lambdaEntry(entryName), outputDir, NARROW_WEBAUTHN_ENTRIES.includes(entryName));
}

/**
 * {@link buildBundle} for any entry file. `narrowWebauthn`: with the narrow @simplewebauthn/server
 * import (lib/constructs/narrow-webauthn.ts; esbuild's async API in a child process, as a plugin
 * needs), whose metafile it returns. Exported for that import's test, whose entry is a fixture.
 */
export function writeBundle(entryPath: string, outputDir: string, narrowWebauthn: boolean): Metafile | undefined {
  const options: BuildOptions = {
    ...esbuildBuildOptions(entryPath, join(outputDir, BUNDLE_FILE_NAME)),
    logLevel: 'warning',
  };
  let metafile: Metafile | undefined;
  if (narrowWebauthn) {
    metafile = buildNarrowWebauthnBundle(options, PROJECT_ROOT);
  } else {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    esbuild.buildSync(options);
  }
  if (!SOURCE_MAP) return metafile;
  const mapFile = join(outputDir, `${BUNDLE_FILE_NAME}.map`);
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] };
  // A module a plugin made (`otp-login-redirect:...`) has no file: its name stays as it is.
  map.sources = map.sources.map((source) =>
    VIRTUAL_SOURCE.test(source) ? source : relative(PROJECT_ROOT, resolve(outputDir, source)).split(sep).join('/'),
  );
  writeFileSync(mapFile, JSON.stringify(map));
  return metafile;
}

/**
 * Where the installed package keeps the bundles its build made (`dist/functions/<entry>/`, beside
 * the construct's own `dist/lib/`), and the manifest that lists them: the package's version and each
 * bundle's SHA-256. In this repository, running from `lib/`, there is no manifest.
 */
const PREBUILT_BUNDLES = fileURLToPath(new URL('../functions/', import.meta.url));
export const BUNDLE_MANIFEST = 'manifest.json';

/** What scripts/build-package.ts writes beside the bundles. */
export interface BundleManifest {
  readonly package: 'otp-login';
  readonly version: string;
  /** Entry name -> SHA-256 (hex) of its `index.mjs`. */
  readonly bundles: Readonly<Record<string, string>>;
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * The shipped bundle of an entry, checked against the manifest: a bundle missing or changed since
 * the package's build (a half-extracted install, a patched node_modules) fails the synth rather than
 * deploy code the package never tested.
 */
function shippedBundle(manifest: BundleManifest, entryName: string): string {
  const dir = join(PREBUILT_BUNDLES, entryName);
  const expected = manifest.bundles[entryName];
  const file = join(dir, BUNDLE_FILE_NAME);
  if (expected === undefined || !existsSync(file)) {
    throw new Error(
      `otp-login ${manifest.version}: the installed package has no bundle for ${entryName}; reinstall it`,
    );
  }
  if (sha256Of(file) !== expected) {
    throw new Error(
      `otp-login ${manifest.version}: ${file} is not the bundle the package was built with; reinstall the package`,
    );
  }
  return dir;
}

/**
 * A function's code. From the installed package (its manifest present): the bundle its build made,
 * taken as it is, so a team's `cdk synth` needs no esbuild, no Docker and no TypeScript sources, and
 * the asset hash is the bundle's own, whatever machine synthesizes. In this repository: bundled at
 * synth by {@link buildBundle}, the asset hashed by its output; a stack left out of bundling
 * (`aws:cdk:bundling-stacks`) is not bundled at all.
 */
export function functionCode(entryName: string): Code {
  const manifestFile = join(PREBUILT_BUNDLES, BUNDLE_MANIFEST);
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
    return Code.fromAsset(shippedBundle(manifest, entryName));
  }
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or throws. The command names the entry, so that
      // CDK's asset cache, keyed by these options, tells one function's bundle from another's.
      image: DockerImage.fromRegistry('dummy'),
      command: ['bundle', entryName],
      local: {
        tryBundle(outputDir) {
          buildBundle(entryName, outputDir);
          return true;
        },
      },
    },
  });
}
