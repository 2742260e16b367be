import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AssertionVerifier,
  COUNTER_REGRESSED,
  type PasskeyAssertion,
  type PasskeySignInDeps,
  type PasskeySignInWrites,
  passkeyOptions,
  passkeySignIn,
  type SignInCommit,
  type VerifiedAssertion,
} from '../../lambdas/core/passkey-sign-in.js';
import type { StoredPasskey, UserPasskeys } from '../../lambdas/core/passkeys.js';
import type { NumberHolder } from '../../lambdas/core/phone-record.js';
import { generateSigningKey, importKeySet, type KeySet, planRotation } from '../../lambdas/core/signing-keys.js';

// The use cases against scripted ports: each test says what the items hold and what the verifier
// and the transaction answer, and checks what was asked of them. The adapters are tested apart
// (DynamoDB Local, the library with a soft authenticator), and the whole route in test/http.

const T0 = 1_800_000_000;
const USER = '0b5f3c2e-7a41-4c7e-9d2b-1f6a8e4c3d21';
const PHONE = '+919876543210';
const HANDLE = Buffer.from(USER).toString('base64url');
const SETTINGS = { rpId: 'auth.test', origins: ['https://auth.test'], challengeTtlSeconds: 300, maxPerIpPerHour: 5 };

let keySet: KeySet;
beforeAll(async () => {
  const key = await generateSigningKey(T0 - 60);
  keySet = await importKeySet(planRotation(undefined, key, T0 - 60, { publishLeadSeconds: 0, retainSeconds: 0 }), T0);
});

const PASSKEY: StoredPasskey = {
  id: 'cred-1',
  publicKey: 'pk',
  counter: 0,
  transports: ['internal'],
  backedUp: true,
  deviceType: 'multiDevice',
  name: 'Passkey',
  createdAt: T0 - 100,
  aaguid: '00000000-0000-0000-0000-000000000000',
};

function assertion(fields: { id?: string; userHandle?: string | null } = {}): PasskeyAssertion {
  return {
    id: fields.id ?? PASSKEY.id,
    rawId: fields.id ?? PASSKEY.id,
    type: 'public-key',
    response: {
      clientDataJSON: 'cd',
      authenticatorData: 'ad',
      signature: 'sig',
      ...(fields.userHandle === undefined ? { userHandle: HANDLE } : { userHandle: fields.userHandle }),
    },
  };
}

interface Script {
  ipAllowed?: boolean;
  user?: UserPasskeys | undefined;
  verified?: VerifiedAssertion | { verified: false; reason: string };
  holder?: NumberHolder | undefined;
  commit?: SignInCommit;
}

function deps(script: Script = {}) {
  const asked = {
    ip: [] as [string, number, number][],
    reads: [] as string[],
    holders: [] as [string, number][],
    verified: [] as Parameters<AssertionVerifier['verify']>[0][],
    commits: [] as Parameters<PasskeySignInWrites['commit']>[0][],
  };
  const user: UserPasskeys | undefined =
    'user' in script ? script.user : { userId: USER, phoneNumber: PHONE, passkeys: [PASSKEY] };
  const holder: NumberHolder | undefined =
    'holder' in script ? script.holder : { userId: USER, status: 'active', sessionEpoch: 2 };
  const value: PasskeySignInDeps = {
    ipLimiter: {
      tryConsume: async (ip, now, max) => {
        asked.ip.push([ip, now, max]);
        return script.ipAllowed ?? true;
      },
    },
    passkeyReader: {
      passkeysOf: async (userId) => {
        asked.reads.push(userId);
        return user;
      },
    },
    holders: {
      holderOf: async (phone, now) => {
        asked.holders.push([phone, now]);
        return holder;
      },
    },
    assertions: {
      verify: async (args) => {
        asked.verified.push(args);
        return (
          script.verified ?? { verified: true, challenge: 'chal', counter: 0, userVerified: true, backedUp: false }
        );
      },
    },
    writes: {
      commit: async (args) => {
        asked.commits.push(args);
        return script.commit ?? 'committed';
      },
    },
    keys: { load: async () => keySet },
    clock: { now: () => T0 * 1000 },
    sessions: {
      issuer: 'https://auth.test',
      audience: 'otp-login',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 86_400,
      refreshReuseGraceSeconds: 0,
    },
    passkeys: SETTINGS,
  };
  return { deps: value, asked };
}

