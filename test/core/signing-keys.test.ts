import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  importKeySet,
  type KeySetDocument,
  KeySetError,
  parseKeySetDocument,
  parsePublicJwks,
  planRotation,
  publicJwksOf,
  type RotationTiming,
  type StoredSigningKey,
  selectSigningKey,
  toPublicJwk,
} from '../../lambdas/core/signing-keys.js';

const T0 = 1_800_000_000;
const DAY = 86_400;
const TIMING: RotationTiming = { publishLeadSeconds: 7800, retainSeconds: 8400 };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// RSA key generation takes ~100 ms: one real key per file, relabelled where a test needs several.
let key: StoredSigningKey;
beforeAll(async () => {
  key = await generateSigningKey(T0);
});

function relabel(kid: string, createdAt: number): StoredSigningKey {
  return { ...key, kid, createdAt, activatesAt: createdAt };
}

function kids(doc: KeySetDocument): string[] {
  return doc.keys.map((k) => k.kid);
}

describe('generateSigningKey', () => {
  it('makes an RSA private key named by its JWK thumbprint, signing from now', async () => {
    expect(key.privateJwk).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(key.privateJwk.d).toEqual(expect.any(String));
    expect(Buffer.from(key.privateJwk.n ?? '', 'base64url')).toHaveLength(256);
    expect(key.kid).toBe(await calculateJwkThumbprint(key.privateJwk));
    expect(key).toMatchObject({ createdAt: T0, activatesAt: T0 });
  });
});

describe('planRotation', () => {
  it('lets the first key sign at once and creates a refresh HMAC key', () => {
    const doc = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    expect(doc).toMatchObject({ version: 1, rotatedAt: T0 });
    expect(doc.keys).toEqual([relabel('key-a', T0)]);
    expect(doc.refreshHmacKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(doc.refreshHmacKey, 'base64url')).toHaveLength(32);
  });

  it('creates a different refresh HMAC key for each new key set', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    expect(second.refreshHmacKey).not.toBe(first.refreshHmacKey);
  });

  it('publishes a new key now but lets it sign only after the publish lead', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const rotatedAt = T0 + 30 * DAY;

    const second = planRotation(first, relabel('key-b', rotatedAt), rotatedAt, TIMING);

    expect(kids(second)).toEqual(['key-a', 'key-b']);
    expect(second.keys[1]?.activatesAt).toBe(rotatedAt + TIMING.publishLeadSeconds);
    expect(second.rotatedAt).toBe(rotatedAt);
  });

  it('keeps the old key signing until the new one activates', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const rotatedAt = T0 + 30 * DAY;
    const second = planRotation(first, relabel('key-b', rotatedAt), rotatedAt, TIMING);
    const switchAt = rotatedAt + TIMING.publishLeadSeconds;

    expect(selectSigningKey(second, rotatedAt)?.kid).toBe('key-a');
    expect(selectSigningKey(second, switchAt - 1)?.kid).toBe('key-a');
    expect(selectSigningKey(second, switchAt)?.kid).toBe('key-b');
    expect(selectSigningKey(second, switchAt + DAY)?.kid).toBe('key-b');
  });

  it('preserves the refresh HMAC key across rotations', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);
    const third = planRotation(second, relabel('key-c', T0 + 2 * DAY), T0 + 2 * DAY, TIMING);

    expect(second.refreshHmacKey).toBe(first.refreshHmacKey);
    expect(third.refreshHmacKey).toBe(first.refreshHmacKey);
  });

  it('drops a key superseded more than retainSeconds ago', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);
    const supersededAt = T0 + DAY + TIMING.publishLeadSeconds;
    const later = supersededAt + TIMING.retainSeconds + 1;

    const third = planRotation(second, relabel('key-c', later), later, TIMING);

    expect(kids(third)).toEqual(['key-b', 'key-c']);
  });

  it('keeps a key superseded less than retainSeconds ago', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);
    const supersededAt = T0 + DAY + TIMING.publishLeadSeconds;
    const soon = supersededAt + TIMING.retainSeconds - 1;

    const third = planRotation(second, relabel('key-c', soon), soon, TIMING);

    expect(kids(third)).toEqual(['key-a', 'key-b', 'key-c']);
  });

  it('keeps the signing key and its successor when rotating twice within the lead', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);

    const third = planRotation(second, relabel('key-c', T0 + DAY + 60), T0 + DAY + 60, TIMING);

    expect(kids(third)).toEqual(['key-a', 'key-b', 'key-c']);
    expect(selectSigningKey(third, T0 + DAY + 60)?.kid).toBe('key-a');
  });
});

