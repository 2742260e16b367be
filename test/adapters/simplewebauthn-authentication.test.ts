import { randomBytes } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimpleWebAuthnAssertions } from '../../lambdas/adapters/simplewebauthn-authentication.js';
import type { PasskeyAssertion } from '../../lambdas/core/passkey-sign-in.js';
import type { StoredPasskey } from '../../lambdas/core/passkeys.js';
import { createSoftAuthenticator, FLAGS, type SoftAuthenticator } from '../helpers/soft-authenticator.js';

const RP_ID = 'auth.test';
const ORIGIN = 'https://auth.test';
const verifier = new SimpleWebAuthnAssertions();

let authenticator: SoftAuthenticator;
let passkey: StoredPasskey;
beforeAll(async () => {
  authenticator = createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
  const options = await generateRegistrationOptions({
    rpName: RP_ID,
    rpID: RP_ID,
    userID: new Uint8Array(Buffer.from('user-1')),
    userName: '+919876543210',
    attestationType: 'none',
  });
  const { registrationInfo } = await verifyRegistrationResponse({
    response: authenticator.createCredential(options) as never,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  if (!registrationInfo) throw new Error('not registered');
  passkey = {
    id: registrationInfo.credential.id,
    publicKey: Buffer.from(registrationInfo.credential.publicKey).toString('base64url'),
    counter: 0,
    transports: [],
    backedUp: true,
    deviceType: 'multiDevice',
    name: 'Passkey',
    createdAt: 0,
    aaguid: registrationInfo.aaguid,
  };
});

const challenge = () => randomBytes(32).toString('base64url');
const verify = (assertion: unknown, stored: StoredPasskey = passkey) =>
  verifier.verify({ assertion: assertion as PasskeyAssertion, passkey: stored, rpId: RP_ID, origins: [ORIGIN] });

describe('SimpleWebAuthnAssertions', () => {
  it('answers request options for discoverable credentials over the given challenge', async () => {
    const bytes = randomBytes(32);
    expect(await verifier.requestOptions({ rpId: RP_ID, challenge: bytes, timeoutSeconds: 300 })).toEqual({
      rpId: RP_ID,
      challenge: bytes.toString('base64url'),
      allowCredentials: [],
      timeout: 300_000,
      userVerification: 'preferred',
    });
  });

  it('verifies an assertion and says what it signed: challenge, counter, UV, BS', async () => {
    const signed = challenge();
    authenticator.setSignCount(9);
    expect(await verify(authenticator.getAssertion({ challenge: signed, rpId: RP_ID }))).toEqual({
      verified: true,
      challenge: signed,
      counter: 9,
      userVerified: true,
      backedUp: true,
    });
  });

  it('never judges the counter itself, even against a stored one ahead of it', async () => {
    authenticator.setSignCount(1);
    const result = await verify(authenticator.getAssertion({ challenge: challenge(), rpId: RP_ID }), {
      ...passkey,
      counter: 50,
    });
    expect(result).toMatchObject({ verified: true, counter: 1 });
  });

  it.each([
    [
      'a challenge not shaped as ours',
      () => authenticator.getAssertion({ challenge: 'c2hvcnQ', rpId: RP_ID }),
      'malformed_challenge',
    ],
    [
      'a wrong origin',
      () => authenticator.getAssertion({ challenge: challenge(), rpId: RP_ID }, { origin: 'https://evil.test' }),
      'wrong_origin',
    ],
    [
      'a registration response',
      () => {
        const created = authenticator.createCredential({
          challenge: challenge(),
          rp: { id: RP_ID },
          user: { id: 'dXNlci0x' },
        });
        return { ...created, response: { ...created.response, signature: 'AA' } };
      },
      'wrong_ceremony_type',
    ],
    [
      'garbage client data',
      () => {
        const assertion = authenticator.getAssertion({ challenge: challenge(), rpId: RP_ID });
        return { ...assertion, response: { ...assertion.response, clientDataJSON: 'bm90IGpzb24' } };
      },
      'malformed_assertion',
    ],
  ])('refuses %s', async (_name, make, reason) => {
    expect(await verify(make())).toEqual({ verified: false, reason });
  });

  it('refuses an assertion without user presence', async () => {
    authenticator.setFlags(FLAGS.UV);
    const result = await verify(authenticator.getAssertion({ challenge: challenge(), rpId: RP_ID }));
    authenticator.setFlags(FLAGS.UP | FLAGS.UV | FLAGS.BE | FLAGS.BS);
    expect(result).toEqual({ verified: false, reason: 'user_not_present' });
  });

  it('refuses a signature by another key as bad_signature', async () => {
    const other = createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
    const assertion = other.getAssertion({ challenge: challenge(), rpId: RP_ID });
    expect(await verify({ ...assertion, id: passkey.id, rawId: passkey.id })).toEqual({
      verified: false,
      reason: 'bad_signature',
    });
  });
});
