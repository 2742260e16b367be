import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import type { UserAccount } from '../../lambdas/core/phone-record.js';
import type { RefreshFamily, RefreshFamilyStore } from '../../lambdas/core/ports.js';
import {
  issueTokens,
  logout,
  MAX_FAMILY_GENERATION,
  REFRESH_TOKEN_REUSE,
  type RefreshDeps,
  refreshTokens,
} from '../../lambdas/core/sessions.js';
import { generateSigningKey, importKeySet, type KeySet, planRotation } from '../../lambdas/core/signing-keys.js';
import {
  deriveChildRefreshToken,
  hashRefreshToken,
  newFamilyId,
  newRefreshToken,
  refreshTokenFamily,
} from '../../lambdas/core/tokens.js';
import { authError } from './auth-error.js';

// Sessions against a scripted family store: each test says what the store holds and answers, and
// checks what the use case asked of it. The store itself is tested against DynamoDB Local.

const DAY = 86_400;
const T0 = 1_800_000_000;
const GRACE = 10;
const SETTINGS = {
  issuer: 'https://auth.test',
  audience: 'otp-login',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * DAY,
  refreshReuseGraceSeconds: GRACE,
};

let keySet: KeySet;
beforeAll(async () => {
  const key = await generateSigningKey(T0 - 60);
  keySet = await importKeySet(planRotation(undefined, key, T0 - 60, { publishLeadSeconds: 0, retainSeconds: 0 }), T0);
});

/** The tokens of one family, login token first: each the derived child of the one before. */
function chain(length: number): string[] {
  const tokens = [newRefreshToken(newFamilyId())];
  while (tokens.length < length) tokens.push(deriveChildRefreshToken(keySet.refreshHmacKey, tokens.at(-1) ?? ''));
  return tokens;
}

/** The family item after `tokens` (login token first) were issued, the last rotation `rotatedAgo` s ago. */
function familyOf(tokens: readonly string[], fields: Partial<RefreshFamily> = {}, rotatedAgo = 60): RefreshFamily {
  const previous = tokens.at(-2);
  return {
    familyId: refreshTokenFamily(tokens[0] ?? '') ?? '',
    userId: 'user-1',
    phoneNumber: '+919876543210',
    familyExpiresAt: T0 + 20 * DAY,
    createdAt: T0 - 10 * DAY,
    headHash: hashRefreshToken(tokens.at(-1) ?? ''),
    ...(previous === undefined ? {} : { previousHash: hashRefreshToken(previous), rotatedAt: T0 - rotatedAgo }),
    generation: tokens.length - 1,
    ...fields,
  };
}

/** A family store that holds what it is told: `reads` in turn (the last one repeats), rotations as scripted. */
function scriptedFamilies(reads: readonly (RefreshFamily | undefined)[], script: { rotations?: boolean[] } = {}) {
  let read = 0;
  return {
    get: vi.fn(async (_familyId: string, _now: number) => reads[Math.min(read++, reads.length - 1)]),
    create: vi.fn(async (_family: RefreshFamily) => {}),
    rotate: vi.fn(async () => script.rotations?.shift() ?? true),
    revoke: vi.fn(async (_familyId: string, _at: number, _tokenHash?: string) => true),
  } satisfies RefreshFamilyStore;
}

/** Who holds the number, as the owner check reads it: by default user-1, at epoch 0. */
function ownerRecords(user: Partial<UserAccount> | null = {}) {
  return {
    holderOf: vi.fn(async (_phoneNumber: string, _now: number) =>
      user === null ? undefined : { userId: 'user-1', status: 'active' as const, ...user },
    ),
  };
}

function deps(refreshFamilies: RefreshFamilyStore, records = ownerRecords()): RefreshDeps {
  return {
    holders: records,
    refreshFamilies,
    keys: { load: async () => keySet },
    clock: { now: () => T0 * 1000 },
    sessions: SETTINGS,
  };
}

