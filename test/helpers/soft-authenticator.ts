/**
 * A software WebAuthn authenticator for tests: what a phone's platform authenticator gives a browser,
 * as the JSON a browser's `credential.toJSON()` posts. P-256 (ES256, -7) or Ed25519 (EdDSA, -8) keys,
 * attestation `none`, the UP/UV/BE/BS flags settable, and a signature counter. node:crypto only. The
 * CBOR it writes is the few shapes an attestation object needs (what a test authenticator must write;
 * the service itself only reads CBOR through @simplewebauthn/server).
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

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
  readonly alg?: 'ES256' | 'EdDSA';
  /** Flags set on every response (AT is added on registration). Default UP|UV|BE|BS: a synced passkey. */
  readonly flags?: number;
}

/** The JSON shapes (WebAuthn Level 3 `toJSON()`) the tests post; loose, as a hostile client's would be. */
export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: Record<string, unknown>;
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment?: string;
}
export type AuthenticationResponseJSON = RegistrationResponseJSON;

export interface SoftAuthenticator {
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** Answers `PublicKeyCredentialCreationOptionsJSON`; remembers the user handle (`user.id`) for assertions. */
  createCredential(options: CreationOptions): RegistrationResponseJSON;
  /** Answers `PublicKeyCredentialRequestOptionsJSON`, as a discoverable credential: with the user handle. */
  getAssertion(
    options: RequestOptions,
    overrides?: { userHandle?: string | null; origin?: string },
  ): AuthenticationResponseJSON;
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
  const ed = options.alg === 'EdDSA';
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } = ed
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  let flags = options.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.BE | FLAGS.BS;
  let signCount = 0;
  let counting = false;
  let userHandle: string | undefined;
  let rpIdSeen = options.rpId;
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const coseKey = cbor(
    new Map<number, Cbor>(
      ed
        ? [
            [1, 1],
            [3, -8],
            [-1, 6],
            [-2, x],
          ]
        : [
            [1, 2],
            [3, -7],
            [-1, 1],
            [-2, x],
            [-3, Buffer.from(jwk.y ?? '', 'base64url')],
          ],
    ),
  );

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
  const clientData = (type: string, challenge: string, origin: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

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
          publicKeyAlgorithm: ed ? -8 : -7,
          publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    getAssertion(request, overrides = {}) {
      const rpId = options.rpId ?? request.rpId ?? rpIdSeen ?? '';
      const cd = clientData('webauthn.get', request.challenge, overrides.origin ?? options.origin);
      const ad = authData(rpId, false);
      if (counting) signCount++;
      // ES256 signs as DER (ECDSA-Sig-Value), as WebAuthn has it; Ed25519 signatures are 64 raw bytes.
      const signature = sign(ed ? null : 'sha256', Buffer.concat([ad, sha256(cd)]), privateKey);
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
    setSignCount(count) {
      counting = true;
      signCount = count;
    },
    setFlags(next) {
      flags = next;
    },
  };
}
