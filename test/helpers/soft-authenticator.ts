/**
 * A software WebAuthn authenticator for tests (node:crypto only): makes the JSON a browser's
 * `navigator.credentials.create()/get()` posts (`RegistrationResponseJSON`,
 * `AuthenticationResponseJSON`), with attestation "none", for one discoverable credential.
 *
 * ```ts
 * const authenticator = new SoftAuthenticator({ rpId: 'login.example.com', origin: 'https://login.example.com' });
 * const registration = authenticator.createCredential(await generateRegistrationOptions({ ... }));
 * const assertion = authenticator.getAssertion(await generateAuthenticationOptions({ rpID: ... }));
 * ```
 *
 * Algorithms: ES256 (P-256, COSE -7, the default), EdDSA (Ed25519, -8), RS256 (RSA 2048, -257).
 * Flags and the signature counter are settable, to play a hardware key (counter rising), a synced
 * passkey (counter 0, BE|BS), or a misbehaving one (counter going back).
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

export type SoftAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** COSE algorithm identifiers (RFC 9053), as `supportedAlgorithmIDs` names them. */
export const COSE_ALGORITHM: Readonly<Record<SoftAlgorithm, number>> = { ES256: -7, EdDSA: -8, RS256: -257 };

/** The authenticator data flags (WebAuthn §6.1) it sets; AT is added on registration. */
export interface AuthenticatorFlags {
  /** UP: the user touched it. */
  readonly userPresent: boolean;
  /** UV: the user was verified (PIN, biometrics). */
  readonly userVerified: boolean;
  /** BE: the credential may be synced (a passkey). */
  readonly backupEligible: boolean;
  /** BS: the credential is synced now. */
  readonly backedUp: boolean;
}

/** A synced platform passkey: present, verified, backed up. */
export const PASSKEY_FLAGS: AuthenticatorFlags = {
  userPresent: true,
  userVerified: true,
  backupEligible: true,
  backedUp: true,
};

export interface SoftAuthenticatorOptions {
  /** The RP ID whose SHA-256 starts the authenticator data. */
  readonly rpId: string;
  /** The origin written into clientDataJSON (scheme, host and port). */
  readonly origin: string;
  /** @default 'ES256' */
  readonly algorithm?: SoftAlgorithm;
  /** @default PASSKEY_FLAGS */
  readonly flags?: AuthenticatorFlags;
  /** The signature counter's first value. @default 0 (synced passkeys keep it at 0) */
  readonly signCount?: number;
  /** Add 1 to the counter before each signature, as a hardware key does. @default false */
  readonly incrementSignCount?: boolean;
  /** The userHandle of assertions before {@link SoftAuthenticator.createCredential} stores one (base64url). */
  readonly userHandle?: string;
}

/** What a server stores for the credential, as `verifyRegistrationResponse` gives it. */
export interface SoftCredentialRecord {
  /** base64url credential ID. */
  readonly id: string;
  /** COSE_Key bytes. */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: AuthenticatorTransport[];
}

/** Overrides for one ceremony, to build hostile responses. */
export interface CeremonyOverrides {
  /** clientDataJSON's origin instead of the authenticator's. */
  readonly origin?: string;
  /** clientDataJSON's challenge instead of the options'. */
  readonly challenge?: string;
  /** The assertion's userHandle (base64url) instead of the stored one; `null` leaves it out. */
  readonly userHandle?: string | null;
}

const FLAG_BITS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;
const TRANSPORTS: AuthenticatorTransport[] = ['internal', 'hybrid'];

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>;

function cborHead(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(n, 1);
  return head;
}

