import { HOUR } from './clock.js';
import type { StoredPasskey } from './passkeys.js';
import {
  failedAttemptsAt,
  lockState,
  ownsSession,
  type PhoneRecord,
  pendingCodeAt,
  recentSends,
  type SendLimits,
  type UserStatus,
} from './phone-record.js';
import type { RefreshFamily } from './ports.js';
import { MAX_FAMILY_GENERATION } from './sessions.js';

/**
 * What an operator may learn about one number: everything support needs to answer "why can't I log
 * in?", and nothing that could log anyone in (no TOTP secret, no code, not even its step).
 */
export interface NumberSummary {
  readonly phoneNumber: string;
  /** `none`: the number has no user, only the counters every number that asked for a code has. */
  readonly status: UserStatus | 'none';
  readonly userId?: string;
  /** Epoch seconds. */
  readonly createdAt?: number;
  readonly verifiedAt?: number;
  readonly locked: boolean;
  /** Epoch seconds at which the lockout ends, while locked. */
  readonly lockedUntil?: number;
  /** Wrong codes that still count (they age out together, `OTP_LOCKOUT_SECONDS` after the latest). */
  readonly failedAttempts: number;
  readonly maxAttempts: number;
  readonly sendsLastHour: number;
  readonly sendsLastDay: number;
  /** Epoch seconds at which the pending code (login or number change) expires, if one is usable. */
  readonly codeExpiresAt?: number;
  /** Whether the pending code is a number change's (to this number), not a login's. */
  readonly numberChangePending: boolean;
  readonly liveSessions: number;
}

/** The summary `users show` prints, read through the same ageing rules the routes apply. */
export function summarizeNumber(
  record: PhoneRecord,
  now: number,
  limits: SendLimits,
  liveSessions: number,
): NumberSummary {
  const user = record.user;
  const lock = lockState(record, now, limits);
  const day = recentSends(record, now);
  const code = pendingCodeAt(record, now);
  return {
    phoneNumber: record.phoneNumber,
    status: user?.status ?? 'none',
    ...(user ? { userId: user.userId, createdAt: user.createdAt } : {}),
    ...(user?.verifiedAt === undefined ? {} : { verifiedAt: user.verifiedAt }),
    locked: lock.locked,
    ...(lock.locked ? { lockedUntil: now + lock.retryAfterSeconds } : {}),
    failedAttempts: failedAttemptsAt(record, now, limits),
    maxAttempts: limits.otpMaxAttempts,
    sendsLastHour: day.filter((t) => t > now - HOUR).length,
    sendsLastDay: day.length,
    ...(code ? { codeExpiresAt: code.expiresAt } : {}),
    numberChangePending: code !== undefined && record.change !== undefined,
    liveSessions,
  };
}

/**
 * Whether a family found through the user index would still refresh: stored and unexpired, not
 * revoked, rotations left, and issued for this number while its user still holds it at the family's
 * epoch (the owner check refresh makes). A family issued for another number (before a move) names
 * that number's record, which no longer holds the user, so it is not live either.
 */
export function isLiveSession(record: PhoneRecord, family: RefreshFamily | undefined, now: number): boolean {
  return (
    family !== undefined &&
    family.familyExpiresAt > now &&
    family.revokedAt === undefined &&
    family.generation < MAX_FAMILY_GENERATION &&
    family.phoneNumber === record.phoneNumber &&
    ownsSession(record.user, family)
  );
}

/** The live sessions among the families the index listed for the number's user. */
export function countLiveSessions(
  record: PhoneRecord,
  families: readonly (RefreshFamily | undefined)[],
  now: number,
): number {
  return families.filter((family) => isLiveSession(record, family, now)).length;
}

/**
 * The record with its wrong-code count and lockout cleared, or undefined when nothing counts against
 * it. The count goes with `lastFailedAt` (its age), so the next wrong code starts a new count, and
 * nothing else changes: sends, codes and the user stay as they are, and so does the retention, as
 * clearing a counter never makes a record need keeping longer.
 */
export function planUnlock(record: PhoneRecord): PhoneRecord | undefined {
  if (record.failedAttempts === 0 && record.lastFailedAt === undefined) return undefined;
  const { lastFailedAt: _cleared, ...rest } = record;
  return { ...rest, failedAttempts: 0 };
}

/** One user as `users list` shows it: never the secret, never the code. */
export interface ListedUser {
  readonly phoneNumber: string;
  readonly userId: string;
  readonly status: UserStatus;
  readonly createdAt: number;
  readonly verifiedAt?: number;
}

export interface UserListPage {
  readonly users: readonly ListedUser[];
  /** Opaque: where the next page starts; absent on the last page. */
  readonly cursor?: string;
}

/**
 * Every number with a user, a page at a time. It must read the whole table (a Scan): operators only,
 * never a route.
 */
export interface UserList {
  page(args: { limit: number; cursor?: string; now: number }): Promise<UserListPage>;
}

/**
 * One passkey as `users show` lists it: enough to tell the user's devices apart and remove one, and
 * nothing a sign-in checks (no public key, no counter).
 */
export interface PasskeySummary {
  /** The credential id (base64url): what `users passkeys remove` takes. */
  readonly id: string;
  readonly name: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly lastUsedAt?: number;
  /** Synced to the provider's cloud (iCloud Keychain, Google Password Manager): it survives a lost device. */
  readonly backedUp: boolean;
}

/** The user's passkeys as the operator sees them, oldest first. */
export function summarizePasskeys(passkeys: readonly StoredPasskey[]): PasskeySummary[] {
  return [...passkeys]
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .map(({ id, name, createdAt, lastUsedAt, backedUp }) => ({
      id,
      name,
      createdAt,
      ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
      backedUp,
    }));
}

/**
 * The operator's removals of a user's passkeys, by user id: the number leads to it while the user
 * holds one, and the log of a deletion that left the item names it when no record does any more.
 */
export interface OperatorPasskeyRemoval {
  /** Deletes the user's passkey item; answers how many passkeys it held (0 when there was none). */
  removeAll(userId: string): Promise<number>;
  /** False when the user has no passkey with this credential id. */
  removeOne(userId: string, credentialId: string): Promise<boolean>;
}
