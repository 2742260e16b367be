import type { HolderChange } from './account-events.js';
import { DAY, HOUR } from './clock.js';
import { AuthError } from './errors.js';
import { totpStepAt } from './otp-code.js';

export type UserStatus = 'pending' | 'active';

export interface UserAccount {
  /** Opaque, stable id: the JWT `sub`. Never the phone number. */
  readonly userId: string;
  readonly totpSecret: string;
  readonly status: UserStatus;
  readonly createdAt: number;
  readonly verifiedAt?: number;
  /**
   * Refresh families carry the epoch of their login; one that differs from the user's is ended.
   * "Sign out everywhere" and a number change move it on (absent: 0).
   */
  readonly sessionEpoch?: number;
}

/**
 * A number change waiting for its code, kept on the record of the new number: the code was derived
 * from this secret of its own (not the user's), so it can move the number to this user only and is
 * never a login code, and the number has no user until the move.
 */
export interface PendingNumberChange {
  readonly userId: string;
  readonly secret: string;
}

/** A number the user asked to move to, and when (the time of the caller charge that named it). */
export interface PendingChangeTarget {
  readonly phoneNumber: string;
  readonly requestedAt: number;
}

/**
 * Longer than any request can run (API Gateway gives up after 30 s, the functions after 10 s by
 * default): a request older than this has written its change code, if it ever will.
 */
export const REQUEST_MAX_SECONDS = 60;

/** The code of the latest send: only its TOTP step is stored, never the code itself. */
export interface PendingCode {
  readonly step: number;
  /** Epoch seconds; the code is valid while now < expiresAt. */
  readonly expiresAt: number;
  readonly consumed: boolean;
}

/**
 * Everything known about one phone number, kept in one item so one conditional write can hold
 * every per-number limit. A record can exist without a user: wrong guesses and sends for unknown
 * numbers are counted too, so no limit tells a known number from an unknown one.
 *
 * Every counter ages by one rule of this module, the same for every record, with or without a
 * user (see {@link failedAttemptsAt} and {@link recentSends}):
 * - wrong codes count only while the latest is younger than the lockout length: they all age out
 *   together `OTP_LOCKOUT_SECONDS` after `lastFailedAt`, which is also when a lockout ends;
 * - a send counts for 24 hours.
 * A record whose counters have all aged answers exactly like no record at all. That is what lets the
 * store forget the records of numbers without an active user (DynamoDB TTL) without anyone being
 * able to tell: their retention ({@link retentionFor}) never ends before every counter has aged.
 */
export interface PhoneRecord {
  readonly phoneNumber: string;
  readonly user?: UserAccount;
  readonly code?: PendingCode;
  /** Set while the pending code is a number change's, not a login's. */
  readonly change?: PendingNumberChange;
  /**
   * On the record of a user who asked to move: every number a change code went to whose record may
   * still hold the change (it names the user and holds the change's secret), so that deleting the
   * account can withdraw each instead of leaving them until their records expire.
   */
  readonly pendingChanges?: readonly PendingChangeTarget[];
  /** Highest TOTP step ever issued; a new send always moves past it, so no code is ever valid twice. */
  readonly lastStep?: number;
  /** Wrong codes counted since the count last aged out; read it through {@link failedAttemptsAt}. */
  readonly failedAttempts: number;
  /**
   * Epoch seconds of the latest counted wrong code. The count ages out, and with the budget spent
   * the lockout ends, at this plus the lockout length: derived, so no second write can be lost
   * between count and lock.
   */
  readonly lastFailedAt?: number;
  /** Epoch seconds of the sends of the last 24 hours, for cooldown and hour/day limits. */
  readonly sendTimes: readonly number[];
  /**
   * When the store may forget the record (DynamoDB TTL), never before every counter has aged; never
   * set for active users.
   */
  readonly retainUntil?: number;
  /**
   * Why this write changes who holds the number (deleted, moved, created by an operator, sessions
   * ended), for the account events derived from the table's stream. Write-only: the store writes it
   * with the record and never reads it back, so a later write of the record that changes no holder
   * drops it and no stale reason can describe another write.
   */
  readonly holderChange?: HolderChange;
}

export function emptyRecord(phoneNumber: string): PhoneRecord {
  return { phoneNumber, failedAttempts: 0, sendTimes: [] };
}

