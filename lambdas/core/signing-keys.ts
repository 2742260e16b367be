import { randomBytes } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export const SIGNING_ALG = 'RS256';

/** One RSA key as kept in the secret. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Epoch seconds from which the key signs. Until then it is only published in JWKS. */
  readonly activatesAt: number;
}

/**
 * The JSON document in the signing-key secret. Besides the signing keys it holds the HMAC key that
 * derives a rotated refresh token's child, so a grace-window replay yields the same child.
 */
export interface KeySetDocument {
  readonly version: 1;
  readonly keys: readonly StoredSigningKey[];
  /** base64url, 32 random bytes. */
  readonly refreshHmacKey: string;
  readonly rotatedAt: number;
}

/** The parsed, imported keys a function works with. */
export interface KeySet {
  readonly signing: { readonly kid: string; readonly key: CryptoKey | Uint8Array };
  /** Public parts only, each with `kid`, `alg`, `use`: what JWKS publishes. */
  readonly publicJwks: readonly JWK[];
  readonly refreshHmacKey: Buffer;
}

export class KeySetError extends Error {
  override readonly name = 'KeySetError';
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export function toPublicJwk(key: StoredSigningKey): JWK {
  const jwk: JWK = { ...key.privateJwk };
  for (const member of PRIVATE_MEMBERS) delete jwk[member];
  return { ...jwk, kid: key.kid, alg: SIGNING_ALG, use: 'sig' };
}

/** What the JWKS endpoint serves for a key set: every key's public part, nothing else. */
export function publicJwksOf(doc: KeySetDocument): JWK[] {
  return doc.keys.map(toPublicJwk);
}

/**
 * The published public keys, as stored apart from the secret. Refuses anything that is not a list of
 * public RSA keys with a `kid`, and any private member: the JWKS endpoint must never serve one.
 */
export function parsePublicJwks(value: unknown): JWK[] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeySetError('The published JWKS has no keys list');
  for (const key of keys as unknown[]) {
    const jwk = key as Partial<Record<string, unknown>> | null;
    if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') {
      throw new KeySetError('The published JWKS holds something that is not an RSA key with a kid');
    }
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
      throw new KeySetError(`The published JWKS holds private key material (key ${jwk.kid})`);
    }
  }
  return keys as JWK[];
}

export function parseKeySetDocument(raw: string): KeySetDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new KeySetError('The signing-key secret is not JSON (has the first rotation run yet?)');
  }
  if (!isKeySetDocument(doc)) throw new KeySetError('The signing-key secret is not a key set document');
  return doc;
}

function isKeySetDocument(doc: unknown): doc is KeySetDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as Partial<KeySetDocument>;
  return (
    d.version === 1 &&
    typeof d.refreshHmacKey === 'string' &&
    Array.isArray(d.keys) &&
    d.keys.every(
      (k) =>
        typeof k?.kid === 'string' &&
        typeof k.activatesAt === 'number' &&
        typeof k.privateJwk === 'object' &&
        k.privateJwk?.kty === 'RSA',
    )
  );
}

/** The newest key whose activation time has come: the only one that signs. */
export function selectSigningKey(doc: KeySetDocument, now: number): StoredSigningKey | undefined {
  return [...doc.keys].filter((k) => k.activatesAt <= now).sort((a, b) => b.activatesAt - a.activatesAt)[0];
}

export async function importKeySet(doc: KeySetDocument, now: number): Promise<KeySet> {
  const current = selectSigningKey(doc, now);
  if (!current) throw new KeySetError('The key set has no key that may sign yet');
  const key = await importJWK({ ...current.privateJwk, alg: SIGNING_ALG }, SIGNING_ALG);
  return {
    signing: { kid: current.kid, key },
    publicJwks: publicJwksOf(doc),
    refreshHmacKey: Buffer.from(doc.refreshHmacKey, 'base64url'),
  };
}

export async function generateSigningKey(now: number): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  return { kid, privateJwk, createdAt: now, activatesAt: now };
}

export interface RotationTiming {
  /** How long a new key is published before it signs: API Gateway caches JWKS for up to 2 h. */
  readonly publishLeadSeconds: number;
  /** How long a superseded key stays published: its last tokens must still verify. */
  readonly retainSeconds: number;
}

/**
 * The key set after adding `newKey`. The new key is published now and signs only after the lead
 * time, so every verifier has seen it first; keys superseded longer than `retainSeconds` ago are
 * dropped, because every token they signed has expired. A first key signs at once: nothing to protect.
 */
export function planRotation(
  previous: KeySetDocument | undefined,
  newKey: StoredSigningKey,
  now: number,
  timing: RotationTiming,
): KeySetDocument {
  const existing = previous?.keys ?? [];
  const hasActiveKey = existing.some((k) => k.activatesAt <= now);
  const added: StoredSigningKey = { ...newKey, activatesAt: hasActiveKey ? now + timing.publishLeadSeconds : now };
  const all = [...existing, added].sort((a, b) => a.activatesAt - b.activatesAt);
  const kept = all.filter((_key, i) => {
    const successor = all[i + 1];
    if (!successor || successor.activatesAt > now) return true;
    return successor.activatesAt + timing.retainSeconds > now;
  });
  return {
    version: 1,
    keys: kept,
    refreshHmacKey: previous?.refreshHmacKey ?? randomBytes(32).toString('base64url'),
    rotatedAt: now,
  };
}
