import { describe, expect, it } from 'vitest';
import type { AccountSubject } from '../../lambdas/core/account.js';
import { MAX_WRITE_TRIES } from '../../lambdas/core/clock.js';
import {
  type EnrolArgs,
  type EnrolmentDeps,
  type EnrolOutcome,
  enrolPasskey,
  isCredentialId,
  PUBLIC_KEY_MAX_LENGTH,
  registrationOptions,
  removePasskey,
  type VerifiedRegistration,
} from '../../lambdas/core/passkey-enrolment.js';
import type { StoredPasskey, UserPasskeys } from '../../lambdas/core/passkeys.js';
import { authError } from './auth-error.js';

// The enrolment's rules against scripted ports: which refusal, with which logged reason, and what
// is written (the DynamoDB side runs against DynamoDB Local in test/http/passkey-enrolment.test.ts).
const T0 = 1_800_000_000;
const SUB = '0b5f3c2e-7a41-4c7e-9d2b-1f6a8e4c3d21';
const PHONE = '+919876543210';
const CHALLENGE = 'q'.repeat(43);
const SUBJECT: AccountSubject = { userId: SUB, phoneNumber: PHONE, sessionEpoch: 0, authTime: T0 };

const stored = (id: string): StoredPasskey => ({
  id,
  publicKey: 'pQECAyYgASFYIA',
  counter: 0,
  transports: ['internal'],
  backedUp: true,
  deviceType: 'multiDevice',
  name: 'Passkey',
  createdAt: T0 - 10,
  aaguid: '00000000-0000-0000-0000-000000000000',
});

const registration = (fields: Partial<VerifiedRegistration> = {}): VerifiedRegistration => ({
  challenge: CHALLENGE,
  credentialId: 'new-cred',
  postedId: 'new-cred',
  publicKey: 'pQECAyYgASFYIA',
  counter: 0,
  transports: ['hybrid', 'internal'],
  backedUp: true,
  deviceType: 'multiDevice',
  aaguid: '00000000-0000-0000-0000-000000000000',
  ...fields,
});

interface Script {
  items?: (UserPasskeys | undefined)[];
  verified?: VerifiedRegistration | { reason: string };
  outcomes?: EnrolOutcome[];
  holder?: boolean;
  perUserMax?: number;
  removed?: boolean;
}

function deps(script: Script = {}) {
  const writes: EnrolArgs[] = [];
  const reads: string[] = [];
  const issued: string[] = [];
  const removed: string[] = [];
  const items = [...(script.items ?? [undefined])];
  const outcomes = [...(script.outcomes ?? ['added'])];
  const built: EnrolmentDeps = {
    passkeys: {
      passkeysOf: async (userId) => {
        reads.push(userId);
        return items.length > 1 ? items.shift() : items[0];
      },
    },
    challenges: {
      issue: async (challenge) => {
        issued.push(challenge);
      },
    },
    ceremony: {
      creationOptions: async (input) => ({ challenge: input.challenge, excluded: input.excludeCredentials }),
      verify: async () => {
        const verified = script.verified ?? registration();
        return 'reason' in verified
          ? { verified: false, reason: verified.reason }
          : { verified: true, registration: verified };
      },
    },
    enrolments: {
      enrol: async (args) => {
        writes.push(args);
        return outcomes.length > 1 ? (outcomes.shift() as EnrolOutcome) : (outcomes[0] as EnrolOutcome);
      },
      remove: async (_userId, id) => {
        removed.push(id);
        return script.removed ?? true;
      },
    },
    holders: {
      holderOf: async () => (script.holder === false ? undefined : { userId: SUB, status: 'active', sessionEpoch: 0 }),
    },
    clock: { now: () => T0 * 1000 },
    policy: {
      rpId: 'auth.test',
      rpName: 'auth.test',
      origins: ['https://auth.test'],
      challengeTtlSeconds: 300,
      perUserMax: script.perUserMax ?? 10,
    },
  };
  return { deps: built, writes, reads, issued, removed };
}

const enrol = (d: EnrolmentDeps, name?: unknown) => enrolPasskey(d, SUBJECT, { credential: {}, name });
const refusedWith = (code: Parameters<typeof authError>[0], detail: string) =>
  expect.objectContaining({ name: 'AuthError', code, detail });

