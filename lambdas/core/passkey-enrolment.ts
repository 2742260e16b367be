/**
 * Enrolling and managing a user's passkeys (`/me/passkeys*`): the rules, with the WebAuthn ceremony
 * and the table behind ports. What a registration response proves (signature, attestation, origin,
 * RP ID) is the library adapter's to check; which challenge it may answer, for whom, how many
 * passkeys a user may have and what is stored is decided here, and enforced by one transaction.
 */
import { randomBytes } from 'node:crypto';
import { type AccountSubject, currentAccount } from './account.js';
import { type Clock, epochSeconds, MAX_WRITE_TRIES } from './clock.js';
import { AuthError } from './errors.js';
import {
  CHALLENGE_BYTES,
  type ChallengeIssuer,
  type PasskeyReader,
  passkeyName,
  type StoredPasskey,
  type UserPasskeys,
  userHandleOf,
} from './passkeys.js';
import type { NumberHolders } from './ports.js';

/** The passkey settings enrolment needs (lambdas/config.ts `PasskeyConfig`). */
export interface EnrolmentPolicy {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
  readonly challengeTtlSeconds: number;
  readonly perUserMax: number;
}

/** The COSE algorithms offered and accepted: EdDSA, ES256, RS256 (pinned: newer defaults add ML-DSA). */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257] as const;

/**
 * A credential id as the API takes it (in `DELETE /me/passkeys/{id}` and in a registration):
 * base64url without padding, at most the 1023 bytes WebAuthn allows a credential id (1364 characters).
 */
export const CREDENTIAL_ID_MAX_LENGTH = 1364;
/**
 * The longest COSE public key stored, base64url (1,024 bytes): an RSA-4096 key is about 530 bytes, an
 * EC2 or OKP key under 100. With attestation `none` nothing else bounds what an authenticator puts in
 * it, and every sign-in reads and rewrites the whole item: without a bound a few enrolments could fill
 * the item to DynamoDB's 400 KB (costly reads, then writes that fail). With it, 50 passkeys of the
 * longest id and key stay under 150 KB.
 */
export const PUBLIC_KEY_MAX_LENGTH = 1366;
const CREDENTIAL_ID = new RegExp(`^[A-Za-z0-9_-]{1,${CREDENTIAL_ID_MAX_LENGTH}}$`);

export function isCredentialId(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_ID.test(value);
}

