import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { COSE_ALGORITHM, createSoftAuthenticator, FLAGS, type SoftAlgorithm } from './soft-authenticator.js';

const rpID = 'login.example.com';
const origin = 'https://login.example.com';
const supportedAlgorithmIDs = [-8, -7, -257];

// The helper other tests trust: checked here against the library, unbundled.
describe('createSoftAuthenticator', () => {
  it.each<SoftAlgorithm>(['ES256', 'EdDSA', 'RS256'])('registers and signs in with %s', async (algorithm) => {
    const authenticator = createSoftAuthenticator({ rpId: rpID, origin, alg: algorithm });
    const userID = new TextEncoder().encode('user-1');
    const creation = await generateRegistrationOptions({
      rpName: 'otp-login',
      rpID,
      userName: '+447700900123',
      userID,
      attestationType: 'none',
      supportedAlgorithmIDs,
    });
    expect(creation.pubKeyCredParams.map((p) => p.alg)).toContain(COSE_ALGORITHM[algorithm]);
    const registration = await verifyRegistrationResponse({
      response: authenticator.createCredential(creation),
      expectedChallenge: creation.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      supportedAlgorithmIDs,
    });
    expect(registration.verified).toBe(true);
    expect(registration.registrationInfo?.fmt).toBe('none');
    expect(registration.registrationInfo?.credential.id).toBe(authenticator.credentialId);
    expect(Buffer.from(registration.registrationInfo?.credential.publicKey ?? [])).toEqual(
      Buffer.from(authenticator.credentialRecord().publicKey),
    );
    expect(registration.registrationInfo?.credentialDeviceType).toBe('multiDevice');
    expect(registration.registrationInfo?.credentialBackedUp).toBe(true);

    const request = await generateAuthenticationOptions({ rpID });
    const assertion = authenticator.getAssertion(request);
    expect(assertion.response.userHandle).toBe(Buffer.from(userID).toString('base64url'));
    const authentication = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: request.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: authenticator.credentialRecord(),
    });
    expect(authentication).toMatchObject({
      verified: true,
      authenticationInfo: { newCounter: 0, userVerified: true, credentialBackedUp: true },
    });
  });

  it('sets the flags and counter it is given, and counts up like a hardware key when asked', async () => {
    const authenticator = createSoftAuthenticator({ rpId: rpID, origin, flags: FLAGS.UP, userHandle: 'dXNlci0x' });
    authenticator.setSignCount(42);
    const request = await generateAuthenticationOptions({ rpID });
    const verifyOnce = () =>
      verifyAuthenticationResponse({
        response: authenticator.getAssertion(request),
        expectedChallenge: request.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { ...authenticator.credentialRecord(), counter: 0 },
        requireUserVerification: false,
      });
    const first = await verifyOnce();
    expect(first.authenticationInfo).toMatchObject({
      newCounter: 42,
      userVerified: false,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
    });
    authenticator.setSignCount(100);
    expect((await verifyOnce()).authenticationInfo.newCounter).toBe(100);
    expect(authenticator.getAssertion(request).response.userHandle).toBe('dXNlci0x');
    expect(authenticator.getAssertion(request, { userHandle: null }).response.userHandle).toBeUndefined();
  });
});
