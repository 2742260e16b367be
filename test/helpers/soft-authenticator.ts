/**
 * A software WebAuthn authenticator for tests: what a phone's platform authenticator gives a browser,
 * as the JSON a browser's `credential.toJSON()` posts. P-256 (ES256, -7), Ed25519 (EdDSA, -8) or
 * RSA (RS256, -257) keys,
 * attestation `none`, the UP/UV/BE/BS flags settable, and a signature counter. node:crypto only. The
 * CBOR it writes is the few shapes an attestation object needs (what a test authenticator must write;
 * the service itself only reads CBOR through @simplewebauthn/server).
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export type SoftAlgorithm = 'ES256' | 'EdDSA' | 'RS256';
export const COSE_ALGORITHM: Readonly<Record<SoftAlgorithm, number>> = { ES256: -7, EdDSA: -8, RS256: -257 };

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON, e.g. `http://localhost:3000`. */
  readonly origin: string;
  /** The RP ID whose hash goes into authenticator data; defaults to the options' `rp.id` / `rpId`. */
  readonly rpId?: string;
  readonly alg?: SoftAlgorithm;
  /** The user handle (base64url) of assertions until `createCredential` stores the options' `user.id`. */
  readonly userHandle?: string;
  /** The credential id (default 16 random bytes): authenticators choose it, so a hostile one may pick any. */
  readonly credentialId?: Uint8Array;
  /** Bytes of an extra, unknown COSE entry in the public key: a hostile authenticator padding its key. */
  readonly coseKeyPadding?: Uint8Array;
  /** Flags set on every response (AT is added on registration). Default UP|UV|BE|BS: a synced passkey. */
  readonly flags?: number;
}

export interface SoftAuthenticator {
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** Answers `PublicKeyCredentialCreationOptionsJSON`; remembers the user handle (`user.id`) for assertions. */
  createCredential(options: CreationOptions): RegistrationResponseJSON;
  /** Answers `PublicKeyCredentialRequestOptionsJSON`, as a discoverable credential: with the user handle. */
  /** `overrides` build hostile responses: another origin or challenge in clientDataJSON; `userHandle: null` leaves it out. */
  getAssertion(
    options: RequestOptions,
    overrides?: { userHandle?: string | null; origin?: string; challenge?: string; crossOrigin?: boolean },
  ): AuthenticationResponseJSON;
  /** What a server stores for the credential, as `verifyRegistrationResponse` gives it (COSE key bytes). */
  credentialRecord(): { id: string; publicKey: Uint8Array<ArrayBuffer>; counter: number; transports: string[] };
  /**
   * Makes it an authenticator that counts (a security key): the next response carries `count`, and
   * each after it one more. Until called it reports 0 every time, as synced passkeys do.
   */
  setSignCount(count: number): void;
  setFlags(flags: number): void;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export function createSoftAuthenticator(options: SoftAuthenticatorOptions): SoftAuthenticator {
  const alg = options.alg ?? 'ES256';
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = options.credentialId ?? randomBytes(16);
  let flags = options.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.BE | FLAGS.BS;
  let signCount = 0;
  let counting = false;
  let userHandle: string | undefined = options.userHandle;
  let rpIdSeen = options.rpId;
  const bytes = (field: string | undefined) => Buffer.from(field ?? '', 'base64url');
  // COSE_Key (RFC 9053): kty, alg, then the curve and coordinates (RSA: modulus and exponent).
  const COSE_FIELDS: Record<SoftAlgorithm, [number, Cbor][]> = {
    EdDSA: [
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, bytes(jwk.x)],
    ],
    ES256: [
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, bytes(jwk.x)],
      [-3, bytes(jwk.y)],
    ],
    RS256: [
      [1, 3],
      [3, -257],
      [-1, bytes(jwk.n)],
      [-2, bytes(jwk.e)],
    ],
  };
  const padding: [number, Cbor][] = options.coseKeyPadding ? [[-70000, options.coseKeyPadding]] : [];
  const coseKey = cbor(new Map<number, Cbor>([...COSE_FIELDS[alg], ...padding]));

  const authData = (rpId: string, attested: boolean) => {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    const parts: Uint8Array[] = [sha256(rpId), Buffer.from([flags | (attested ? FLAGS.AT : 0)]), counter];
    if (attested) {
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      parts.push(Buffer.alloc(16), idLength, credentialId, coseKey);
    }
    return Buffer.concat(parts);
  };
  const clientData = (type: string, challenge: string, origin: string, crossOrigin = false) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin }));

  return {
    credentialId: b64url(credentialId),
    createCredential(creation) {
      const rpId = options.rpId ?? creation.rp.id ?? '';
      rpIdSeen = rpId;
      userHandle = creation.user.id;
      const cd = clientData('webauthn.create', creation.challenge, options.origin);
      const ad = authData(rpId, true);
      if (counting) signCount++;
      const attestationObject = cbor(
        new Map<string, Cbor>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', ad],
        ]),
      );
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(cd),
          attestationObject: b64url(attestationObject),
          transports: ['hybrid', 'internal'],
          authenticatorData: b64url(ad),
          publicKeyAlgorithm: COSE_ALGORITHM[alg],
          publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    getAssertion(request, overrides = {}) {
      const rpId = options.rpId ?? request.rpId ?? rpIdSeen ?? '';
      const cd = clientData(
        'webauthn.get',
        overrides.challenge ?? request.challenge,
        overrides.origin ?? options.origin,
        overrides.crossOrigin,
      );
      const ad = authData(rpId, false);
      if (counting) signCount++;
      // ES256 signs as DER (ECDSA-Sig-Value), as WebAuthn has it; Ed25519 signatures are 64 raw bytes.
      const signature = sign(alg === 'EdDSA' ? null : 'sha256', Buffer.concat([ad, sha256(cd)]), privateKey);
      const handle = overrides.userHandle === undefined ? userHandle : overrides.userHandle;
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(cd),
          authenticatorData: b64url(ad),
          signature: b64url(signature),
          ...(handle === null || handle === undefined ? {} : { userHandle: handle }),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    credentialRecord() {
      return {
        id: b64url(credentialId),
        publicKey: new Uint8Array(coseKey),
        counter: signCount,
        transports: ['hybrid', 'internal'],
      };
    },
    setSignCount(count) {
      counting = true;
      signCount = count;
    },
    setFlags(next) {
      flags = next;
    },
  };
}