export interface SendLimits {
  readonly otpTtlSeconds: number;
  readonly otpMaxAttempts: number;
  readonly otpLockoutSeconds: number;
  readonly sendCooldownSeconds: number;
  readonly sendMaxPerHour: number;
  readonly sendMaxPerDay: number;
}

/**
 * Sends a record remembers. It bounds the item (each send rewrites it) even for test numbers, which
 * skip the send limits, and so bounds the hour and day limits the service can enforce: a limit above
 * it could never be reached.
 */
export const MAX_SEND_HISTORY = 100;

/**
 * The wrong codes that still count at `now`: all of them while the latest is younger than
 * `OTP_LOCKOUT_SECONDS`, none after. Ageing them with the lockout gives an attacker nothing: a full
 * budget already buys `OTP_MAX_ATTEMPTS` guesses per lockout length. The store's guarded increment
 * applies the same rule in its condition, so no write can count against an aged budget.
 */
export function failedAttemptsAt(record: PhoneRecord, now: number, limits: SendLimits): number {
  const last = record.lastFailedAt;
  return last !== undefined && last + limits.otpLockoutSeconds > now ? record.failedAttempts : 0;
}

export type LockState =
  | { readonly locked: true; readonly retryAfterSeconds: number }
  /** `failedAttempts`: the wrong codes that still count; at 0 the next one starts a new count. */
  | { readonly locked: false; readonly failedAttempts: number };

/** Locked while the wrong codes that still count fill the budget: until the latest of them ages out. */
export function lockState(record: PhoneRecord, now: number, limits: SendLimits): LockState {
  const failedAttempts = failedAttemptsAt(record, now, limits);
  if (failedAttempts < limits.otpMaxAttempts) return { locked: false, failedAttempts };
  return { locked: true, retryAfterSeconds: (record.lastFailedAt ?? now) + limits.otpLockoutSeconds - now };
}

export function assertNotLocked(record: PhoneRecord, now: number, limits: SendLimits): LockState & { locked: false } {
  const state = lockState(record, now, limits);
  if (state.locked) throw new AuthError('too_many_attempts', { retryAfterSeconds: state.retryAfterSeconds });
  return state;
}

/** The sends that still count at `now`: those of the last 24 hours. */
export function recentSends(record: PhoneRecord, now: number): number[] {
  return record.sendTimes.filter((t) => t > now - DAY);
}

/**
 * Throws `rate_limited` with the wait until the earliest limit frees up. Without `cooldown`, only the
 * hour and day limits apply: a number-change request charged to the caller's own number sends
 * nothing to it, so the resend cooldown has nothing to protect there.
 */
export function assertSendAllowed(
  record: PhoneRecord,
  now: number,
  limits: SendLimits,
  options: { cooldown: boolean } = { cooldown: true },
): void {
  const day = recentSends(record, now);
  const waits: number[] = [];
  const last = day.length ? Math.max(...day) : undefined;
  if (options.cooldown && last !== undefined && now - last < limits.sendCooldownSeconds) {
    waits.push(last + limits.sendCooldownSeconds - now);
  }
  const hour = day.filter((t) => t > now - HOUR);
  if (hour.length >= limits.sendMaxPerHour) {
    waits.push(oldestToExpire(hour, hour.length - limits.sendMaxPerHour) + HOUR - now);
  }
  if (day.length >= limits.sendMaxPerDay) {
    waits.push(oldestToExpire(day, day.length - limits.sendMaxPerDay) + DAY - now);
  }
  if (waits.length) throw new AuthError('rate_limited', { retryAfterSeconds: Math.max(...waits) });
}

// The send whose ageing out brings the count back under the limit.
function oldestToExpire(times: readonly number[], index: number): number {
  return [...times].sort((a, b) => a - b)[index] ?? times[0] ?? 0;
}

/**
 * When a record written at `now` may be forgotten: never for an active user; otherwise only once
 * every counter in it has aged (sends after a day, wrong codes after the lockout length), so that
 * forgetting it is unobservable.
 */
export function retentionFor(user: UserAccount | undefined, now: number, limits: SendLimits): number | undefined {
  if (user?.status === 'active') return undefined;
  return now + DAY + limits.otpLockoutSeconds;
}