describe('issueTokens', () => {
  it('starts a family at generation 0 holding only the hash of its refresh token', async () => {
    const families = scriptedFamilies([]);

    const tokens = await issueTokens(deps(families), { userId: 'user-1', phoneNumber: '+919876543210' });

    expect(families.create).toHaveBeenCalledWith({
      familyId: refreshTokenFamily(tokens.refresh),
      userId: 'user-1',
      phoneNumber: '+919876543210',
      familyExpiresAt: T0 + 30 * DAY,
      createdAt: T0,
      headHash: hashRefreshToken(tokens.refresh),
      generation: 0,
      authTime: T0,
      amr: ['sms'],
    });
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(decodeJwt(tokens.access)).toMatchObject({
      sub: 'user-1',
      phone_number: '+919876543210',
      exp: T0 + 900,
      auth_time: T0,
      amr: ['sms'],
    });
  });
});

describe('auth_time across refreshes', () => {
  it("carries the family's login time, not the refresh's, in every rotated access token", async () => {
    const tokens = chain(2);
    const families = scriptedFamilies([familyOf(tokens, { authTime: T0 - 3600, sessionEpoch: 2 })]);

    const result = await refreshTokens(deps(families, ownerRecords({ sessionEpoch: 2 })), tokens[1] ?? '');

    expect(decodeJwt(result.tokens.access)).toMatchObject({ iat: T0, auth_time: T0 - 3600, session_epoch: 2 });
  });

  it('carries it in a grace replay too', async () => {
    const tokens = chain(3);
    const families = scriptedFamilies([familyOf(tokens, { authTime: T0 - 7200 }, 2)]);

    const result = await refreshTokens(deps(families), tokens[1] ?? '');

    expect(result.outcome).toBe('grace_replay');
    expect(decodeJwt(result.tokens.access)).toMatchObject({ iat: T0, auth_time: T0 - 7200 });
  });

  it("carries the family's amr in every rotated access token, and a grace replay's", async () => {
    const tokens = chain(3);
    const rotated = await refreshTokens(deps(scriptedFamilies([familyOf(tokens, { amr: ['sms'] })])), tokens[2] ?? '');
    expect(decodeJwt(rotated.tokens.access).amr).toEqual(['sms']);
    const replayed = await refreshTokens(
      deps(scriptedFamilies([familyOf(tokens, { amr: ['sms'] }, 2)])),
      tokens[1] ?? '',
    );
    expect(replayed.outcome).toBe('grace_replay');
    expect(decodeJwt(replayed.tokens.access).amr).toEqual(['sms']);
  });

  it('gives a family stored before amr existed ["sms"]: an SMS code started every one of them', async () => {
    const tokens = chain(2);
    const result = await refreshTokens(deps(scriptedFamilies([familyOf(tokens)])), tokens[1] ?? '');
    expect(decodeJwt(result.tokens.access).amr).toEqual(['sms']);
  });

  it('gives a family stored before authTime existed its creation time: the login that created it', async () => {
    const tokens = chain(2);
    const families = scriptedFamilies([familyOf(tokens)]);

    const result = await refreshTokens(deps(families), tokens[1] ?? '');

    expect(decodeJwt(result.tokens.access).auth_time).toBe(T0 - 10 * DAY);
  });
});

