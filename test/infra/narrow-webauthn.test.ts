import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BUNDLE_FILE_NAME,
  buildBundle,
  esbuildBuildOptions,
  lambdaEntry,
  PROJECT_ROOT,
  writeBundle,
} from '../../lib/constructs/bundling.js';
import * as narrow from '../../lib/constructs/narrow-webauthn.js';
import {
  buildNarrowWebauthnBundle,
  buildWithRedirects,
  NARROW_WEBAUTHN_ENTRIES,
  narrowWebauthnRedirects,
} from '../../lib/constructs/narrow-webauthn.js';
import { createSoftAuthenticator, type SoftAlgorithm } from '../helpers/soft-authenticator.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// A pass-through, so one test can see which entries buildBundle sends through the narrow import.
vi.mock('../../lib/constructs/narrow-webauthn.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/constructs/narrow-webauthn.js')>();
  return { ...original, buildNarrowWebauthnBundle: vi.fn(original.buildNarrowWebauthnBundle) };
});

// Bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'narrow-webauthn-entry.ts');
const rpID = 'login.example.com';
const origin = 'https://login.example.com';

type Fixture = typeof import('../fixtures/narrow-webauthn-entry.js');

describe('the narrow @simplewebauthn/server import of the passkey sign-in bundle', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'otp-narrow-webauthn-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  let metafile: Metafile;
  let bundle: Fixture;

  beforeAll(async () => {
    metafile = writeBundle(FIXTURE, join(workDir, 'a'), true) as Metafile;
    bundle = (await import(/* @vite-ignore */ pathToFileURL(join(workDir, 'a', BUNDLE_FILE_NAME)).href)) as Fixture;
  });

  it('bundles the two authentication files without the index, ASN.1, x509 or the DI container', () => {
    const inputs = Object.keys(metafile.inputs);
    const library = 'node_modules/@simplewebauthn/server/esm/';
    expect(inputs).toEqual(
      expect.arrayContaining([
        `${library}authentication/verifyAuthenticationResponse.js`,
        `${library}authentication/generateAuthenticationOptions.js`,
        'lambdas/adapters/ecdsa-der-signature.ts',
        expect.stringMatching(/^otp-login-redirect:\.\/convertX509PublicKeyToCOSE\.js#\d+$/),
      ]),
    );
    expect(
      inputs.filter((input) => /@peculiar|asn1js|tsyringe|reflect-metadata|pvtsutils|pvutils/.test(input)),
    ).toEqual([]);
    for (const replaced of [
      'index.js',
      'helpers/index.js',
      'helpers/iso/isoCrypto/unwrapEC2Signature.js',
      'helpers/convertX509PublicKeyToCOSE.js',
      'registration/verifyRegistrationResponse.js',
    ]) {
      expect(inputs).not.toContain(`${library}${replaced}`);
    }
    const map = JSON.parse(readFileSync(join(workDir, 'a', `${BUNDLE_FILE_NAME}.map`), 'utf8')) as {
      sources: string[];
    };
    expect(map.sources.filter((source) => /@peculiar|asn1js|tsyringe|reflect-metadata/.test(source))).toEqual([]);
  });

  it.each<SoftAlgorithm>(['ES256', 'EdDSA', 'RS256'])(
    'verifies a %s sign-in, and refuses a bad signature',
    async (algorithm) => {
      const authenticator = createSoftAuthenticator({ rpId: rpID, origin, alg: algorithm, userHandle: 'dXNlci0x' });
      const options = await bundle.signInOptions(rpID);
      expect(options).toMatchObject({ rpId: rpID, userVerification: 'preferred', allowCredentials: [] });
      const assertion = authenticator.getAssertion(options);
      const expected = { challenge: options.challenge, origin, rpID };

      const good = await bundle.verifySignIn(assertion, expected, authenticator.credentialRecord());
      expect(good).toMatchObject({ verified: true, authenticationInfo: { userVerified: true, newCounter: 0 } });

      // The signature's last byte: inside s (ES256, still well-formed DER), the signature otherwise.
      const signature = Buffer.from(assertion.response.signature, 'base64url');
      signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;
      const bad = { ...assertion, response: { ...assertion.response, signature: signature.toString('base64url') } };
      expect((await bundle.verifySignIn(bad, expected, authenticator.credentialRecord())).verified).toBe(false);
    },
  );

  it('throws on an assertion made for another origin', async () => {
    const authenticator = createSoftAuthenticator({ rpId: rpID, origin, userHandle: 'dXNlci0x' });
    const options = await bundle.signInOptions(rpID);
    const assertion = authenticator.getAssertion(options, { origin: 'https://evil.example.com' });
    await expect(
      bundle.verifySignIn(assertion, { challenge: options.challenge, origin, rpID }, authenticator.credentialRecord()),
    ).rejects.toThrow(
      /^Unexpected response origin "https:\/\/evil\.example\.com", expected one of: https:\/\/login\.example\.com$/,
    );
  });

  it('reads ES256 signatures with our DER reader: a byte after the signature, which asn1js lets through, is refused', async () => {
    const authenticator = createSoftAuthenticator({ rpId: rpID, origin, userHandle: 'dXNlci0x' });
    const options = await bundle.signInOptions(rpID);
    const assertion = authenticator.getAssertion(options);
    const trailing = Buffer.concat([Buffer.from(assertion.response.signature, 'base64url'), Buffer.from([0])]);
    const padded = { ...assertion, response: { ...assertion.response, signature: trailing.toString('base64url') } };
    await expect(
      bundle.verifySignIn(padded, { challenge: options.challenge, origin, rpID }, authenticator.credentialRecord()),
    ).rejects.toThrow('Invalid ECDSA signature: bytes follow the signature');
  });

  it('makes the same bytes, map included, in any folder (a stable asset hash)', () => {
    writeBundle(FIXTURE, join(workDir, 'b', 'deeper'), true);
    for (const file of [BUNDLE_FILE_NAME, `${BUNDLE_FILE_NAME}.map`]) {
      expect(readFileSync(join(workDir, 'b', 'deeper', file)).equals(readFileSync(join(workDir, 'a', file)))).toBe(
        true,
      );
    }
  });

  it('fails the build when the entry imports anything else from the package', () => {
    const entry = join(workDir, 'registration-entry.mjs');
    writeFileSync(entry, "export { verifyRegistrationResponse } from '@simplewebauthn/server';\n");
    expect(() =>
      buildNarrowWebauthnBundle(
        { ...esbuildBuildOptions(entry, join(workDir, 'registration', BUNDLE_FILE_NAME)), logLevel: 'silent' },
        PROJECT_ROOT,
      ),
    ).toThrow(/^esbuild failed on .*registration-entry\.mjs/);
  });

  it('fails the build when a bundle would hold ASN.1 code anyway', () => {
    const entry = join(workDir, 'leak-entry.mjs');
    const asn1 = createRequire(join(PROJECT_ROOT, 'package.json')).resolve('@peculiar/asn1-schema');
    writeFileSync(
      entry,
      [
        `import { AsnParser } from ${JSON.stringify(asn1)};`,
        "import { verifyAuthenticationResponse } from '@simplewebauthn/server';",
        'export const both = [AsnParser, verifyAuthenticationResponse];',
        '',
      ].join('\n'),
    );
    expect(() =>
      buildNarrowWebauthnBundle(esbuildBuildOptions(entry, join(workDir, 'leak', BUNDLE_FILE_NAME)), PROJECT_ROOT),
    ).toThrow(
      /^The narrow webauthn bundle of .*leak-entry\.mjs holds .*node_modules\/asn1js\/.*node_modules\/@peculiar\/asn1-schema\//,
    );
  });

  it('fails the build when a redirect no longer applies (the library moved an import)', () => {
    const [first] = narrowWebauthnRedirects(PROJECT_ROOT);
    const moved = {
      name: 'a moved import',
      specifier: './gone.js',
      importer: '/nowhere/verify.js',
      to: { file: FIXTURE },
    };
    expect(() =>
      buildWithRedirects(esbuildBuildOptions(FIXTURE, join(workDir, 'moved', BUNDLE_FILE_NAME)), [
        first as narrow.Redirect,
        moved,
      ]),
    ).toThrow('These redirects never applied, so the bundle is not the one intended: a moved import');
  });

  it(`refuses any version of @simplewebauthn/server but ${narrow.NARROW_WEBAUTHN_VERSION}`, () => {
    const root = join(workDir, 'other-version');
    const pkg = join(root, 'node_modules', '@simplewebauthn', 'server');
    mkdirSync(join(pkg, 'script'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{}');
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@simplewebauthn/server', version: '14.2.0', main: './script/index.js' }),
    );
    writeFileSync(join(pkg, 'script', 'index.js'), '');
    expect(() => narrowWebauthnRedirects(root)).toThrow(
      /redirects files inside @simplewebauthn\/server 14\.1\.0, but .* holds @simplewebauthn\/server 14\.2\.0/,
    );
  });

  it('is what buildBundle does for the entries of NARROW_WEBAUTHN_ENTRIES, and for no other', () => {
    expect(NARROW_WEBAUTHN_ENTRIES).toEqual(['passkey-sign-in', 'passkey-sign-in-claims']);
    const narrowBuild = vi.mocked(narrow.buildNarrowWebauthnBundle);
    narrowBuild.mockClear();
    narrowBuild.mockImplementationOnce(() => {
      throw new Error('routed to the narrow build');
    });
    expect(() => buildBundle('passkey-sign-in', join(workDir, 'routed'))).toThrow('routed to the narrow build');
    expect(narrowBuild).toHaveBeenCalledTimes(1);
    expect(narrowBuild.mock.calls[0]?.[0]).toMatchObject({
      entryPoints: [lambdaEntry('passkey-sign-in')],
      outfile: join(workDir, 'routed', BUNDLE_FILE_NAME),
      minify: true,
      format: 'esm',
    });
    buildBundle('not-found', join(workDir, 'not-found'));
    expect(narrowBuild).toHaveBeenCalledTimes(1);
  });
});

describe('the passkey sign-in entries, through the composition root', () => {
  it.each(NARROW_WEBAUTHN_ENTRIES)(
    "%s builds: the enrolment adapter's package import, which the root reaches, resolves to stubs that tree-shaking drops",
    {
      timeout: SYNTH_TIMEOUT_MS,
    },
    (entry) => {
      const out = mkdtempSync(join(tmpdir(), 'otp-sign-in-bundle-'));
      buildBundle(entry, out);
      const bundle = readFileSync(join(out, BUNDLE_FILE_NAME), 'utf8');
      expect(bundle).toContain('webauthn.get');
      expect(bundle).not.toContain('is not in the passkey sign-in bundle');
      expect(bundle).not.toContain('webauthn.create');
    },
  );
});