const refused = (detail: string) => expect.objectContaining({ name: 'AuthError', code: 'invalid_passkey', detail });

describe('passkeySignIn', () => {
  it('signs the user in: one commit of the challenge, the counter, the epoch read and a new family', async () => {
    const { deps: d, asked } = deps({
      verified: { verified: true, challenge: 'chal', counter: 7, userVerified: true, backedUp: true },
      user: { userId: USER, phoneNumber: PHONE, passkeys: [{ ...PASSKEY, counter: 6 }] },
    });

    const result = await passkeySignIn(d, { assertion: assertion(), sourceIp: '203.0.113.7' });

    expect(result).toMatchObject({ userId: USER, credentialId: PASSKEY.id, amr: ['hwk', 'user'] });
    expect(decodeJwt(result.tokens.access)).toMatchObject({
      sub: USER,
      phone_number: PHONE,
      amr: ['hwk', 'user'],
      auth_time: T0,
      session_epoch: 2,
    });
    expect(asked.ip).toEqual([['203.0.113.7', T0, 5]]);
    expect(asked.reads).toEqual([USER]);
    expect(asked.holders).toEqual([[PHONE, T0]]);
    expect(asked.verified).toEqual([
      {
        assertion: assertion(),
        passkey: { ...PASSKEY, counter: 6 },
        rpId: 'auth.test',
        origins: ['https://auth.test'],
      },
    ]);
    expect(asked.commits).toEqual([
      {
        challenge: 'chal',
        userId: USER,
        phoneNumber: PHONE,
        credentialId: PASSKEY.id,
        counter: 7,
        backedUp: true,
        now: T0,
        sessionEpoch: 2,
        family: expect.objectContaining({
          userId: USER,
          phoneNumber: PHONE,
          authTime: T0,
          amr: ['hwk', 'user'],
          sessionEpoch: 2,
          familyExpiresAt: T0 + 86_400,
        }),
      },
    ]);
  });

  it('says ["hwk"] without user verification, and starts at epoch 0 for a user never signed out everywhere', async () => {
    const { deps: d, asked } = deps({
      verified: { verified: true, challenge: 'chal', counter: 0, userVerified: false, backedUp: false },
      holder: { userId: USER, status: 'active' },
    });
    const result = await passkeySignIn(d, { assertion: assertion(), sourceIp: '203.0.113.7' });
    expect(result.amr).toEqual(['hwk']);
    expect(asked.commits[0]?.sessionEpoch).toBe(0);
    expect(asked.commits[0]?.family.sessionEpoch).toBeUndefined();
  });

  it('is rate limited before anything is read, until the end of the hour', async () => {
    const { deps: d, asked } = deps({ ipAllowed: false });
    await expect(passkeySignIn(d, { assertion: assertion(), sourceIp: '203.0.113.7' })).rejects.toThrow(
      expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 3600 - (T0 % 3600) }),
    );
    expect(asked.reads).toEqual([]);
  });

  it.each([
    ['no user handle', { userHandle: null }, 'no_user_handle'],
    ['an empty user handle', { userHandle: '' }, 'no_user_handle'],
    ['a user handle that is no sub of ours', { userHandle: '!!' }, 'bad_user_handle'],
  ])('refuses %s, reading nothing', async (_name, fields, detail) => {
    const { deps: d, asked } = deps();
    await expect(passkeySignIn(d, { assertion: assertion(fields), sourceIp: 'ip' })).rejects.toThrow(refused(detail));
    expect(asked.reads).toEqual([]);
    expect(asked.ip).toHaveLength(1);
  });

  it('refuses a user without passkeys, and a credential the user does not have, before verifying', async () => {
    const none = deps({ user: undefined });
    await expect(passkeySignIn(none.deps, { assertion: assertion(), sourceIp: 'ip' })).rejects.toThrow(
      refused('unknown_user'),
    );
    const other = deps();
    await expect(passkeySignIn(other.deps, { assertion: assertion({ id: 'cred-2' }), sourceIp: 'ip' })).rejects.toThrow(
      refused('unknown_credential'),
    );
    expect([...none.asked.verified, ...other.asked.verified]).toEqual([]);
  });

  it('refuses what the verifier refused, with its reason, before reading the holder', async () => {
    const { deps: d, asked } = deps({ verified: { verified: false, reason: 'wrong_origin' } });
    await expect(passkeySignIn(d, { assertion: assertion(), sourceIp: 'ip' })).rejects.toThrow(refused('wrong_origin'));
    expect(asked.holders).toEqual([]);
  });

  it.each([
    [5, 5],
    [5, 4],
    [5, 0],
  ])('refuses a counter going from %i to %i, committing nothing', async (stored, next) => {
    const { deps: d, asked } = deps({
      user: { userId: USER, phoneNumber: PHONE, passkeys: [{ ...PASSKEY, counter: stored }] },
      verified: { verified: true, challenge: 'chal', counter: next, userVerified: true, backedUp: true },
    });
    await expect(passkeySignIn(d, { assertion: assertion(), sourceIp: 'ip' })).rejects.toThrow(
      refused(COUNTER_REGRESSED),
    );
    expect(asked.holders).toEqual([]);
    expect(asked.commits).toEqual([]);
  });

  it.each([
    ['nobody holds the number', undefined],
    ['another user holds it', { userId: 'someone-else', status: 'active' as const }],
    ['the user is not active', { userId: USER, status: 'pending' as const }],
  ])('refuses when %s, committing nothing', async (_name, holder) => {
    const { deps: d, asked } = deps({ holder });
    await expect(passkeySignIn(d, { assertion: assertion(), sourceIp: 'ip' })).rejects.toThrow(refused('not_holder'));
    expect(asked.commits).toEqual([]);
  });

  it.each(['challenge_spent', 'passkey_gone', 'counter_regressed', 'session_changed'] as const)(
    'refuses when the transaction says %s',
    async (commit) => {
      const { deps: d } = deps({ commit });
      await expect(passkeySignIn(d, { assertion: assertion(), sourceIp: 'ip' })).rejects.toThrow(refused(commit));
    },
  );
});