/** The CBOR subset COSE keys and attestation objects need: integers, byte and text strings, maps. */
function cbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  return Buffer.concat([cborHead(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

function newKeyPair(algorithm: SoftAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519');
  if (algorithm === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** The public key as a COSE_Key (RFC 9053): what authenticator data carries and servers store. */
function coseKey(algorithm: SoftAlgorithm, publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const bytes = (field: string | undefined) => new Uint8Array(Buffer.from(field ?? '', 'base64url'));
  const alg = COSE_ALGORITHM[algorithm];
  if (algorithm === 'EdDSA') {
    return cbor(
      new Map<CborValue, CborValue>([
        [1, 1],
        [3, alg],
        [-1, 6],
        [-2, bytes(jwk.x)],
      ]),
    );
  }
  if (algorithm === 'RS256') {
    return cbor(
      new Map<CborValue, CborValue>([
        [1, 3],
        [3, alg],
        [-1, bytes(jwk.n)],
        [-2, bytes(jwk.e)],
      ]),
    );
  }
  return cbor(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, alg],
      [-1, 1],
      [-2, bytes(jwk.x)],
      [-3, bytes(jwk.y)],
    ]),
  );
}

export class SoftAuthenticator {
  /** base64url credential ID (16 random bytes). */
  readonly credentialId: string;
  readonly algorithm: SoftAlgorithm;
  /** The credential's public key as COSE_Key bytes. */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  /** The flags of the next ceremonies; assign to change them. */
  flags: AuthenticatorFlags;
  /** The counter the next signature carries (after the increment, if on); assign to change it. */
  signCount: number;
  /** The userHandle assertions carry: `user.id` of the last registration, or the option's. */
  userHandle: string | undefined;

  readonly #rpId: string;
  readonly #origin: string;
  readonly #incrementSignCount: boolean;
  readonly #privateKey: KeyObject;
  readonly #publicKeySpki: Buffer;
  readonly #rawId: Buffer = randomBytes(16);

  constructor(options: SoftAuthenticatorOptions) {
    this.#rpId = options.rpId;
    this.#origin = options.origin;
    this.algorithm = options.algorithm ?? 'ES256';
    this.flags = options.flags ?? PASSKEY_FLAGS;
    this.signCount = options.signCount ?? 0;
    this.#incrementSignCount = options.incrementSignCount ?? false;
    this.userHandle = options.userHandle;
    const { privateKey, publicKey } = newKeyPair(this.algorithm);
    this.#privateKey = privateKey;
    this.#publicKeySpki = publicKey.export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(coseKey(this.algorithm, publicKey));
    this.credentialId = b64url(this.#rawId);
  }

  /** The credential as a server stores it after registration (counter: the current one). */
  credentialRecord(): SoftCredentialRecord {
    return { id: this.credentialId, publicKey: this.publicKey, counter: this.signCount, transports: [...TRANSPORTS] };
  }

  /**
   * `navigator.credentials.create()` for `options` as generateRegistrationOptions() returns them
   * (attestation "none"); remembers `options.user.id` as the userHandle of later assertions.
   */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    this.userHandle = options.user.id;
    const clientData = this.#clientData('webauthn.create', overrides.challenge ?? options.challenge, overrides);
    const authenticatorData = this.#authenticatorData(true);
    const attestationObject = cbor(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestationObject),
        transports: [...TRANSPORTS],
        authenticatorData: b64url(authenticatorData),
        publicKeyAlgorithm: COSE_ALGORITHM[this.algorithm],
        publicKey: b64url(this.#publicKeySpki),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * `navigator.credentials.get()` for `options` as generateAuthenticationOptions() returns them: signs
   * authenticatorData || SHA-256(clientDataJSON) (ES256: DER ECDSA-Sig-Value, as WebAuthn wants).
   */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): AuthenticationResponseJSON {
    const clientData = this.#clientData('webauthn.get', overrides.challenge ?? options.challenge, overrides);
    const authenticatorData = this.#authenticatorData(false);
    const signed = Buffer.concat([authenticatorData, sha256(clientData)]);
    const signature =
      this.algorithm === 'EdDSA'
        ? sign(null, signed, this.#privateKey)
        : sign('sha256', signed, { key: this.#privateKey, dsaEncoding: 'der' });
    const userHandle = overrides.userHandle === undefined ? this.userHandle : overrides.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(userHandle === null || userHandle === undefined ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  #clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: overrides.origin ?? this.#origin, crossOrigin: false }),
    );
  }

  #authenticatorData(attested: boolean): Buffer {
    if (this.#incrementSignCount) this.signCount += 1;
    const { userPresent, userVerified, backupEligible, backedUp } = this.flags;
    const flags =
      (userPresent ? FLAG_BITS.UP : 0) |
      (userVerified ? FLAG_BITS.UV : 0) |
      (backupEligible ? FLAG_BITS.BE : 0) |
      (backedUp ? FLAG_BITS.BS : 0) |
      (attested ? FLAG_BITS.AT : 0);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.signCount);
    const parts: Uint8Array[] = [sha256(this.#rpId), Buffer.from([flags]), counter];
    if (attested) {
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(this.#rawId.length);
      // AAGUID all zeros: what attestation "none" gives the server anyway.
      parts.push(Buffer.alloc(16), idLength, this.#rawId, Buffer.from(this.publicKey));
    }
    return Buffer.concat(parts);
  }
}