describe('refreshTokens', () => {
  it('rotates the head to its derived child, and answers the child with an access token', async () => {
    const tokens = chain(3);
    const head = tokens[2] ?? '';
    const families = scriptedFamilies([familyOf(tokens)]);

    const result = await refreshTokens(deps(families), head);

    const child = deriveChildRefreshToken(keySet.refreshHmacKey, head);
    expect(families.rotate).toHaveBeenCalledWith(refreshTokenFamily(head), {
      fromHash: hashRefreshToken(head),
      toHash: hashRefreshToken(child),
      at: T0,
      maxGeneration: MAX_FAMILY_GENERATION,
      userId: 'user-1',
    });
    expect(result).toMatchObject({ userId: 'user-1', outcome: 'rotated' });
    expect(result.tokens).toMatchObject({ refresh: child, token_type: 'Bearer', expires_in: 900 });
    expect(decodeJwt(result.tokens.access)).toMatchObject({ sub: 'user-1', iat: T0 });
  });

  it('never lets the access token outlive the family', async () => {
    const tokens = chain(1);
    const families = scriptedFamilies([familyOf(tokens, { familyExpiresAt: T0 + 100 })]);

    const result = await refreshTokens(deps(families), tokens[0] ?? '');

    expect(result.tokens.expires_in).toBe(100);
    expect(decodeJwt(result.tokens.access).exp).toBe(T0 + 100);
  });

  it('refuses a string that is not a refresh token without reading the store', async () => {
    const families = scriptedFamilies([familyOf(chain(1))]);

    await expect(refreshTokens(deps(families), 'not-a-token')).rejects.toThrow(authError('invalid_token'));
    expect(families.get).not.toHaveBeenCalled();
  });

  it('refuses a family the store does not hold (never existed, or ended)', async () => {
    const families = scriptedFamilies([undefined]);

    await expect(refreshTokens(deps(families), chain(1)[0] ?? '')).rejects.toThrow(authError('invalid_token'));
    expect(families.rotate).not.toHaveBeenCalled();
  });

  it('refuses the head of a revoked family without trying to rotate it', async () => {
    const tokens = chain(2);
    const families = scriptedFamilies([familyOf(tokens, { revokedAt: T0 - 5 })]);

    await expect(refreshTokens(deps(families), tokens[1] ?? '')).rejects.toThrow(authError('invalid_token'));
    expect(families.rotate).not.toHaveBeenCalled();
    expect(families.get).toHaveBeenCalledTimes(1);
  });

  it('refuses a grace-window replay of a revoked family', async () => {
    const tokens = chain(2);
    const families = scriptedFamilies([familyOf(tokens, { revokedAt: T0 - 1 }, 1)]);

    await expect(refreshTokens(deps(families), tokens[0] ?? '')).rejects.toThrow(authError('invalid_token'));
  });

  it('decides again on what a concurrent refresh wrote: a replay of its parent within the window', async () => {
    const tokens = chain(1);
    const login = tokens[0] ?? '';
    const child = deriveChildRefreshToken(keySet.refreshHmacKey, login);
    const families = scriptedFamilies([familyOf(tokens), familyOf([login, child], {}, 0)], { rotations: [false] });

    const result = await refreshTokens(deps(families), login);

    expect(result.outcome).toBe('grace_replay');
    expect(result.tokens.refresh).toBe(child);
    expect(families.get).toHaveBeenCalledTimes(2);
    expect(families.rotate).toHaveBeenCalledTimes(1);
  });

  it('gives up with invalid_token after losing 4 rotations in a row', async () => {
    const tokens = chain(1);
    const families = scriptedFamilies([familyOf(tokens)], { rotations: [false, false, false, false, true] });

    await expect(refreshTokens(deps(families), tokens[0] ?? '')).rejects.toThrow(authError('invalid_token'));
    expect(families.rotate).toHaveBeenCalledTimes(4);
  });

  describe('within REFRESH_REUSE_GRACE_SECONDS', () => {
    it('answers a replay of the head’s parent with the same child, without rotating again', async () => {
      const tokens = chain(3);
      const families = scriptedFamilies([familyOf(tokens, {}, GRACE - 1)]);

      const result = await refreshTokens(deps(families), tokens[1] ?? '');

      expect(result).toMatchObject({ userId: 'user-1', outcome: 'grace_replay' });
      expect(result.tokens.refresh).toBe(tokens[2]);
      expect(families.rotate).not.toHaveBeenCalled();
      expect(families.revoke).not.toHaveBeenCalled();
    });

    it('treats the same replay at the end of the window as reuse', async () => {
      const tokens = chain(3);
      const families = scriptedFamilies([familyOf(tokens, {}, GRACE)]);

      await expect(refreshTokens(deps(families), tokens[1] ?? '')).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_token', detail: REFRESH_TOKEN_REUSE }),
      );
      expect(families.revoke).toHaveBeenCalledWith(refreshTokenFamily(tokens[0] ?? ''), T0);
    });

    it('never answers a child the head is not: a previous token whose child is not the head is no replay', async () => {
      // The head was derived under another HMAC key, say: its parent's child under ours is a stranger.
      const tokens = chain(2);
      const family = familyOf(tokens, { headHash: hashRefreshToken(newRefreshToken(newFamilyId())) }, 1);
      const families = scriptedFamilies([family]);

      await expect(refreshTokens(deps(families), tokens[0] ?? '')).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_token', detail: undefined }),
      );
      expect(families.revoke).not.toHaveBeenCalled();
    });
  });

  describe('reuse', () => {
    it('revokes the family when a token older than the head’s parent comes back', async () => {
      const tokens = chain(4);
      const families = scriptedFamilies([familyOf(tokens, {}, 1)]);

      await expect(refreshTokens(deps(families), tokens[0] ?? '')).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_token', detail: REFRESH_TOKEN_REUSE }),
      );
      expect(families.revoke).toHaveBeenCalledWith(refreshTokenFamily(tokens[0] ?? ''), T0);
      expect(families.rotate).not.toHaveBeenCalled();
    });

    it('refuses a made-up token carrying the family id without revoking the family', async () => {
      const tokens = chain(4);
      const familyId = refreshTokenFamily(tokens[0] ?? '') ?? '';
      const madeUp = `${familyId}.${newRefreshToken(newFamilyId()).split('.')[1]}`;
      const families = scriptedFamilies([familyOf(tokens)]);

      await expect(refreshTokens(deps(families), madeUp)).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_token', detail: undefined }),
      );
      expect(families.revoke).not.toHaveBeenCalled();
    });

    it('looks no further back than the family’s login token', async () => {
      // `before` derives the login token, so it is one derivation further from the head than
      // any token the family issued: not one of its tokens.
      const [before = '', ...issued] = chain(4);
      const families = scriptedFamilies([familyOf(issued)]);

      await expect(refreshTokens(deps(families), before)).rejects.toThrow(
        expect.objectContaining({ code: 'invalid_token', detail: undefined }),
      );
      expect(families.revoke).not.toHaveBeenCalled();
    });
  });
});

