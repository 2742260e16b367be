/**
 * The narrow @simplewebauthn/server import of the passkey sign-in bundle.
 *
 * The package's index loads every ceremony and attestation format at import: reflect-metadata,
 * tsyringe, @peculiar/x509 and the asn1 schemas, ~116 M instructions of cold start, which the
 * sign-in function (1.30x of its SDK floor, bench/) cannot carry. Its authentication path needs none
 * of them. So, in the bundles of {@link NARROW_WEBAUTHN_ENTRIES} only, at bundle time:
 * - `@simplewebauthn/server` is a module of the two files sign-in calls
 *   (authentication/verifyAuthenticationResponse.js, generateAuthenticationOptions.js): importing
 *   anything else from it there fails the build;
 * - helpers/iso/isoCrypto/verifyOKP.js and verifyAKP.js import `isoBase64URL` from the helpers'
 *   index (`../../index.js`, which re-exports every helper, attestation ones included): they get
 *   helpers/iso/index.js, which exports the same `isoBase64URL` and is loaded anyway;
 * - isoCrypto/verify.js's `./unwrapEC2Signature.js` (ECDSA-Sig-Value through asn1js) is our strict
 *   DER reader, lambdas/adapters/ecdsa-der-signature.ts (differential-tested against it);
 * - helpers/verifySignature.js's `./convertX509PublicKeyToCOSE.js` is a module that throws:
 *   verifySignature reaches it only when given an `x509Certificate`, which the attestation formats
 *   (registration) pass and verifyAuthenticationResponse never does (it passes `credentialPublicKey`).
 * Tests, the local server and the enrolment function import the package as it is.
 *
 * The redirects name files inside the package, so they are checked, never trusted: the installed
 * version must be {@link NARROW_WEBAUTHN_VERSION}, every redirect must fire, and the bundle must hold
 * none of the packages it keeps out; otherwise the build fails (it never falls back to the full import).
 *
 * esbuild runs plugins only in its asynchronous API, while a synth bundles synchronously
 * (`buildSync`, inside CDK's `tryBundle`): these bundles are built by a child Node.js process that
 * runs `build()` with a resolve plugin, and the parent waits for it (`execFileSync`). The options are
 * the same {@link esbuildBuildOptions} object every other bundle is built with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';

/** Entries (`lambdas/functions/<name>.ts`) bundled with the narrow import. */
export const NARROW_WEBAUTHN_ENTRIES: readonly string[] = ['passkey-sign-in', 'passkey-sign-in-claims'];

/** The @simplewebauthn/server version whose files the redirects were written against. */
export const NARROW_WEBAUTHN_VERSION = '14.1.0';

/** Code the narrow bundles may not hold: what the redirects exist to keep out. */
const KEPT_OUT = /node_modules\/(?:@peculiar\/|asn1js\/|tsyringe\/|reflect-metadata\/|pvtsutils\/|pvutils\/)/;

/** One import swapped at bundle time. */
export interface Redirect {
  /** What it is, for the error when it did not fire. */
  readonly name: string;
  /** The import as written. */
  readonly specifier: string;
  /** The file that writes it (absolute); `undefined`: any file. */
  readonly importer?: string;
  /** The file to take instead (absolute), or a module's source with the folder its imports resolve from. */
  readonly to: { readonly file: string } | { readonly contents: string; readonly resolveDir: string };
  /** It need not fire (an import only some entries reach); every other redirect must. */
  readonly optional?: true;
}

/** Where the package is installed, checked to be the version the redirects know. */
function packageDir(projectRoot: string): string {
  // The package exports no package.json: resolve its CommonJS main (script/index.js), two levels down.
  const main = createRequire(join(projectRoot, 'package.json')).resolve('@simplewebauthn/server');
  const dir = dirname(dirname(main));
  const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
  };
  if (name !== '@simplewebauthn/server' || version !== NARROW_WEBAUTHN_VERSION) {
    throw new Error(
      `The passkey sign-in bundle redirects files inside @simplewebauthn/server ${NARROW_WEBAUTHN_VERSION}, ` +
        `but ${dir} holds ${name} ${version}: check each redirect of lib/constructs/narrow-webauthn.ts ` +
        'against its sources, then update NARROW_WEBAUTHN_VERSION',
    );
  }
  return dir;
}