describe('planRotation, at its edges', () => {
  it('counts a key that activates this very second as signing: the new one still waits the lead', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    const second = planRotation(first, relabel('key-b', T0), T0, TIMING);

    expect(second.keys[1]).toMatchObject({ kid: 'key-b', activatesAt: T0 + TIMING.publishLeadSeconds });
  });

  it('lets the new key sign at once when no stored key signs yet', () => {
    const pending: KeySetDocument = {
      version: 1,
      keys: [relabel('key-a', T0 + DAY)],
      refreshHmacKey: 'x',
      rotatedAt: T0,
    };

    const next = planRotation(pending, relabel('key-b', T0), T0, TIMING);

    expect(next.keys).toEqual([relabel('key-b', T0), relabel('key-a', T0 + DAY)]);
  });

  it('drops a key superseded exactly retainSeconds ago', () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);
    const at = T0 + DAY + TIMING.publishLeadSeconds + TIMING.retainSeconds;

    expect(kids(planRotation(second, relabel('key-c', at), at, TIMING))).toEqual(['key-b', 'key-c']);
  });

  it('replaces the key outright with no publish lead and no retention', () => {
    const instant: RotationTiming = { publishLeadSeconds: 0, retainSeconds: 0 };
    const first = planRotation(undefined, relabel('key-a', T0), T0, instant);

    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, instant);

    expect(kids(second)).toEqual(['key-b']);
    expect(selectSigningKey(second, T0 + DAY)?.kid).toBe('key-b');
  });

  it('orders the keys by activation before retiring any, whatever order the stored document lists them in', () => {
    // key-x signs since T0 + DAY; key-y, superseded then, is past its retention: only key-y goes.
    const at = T0 + DAY + TIMING.retainSeconds + 1;
    const unordered: KeySetDocument = {
      version: 1,
      keys: [relabel('key-x', T0 + DAY), relabel('key-y', T0)],
      refreshHmacKey: 'x',
      rotatedAt: T0 + DAY,
    };

    const next = planRotation(unordered, relabel('key-z', at), at, TIMING);

    expect(kids(next)).toEqual(['key-x', 'key-z']);
    expect(selectSigningKey(next, at)?.kid).toBe('key-x');
  });
});

describe('selectSigningKey', () => {
  it('returns nothing when no key has activated yet', () => {
    const doc = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    expect(selectSigningKey(doc, T0 - 1)).toBeUndefined();
  });
});

