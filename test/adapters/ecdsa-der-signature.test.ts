import { generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unwrapEC2Signature } from '../../lambdas/adapters/ecdsa-der-signature.js';
// The function ours replaces in the passkey sign-in bundle: the reference of this differential test.
import { unwrapEC2Signature as libraryUnwrap } from '../../node_modules/@simplewebauthn/server/esm/helpers/iso/isoCrypto/unwrapEC2Signature.js';

const CURVES = [
  { name: 'P-256', crv: 1, width: 32, hash: 'sha256' },
  { name: 'P-384', crv: 2, width: 48, hash: 'sha384' },
  { name: 'P-521', crv: 3, width: 66, hash: 'sha512' },
] as const;

type Curve = (typeof CURVES)[number];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const der = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'));

/** The library's answer: its bytes, or `refuses` when it throws. */
function libraryAnswer(signature: Uint8Array<ArrayBuffer>, crv: number): string {
  try {
    return hex(libraryUnwrap(signature, crv));
  } catch {
    return 'refuses';
  }
}

/** Ours, the same way. */
function ourAnswer(signature: Uint8Array<ArrayBuffer>, crv: number): string {
  try {
    return hex(unwrapEC2Signature(signature, crv));
  } catch {
    return 'refuses';
  }
}

/** The DER contents of r and s: to tell which shapes a set of signatures covered. */
function components(signature: Uint8Array): Uint8Array[] {
  const lengthBytes = (signature[1] as number) & 0x80 ? 1 + ((signature[1] as number) & 0x7f) : 1;
  let at = 1 + lengthBytes;
  const out: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const length = signature[at + 1] as number;
    out.push(signature.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return out;
}

interface Signed {
  readonly der: Uint8Array<ArrayBuffer>;
  readonly data: Buffer;
}

/**
 * Real node:crypto signatures on one curve: at least `count`, and enough that each rare shape (a
 * component padded with 0x00 because its high bit is set; one shorter than the curve, its leading
 * byte zero) appears at least 5 times.
 */
function realSignatures(
  curve: Curve,
  key: KeyObject,
  count: number,
): { signatures: Signed[]; padded: number; short: number } {
  const signatures: Signed[] = [];
  let padded = 0;
  let short = 0;
  while (signatures.length < count || padded < 5 || short < 5) {
    if (signatures.length > 50 * count) throw new Error(`${curve.name}: rare shapes never came`);
    const data = randomBytes(32);
    const signature = new Uint8Array(sign(curve.hash, data, { key, dsaEncoding: 'der' }));
    for (const c of components(signature)) {
      if (c[0] === 0 && c.length > 1) padded++;
      if (c.length - (c[0] === 0 ? 1 : 0) < curve.width) short++;
    }
    signatures.push({ der: signature, data });
  }
  return { signatures, padded, short };
}

describe('unwrapEC2Signature (ours, for the passkey sign-in bundle)', () => {
  describe.each(CURVES)('on $name', (curve) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve.name });
    const { signatures, padded, short } = realSignatures(curve, privateKey, 1500);

    it('gives the library’s exact bytes for 1500+ real signatures, padded and short components included', () => {
      expect(padded).toBeGreaterThanOrEqual(5);
      expect(short).toBeGreaterThanOrEqual(5);
      const differing = signatures.filter((s) => ourAnswer(s.der, curve.crv) !== libraryAnswer(s.der, curve.crv));
      expect(differing.map((s) => hex(s.der))).toEqual([]);
      expect(unwrapEC2Signature(signatures[0]?.der as Uint8Array<ArrayBuffer>, curve.crv)).toHaveLength(
        2 * curve.width,
      );
    });

    it('gives r || s that verifies as the IEEE P1363 form WebCrypto checks', () => {
      for (const { der: signature, data } of signatures.slice(0, 200)) {
        const p1363 = unwrapEC2Signature(signature, curve.crv);
        expect(verify(curve.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
      }
    });

    it('refuses every truncation of a real signature, as the library does', () => {
      const signature = signatures[0]?.der as Uint8Array<ArrayBuffer>;
      for (let length = 0; length < signature.length; length++) {
        const truncated = signature.subarray(0, length);
        expect(() => unwrapEC2Signature(truncated, curve.crv)).toThrow(/^Invalid ECDSA signature: /);
        expect(libraryAnswer(truncated, curve.crv)).toBe('refuses');
      }
    });

    it('never accepts a mutated signature the library reads differently (2000 random edits)', () => {
      let accepted = 0;
      for (let i = 0; i < 2000; i++) {
        const bytes = [...((signatures[i % signatures.length] as Signed).der as Uint8Array)];
        const at = (randomBytes(1)[0] as number) % bytes.length;
        const edit = i % 3;
        if (edit === 0) bytes[at] = (randomBytes(1)[0] as number) & 0xff;
        else if (edit === 1) bytes.splice(at, 0, randomBytes(1)[0] as number);
        else bytes.splice(at, 1);
        const mutated = new Uint8Array(bytes);
        const ours = ourAnswer(mutated, curve.crv);
        if (ours === 'refuses') continue;
        accepted++;
        expect(ours).toBe(libraryAnswer(mutated, curve.crv));
      }
      // Changing a byte of r or s keeps the DER well formed: those must be compared, not all refused.
      expect(accepted).toBeGreaterThan(100);
    });
  });

  it('refuses a curve other than P-256, P-384 and P-521, as the library does', () => {
    const signature = der(`3006 020101 020101`);
    for (const crv of [0, 4, 6, -1]) {
      expect(() => unwrapEC2Signature(signature, crv)).toThrow(`Unexpected COSE crv value of ${crv} (EC2)`);
      expect(libraryAnswer(signature, crv)).toBe('refuses');
    }
  });

  const r = '11'.repeat(32);
  const s = '22'.repeat(32);
  // Each malformed input, the reason ours gives, and what the library (14.1.0, asn1js) does with it.
  // Where the library accepts, ours is stricter: none of these is a signature a conforming
  // authenticator makes, and a verifier that refuses one can never accept a forgery by it.
  it.each([
    { input: '', reason: 'the signature is missing', library: 'refuses' },
    { input: `3144 0220${r} 0220${s}`, reason: 'the signature has tag 0x31', library: 'refuses' },
    { input: `3044 0320${r} 0220${s}`, reason: 'r has tag 0x3', library: 'refuses' },
    { input: `3044 0220${r} 0420${s}`, reason: 's has tag 0x4', library: 'refuses' },
    { input: `3050 0220${r} 0220${s}`, reason: 'the signature is truncated', library: 'refuses' },
    { input: `3022 0221${r}`, reason: 'r is truncated', library: 'refuses' },
    { input: `3044 0220${r} 0220${s} 00`, reason: 'bytes follow the signature', library: 'accepts' },
    { input: `3040 0220${r} 0220${s}`, reason: 'bytes follow the signature', library: 'accepts' },
    { input: `3046 0220${r} 0220${s} 0500`, reason: 'bytes follow s inside the SEQUENCE', library: 'accepts' },
    { input: `3047 0220${r} 0220${s} 020101`, reason: 'bytes follow s inside the SEQUENCE', library: 'accepts' },
    { input: `3022 0220${r}`, reason: 's is missing', library: 'refuses' },
    { input: `3044 0220${'91'.repeat(32)} 0220${s}`, reason: 'r is negative', library: 'accepts' },
    { input: `3044 0220${r} 0220${'ff'.repeat(32)}`, reason: 's is negative', library: 'accepts' },
    { input: `3045 022100${r} 0220${s}`, reason: 'r is not minimally encoded', library: 'refuses' },
    { input: `3024 0200 0220${s}`, reason: 'r is empty', library: 'accepts' },
    { input: `3025 020100 0220${s}`, reason: 'r is zero', library: 'accepts' },
    { input: `3026 02020000 0220${s}`, reason: 'r is not minimally encoded', library: 'accepts' },
    { input: `308144 0220${r} 0220${s}`, reason: 'the signature has a non-minimal length', library: 'accepts' },
    { input: `30820044 0220${r} 0220${s}`, reason: 'the signature has a non-minimal length', library: 'accepts' },
    { input: `3045 028120${r} 0220${s}`, reason: 'r has a non-minimal length', library: 'accepts' },
    { input: `3080 0220${r} 0220${s} 0000`, reason: 'the signature has an indefinite length', library: 'accepts' },
    { input: `3083000044 0220${r} 0220${s}`, reason: 'the signature has a 3-byte length', library: 'accepts' },
    {
      input: `3045 0221${'11'.repeat(33)} 0220${s}`,
      reason: "r is wider than the curve's 32 bytes",
      library: 'refuses',
    },
    {
      input: `3046 022200${'91'.repeat(33)} 0220${s}`,
      reason: "r is wider than the curve's 32 bytes",
      library: 'refuses',
    },
  ])('refuses $input ($reason; the library $library it)', ({ input, reason, library }) => {
    const signature = der(input);
    expect(() => unwrapEC2Signature(signature, 1)).toThrow(`Invalid ECDSA signature: ${reason}`);
    expect(libraryAnswer(signature, 1) === 'refuses' ? 'refuses' : 'accepts').toBe(library);
  });

  it('reads a P-521 signature whose SEQUENCE needs a long-form length', () => {
    const r66 = `01${'ab'.repeat(65)}`;
    const s66 = `01${'cd'.repeat(65)}`;
    const signature = der(`308188 0242${r66} 0242${s66}`);
    expect(hex(unwrapEC2Signature(signature, 3))).toBe(`${r66}${s66}`);
    expect(libraryAnswer(signature, 3)).toBe(`${r66}${s66}`);
    // A P-256 reading of the same bytes: components wider than 32 bytes.
    expect(() => unwrapEC2Signature(signature, 1)).toThrow("r is wider than the curve's 32 bytes");
  });

  it('pads short components on the left and drops the sign byte', () => {
    const signature = der(`3029 020500${'ff'.repeat(4)} 0220${s}`);
    expect(hex(unwrapEC2Signature(signature, 1))).toBe(`${'00'.repeat(28)}${'ff'.repeat(4)}${s}`);
    expect(libraryAnswer(signature, 1)).toBe(`${'00'.repeat(28)}${'ff'.repeat(4)}${s}`);
  });
});