/** `{ retainUntil }` for a record of a number without an active user, `{}` for an active user. */
export function retentionFields(
  user: UserAccount | undefined,
  now: number,
  limits: SendLimits,
): { retainUntil?: number } {
  const retainUntil = retentionFor(user, now, limits);
  return retainUntil === undefined ? {} : { retainUntil };
}

/** The send history with one more send at `now`: older than a day dropped, and bounded. */
function sendTimesWith(record: PhoneRecord, now: number): number[] {
  return [...recentSends(record, now), now].slice(-MAX_SEND_HISTORY);
}

/**
 * The record after one more send of a code to `holder`: a fresh step past every step ever issued
 * (two logins within one 30 s period still get different codes), a new expiry, and the send counted.
 * The holder is the user a login code is for, or the pending number change a change code is for.
 */
function planCodeSend(
  record: PhoneRecord,
  holder: { readonly user: UserAccount } | { readonly change: PendingNumberChange },
  now: number,
  limits: SendLimits,
): { next: PhoneRecord; step: number } {
  const step = Math.max(totpStepAt(now), (record.lastStep ?? -1) + 1);
  const next: PhoneRecord = {
    phoneNumber: record.phoneNumber,
    ...holder,
    // One second of slack: SNS usually accepts within it, so the common path needs no second write.
    code: { step, expiresAt: now + limits.otpTtlSeconds + 1, consumed: false },
    lastStep: step,
    failedAttempts: record.failedAttempts,
    ...(record.lastFailedAt === undefined ? {} : { lastFailedAt: record.lastFailedAt }),
    sendTimes: sendTimesWith(record, now),
    // A login send on the user's own number keeps the changes the user asked for.
    ...('user' in holder && record.pendingChanges?.length ? { pendingChanges: record.pendingChanges } : {}),
    ...retentionFields('user' in holder ? holder.user : undefined, now, limits),
  };
  return { next, step };
}

/** The record after one more login code to `user`. */
export function planSend(
  record: PhoneRecord,
  user: UserAccount,
  now: number,
  limits: SendLimits,
): { next: PhoneRecord; step: number } {
  return planCodeSend(record, { user }, now, limits);
}

/**
 * The record after a send to an unknown number under closed signup: no user, no code, no SMS, but
 * the send is counted, so the per-number limits answer exactly as they would for a known number.
 */
export function planUnknownNumberSend(record: PhoneRecord, now: number, limits: SendLimits): PhoneRecord {
  // A pending number change's code dies with this send, as any older code dies with a newer one.
  const { code: _code, change: _change, ...rest } = record;
  return { ...rest, sendTimes: sendTimesWith(record, now), ...retentionFields(undefined, now, limits) };
}

/**
 * The caller's own record after a number-change request is counted against it: every request to
 * change the number costs the caller one send of their own budget, so one account cannot spray codes
 * at many new numbers, nor probe which numbers are taken faster than its send limits. `changeTo`, the
 * number a change code may now go to, joins the pending changes; those {@link staleChangeTargets}
 * names leave them (the caller withdraws them first).
 */
export function planCallerCharge(
  record: PhoneRecord,
  now: number,
  limits: SendLimits,
  changeTo?: string,
  { countSend = true }: { readonly countSend?: boolean } = {},
): PhoneRecord {
  const stale = new Set(staleChangeTargets(record, now, limits));
  const kept = (record.pendingChanges ?? []).filter((c) => !stale.has(c.phoneNumber) && c.phoneNumber !== changeTo);
  const pendingChanges = changeTo === undefined ? kept : [...kept, { phoneNumber: changeTo, requestedAt: now }];
  const { pendingChanges: _old, ...rest } = record;
  return {
    ...rest,
    sendTimes: countSend ? sendTimesWith(record, now) : record.sendTimes,
    ...(pendingChanges.length ? { pendingChanges } : {}),
    ...retentionFields(record.user, now, limits),
  };
}

/**
 * The pending changes whose code has certainly expired (the request that sent it ended long ago), so
 * they can be withdrawn and forgotten: withdrawing keeps the set as small as the live codes (at most
 * the caller's sends of one code lifetime), while merely forgetting one would leave its record holding
 * the user's id for as long as anyone kept writing to it.
 */
