/**
 * Signing in with a passkey: `POST /passkey/options` hands out a single-use challenge, `POST
 * /passkey/verify` trades an assertion over it for a new session. The WebAuthn checks themselves
 * (client data, authenticator data, signature) are behind {@link AssertionVerifier}; what is here is
 * ours: which passkey, which user, the counter, the holder of the number, and one refusal for all.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, epochSeconds, HOUR } from './clock.js';
import { AuthError } from './errors.js';
import {
  CHALLENGE_BYTES,
  type ChallengeIssuer,
  counterAccepted,
  type PasskeyReader,
  passkeyAmr,
  type StoredPasskey,
  userIdOfHandle,
} from './passkeys.js';
import type { IpRateLimiter, NumberHolders, RefreshFamily } from './ports.js';
import { newSession, type SessionDeps } from './sessions.js';
import type { AuthMethod, TokenPair } from './tokens.js';

/**
 * An assertion as the client posts it (WebAuthn Level 3 `AuthenticationResponseJSON`), checked for
 * shape only: every value in it is the client's word until the verifier has checked the signature.
 */
export interface PasskeyAssertion {
  readonly id: string;
  readonly rawId: string;
  readonly type: string;
  readonly response: {
    readonly clientDataJSON: string;
    readonly authenticatorData: string;
    readonly signature: string;
    readonly userHandle?: string | null | undefined;
  };
  readonly clientExtensionResults?: Record<string, unknown> | undefined;
  readonly authenticatorAttachment?: string | null | undefined;
}

/** What a verified assertion says, beyond "this passkey signed it". */
export interface VerifiedAssertion {
  readonly verified: true;
  /** The challenge the client signed (base64url), not yet known to be one we handed out. */
  readonly challenge: string;
  /** The authenticator's signature counter (0 for authenticators that do not count). */
  readonly counter: number;
  /** The UV flag: the authenticator verified the user (biometrics, PIN). */
  readonly userVerified: boolean;
  /** The BS flag: the passkey is synced. */
  readonly backedUp: boolean;
}

/** Why an assertion did not verify: for the log only (the client always sees `invalid_passkey`). */
export interface RefusedAssertion {
  readonly verified: false;
  readonly reason: string;
}

/** The WebAuthn ceremony checks of a sign-in (an adapter over @simplewebauthn/server). */
export interface AssertionVerifier {
  /** `PublicKeyCredentialRequestOptionsJSON` for a challenge: no `allowCredentials` (discoverable credentials). */
  requestOptions(args: {
    rpId: string;
    challenge: Uint8Array;
    timeoutSeconds: number;
  }): Promise<Record<string, unknown>>;
  /**
   * Checks the assertion against the stored passkey: type, origin, RP ID, user presence and
   * signature, and that the challenge is well formed. Never the counter (the core's rule) and never
   * whether the challenge was handed out (the final transaction spends it). Never throws for a bad
   * assertion: answers why it refused.
   */
  verify(args: {
    assertion: PasskeyAssertion;
    passkey: StoredPasskey;
    rpId: string;
    origins: readonly string[];
  }): Promise<VerifiedAssertion | RefusedAssertion>;
}

/** How the sign-in's one transaction ended: committed, or which of its items refused. */
export type SignInCommit = 'committed' | 'challenge_spent' | 'passkey_gone' | 'counter_regressed' | 'session_changed';

/** What a sign-in's one transaction writes and checks (see {@link PasskeySignInWrites.commit}). */
export interface SignInCommitArgs {
  readonly challenge: string;
  readonly userId: string;
  readonly phoneNumber: string;
  readonly credentialId: string;
  readonly counter: number;
  readonly backedUp: boolean;
  readonly now: number;
  readonly sessionEpoch: number;
  readonly family: RefreshFamily;
}

/** The sign-in's final write (one TransactWriteItems). */
export interface PasskeySignInWrites {
  /**
   * Spends the challenge (an authentication one, unexpired), moves the passkey's counter on (if it
   * is still the user's, the item still names the number, and the counter still allows it), checks
   * the user still holds the number at the session epoch read, and stores the new session's family:
   * all or nothing. Of two commits spending one challenge, exactly one succeeds.
   */
  commit(args: SignInCommitArgs): Promise<SignInCommit>;
}

export interface PasskeySignInSettings {
  readonly rpId: string;
  readonly origins: readonly string[];
  readonly challengeTtlSeconds: number;
  /** `PASSKEY_MAX_PER_IP_PER_HOUR`: both public routes together. */
  readonly maxPerIpPerHour: number;
}

export interface PasskeyOptionsDeps {
  /** The passkey window (`PASSKEY#<hour>`), apart from the send window. */
  readonly ipLimiter: Pick<IpRateLimiter, 'tryConsume'>;
  readonly challenges: ChallengeIssuer;
  readonly assertions: Pick<AssertionVerifier, 'requestOptions'>;
  readonly clock: Clock;
  readonly passkeys: PasskeySignInSettings;
  /** Random challenge bytes; tests may fix them. */
  readonly randomChallenge?: () => Uint8Array;
}