/** The shape of every challenge we hand out: {@link CHALLENGE_BYTES} random bytes, base64url. */
const CHALLENGE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((CHALLENGE_BYTES * 4) / 3)}}$`);

/** What the creation options are made of; the adapter turns it into `PublicKeyCredentialCreationOptionsJSON`. */
export interface CreationOptionsInput {
  readonly rpId: string;
  readonly rpName: string;
  /** The WebAuthn user handle: {@link userHandleOf} the `sub`. */
  readonly userHandle: Uint8Array;
  /** The E.164 number: the account's name in the passkey picker. */
  readonly userName: string;
  /** base64url of {@link CHALLENGE_BYTES} random bytes. */
  readonly challenge: string;
  readonly timeoutMs: number;
  /** The user's passkeys, so the authenticator that holds one of them does not make a second. */
  readonly excludeCredentials: readonly { readonly id: string; readonly transports: readonly string[] }[];
}

/** What a registration response proved, when it verified. */
export interface VerifiedRegistration {
  /** The clientData challenge it answered (accepted as any; the transaction decides whether it is ours). */
  readonly challenge: string;
  /** The credential id the authenticator attested, base64url. */
  readonly credentialId: string;
  /** The credential id the client posted (`id`): must be the attested one. */
  readonly postedId: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly backedUp: boolean;
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly aaguid: string;
}

/** The WebAuthn registration ceremony (@simplewebauthn/server, behind an adapter). */
export interface RegistrationCeremony {
  /** `PublicKeyCredentialCreationOptionsJSON`. */
  creationOptions(input: CreationOptionsInput): Promise<Record<string, unknown>>;
  /**
   * Verifies a registration response against the origins and RP ID, accepting any well-formed
   * challenge (which one it answered is returned, for the transaction to spend). Never throws for a
   * response that does not verify: the reason comes back, for the log only.
   */
  verify(
    response: unknown,
    expected: { readonly origins: readonly string[]; readonly rpId: string },
  ): Promise<{ verified: true; registration: VerifiedRegistration } | { verified: false; reason: string }>;
}

/**
 * What an enrolment write did. `passkey_refused`: the passkey item's condition failed (the cap, an
 * id already there, another number, or a first passkey raced by another): re-read to know which.
 * `conflict`: cancelled by a concurrent transaction on the same items, nothing failed: try again.
 */
export type EnrolOutcome = 'added' | 'session_changed' | 'challenge_spent' | 'passkey_refused' | 'conflict';

export interface EnrolArgs {
  readonly userId: string;
  /** The token's number, which the user must still hold, at the token's session epoch. */
  readonly phoneNumber: string;
  readonly sessionEpoch: number;
  readonly challenge: string;
  readonly now: number;
  readonly passkey: StoredPasskey;
  readonly perUserMax: number;
  /** The user had no passkey when read (no item, an item without the map, or an emptied map): the write makes the map. */
  readonly first: boolean;
}

/** The enrolment's one transaction and the one removal (the table, behind an adapter). */
export interface PasskeyEnrolments {
  /**
   * One transaction: spends the registration challenge (this user's, unexpired), checks the user
   * still holds the number at the session epoch, and adds the passkey if the user has fewer than
   * `perUserMax` and none with its id.
   */
  enrol(args: EnrolArgs): Promise<EnrolOutcome>;
  /** Removes one passkey of the user; false when the user has none with this id. */
  remove(userId: string, credentialId: string): Promise<boolean>;
}

export interface EnrolmentDeps {
  readonly passkeys: PasskeyReader;
  readonly challenges: ChallengeIssuer;
  readonly ceremony: RegistrationCeremony;
  readonly enrolments: PasskeyEnrolments;
  readonly holders: NumberHolders;
  readonly clock: Clock;
  readonly policy: EnrolmentPolicy;
}

/** The transports WebAuthn defines: what a client says is kept only if it is one of these. */
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The transports a client reported, as stored: known values only, each once (client input, shown back later). */
export function storedTransports(reported: readonly unknown[]): string[] {
  return [...new Set(reported.filter((t): t is string => typeof t === 'string' && TRANSPORTS.has(t)))];
}

function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64url');
}

/**
 * `POST /me/passkeys/options`: creation options for a new passkey of the token's user, whose
 * challenge (single-use, this user's, for a registration) expires in `challengeTtlSeconds`.
 */
export async function registrationOptions(
  deps: Pick<EnrolmentDeps, 'passkeys' | 'challenges' | 'ceremony' | 'clock' | 'policy' | 'holders'>,
  subject: AccountSubject,
): Promise<Record<string, unknown>> {
  const { policy } = deps;
  // A token of an ended session (deleted, moved, signed out everywhere) gets no challenge, and no list
  // of the user's credential ids in excludeCredentials.
  await currentAccount(deps, subject);
  const current = await deps.passkeys.passkeysOf(subject.userId);
  const challenge = newChallenge();
  await deps.challenges.issue(challenge, {
    ceremony: 'registration',
    expiresAt: epochSeconds(deps.clock) + policy.challengeTtlSeconds,
    userId: subject.userId,
  });
  return deps.ceremony.creationOptions({
    rpId: policy.rpId,
    rpName: policy.rpName,
    userHandle: userHandleOf(subject.userId),
    userName: subject.phoneNumber,
    challenge,
    timeoutMs: policy.challengeTtlSeconds * 1000,
    excludeCredentials: (current?.passkeys ?? []).map((p) => ({ id: p.id, transports: p.transports })),
  });
}

/** Why an enrolment was refused with `passkey_rejected`: logged, never answered. */
function rejected(detail: string): AuthError {
  return new AuthError('passkey_rejected', { detail });
}

/**
 * `POST /me/passkeys`: verifies the registration response and stores the passkey. Every response
 * that does not verify, answers a challenge that is not this user's unspent registration challenge,
 * or names a credential the user already has is `passkey_rejected`; the cap is
 * `passkey_limit_reached`; a user who no longer holds the token's number (deleted, moved, signed
 * out everywhere) is `invalid_token`. Nothing is stored unless all of it holds, in one transaction.
 */
export async function enrolPasskey(
  deps: EnrolmentDeps,
  subject: AccountSubject,
  request: { readonly credential: unknown; readonly name: unknown },
): Promise<StoredPasskey> {
  const { policy } = deps;
  const name = passkeyName(request.name);
  let current = await deps.passkeys.passkeysOf(subject.userId);
  // The cap, before the ceremony: a user at it is told so without spending the challenge.
  assertRoomFor(current, policy.perUserMax);
  const outcome = await deps.ceremony.verify(request.credential, { origins: policy.origins, rpId: policy.rpId });
  if (!outcome.verified) throw rejected(`unverified: ${outcome.reason}`);
  const { registration } = outcome;
  if (registration.credentialId !== registration.postedId) throw rejected('credential_id_mismatch');
  if (!isCredentialId(registration.credentialId)) throw rejected('credential_id_too_long');
  if (registration.publicKey.length > PUBLIC_KEY_MAX_LENGTH) throw rejected('public_key_too_long');
  // Not one we handed out (ours are all this shape); not worth a transaction, nor a key of this length.
  if (!CHALLENGE.test(registration.challenge)) throw rejected('challenge_unknown');
  const passkey: StoredPasskey = {
    id: registration.credentialId,
    publicKey: registration.publicKey,
    counter: registration.counter,
    transports: storedTransports(registration.transports),
    backedUp: registration.backedUp,
    deviceType: registration.deviceType,
    name,
    createdAt: epochSeconds(deps.clock),
    aaguid: registration.aaguid,
  };
  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    if (current?.passkeys.some((p) => p.id === passkey.id)) throw rejected('credential_already_enrolled');
    assertRoomFor(current, policy.perUserMax);
    // An item a number change made for another number: this token's number is not the user's any more.
    if (current !== undefined && current.phoneNumber !== subject.phoneNumber) {
      throw new AuthError('invalid_token', { detail: 'number_changed' });
    }
    const written = await deps.enrolments.enrol({
      userId: subject.userId,
      phoneNumber: subject.phoneNumber,
      sessionEpoch: subject.sessionEpoch,
      challenge: registration.challenge,
      now: epochSeconds(deps.clock),
      passkey,
      perUserMax: policy.perUserMax,
      first: (current?.passkeys.length ?? 0) === 0,
    });
    if (written === 'added') return passkey;
    if (written === 'session_changed') throw new AuthError('invalid_token', { detail: 'session_changed' });
    if (written === 'challenge_spent') throw rejected('challenge_spent');
    // The passkey item changed since it was read (another enrolment, a removal): read it and decide again.
    current = await deps.passkeys.passkeysOf(subject.userId);
  }
  throw new AuthError('rate_limited', { detail: 'enrolment_races_lost', retryAfterSeconds: 1 });
}

function assertRoomFor(current: UserPasskeys | undefined, perUserMax: number): void {
  if ((current?.passkeys.length ?? 0) >= perUserMax) {
    throw new AuthError('passkey_limit_reached', { detail: `has_${current?.passkeys.length}` });
  }
}

/** `GET /me/passkeys`: the token's user's passkeys, oldest first, if the user still holds the token's number. */
export async function listPasskeys(
  deps: Pick<EnrolmentDeps, 'passkeys' | 'holders' | 'clock'>,
  subject: AccountSubject,
): Promise<readonly StoredPasskey[]> {
  await currentAccount(deps, subject);
  return (await deps.passkeys.passkeysOf(subject.userId))?.passkeys ?? [];
}

/**
 * `DELETE /me/passkeys/{id}`: removes one passkey of the token's user, if the user still holds the
 * token's number. The user's own item is the only one written, so another user's credential id is
 * simply not found.
 */
export async function removePasskey(
  deps: Pick<EnrolmentDeps, 'enrolments' | 'holders' | 'clock'>,
  subject: AccountSubject,
  credentialId: string,
): Promise<void> {
  if (!isCredentialId(credentialId)) throw new AuthError('invalid_request', { detail: 'bad_credential_id' });
  // As GET: a token of an ended session removes nothing (a thief's fresh token, after the user signed
  // out everywhere, cannot strip the user's passkeys).
  await currentAccount(deps, subject);
  if (!(await deps.enrolments.remove(subject.userId, credentialId))) throw new AuthError('not_found');
}