export function staleChangeTargets(record: PhoneRecord, now: number, limits: SendLimits): string[] {
  return (record.pendingChanges ?? [])
    .filter((c) => c.requestedAt + limits.otpTtlSeconds + REQUEST_MAX_SECONDS < now)
    .map((c) => c.phoneNumber);
}

/**
 * The new number's record after a number-change code is sent to it: a fresh step as for a login, but
 * the code belongs to the change (its own secret, bound to the user), so it can never log anyone in.
 * A user who never finished a login here (pending) is dropped, as a newer send drops an older code;
 * an active user is never here (the number is taken).
 */
export function planNumberChangeSend(
  record: PhoneRecord,
  change: PendingNumberChange,
  now: number,
  limits: SendLimits,
): { next: PhoneRecord; step: number } {
  return planCodeSend(record, { change }, now, limits);
}

/**
 * The record a number keeps once its user is gone (account deleted, or moved to another number): no
 * user, no code, nothing about the person; only the number's abuse counters, kept until they have
 * aged (at most a day plus the lockout), exactly like the record of a number that only ever asked
 * for a code. Deleting an account therefore cannot reset a number's send or attempt limits, and a
 * number whose account was deleted answers exactly like one that never had one.
 */
export function planVacatedRecord(
  record: PhoneRecord,
  now: number,
  limits: SendLimits,
  holderChange: HolderChange & { kind: 'deleted' | 'moved_out' },
): PhoneRecord {
  return {
    phoneNumber: record.phoneNumber,
    holderChange,
    ...(record.lastStep === undefined ? {} : { lastStep: record.lastStep }),
    failedAttempts: record.failedAttempts,
    ...(record.lastFailedAt === undefined ? {} : { lastFailedAt: record.lastFailedAt }),
    sendTimes: recentSends(record, now),
    ...retentionFields(undefined, now, limits),
  };
}

/**
 * The new number's record once the user moves onto it: the user (same id, active, with a new session
 * epoch, so every family from before the move ends even if the user moves back later, and a new TOTP
 * secret, since steps are counted per number: with the old secret a code texted to the old number
 * could be valid again on the new one), the change code spent, the attempt count cleared as after any
 * successful code; its send history stays, so the move resets no limit. The user's other pending
 * number changes come along, so deleting the account later still withdraws them. `from`, the number
 * the user leaves, is the move's marker (the account event's previous number).
 */
export function planMovedRecord(
  to: PhoneRecord,
  user: UserAccount,
  now: number,
  totpSecret: string,
  from: string,
  pendingChanges: readonly PendingChangeTarget[] = [],
): PhoneRecord {
  // The other changes the user asked for still name it: the user's new record must list them.
  const others = pendingChanges.filter((c) => c.phoneNumber !== to.phoneNumber);
  return {
    phoneNumber: to.phoneNumber,
    ...(others.length ? { pendingChanges: others } : {}),
    user: { ...user, totpSecret, status: 'active', verifiedAt: now, sessionEpoch: (user.sessionEpoch ?? 0) + 1 },
    ...(to.code ? { code: { ...to.code, consumed: true } } : {}),
    ...(to.lastStep === undefined ? {} : { lastStep: to.lastStep }),
    failedAttempts: 0,
    sendTimes: [...to.sendTimes],
    holderChange: { kind: 'moved_in', from },
  };
}

/** Who holds a number, as far as the owner checks need: never the secret. */
export type NumberHolder = Pick<UserAccount, 'userId' | 'status' | 'sessionEpoch'>;

/** Whether a refresh family still belongs to the user who holds the number it was issued for. */
export function ownsSession(
  user: NumberHolder | undefined,
  session: { readonly userId: string; readonly sessionEpoch?: number },
): boolean {
  return (
    user !== undefined &&
    user.status === 'active' &&
    user.userId === session.userId &&
    (user.sessionEpoch ?? 0) === (session.sessionEpoch ?? 0)
  );
}

/** Whether a step's code is usable at `now`: the latest sent, not consumed, not expired. */
export function pendingCodeAt(record: PhoneRecord, now: number): PendingCode | undefined {
  const code = record.code;
  if (!code || code.consumed || code.expiresAt <= now) return undefined;
  return code;
}
