import type { JWK } from 'jose';
import type { Initiator } from './account-events.js';
import type { NumberHolder, PhoneRecord } from './phone-record.js';
import type { KeySet } from './signing-keys.js';
import type { AuthMethod } from './tokens.js';

/** A phone record with the version its conditional writes must match (0: no item yet). */
export interface VersionedPhoneRecord {
  readonly record: PhoneRecord;
  readonly version: number;
  /** The item is past its retention but not yet deleted: it reads as empty and must be overwritten, not updated. */
  readonly stale?: boolean;
}

export type FailedAttemptOutcome =
  | { readonly outcome: 'counted'; readonly failedAttempts: number }
  /** The guard refused: the number is locked, or the record changed under us. Re-read and decide again. */
  | { readonly outcome: 'refused' };

/** Whose sessions to end ({@link PhoneRecordStore.endSessions}), and who asked. */
export interface EndSessionsArgs {
  readonly userId: string;
  readonly sessionEpoch: number;
  readonly by: Initiator;
}

export interface ConsumeCodeArgs {
  readonly step: number;
  readonly now: number;
  readonly maxAttempts: number;
  readonly lockoutSeconds: number;
}

export interface FailedAttemptArgs {
  readonly now: number;
  readonly maxAttempts: number;
  /** Wrong codes age out this long after the latest (`failedAttemptsAt`); the guard applies it too. */
  readonly lockoutSeconds: number;
  /**
   * The count read had aged out (or there was none): start again at one, only if it still has.
   * Otherwise add one, only if the count is still live and under `maxAttempts`.
   */
  readonly restart: boolean;
  /** For records of numbers without an active user: when the store may forget them. */
  readonly retainUntil?: number;
}

/**
 * Storage of phone records. Every write is a single-item conditional write, so each per-number
 * limit holds under any concurrency without transactions.
 */
export interface PhoneRecordStore {
  /** Strongly consistent read; an item past its retention reads as empty (TTL deletes late). */
  get(phoneNumber: string, now: number): Promise<VersionedPhoneRecord>;
  /** Writes the whole record if nobody wrote since `seenVersion`; false when someone did. */
  save(record: PhoneRecord, seenVersion: number): Promise<boolean>;
  /** Pushes the expiry of the code at `step` to `expiresAt`, if that code is still the pending one. */
  extendCode(phoneNumber: string, step: number, expiresAt: number): Promise<void>;
  /** Makes the code at `step` unusable (its SMS never left), if it is still the pending one. */
  cancelCode(phoneNumber: string, step: number): Promise<void>;
  /**
   * Spends the code at `step` and activates the user, only if it is still pending, unexpired and
   * the number is not locked: two concurrent verifies of one code cannot both succeed.
   */
  consumeCode(phoneNumber: string, args: ConsumeCodeArgs): Promise<boolean>;
  /**
   * Counts one wrong code and stamps `lastFailedAt`, under a condition that holds the core's ageing
   * rule: a guarded increment of a live count (`attempts < max AND lastFailedAt > now - lockout`),
   * exact under contention, or with `restart` a reset to one of an aged count (`lastFailedAt <= now -
   * lockout`), which only the first of concurrent writers gets. `retainUntil` keeps records of
   * non-active numbers expiring.
   */
  recordFailedAttempt(phoneNumber: string, args: FailedAttemptArgs): Promise<FailedAttemptOutcome>;
  /**
   * Ends every session of the user holding the number ("sign out everywhere"): moves the user's
   * session epoch on, only if the number still belongs to `userId` at `sessionEpoch` (a session
   * already ended cannot end newer ones). False when refused. `by` is written with the epoch: the
   * `SessionsRevoked` event's initiator.
   */
  endSessions(phoneNumber: string, args: EndSessionsArgs): Promise<boolean>;
  /** Withdraws the number change pending on `phoneNumber` if it is `userId`'s; nothing otherwise. */
  withdrawChange(phoneNumber: string, userId: string): Promise<void>;
}

/**
 * Moves a user from one number to another in one transaction: writes `vacated` over the old number
 * and `moved` over the new one, each only if unchanged since read (`fromVersion`, `toVersion`), and
 * creates `family`, the session of the device that confirmed. All or nothing, so at no moment do both
 * numbers, or neither, hold the user. The same transaction points the user's passkeys (family's user)
 * at the new number, so they keep signing the user in there and never again name the old one. Apart
 * from {@link PhoneRecordStore} so that only the function that moves numbers bundles the transaction.
 */
export interface NumberMoves {
  /** False when a condition failed (re-read and decide again). */
  moveUser(args: {
    vacated: PhoneRecord;
    fromVersion: number;
    moved: PhoneRecord;
    toVersion: number;
    family: RefreshFamily;
  }): Promise<boolean>;
}

/**
 * Who holds a number, read with a projection that leaves the TOTP secret and the code state out: for
 * the functions that only check ownership (refresh-token, `/me`), whose IAM allows nothing more.
 */
export interface NumberHolders {
  /** Strongly consistent; undefined when the number has no user or its record is past retention. */
  holderOf(phoneNumber: string, now: number): Promise<NumberHolder | undefined>;
}

/** Per-client-IP send counter in fixed hourly windows, with a guarded increment. */
export interface IpRateLimiter {
  /** Counts one send for `ip` in the window holding `now`; false when the window is full. */
  tryConsume(ip: string, now: number, maxPerHour: number): Promise<boolean>;
  /**
   * Gives back one send counted by `tryConsume(ip, chargedAt)` for a request that ended without
   * sending (never below zero). Best effort: the caller may ignore a failure, which keeps the unit.
   */
  refund(ip: string, chargedAt: number): Promise<void>;
}