describe('refreshTokens: the owner check', () => {
  it.each([
    ['the number has no user any more (account deleted, or moved away)', null, undefined],
    ['another user holds the number', { userId: 'user-2' }, undefined],
    ['the user signed out everywhere since the login', { sessionEpoch: 1 }, undefined],
    ['the family is from before a sign-out the user has since moved past', { sessionEpoch: 3 }, 2],
    ['the user holding the number is not active', { status: 'pending' as const }, undefined],
  ])('refuses, without rotating or revoking, when %s', async (_case, user, familyEpoch) => {
    const tokens = chain(1);
    const families = scriptedFamilies([
      familyOf(tokens, familyEpoch === undefined ? {} : { sessionEpoch: familyEpoch }),
    ]);
    const records = ownerRecords(user);

    await expect(refreshTokens(deps(families, records), tokens[0] ?? '')).rejects.toMatchObject({
      name: 'AuthError',
      code: 'invalid_token',
      detail: 'session_ended',
    });
    expect(records.holderOf).toHaveBeenCalledWith('+919876543210', T0);
    expect(families.rotate).not.toHaveBeenCalled();
    expect(families.revoke).not.toHaveBeenCalled();
  });

  it('accepts a family at the user epoch, and reads the owner once however many races it loses', async () => {
    const tokens = chain(1);
    const family = familyOf(tokens, { sessionEpoch: 2 });
    const families = scriptedFamilies([family], { rotations: [false, false, true] });
    const records = ownerRecords({ sessionEpoch: 2 });

    const result = await refreshTokens(deps(families, records), tokens[0] ?? '');

    expect(result.outcome).toBe('rotated');
    expect(records.holderOf).toHaveBeenCalledTimes(1);
    expect(families.rotate).toHaveBeenCalledTimes(3);
  });
});

