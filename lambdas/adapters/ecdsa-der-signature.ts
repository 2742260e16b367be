/**
 * A strict DER reader of an ECDSA signature (RFC 3279 `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER,
 * s INTEGER }`), as WebAuthn authenticators send ES256/ES384/ES512 assertions, into the fixed-width
 * `r || s` that WebCrypto verifies.
 *
 * It replaces @simplewebauthn/server's `helpers/iso/isoCrypto/unwrapEC2Signature.js` in the passkey
 * sign-in bundle only (lib/constructs/narrow-webauthn.ts): the library's parses the same structure
 * with @peculiar/asn1-schema + asn1js, whose load is most of the library's cold start on the
 * sign-in path (~56 M instructions). Same contract: same output for every signature the library
 * accepts and this reader accepts (test/adapters/ecdsa-der-signature.test.ts checks thousands of
 * real ones); it throws where the library throws.
 *
 * Stricter than the library, on purpose: it refuses BER leniencies (long-form or indefinite lengths
 * where DER wants short ones, non-minimal integers), negative or zero integers, bytes after the
 * SEQUENCE and components wider than the curve, some of which the library's ASN.1 parser lets
 * through. None of those is a signature a conforming authenticator makes, and refusing to verify
 * can never accept a forgery: the worst it does is fail a sign-in that sent a malformed signature.
 */

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** COSE `crv` (RFC 9053) -> bytes of each of r and s: the curve order's byte length. */
const COMPONENT_LENGTH: Readonly<Record<number, number>> = { 1: 32, 2: 48, 3: 66 };

/** Refuses with the reason; the verification that called it fails. */
function malformed(reason: string): never {
  throw new Error(`Invalid ECDSA signature: ${reason}`);
}

interface Element {
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset just after the last content byte. */
  readonly end: number;
}

/** One tag-length header at `offset`, whose contents must end no later than `limit`. */
function readElement(bytes: Uint8Array, offset: number, limit: number, tag: number, name: string): Element {
  if (offset >= limit) malformed(`${name} is missing`);
  if (bytes[offset] !== tag) malformed(`${name} has tag 0x${(bytes[offset] ?? 0).toString(16)}`);
  const first = bytes[offset + 1];
  if (first === undefined || offset + 1 >= limit) malformed(`${name} has no length`);
  let length = first;
  let start = offset + 2;
  if (first >= 0x80) {
    // Long form: 0x80 | count, then count big-endian bytes. 0x80 alone is BER's indefinite length.
    // No signature of these curves is 65536 bytes or more, so two length bytes are the most.
    const count = first & 0x7f;
    if (count === 0) malformed(`${name} has an indefinite length`);
    if (count > 2) malformed(`${name} has a ${count}-byte length`);
    if (start + count > limit) malformed(`${name} is truncated`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] as number);
    // DER: the shortest form. A leading zero byte, or a long form for what fits the short one, is BER.
    if (bytes[start] === 0 || length < 0x80) malformed(`${name} has a non-minimal length`);
    start += count;
  }
  const end = start + length;
  if (end > limit) malformed(`${name} is truncated`);
  return { start, end };
}

/** A DER INTEGER that must be positive; its magnitude, left-padded to `width` bytes, into `out` at `at`. */
function readComponent(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  width: number,
  out: Uint8Array,
  at: number,
  name: string,
): number {
  const { start, end } = readElement(bytes, offset, limit, INTEGER, name);
  if (end === start) malformed(`${name} is empty`);
  const lead = bytes[start] as number;
  if (lead & 0x80) malformed(`${name} is negative`);
  let from = start;
  if (lead === 0 && end - start > 1) {
    // A leading zero is allowed only to keep a high bit from reading as a sign.
    if (!((bytes[start + 1] as number) & 0x80)) malformed(`${name} is not minimally encoded`);
    from += 1;
  }
  // ECDSA's r and s lie in [1, n-1]: zero is never one.
  if (end - from === 1 && bytes[from] === 0) malformed(`${name} is zero`);
  if (end - from > width) malformed(`${name} is wider than the curve's ${width} bytes`);
  out.set(bytes.subarray(from, end), at + width - (end - from));
  return end;
}

/**
 * `signature` (DER ECDSA-Sig-Value) -> `r || s`, each left-padded to the curve's size: 32 bytes for
 * P-256 (COSE crv 1), 48 for P-384 (2), 66 for P-521 (3). Throws on any other curve or on anything
 * that is not exactly one DER ECDSA-Sig-Value.
 */
export function unwrapEC2Signature(signature: Uint8Array, crv: number): Uint8Array<ArrayBuffer> {
  const width = COMPONENT_LENGTH[crv];
  if (width === undefined) throw new Error(`Unexpected COSE crv value of ${crv} (EC2)`);
  const sequence = readElement(signature, 0, signature.length, SEQUENCE, 'the signature');
  if (sequence.end !== signature.length) malformed('bytes follow the signature');
  const out = new Uint8Array(2 * width);
  const afterR = readComponent(signature, sequence.start, sequence.end, width, out, 0, 'r');
  const afterS = readComponent(signature, afterR, sequence.end, width, out, width, 's');
  if (afterS !== sequence.end) malformed('bytes follow s inside the SEQUENCE');
  return out;
}