/**
 * One send counted against a country's budget, as `tryConsume` counted it, so that `refund` gives it
 * back to the very counter it was taken from (the budget is sharded; see the adapter).
 */
export interface CountryCharge {
  readonly country: string;
  /** Start of the hourly window the send was counted in. */
  readonly windowStart: number;
  readonly shard: number;
}

/**
 * Per-destination-country send budget in fixed hourly windows (`SEND_MAX_PER_COUNTRY_PER_HOUR`):
 * the one limit an SMS-pumping attack spread over many IPs and many numbers cannot dodge.
 * Implementations must hold `maxPerHour` atomically under any concurrency, must refuse only when the
 * budget is spent (never because one part of it is full), and must not let one hot country
 * serialize on a single item.
 */
export interface CountrySendLimiter {
  /**
   * Counts one send to `country` in the window holding `now`; undefined (nothing counted) when the
   * budget is spent.
   */
  tryConsume(country: string, now: number, maxPerHour: number): Promise<CountryCharge | undefined>;
  /**
   * Gives back a counted send whose SMS never left (the request was refused after all, or the
   * provider refused the message), so the budget counts exactly the SMS sent. Never below zero.
   */
  refund(charge: CountryCharge): Promise<void>;
  /**
   * Whether `tryConsume` would count a send now, without counting one: for requests that send
   * nothing but must answer as if they did (closed signup's unknown numbers).
   */
  hasRoom(country: string, now: number, maxPerHour: number): Promise<boolean>;
  /**
   * Counts an SMS that was sent without asking (the notice to a number an account moved away from,
   * which a spent budget must not silence): never refused, so the window may go past its budget,
   * and later sends are refused for it, as the budget counts every SMS sent to the country.
   */
  countSent(country: string, now: number, maxPerHour: number): Promise<void>;
}

/**
 * One refresh-token family: everything a refresh or a logout needs is in this one item, so rotation
 * is a single conditional write and revoking a family of any length is one write too.
 */
export interface RefreshFamily {
  readonly familyId: string;
  readonly userId: string;
  readonly phoneNumber: string;
  /** Absolute end of the family, fixed at login; rotation never extends it. */
  readonly familyExpiresAt: number;
  readonly createdAt: number;
  /** SHA-256 of the only token that may be rotated now: tokens themselves are never stored. */
  readonly headHash: string;
  /** The token the head replaced, for the reuse grace window. */
  readonly previousHash?: string;
  readonly rotatedAt?: number;
  /** Rotations so far: bounds the work of proving an old token an ancestor. */
  readonly generation: number;
  readonly revokedAt?: number;
  /** The user's session epoch at login (absent: 0); it must still be the user's for the family to live. */
  readonly sessionEpoch?: number;
  /**
   * When the login that started the family happened: every access token of the family carries it as
   * `auth_time`. Absent on families stored before it existed: their `createdAt` is that moment.
   */
  readonly authTime?: number;
  /**
   * How that login was proved: every access token of the family carries it as `amr`. Absent on
   * families stored before it existed, all of which an SMS code started.
   */
  readonly amr?: readonly AuthMethod[];
}

export interface RefreshFamilyStore {
  /** Strongly consistent; a family past its end reads as absent. */
  get(familyId: string, now: number): Promise<RefreshFamily | undefined>;
  create(family: RefreshFamily): Promise<void>;
  /**
   * Moves the head from `fromHash` to `toHash`, only if `fromHash` is still the head and the family
   * is not revoked: of any number of concurrent refreshes one wins, so a family never forks.
   */
  rotate(
    familyId: string,
    args: { fromHash: string; toHash: string; at: number; maxGeneration: number; userId: string },
  ): Promise<boolean>;
  /**
   * Revokes the family, if it exists and has not ended; with `tokenHash`, only if that is the
   * family's current or previous token. False when refused. Idempotent.
   */
  revoke(familyId: string, at: number, tokenHash?: string): Promise<boolean>;
}

/**
 * A user's refresh families, for removing them once their sessions have ended (account deleted,
 * number moved). Apart from {@link RefreshFamilyStore} so that the login and refresh functions do not
 * bundle the index query.
 */
export interface UserFamilies {
  /** Ids from an eventually consistent index: a family created a moment ago may be missing. */
  familyIdsOf(userId: string): Promise<string[]>;
  /** Deletes the families (already ended: their user is gone or moved). */
  deleteFamilies(familyIds: readonly string[]): Promise<void>;
}

/** Deletes every passkey of a user at once (their one item): the account deletion's part in them. */
export interface UserPasskeyDeletion {
  /** Done when the user has none. */
  deletePasskeysOf(userId: string): Promise<void>;
}

export interface SmsSender {
  /** Resolves once the provider accepted the message; throws if it did not. */
  send(phoneNumber: string, message: string): Promise<void>;
}

export interface SigningKeySource {
  /** The current key set; implementations cache it, so calling this per request is cheap. */
  load(): Promise<KeySet>;
}

/**
 * The public signing keys the JWKS endpoint serves. In AWS they are stored apart from the secret, so
 * the function answering the public, unauthenticated JWKS route never holds a private key.
 */
export interface PublicJwksSource {
  load(): Promise<readonly JWK[]>;
}

/** Where the key rotation publishes the public keys of a key set before it signs with any of them. */
export interface PublicJwksPublisher {
  /** Resolves once the published JWKS lists every key in `jwks`; throws if it cannot. */
  publish(jwks: readonly JWK[], rotatedAt: number): Promise<void>;
}