/** The redirects of the narrow import, for the package installed under `projectRoot`. */
export function narrowWebauthnRedirects(projectRoot: string): Redirect[] {
  const esm = join(packageDir(projectRoot), 'esm');
  const isoCrypto = join(esm, 'helpers', 'iso', 'isoCrypto');
  const redirects: Redirect[] = [
    {
      // The composition root names every composer, so the sign-in entry reaches the enrolment's
      // adapter too: esbuild drops it (nothing of it is used) but resolves its imports first. Those
      // resolve to throwing stubs here, so the full package is never even parsed into this bundle.
      name: "the enrolment adapter's import: stubs (tree-shaken)",
      specifier: '@simplewebauthn/server',
      importer: join(projectRoot, 'lambdas', 'adapters', 'simplewebauthn-registration.ts'),
      optional: true,
      to: {
        contents: ['generateRegistrationOptions', 'verifyRegistrationResponse']
          .map(
            (name) => `export function ${name}() { throw new Error('${name} is not in the passkey sign-in bundle'); }`,
          )
          .concat('')
          .join('\n'),
        resolveDir: esm,
      },
    },
    {
      name: 'the package: its two authentication files',
      specifier: '@simplewebauthn/server',
      to: {
        contents: [
          "export { verifyAuthenticationResponse } from './authentication/verifyAuthenticationResponse.js';",
          "export { generateAuthenticationOptions } from './authentication/generateAuthenticationOptions.js';",
          '',
        ].join('\n'),
        resolveDir: esm,
      },
    },
    ...['verifyOKP.js', 'verifyAKP.js'].map(
      (file): Redirect => ({
        name: `${file}: the helpers' iso index`,
        specifier: '../../index.js',
        importer: join(isoCrypto, file),
        to: { file: join(esm, 'helpers', 'iso', 'index.js') },
      }),
    ),
    {
      name: 'unwrapEC2Signature.js: our DER reader',
      specifier: './unwrapEC2Signature.js',
      importer: join(isoCrypto, 'verify.js'),
      to: { file: join(projectRoot, 'lambdas', 'adapters', 'ecdsa-der-signature.ts') },
    },
    {
      name: 'convertX509PublicKeyToCOSE.js: a stub (attestation only)',
      specifier: './convertX509PublicKeyToCOSE.js',
      importer: join(esm, 'helpers', 'verifySignature.js'),
      to: {
        contents: [
          'export function convertX509PublicKeyToCOSE() {',
          "  throw new Error('convertX509PublicKeyToCOSE is attestation only: not bundled for sign-in');",
          '}',
          '',
        ].join('\n'),
        resolveDir: esm,
      },
    },
  ];
  for (const { name, importer, to } of redirects) {
    for (const file of [importer, 'file' in to ? to.file : undefined]) {
      if (file !== undefined && !existsSync(file)) throw new Error(`narrow webauthn redirect (${name}): no ${file}`);
    }
  }
  return redirects;
}

/**
 * Runs in the child (CommonJS, `node -e`): reads {esbuild, options, redirects, filter} on stdin, builds with a
 * plugin that applies the redirects, and writes {metafile, fired} on stdout. esbuild's own messages
 * go to stderr, which the parent shares.
 */
const CHILD = `
const { esbuild, options, redirects, filter } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const fired = redirects.map(() => 0);
const plugin = {
  name: 'otp-login-redirects',
  setup(build) {
    build.onResolve({ filter: new RegExp(filter) }, (args) => {
      const i = redirects.findIndex((r) => r.specifier === args.path && (r.importer === undefined || r.importer === args.importer));
      if (i < 0) return undefined;
      fired[i] += 1;
      const to = redirects[i].to;
      // A virtual module's path names its redirect too: esbuild loads one module per path and namespace.
      return 'file' in to ? { path: to.file } : { path: redirects[i].specifier + '#' + i, namespace: 'otp-login-redirect', pluginData: i };
    });
    build.onLoad({ filter: /.*/, namespace: 'otp-login-redirect' }, (args) => {
      const to = redirects[args.pluginData].to;
      return { contents: to.contents, resolveDir: to.resolveDir, loader: 'js' };
    });
  },
};
require(esbuild).build({ ...options, metafile: true, plugins: [plugin] }).then(
  (result) => process.stdout.write(JSON.stringify({ metafile: result.metafile, fired })),
  () => { process.exitCode = 1; },
);
`;

/**
 * Builds with `redirects` applied (esbuild's async API, in a child process, waited for): the
 * redirects' plumbing without the narrow import's checks, for measuring parts of it. Returns the metafile.
 */
export function buildWithRedirects(options: BuildOptions, redirects: readonly Redirect[]): Metafile {
  const esbuild = createRequire(import.meta.url).resolve('esbuild');
  // Only the redirected specifiers cross to the plugin: every other import resolves as usual, unslowed.
  const specifiers = [...new Set(redirects.map((r) => r.specifier))];
  const filter = `^(?:${specifiers.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`;
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, ['-e', CHILD], {
      input: JSON.stringify({ esbuild, options, redirects, filter }),
      stdio: ['pipe', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`esbuild failed on ${String(options.entryPoints)} (its messages are above)`, { cause: error });
  }
  const { metafile, fired } = JSON.parse(stdout) as { metafile: Metafile; fired: number[] };
  const idle = redirects.filter((redirect, i) => !fired[i] && !redirect.optional);
  if (idle.length > 0) {
    throw new Error(
      `These redirects never applied, so the bundle is not the one intended: ${idle.map((r) => r.name).join('; ')}`,
    );
  }
  return metafile;
}

/**
 * Builds a bundle with the narrow @simplewebauthn/server import (the options as for any bundle) and
 * refuses it if it holds any code the redirects keep out. Returns the metafile.
 */
export function buildNarrowWebauthnBundle(options: BuildOptions, projectRoot: string): Metafile {
  const metafile = buildWithRedirects(options, narrowWebauthnRedirects(projectRoot));
  const leaked = Object.keys(metafile.inputs).filter((input) => KEPT_OUT.test(input));
  if (leaked.length > 0) {
    throw new Error(`The narrow webauthn bundle of ${String(options.entryPoints)} holds ${leaked.join(', ')}`);
  }
  return metafile;
}
