/**
 * Passkeys: what is stored of each, and the rules a ceremony's outcome is judged by. The ceremonies
 * themselves (CBOR, COSE, signatures, attestation) are @simplewebauthn/server's, behind adapters; what
 * is here is ours to decide and needs no AWS and no WebAuthn library.
 */
import { AuthError } from './errors.js';
import type { AuthMethod } from './tokens.js';

/** One passkey of a user, as stored. Times are epoch seconds. */
export interface StoredPasskey {
  /** The credential id, base64url (as the authenticator gave it). */
  readonly id: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  /** The authenticator's signature counter at its last use; synced passkeys report 0 forever. */
  readonly counter: number;
  /** How the client may reach the authenticator (`internal`, `hybrid`, `usb`, ...), as it said at enrolment. */
  readonly transports: readonly string[];
  /** Synced to the user's other devices (the BS flag) as of its last use. */
  readonly backedUp: boolean;
  /** `multiDevice` when the passkey may be synced (the BE flag), `singleDevice` otherwise. */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
  /** The authenticator model (all zeros for most synced passkeys): for the operator, never trusted. */
  readonly aaguid: string;
}

/**
 * A user's passkeys and the number the user holds now (kept by the number change), which a sign-in
 * needs for the token's `phone_number` and to check that the user still holds it.
 */
export interface UserPasskeys {
  readonly userId: string;
  readonly phoneNumber: string;
  readonly passkeys: readonly StoredPasskey[];
}

/** Which ceremony a challenge was handed out for: one can never be answered in the other. */
export type Ceremony = 'registration' | 'authentication';

/** Random bytes in a challenge: WebAuthn asks for at least 16. */
export const CHALLENGE_BYTES = 32;

/** Reads a user's passkeys (a strongly consistent GetItem). */
export interface PasskeyReader {
  /** Undefined when the user has no passkey item (never enrolled, or deleted). */
  passkeysOf(userId: string): Promise<UserPasskeys | undefined>;
}

/** Hands out challenges; consuming one is part of each ceremony's final transaction. */
export interface ChallengeIssuer {
  issue(challenge: string, args: { ceremony: Ceremony; expiresAt: number; userId?: string }): Promise<void>;
}

/**
 * RFC 8176 methods of a passkey sign-in: `hwk` (proof of possession of a hardware-secured key) and,
 * when the authenticator verified the user (the UV flag: biometrics or a PIN), `user`. The two mean
 * what Google's and Apple's identity services send for a passkey; a relying party that needs user
 * verification checks for `user`.
 */
export function passkeyAmr(userVerified: boolean): readonly AuthMethod[] {
  return userVerified ? ['hwk', 'user'] : ['hwk'];
}

/**
 * Whether an assertion's signature counter may follow the stored one. A credential that counts must
 * count up: a counter that stands still or goes back means a cloned authenticator or a replayed
 * assertion (WebAuthn §6.1.1). One that reports 0 and has only ever reported 0 (synced passkeys) does
 * not count, and is fine.
 */
export function counterAccepted(stored: number, next: number): boolean {
  if (stored === 0 && next === 0) return true;
  return next > stored;
}

/** The name a passkey gets when the client gives none. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';
export const PASSKEY_NAME_MAX_LENGTH = 64;

/**
 * A passkey's name as the user typed it: trimmed, 1-64 characters, no control characters (it is
 * shown in lists and logs of the operator CLI). Absent: {@link DEFAULT_PASSKEY_NAME}.
 */
export function passkeyName(raw: unknown): string {
  if (raw === undefined || raw === null) return DEFAULT_PASSKEY_NAME;
  if (typeof raw !== 'string') throw new AuthError('invalid_request', { detail: 'name_not_string' });
  const name = raw.trim();
  // Control, format (bidi overrides, zero-width) and line/paragraph separators could disguise what a
  // list or the operator CLI shows; a lone surrogate is no text at all.
  if (
    name.length === 0 ||
    [...name].length > PASSKEY_NAME_MAX_LENGTH ||
    /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(name)
  ) {
    throw new AuthError('invalid_request', { detail: 'bad_passkey_name' });
  }
  return name;
}

/**
 * The WebAuthn user handle of a user: the UTF-8 bytes of the `sub`, a random id that says nothing
 * about the person (WebAuthn forbids personal data in it). A discoverable credential gives it back at
 * sign-in, which is how the user's passkeys are found without the user typing a number.
 */
export function userHandleOf(userId: string): Uint8Array {
  return new TextEncoder().encode(userId);
}

/** The `sub` a returned user handle (base64url) names, or undefined when it cannot be one of ours. */
export function userIdOfHandle(userHandle: unknown): string | undefined {
  if (typeof userHandle !== 'string' || !/^[A-Za-z0-9_-]{1,88}$/.test(userHandle)) return undefined;
  const userId = Buffer.from(userHandle, 'base64url').toString('utf8');
  // The subs this service makes are UUIDs (crypto.randomUUID); anything outside this shape is not one.
  return /^[A-Za-z0-9-]{1,64}$/.test(userId) ? userId : undefined;
}

/** ISO 8601 in UTC to the second, as the API shows times (`2026-12-06T05:40:00Z`). */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A passkey as `GET /me/passkeys` and `POST /me/passkeys` show it: nothing secret, nothing the client could misuse. */
export function passkeyView(passkey: StoredPasskey) {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: isoSeconds(passkey.createdAt),
    last_used_at: passkey.lastUsedAt === undefined ? null : isoSeconds(passkey.lastUsedAt),
    backed_up: passkey.backedUp,
    transports: [...passkey.transports],
  };
}