export interface PasskeySignInDeps extends Omit<SessionDeps, 'refreshFamilies'> {
  readonly ipLimiter: Pick<IpRateLimiter, 'tryConsume'>;
  readonly passkeyReader: PasskeyReader;
  readonly holders: NumberHolders;
  readonly assertions: Pick<AssertionVerifier, 'verify'>;
  readonly writes: PasskeySignInWrites;
  readonly passkeys: PasskeySignInSettings;
}

/** `AuthError.detail` of a refusal for a counter that did not move on: the handler counts it. */
export const COUNTER_REGRESSED = 'counter_regressed';

/** One answer for every failed sign-in; `detail` (logged, never answered) says which check failed. */
function refuse(detail: string): AuthError {
  return new AuthError('invalid_passkey', { detail });
}

/**
 * Counts the request in its IP's passkey hour, before any other read or write: both public routes
 * spend the same budget, so neither can be used to farm challenges or guess assertions unbounded.
 */
async function chargeIp(
  deps: { ipLimiter: Pick<IpRateLimiter, 'tryConsume'> },
  sourceIp: string,
  now: number,
  max: number,
) {
  if (!(await deps.ipLimiter.tryConsume(sourceIp, now, max))) {
    throw new AuthError('rate_limited', { retryAfterSeconds: HOUR - (now % HOUR) });
  }
}

/**
 * `POST /passkey/options`: a fresh authentication challenge, stored single-use for
 * `challengeTtlSeconds`, and the request options a browser passes to `navigator.credentials.get`.
 * No `allowCredentials`: the user picks a discoverable credential (account picker, autofill), and
 * nobody learns which accounts have passkeys.
 */
export async function passkeyOptions(
  deps: PasskeyOptionsDeps,
  input: { sourceIp: string },
): Promise<Record<string, unknown>> {
  const now = epochSeconds(deps.clock);
  const settings = deps.passkeys;
  await chargeIp(deps, input.sourceIp, now, settings.maxPerIpPerHour);
  const challenge = deps.randomChallenge?.() ?? randomBytes(CHALLENGE_BYTES);
  await deps.challenges.issue(Buffer.from(challenge).toString('base64url'), {
    ceremony: 'authentication',
    expiresAt: now + settings.challengeTtlSeconds,
  });
  return deps.assertions.requestOptions({
    rpId: settings.rpId,
    challenge,
    timeoutSeconds: settings.challengeTtlSeconds,
  });
}

export interface PasskeySignInResult {
  readonly tokens: TokenPair;
  readonly userId: string;
  readonly credentialId: string;
  readonly amr: readonly AuthMethod[];
}

/**
 * `POST /passkey/verify`: trades an assertion for a new session (`auth_time` now, `amr` from the UV
 * flag). The user is named by the assertion's user handle (our `sub`), the passkey by its credential
 * id within that user's item, so two users' equal credential ids can never be confused. Reads first
 * (the passkeys, then who holds the number), then one transaction spends the challenge, moves the
 * counter on, re-checks the holder and stores the family: a replayed, concurrent or stale sign-in
 * cannot get past it. Every refusal is `invalid_passkey`.
 */
export async function passkeySignIn(
  deps: PasskeySignInDeps,
  input: { assertion: PasskeyAssertion; sourceIp: string },
): Promise<PasskeySignInResult> {
  const { assertion } = input;
  const settings = deps.passkeys;
  const now = epochSeconds(deps.clock);
  await chargeIp(deps, input.sourceIp, now, settings.maxPerIpPerHour);

  // A discoverable credential always returns its user handle; without it we cannot know whose it is.
  const rawHandle = assertion.response.userHandle;
  if (rawHandle === undefined || rawHandle === null || rawHandle === '') throw refuse('no_user_handle');
  const userId = userIdOfHandle(rawHandle);
  if (userId === undefined) throw refuse('bad_user_handle');
  const user = await deps.passkeyReader.passkeysOf(userId);
  if (!user) throw refuse('unknown_user');
  const passkey = user.passkeys.find((candidate) => candidate.id === assertion.id);
  if (!passkey) throw refuse('unknown_credential');

  const checked = await deps.assertions.verify({
    assertion,
    passkey,
    rpId: settings.rpId,
    origins: settings.origins,
  });
  if (!checked.verified) throw refuse(checked.reason);
  if (!counterAccepted(passkey.counter, checked.counter)) throw refuse(COUNTER_REGRESSED);

  // The number the item names must still be this user's, active: a deleted account or a number
  // moved to someone else signs nobody in, whatever passkeys are left behind.
  const holder = await deps.holders.holderOf(user.phoneNumber, now);
  if (!holder || holder.userId !== userId || holder.status !== 'active') throw refuse('not_holder');
  const sessionEpoch = holder.sessionEpoch ?? 0;

  const amr = passkeyAmr(checked.userVerified);
  // A passkey sign-in starts a session as a code does: auth_time is now, so it is a recent login.
  const { family, tokens } = await newSession(deps, { userId, phoneNumber: user.phoneNumber, amr }, sessionEpoch);
  const outcome = await deps.writes.commit({
    challenge: checked.challenge,
    userId,
    phoneNumber: user.phoneNumber,
    credentialId: passkey.id,
    counter: checked.counter,
    backedUp: checked.backedUp,
    now,
    sessionEpoch,
    family,
  });
  if (outcome !== 'committed') throw refuse(outcome);
  return { tokens, userId, credentialId: passkey.id, amr };
}