describe('enrolPasskey', () => {
  it('stores the verified passkey, first of the user, with known transports only', async () => {
    const d = deps({ verified: registration({ transports: ['internal', 'bogus', 'internal', 'usb'] }) });
    const passkey = await enrol(d.deps, ' Laptop ');
    expect(passkey).toMatchObject({ id: 'new-cred', name: 'Laptop', createdAt: T0, transports: ['internal', 'usb'] });
    expect(d.writes).toEqual([
      expect.objectContaining({ userId: SUB, phoneNumber: PHONE, challenge: CHALLENGE, now: T0, first: true }),
    ]);
  });

  it('writes a later passkey as a later one', async () => {
    const d = deps({ items: [{ userId: SUB, phoneNumber: PHONE, passkeys: [stored('old')] }] });
    await enrol(d.deps);
    expect(d.writes[0]?.first).toBe(false);
  });

  it.each([
    ['a response that does not verify', { verified: { reason: 'origin' } }, 'unverified: origin'],
    [
      'a posted id that is not the attested one',
      { verified: registration({ postedId: 'other' }) },
      'credential_id_mismatch',
    ],
    [
      'an attested id past 1023 bytes',
      { verified: registration({ credentialId: 'a'.repeat(1365), postedId: 'a'.repeat(1365) }) },
      'credential_id_too_long',
    ],
    [
      'an attested id of characters base64url has not',
      { verified: registration({ credentialId: 'a b', postedId: 'a b' }) },
      'credential_id_too_long',
    ],
    ['a public key past 1 KB', { verified: registration({ publicKey: 'k'.repeat(1367) }) }, 'public_key_too_long'],
    ['a challenge of another shape than ours', { verified: registration({ challenge: 'short' }) }, 'challenge_unknown'],
    [
      'a credential the user already has',
      { items: [{ userId: SUB, phoneNumber: PHONE, passkeys: [stored('new-cred')] }] },
      'credential_already_enrolled',
    ],
    ['a challenge the transaction found spent', { outcomes: ['challenge_spent'] as EnrolOutcome[] }, 'challenge_spent'],
  ])('refuses %s as passkey_rejected, logging why', async (_case, script, detail) => {
    const d = deps(script);
    await expect(enrol(d.deps)).rejects.toEqual(refusedWith('passkey_rejected', detail));
  });

  it('writes nothing for a response refused before the transaction', async () => {
    const d = deps({ verified: registration({ challenge: 'short' }) });
    await expect(enrol(d.deps)).rejects.toThrow();
    expect(d.writes).toEqual([]);
  });

  it('refuses a user at the cap before the ceremony, naming the count', async () => {
    const d = deps({
      perUserMax: 2,
      items: [{ userId: SUB, phoneNumber: PHONE, passkeys: [stored('a'), stored('b')] }],
    });
    await expect(enrol(d.deps)).rejects.toEqual(refusedWith('passkey_limit_reached', 'has_2'));
    expect(d.writes).toEqual([]);
  });

  it('answers invalid_token when the item names another number (a number change) or the session ended', async () => {
    const moved = deps({ items: [{ userId: SUB, phoneNumber: '+15550000000', passkeys: [] }] });
    await expect(enrol(moved.deps)).rejects.toEqual(refusedWith('invalid_token', 'number_changed'));
    expect(moved.writes).toEqual([]);
    const ended = deps({ outcomes: ['session_changed'] });
    await expect(enrol(ended.deps)).rejects.toEqual(refusedWith('invalid_token', 'session_changed'));
  });

  it('re-reads and decides again after a lost race, and refuses at the cap another enrolment reached', async () => {
    const d = deps({
      perUserMax: 1,
      items: [undefined, { userId: SUB, phoneNumber: PHONE, passkeys: [stored('raced')] }],
      outcomes: ['passkey_refused'],
    });
    await expect(enrol(d.deps)).rejects.toEqual(refusedWith('passkey_limit_reached', 'has_1'));
    expect(d.reads).toEqual([SUB, SUB]);
    expect(d.writes).toHaveLength(1);
  });

  it(`gives up after ${MAX_WRITE_TRIES} lost races with a 429 to retry`, async () => {
    const d = deps({ outcomes: ['conflict'] });
    await expect(enrol(d.deps)).rejects.toEqual(refusedWith('rate_limited', 'enrolment_races_lost'));
    expect(d.writes).toHaveLength(MAX_WRITE_TRIES);
  });

  it('succeeds on the last try', async () => {
    const d = deps({ outcomes: [...Array<EnrolOutcome>(MAX_WRITE_TRIES - 1).fill('conflict'), 'added'] });
    await expect(enrol(d.deps)).resolves.toMatchObject({ id: 'new-cred' });
    expect(d.writes).toHaveLength(MAX_WRITE_TRIES);
  });
});

describe('the bounds of what is stored', () => {
  it('keeps a public key of exactly the longest length', async () => {
    const d = deps({ verified: registration({ publicKey: 'k'.repeat(PUBLIC_KEY_MAX_LENGTH) }) });
    await expect(enrol(d.deps)).resolves.toMatchObject({ id: 'new-cred' });
  });

  it('takes only text for a credential id', () => {
    expect(isCredentialId('AbC-_0')).toBe(true);
    expect(isCredentialId(42)).toBe(false);
    expect(isCredentialId(['AbC'])).toBe(false);
  });
});

describe('registrationOptions', () => {
  it("excludes the user's passkeys and issues a registration challenge for the user", async () => {
    const d = deps({ items: [{ userId: SUB, phoneNumber: PHONE, passkeys: [stored('a')] }] });
    const options = await registrationOptions(d.deps, SUBJECT);
    expect(options.excluded).toEqual([{ id: 'a', transports: ['internal'] }]);
    expect(d.issued).toEqual([options.challenge]);
  });

  it('issues nothing to a token of an ended session', async () => {
    const d = deps({ holder: false });
    await expect(registrationOptions(d.deps, SUBJECT)).rejects.toThrow(authError('invalid_token') as Error);
    expect(d.issued).toEqual([]);
    expect(d.reads).toEqual([]);
  });
});

describe('removePasskey', () => {
  it('refuses an id that cannot be a credential id, removing nothing', async () => {
    const d = deps();
    await expect(removePasskey(d.deps, SUBJECT, 'not base64url!')).rejects.toEqual(
      refusedWith('invalid_request', 'bad_credential_id'),
    );
    expect(d.removed).toEqual([]);
  });

  it('answers not_found for an id the user does not have', async () => {
    const d = deps({ removed: false });
    await expect(removePasskey(d.deps, SUBJECT, 'abc')).rejects.toThrow(authError('not_found') as Error);
  });
});