describe('passkeyOptions', () => {
  it('counts the IP, stores an authentication challenge for the TTL, and asks for options over it', async () => {
    const issued: unknown[] = [];
    const requested: unknown[] = [];
    const ip: unknown[] = [];
    const challenge = new Uint8Array(32).fill(7);
    const options = await passkeyOptions(
      {
        ipLimiter: {
          tryConsume: async (...args) => {
            ip.push(args);
            return true;
          },
        },
        challenges: {
          issue: async (...args) => {
            issued.push(args);
          },
        },
        assertions: {
          requestOptions: async (args) => {
            requested.push(args);
            return { challenge: 'as-json' };
          },
        },
        clock: { now: () => T0 * 1000 },
        passkeys: SETTINGS,
        randomChallenge: () => challenge,
      },
      { sourceIp: '203.0.113.7' },
    );

    expect(options).toEqual({ challenge: 'as-json' });
    expect(ip).toEqual([['203.0.113.7', T0, 5]]);
    expect(issued).toEqual([
      [Buffer.from(challenge).toString('base64url'), { ceremony: 'authentication', expiresAt: T0 + 300 }],
    ]);
    expect(requested).toEqual([{ rpId: 'auth.test', challenge, timeoutSeconds: 300 }]);
  });

  it('stores nothing when the IP has spent its hour', async () => {
    const issued: unknown[] = [];
    await expect(
      passkeyOptions(
        {
          ipLimiter: { tryConsume: async () => false },
          challenges: {
            issue: async (...args) => {
              issued.push(args);
            },
          },
          assertions: { requestOptions: async () => ({}) },
          clock: { now: () => T0 * 1000 },
          passkeys: SETTINGS,
        },
        { sourceIp: 'ip' },
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(issued).toEqual([]);
  });

  it('draws 32 random bytes when no source is given', async () => {
    const requested: { challenge: Uint8Array }[] = [];
    await passkeyOptions(
      {
        ipLimiter: { tryConsume: async () => true },
        challenges: { issue: async () => {} },
        assertions: {
          requestOptions: async (args) => {
            requested.push(args);
            return {};
          },
        },
        clock: { now: () => T0 * 1000 },
        passkeys: SETTINGS,
      },
      { sourceIp: 'ip' },
    );
    expect(requested[0]?.challenge).toHaveLength(32);
  });
});
