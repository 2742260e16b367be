/**
 * The sign-in ceremony's WebAuthn checks, by @simplewebauthn/server: the only file of the sign-in
 * function that imports it (the bundle swaps the package for the two files these functions live in,
 * so import exactly these two names from the package, never a deep path).
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type {
  AssertionVerifier,
  PasskeyAssertion,
  RefusedAssertion,
  VerifiedAssertion,
} from '../core/passkey-sign-in.js';
import { CHALLENGE_BYTES, type StoredPasskey } from '../core/passkeys.js';

/** A challenge as we hand them out: {@link CHALLENGE_BYTES} random bytes, base64url without padding. */
const CHALLENGE_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((CHALLENGE_BYTES * 4) / 3)}}$`);

/**
 * The library's refusals, by its error code or the start of its message, as the log's detail. Its
 * messages quote the client's values (origins, challenges), so they are never logged themselves.
 */
function refusalReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'UNEXPECTED_ORIGIN') return 'wrong_origin';
  if (code === 'UNEXPECTED_RP_ID') return 'wrong_rp_id';
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('Custom challenge verifier')) return 'malformed_challenge';
  if (message.startsWith('User not present')) return 'user_not_present';
  if (/^Unexpected authentication response type/.test(message)) return 'wrong_ceremony_type';
  if (/top origin/i.test(message)) return 'cross_origin';
  return 'malformed_assertion';
}

export class SimpleWebAuthnAssertions implements AssertionVerifier {
  async requestOptions(args: {
    rpId: string;
    challenge: Uint8Array;
    timeoutSeconds: number;
  }): Promise<Record<string, unknown>> {
    const options = await generateAuthenticationOptions({
      rpID: args.rpId,
      challenge: new Uint8Array(args.challenge),
      timeout: args.timeoutSeconds * 1000,
      userVerification: 'preferred',
      // Empty: the authenticator offers the user's discoverable credentials (account picker, autofill).
      allowCredentials: [],
    });
    return { ...options };
  }

  async verify(args: {
    assertion: PasskeyAssertion;
    passkey: StoredPasskey;
    rpId: string;
    origins: readonly string[];
  }): Promise<VerifiedAssertion | RefusedAssertion> {
    let challenge: string | undefined;
    // An assertion made in a cross-origin iframe: the library checks its top origin only when the
    // browser names one (Safari does not), so any site could frame a sign-in. No page here needs it.
    if (madeCrossOrigin(args.assertion)) return { verified: false, reason: 'cross_origin' };
    try {
      const result = await verifyAuthenticationResponse({
        response: args.assertion as unknown as AuthenticationResponseJSON,
        // Any well-formed challenge passes here: whether we handed it out, for this ceremony, and
        // whether it is spent or expired is decided by the transaction that spends it.
        expectedChallenge: (signed: string) => {
          challenge = signed;
          return CHALLENGE_SHAPE.test(signed);
        },
        expectedOrigin: [...args.origins],
        expectedRPID: [args.rpId],
        // UV decides `amr`, it does not refuse: user verification is preferred, not required.
        requireUserVerification: false,
        credential: {
          id: args.passkey.id,
          publicKey: new Uint8Array(Buffer.from(args.passkey.publicKey, 'base64url')),
          // Always 0, so the library never judges the counter: the core's rule does (counterAccepted).
          counter: 0,
          transports: args.passkey.transports as AuthenticatorTransport[],
        },
      });
      if (!result.verified || challenge === undefined) return { verified: false, reason: 'bad_signature' };
      const info = result.authenticationInfo;
      return {
        verified: true,
        challenge,
        counter: info.newCounter,
        userVerified: info.userVerified,
        backedUp: info.credentialBackedUp,
      };
    } catch (error) {
      return { verified: false, reason: refusalReason(error) };
    }
  }
}

/** Whether the assertion's client data says it was made in a cross-origin frame (`crossOrigin: true`). */
function madeCrossOrigin(assertion: PasskeyAssertion): boolean {
  const encoded = (assertion as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
  if (typeof encoded !== 'string') return false;
  try {
    return (
      (JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { crossOrigin?: unknown }).crossOrigin === true
    );
  } catch {
    // Not JSON: the library refuses it with its own reason.
    return false;
  }
}
