import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_CLAIMS } from '../../lambdas/core/access-token-claims.js';
import {
  generateSigningKey,
  importKeySet,
  type KeySet,
  planRotation,
  type RotationTiming,
  type StoredSigningKey,
} from '../../lambdas/core/signing-keys.js';
import {
  accessTokenExpiry,
  deriveChildRefreshToken,
  hashRefreshToken,
  isAccessClaims,
  newFamilyId,
  newRefreshToken,
  refreshTokenFamily,
  sameTokenHash,
  signAccessToken,
  verifyAccessToken,
} from '../../lambdas/core/tokens.js';
import { authError } from './auth-error.js';

const T0 = 1_800_000_000;
const TIMING: RotationTiming = { publishLeadSeconds: 7800, retainSeconds: 8400 };
const SETTINGS = { issuer: 'https://auth.example.com', audience: 'otp-login-api', accessTokenTtlSeconds: 900 };
const EXPECTED = { issuer: SETTINGS.issuer, audience: SETTINGS.audience, now: T0 + 10 };
const SUBJECT = { userId: 'user-1', phoneNumber: '+919876543210' };

// RSA key generation takes ~100 ms: the trusted key and one attacker key, made in parallel, once.
let trusted: StoredSigningKey;
let keys: KeySet;
let attacker: StoredSigningKey;
beforeAll(async () => {
  [trusted, attacker] = await Promise.all([generateSigningKey(T0), generateSigningKey(T0)]);
  keys = await importKeySet(planRotation(undefined, trusted, T0, TIMING), T0);
});

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

function validClaims(now = T0): Record<string, unknown> {
  return {
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    sub: SUBJECT.userId,
    iat: now,
    exp: now + 900,
    jti: 'jti-1',
    token_use: 'access',
    phone_number: SUBJECT.phoneNumber,
  };
}

/** Signs arbitrary claims with the trusted key, as a bug elsewhere in the service might. */
function signWithTrustedKey(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: trusted.kid }).sign(keys.signing.key);
}

describe('signAccessToken and verifyAccessToken', () => {
  it('carry auth_time when the subject has one, and no such claim when it has none', async () => {
    const withLogin = await signAccessToken(keys, SETTINGS, { ...SUBJECT, authTime: T0 - 120 }, T0);
    const without = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    expect((await verifyAccessToken(withLogin, keys.publicJwks, EXPECTED)).auth_time).toBe(T0 - 120);
    expect(Object.keys(await verifyAccessToken(without, keys.publicJwks, EXPECTED))).not.toContain('auth_time');
  });

  it('sign exactly the claims ACCESS_TOKEN_CLAIMS lists (discovery and the claims hook read that list)', async () => {
    const subject = { ...SUBJECT, authTime: T0 - 120, amr: ['sms'] as const };
    const token = await signAccessToken(keys, SETTINGS, subject, T0);

    const claims = await verifyAccessToken(token, keys.publicJwks, EXPECTED);
    expect(Object.keys(claims).sort()).toEqual([...ACCESS_TOKEN_CLAIMS].sort());
  });

  it('round-trip the access claims', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    const claims = await verifyAccessToken(token, keys.publicJwks, EXPECTED);

    expect(claims).toEqual({
      iss: 'https://auth.example.com',
      sub: 'user-1',
      aud: 'otp-login-api',
      iat: T0,
      exp: T0 + 900,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      token_use: 'access',
      phone_number: '+919876543210',
      session_epoch: 0,
    });
    const later = await signAccessToken(keys, SETTINGS, { ...SUBJECT, sessionEpoch: 3 }, T0);
    expect((await verifyAccessToken(later, keys.publicJwks, EXPECTED)).session_epoch).toBe(3);
  });

  it('name the signing key and RS256 in the header', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: trusted.kid, typ: 'JWT' });
  });

  it('give every token its own jti', async () => {
    const first = await signAccessToken(keys, SETTINGS, SUBJECT, T0);
    const second = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    expect(payloadOf(first).jti).not.toBe(payloadOf(second).jti);
  });

  it('accept a token one second before it expires', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    await expect(verifyAccessToken(token, keys.publicJwks, { ...EXPECTED, now: T0 + 899 })).resolves.toMatchObject({
      sub: 'user-1',
    });
  });
});

