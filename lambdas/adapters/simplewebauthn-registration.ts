/**
 * The registration ceremony with @simplewebauthn/server: the options a browser or app passes to
 * `navigator.credentials.create()`, and the verification of what it gives back (clientDataJSON,
 * attestation object, COSE key). The only file of the enrolment that imports the library, and it
 * imports the whole package: registration needs attestation parsing, which the sign-in does not.
 */
import {
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  type CreationOptionsInput,
  type RegistrationCeremony,
  SUPPORTED_ALGORITHM_IDS,
  type VerifiedRegistration,
} from '../core/passkey-enrolment.js';

/** Enough of a library message to say what failed; it may quote client input (an origin), so bounded. */
const REASON_MAX_LENGTH = 160;

export class SimpleWebAuthnRegistration implements RegistrationCeremony {
  async creationOptions(input: CreationOptionsInput): Promise<Record<string, unknown>> {
    const options = await generateRegistrationOptions({
      rpName: input.rpName,
      rpID: input.rpId,
      userID: input.userHandle as Uint8Array<ArrayBuffer>,
      userName: input.userName,
      userDisplayName: input.userName,
      // Raw bytes: a string would be taken as UTF-8 text and encoded again.
      challenge: Buffer.from(input.challenge, 'base64url') as Uint8Array<ArrayBuffer>,
      timeout: input.timeoutMs,
      attestationType: 'none',
      excludeCredentials: input.excludeCredentials.map((c) => ({
        id: c.id,
        transports: [...c.transports],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
    });
    return options as unknown as Record<string, unknown>;
  }

  async verify(
    response: unknown,
    expected: { readonly origins: readonly string[]; readonly rpId: string },
  ): Promise<{ verified: true; registration: VerifiedRegistration } | { verified: false; reason: string }> {
    let challenge: string | undefined;
    try {
      const result = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        // Any challenge passes here and is remembered: whether it is this user's unspent registration
        // challenge is decided by the transaction that spends it, so it can be spent only once.
        expectedChallenge: (answered: string) => {
          challenge = answered;
          return true;
        },
        expectedOrigin: [...expected.origins],
        expectedRPID: [expected.rpId],
        // Preferred, not required, at creation: a passkey without UV is still a possession factor.
        requireUserVerification: false,
        supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
      });
      if (!result.verified || challenge === undefined) return { verified: false, reason: 'attestation_unverified' };
      const info = result.registrationInfo;
      return {
        verified: true,
        registration: {
          challenge,
          credentialId: info.credential.id,
          postedId: String((response as { id?: unknown }).id),
          publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          transports: Array.isArray(info.credential.transports) ? info.credential.transports : [],
          backedUp: info.credentialBackedUp,
          deviceType: info.credentialDeviceType,
          aaguid: info.aaguid,
        },
      };
    } catch (error) {
      // The library throws for every mismatch (origin, RP ID, type, algorithm, malformed CBOR).
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { verified: false, reason: message.slice(0, REASON_MAX_LENGTH) };
    }
  }
}