describe('toPublicJwk', () => {
  it('publishes no private member of the key', () => {
    const jwk = toPublicJwk(key);

    for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
  });

  it('publishes the modulus and exponent with kid, alg RS256 and use sig', () => {
    expect(toPublicJwk(key)).toEqual({
      kty: 'RSA',
      n: key.privateJwk.n,
      e: key.privateJwk.e,
      kid: key.kid,
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('leaves the stored private key intact', () => {
    toPublicJwk(key);

    expect(key.privateJwk.d).toEqual(expect.any(String));
  });
});

describe('parsePublicJwks', () => {
  it('accepts the public keys of a key set', () => {
    const doc: KeySetDocument = {
      version: 1,
      keys: [key, relabel('k2', T0 + DAY)],
      refreshHmacKey: 'x',
      rotatedAt: T0,
    };
    const jwks = publicJwksOf(doc);

    expect(parsePublicJwks(JSON.parse(JSON.stringify({ keys: jwks })))).toEqual(jwks);
  });

  it.each(PRIVATE_MEMBERS)('refuses a key that carries the private member %s', (member) => {
    const leaked = { ...toPublicJwk(key), [member]: 'AQAB' };

    expect(() => parsePublicJwks({ keys: [leaked] })).toThrow(/private key material/);
  });

  it.each([null, undefined])('refuses %s, naming the missing keys list', (value) => {
    expect(() => parsePublicJwks(value)).toThrow(/no keys list/);
  });

  it('refuses a public key that is not RSA, even without private members', () => {
    const ec = {
      kty: 'EC',
      kid: 'ec-1',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    };

    expect(() => parsePublicJwks({ keys: [ec] })).toThrow(/not an RSA key with a kid/);
  });

  it('throws errors named KeySetError', () => {
    expect(() => parsePublicJwks({ keys: 'none' })).toThrow(expect.objectContaining({ name: 'KeySetError' }));
  });

  it.each([
    ['not an object', 'keys'],
    ['no keys list', { keys: 'none' }],
    ['a key without kid', { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }],
    ['a key that is not RSA', { keys: [{ kty: 'oct', kid: 'a', k: 'c2VjcmV0' }] }],
    ['null in the list', { keys: [null] }],
  ])('refuses %s', (_case, value) => {
    expect(() => parsePublicJwks(value)).toThrow(KeySetError);
  });
});

describe('parseKeySetDocument', () => {
  it('reads back a stored key set', () => {
    const doc = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    expect(parseKeySetDocument(JSON.stringify(doc))).toEqual(doc);
  });

  it('says what is wrong with a JSON document that is not a key set', () => {
    expect(() => parseKeySetDocument('{}')).toThrow(/not a key set document/);
  });

  it('refuses a key set with one bad key among good ones', () => {
    const valid = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const mixed = { ...valid, keys: [...valid.keys, { ...valid.keys[0], kid: undefined }] };

    expect(() => parseKeySetDocument(JSON.stringify(mixed))).toThrow(KeySetError);
  });

  it('refuses a secret that is not JSON', () => {
    expect(() => parseKeySetDocument('-----BEGIN PRIVATE KEY-----')).toThrow(KeySetError);
    expect(() => parseKeySetDocument('')).toThrow(/not JSON/);
  });

  it.each([
    ['null', () => null],
    ['an array', () => []],
    ['a string', () => 'key'],
    ['an empty object', () => ({})],
    ['version 2', (doc: KeySetDocument) => ({ ...doc, version: 2 })],
    ['no refreshHmacKey', (doc: KeySetDocument) => ({ ...doc, refreshHmacKey: undefined })],
    ['keys that are not an array', (doc: KeySetDocument) => ({ ...doc, keys: {} })],
    ['a null key', (doc: KeySetDocument) => ({ ...doc, keys: [null] })],
    ['a key without kid', (doc: KeySetDocument) => ({ ...doc, keys: [{ ...doc.keys[0], kid: undefined }] })],
    [
      'a key with activatesAt as text',
      (doc: KeySetDocument) => ({ ...doc, keys: [{ ...doc.keys[0], activatesAt: '0' }] }),
    ],
    ['a key without privateJwk', (doc: KeySetDocument) => ({ ...doc, keys: [{ ...doc.keys[0], privateJwk: null }] })],
    [
      'an EC key',
      (doc: KeySetDocument) => ({ ...doc, keys: [{ ...doc.keys[0], privateJwk: { kty: 'EC', crv: 'P-256' } }] }),
    ],
  ])('refuses %s', (_why, shape: (doc: KeySetDocument) => unknown) => {
    const valid = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    expect(() => parseKeySetDocument(JSON.stringify(shape(valid)))).toThrow(KeySetError);
  });
});

describe('importKeySet', () => {
  it('signs with the active key and publishes every key', async () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);

    const keys = await importKeySet(second, T0 + DAY);

    expect(keys.signing.kid).toBe('key-a');
    expect(keys.publicJwks.map((jwk) => jwk.kid)).toEqual(['key-a', 'key-b']);
    for (const jwk of keys.publicJwks) expect(jwk).not.toHaveProperty('d');
    expect(keys.refreshHmacKey).toEqual(Buffer.from(second.refreshHmacKey, 'base64url'));
    expect(keys.refreshHmacKey).toHaveLength(32);
  });

  it('switches to the new key once it activates', async () => {
    const first = planRotation(undefined, relabel('key-a', T0), T0, TIMING);
    const second = planRotation(first, relabel('key-b', T0 + DAY), T0 + DAY, TIMING);

    const keys = await importKeySet(second, T0 + DAY + TIMING.publishLeadSeconds);

    expect(keys.signing.kid).toBe('key-b');
  });

  it('throws a KeySetError when no key may sign yet', async () => {
    const doc = planRotation(undefined, relabel('key-a', T0), T0, TIMING);

    await expect(importKeySet(doc, T0 - 1)).rejects.toThrow(/no key that may sign yet/);
    await expect(importKeySet({ ...doc, keys: [] }, T0)).rejects.toThrow(KeySetError);
  });
});