describe('accessTokenExpiry', () => {
  it('is ACCESS_TOKEN_TTL_SECONDS after issue when nothing ends sooner', () => {
    expect(accessTokenExpiry(SETTINGS, T0)).toBe(T0 + 900);
    expect(accessTokenExpiry(SETTINGS, T0, T0 + 900)).toBe(T0 + 900);
  });

  it('stops at notAfter, the end of the refresh family', () => {
    expect(accessTokenExpiry(SETTINGS, T0, T0 + 899)).toBe(T0 + 899);
  });

  it('is what signAccessToken writes as exp', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0, T0 + 120);

    expect(payloadOf(token)).toMatchObject({ iat: T0, exp: T0 + 120 });
    await expect(verifyAccessToken(token, keys.publicJwks, { ...EXPECTED, now: T0 + 120 })).rejects.toThrow(
      authError('invalid_token'),
    );
  });
});

describe('verifyAccessToken', () => {
  it('refuses an expired token', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    await expect(verifyAccessToken(token, keys.publicJwks, { ...EXPECTED, now: T0 + 900 })).rejects.toThrow(
      authError('invalid_token'),
    );
    await expect(verifyAccessToken(token, keys.publicJwks, { ...EXPECTED, now: T0 + 3600 })).rejects.toThrow(
      authError('invalid_token'),
    );
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await signAccessToken(keys, SETTINGS, SUBJECT, T0)).split('.');
    const tampered = `${header}.${base64url({ ...validClaims(), sub: 'someone-else' })}.${signature}`;

    await expect(verifyAccessToken(tampered, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses a token signed by another key that claims the trusted kid', async () => {
    const forgedKeys = await importKeySet(planRotation(undefined, { ...attacker, kid: trusted.kid }, T0, TIMING), T0);
    const forged = await signAccessToken(forgedKeys, SETTINGS, SUBJECT, T0);

    await expect(verifyAccessToken(forged, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses a token signed by a key it does not publish', async () => {
    const otherKeys = await importKeySet(planRotation(undefined, attacker, T0, TIMING), T0);
    const foreign = await signAccessToken(otherKeys, SETTINGS, SUBJECT, T0);

    await expect(verifyAccessToken(foreign, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses an unsigned alg none token', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`;

    await expect(verifyAccessToken(unsigned, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses an HS256 token keyed with the published public key', async () => {
    const publicJwk = keys.publicJwks[0] ?? {};
    const publicPem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const confused = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'HS256', kid: trusted.kid })
      .sign(Buffer.from(publicPem));

    await expect(verifyAccessToken(confused, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses a token from another issuer', async () => {
    const token = await signAccessToken(keys, { ...SETTINGS, issuer: 'https://evil.example.com' }, SUBJECT, T0);

    await expect(verifyAccessToken(token, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('refuses a token for another audience', async () => {
    const token = await signAccessToken(keys, { ...SETTINGS, audience: 'another-api' }, SUBJECT, T0);

    await expect(verifyAccessToken(token, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it.each([
    ['without token_use', { token_use: undefined }],
    ['with token_use refresh', { token_use: 'refresh' }],
    ['without phone_number', { phone_number: undefined }],
    ['without sub', { sub: undefined }],
    ['without iat', { iat: undefined }],
    ['without exp', { exp: undefined }],
  ])('refuses a correctly signed token %s', async (_why, change) => {
    const token = await signWithTrustedKey(JSON.parse(JSON.stringify({ ...validClaims(), ...change })));

    await expect(verifyAccessToken(token, keys.publicJwks, EXPECTED)).rejects.toThrow(authError('invalid_token'));
  });

  it('accepts a correctly signed token with every access claim', async () => {
    const token = await signWithTrustedKey(validClaims());

    await expect(verifyAccessToken(token, keys.publicJwks, EXPECTED)).resolves.toMatchObject({ token_use: 'access' });
  });

  it('keeps why it refused as the cause, for the logs', async () => {
    const token = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    await expect(verifyAccessToken(token, keys.publicJwks, { ...EXPECTED, now: T0 + 900 })).rejects.toMatchObject({
      code: 'invalid_token',
      cause: expect.objectContaining({ code: 'ERR_JWT_EXPIRED' }),
    });
  });

  it('refuses something that is not a JWT', async () => {
    await expect(verifyAccessToken(newRefreshToken(newFamilyId()), keys.publicJwks, EXPECTED)).rejects.toThrow(
      authError('invalid_token'),
    );
  });
});

describe('refresh tokens', () => {
  it('are a 128-bit family id and 256 random bits, base64url, joined by a dot', () => {
    const familyId = newFamilyId();
    const token = newRefreshToken(familyId);

    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(familyId, 'base64url')).toHaveLength(16);
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url')).toHaveLength(32);
    expect(refreshTokenFamily(token)).toBe(familyId);
    expect(refreshTokenFamily('A'.repeat(43))).toBeUndefined();
  });

  it('are random', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => newRefreshToken(newFamilyId())));

    expect(tokens.size).toBe(50);
  });

  it('have a shape an access token does not have', async () => {
    const jwt = await signAccessToken(keys, SETTINGS, SUBJECT, T0);

    const familyId = newFamilyId();
    const token = newRefreshToken(familyId);

    expect(refreshTokenFamily(token)).toBe(familyId);
    expect(refreshTokenFamily(jwt)).toBeUndefined();
    expect(refreshTokenFamily(`${token}x`)).toBeUndefined();
    expect(refreshTokenFamily(token.slice(1))).toBeUndefined();
    expect(refreshTokenFamily(`x${token}`)).toBeUndefined();
    expect(refreshTokenFamily(`${token.slice(0, -1)}=`)).toBeUndefined();
    expect(refreshTokenFamily(`${token}\n`)).toBeUndefined();
  });

  it('hash the same way every time, differently per token, never to the token itself', () => {
    const token = newRefreshToken(newFamilyId());

    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
    expect(hashRefreshToken(token)).not.toBe(hashRefreshToken(newRefreshToken(newFamilyId())));
    expect(hashRefreshToken(token)).not.toBe(token);
  });

  it('hash to the SHA-256 of the token, base64url', () => {
    expect(hashRefreshToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('derive the same child for one key and parent, and the refresh-token shape', () => {
    const parent = newRefreshToken(newFamilyId());

    const child = deriveChildRefreshToken(keys.refreshHmacKey, parent);

    expect(deriveChildRefreshToken(keys.refreshHmacKey, parent)).toBe(child);
    expect(refreshTokenFamily(child)).toBe(refreshTokenFamily(parent));
    expect(child).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(child).not.toBe(parent);
  });

  it('derive a different child under another key or from another parent', () => {
    const parent = newRefreshToken(newFamilyId());
    const otherKey = Buffer.alloc(32, 7);

    const child = deriveChildRefreshToken(keys.refreshHmacKey, parent);

    expect(deriveChildRefreshToken(otherKey, parent)).not.toBe(child);
    expect(deriveChildRefreshToken(keys.refreshHmacKey, newRefreshToken(newFamilyId()))).not.toBe(child);
  });
});

describe('sameTokenHash', () => {
  it('is true only for equal hashes, and false for a missing one', () => {
    const hash = hashRefreshToken('a');

    expect(sameTokenHash(hash, hashRefreshToken('a'))).toBe(true);
    expect(sameTokenHash(hash, hashRefreshToken('b'))).toBe(false);
    expect(sameTokenHash(hash, hash.slice(1))).toBe(false);
    expect(sameTokenHash(hash, undefined)).toBe(false);
    expect(sameTokenHash(undefined, hash)).toBe(false);
    expect(sameTokenHash(undefined, undefined)).toBe(false);
  });
});

describe('isAccessClaims', () => {
  const claims = { sub: 'user-1', phone_number: '+919876543210', token_use: 'access' };

  it('takes claims with token_use access, a string sub and a string phone_number', () => {
    expect(isAccessClaims(claims)).toBe(true);
  });

  it.each([
    ['a numeric sub', { sub: 42 }],
    ['a numeric phone_number', { phone_number: 919876543210 }],
    ['token_use id', { token_use: 'id' }],
  ])('refuses claims with %s', (_why, change) => {
    expect(isAccessClaims({ ...claims, ...change })).toBe(false);
  });
});