describe('refreshTokens with a claims hook', () => {
  it('asks it once per request, before the first rotation, however many races it loses', async () => {
    const tokens = chain(1);
    const families = scriptedFamilies([familyOf(tokens)], { rotations: [false, false, true] });
    const order: string[] = [];
    families.rotate.mockImplementation(async () => {
      order.push('rotate');
      return order.filter((step) => step === 'rotate').length === 3;
    });
    const claims = vi.fn(async () => {
      order.push('claims');
      return { tenant: 't-1' };
    });

    const result = await refreshTokens({ ...deps(families), claims }, tokens[0] ?? '');

    expect(order).toEqual(['claims', 'rotate', 'rotate', 'rotate']);
    expect(claims).toHaveBeenCalledWith(
      { userId: 'user-1', phoneNumber: '+919876543210', sessionEpoch: 0, authTime: T0 - 10 * DAY, amr: ['sms'] },
      'refresh',
    );
    expect(decodeJwt(result.tokens.access).tenant).toBe('t-1');
  });

  it('rotates nothing when it fails', async () => {
    const tokens = chain(1);
    const families = scriptedFamilies([familyOf(tokens)]);
    const failing = vi.fn(async () => {
      throw new AuthError('service_unavailable', { retryAfterSeconds: 5 });
    });

    await expect(refreshTokens({ ...deps(families), claims: failing }, tokens[0] ?? '')).rejects.toThrow(
      authError('service_unavailable', { retryAfterSeconds: 5 }),
    );
    expect(families.rotate).not.toHaveBeenCalled();
    expect(families.revoke).not.toHaveBeenCalled();
  });

  it('asks it for a grace replay too, and never for a token the family did not issue', async () => {
    const tokens = chain(2);
    const claims = vi.fn(async () => ({ tenant: 'grace' }));
    const replayed = await refreshTokens(
      { ...deps(scriptedFamilies([familyOf(tokens, {}, 1)])), claims },
      tokens[0] ?? '',
    );
    expect(replayed.outcome).toBe('grace_replay');
    expect(decodeJwt(replayed.tokens.access).tenant).toBe('grace');
    expect(claims).toHaveBeenCalledTimes(1);

    const stranger = `${refreshTokenFamily(tokens[0] ?? '')}.${'A'.repeat(43)}`;
    await expect(refreshTokens({ ...deps(scriptedFamilies([familyOf(tokens)])), claims }, stranger)).rejects.toThrow(
      authError('invalid_token'),
    );
    expect(claims).toHaveBeenCalledTimes(1);
  });
});

describe('logout', () => {
  it('revokes the family, naming the presented token by its hash', async () => {
    const [token = ''] = chain(1);
    const families = scriptedFamilies([]);

    await logout(deps(families), token);

    expect(families.revoke).toHaveBeenCalledWith(refreshTokenFamily(token), T0, hashRefreshToken(token));
  });

  it('refuses a string that is not a refresh token without touching the store', async () => {
    const families = scriptedFamilies([]);

    await expect(logout(deps(families), 'not-a-token')).rejects.toThrow(authError('invalid_token'));
    expect(families.revoke).not.toHaveBeenCalled();
  });

  it('answers invalid_token when the store refuses the token', async () => {
    const families = scriptedFamilies([]);
    families.revoke.mockResolvedValueOnce(false);

    await expect(logout(deps(families), chain(1)[0] ?? '')).rejects.toThrow(authError('invalid_token'));
  });
});
