import type { Initiator } from './account-events.js';
import { type Clock, epochSeconds, MAX_WRITE_TRIES } from './clock.js';
import { AuthError } from './errors.js';
import {
  countWrongCode,
  DECOY_SECRET,
  deliverCode,
  type OtpPolicy,
  parseAllowedPhone,
  refuseAfterLostRaces,
  SendCharges,
  type SendOtpDeps,
  type SendOtpResult,
} from './login.js';
import { type NumberChangeNotice, type NumberChangeNoticeDeps, noticeNumberChanged } from './number-change-notice.js';
import { codeAtStep, codesMatch, isWellFormedCode, newTotpSecret, totpStepAt } from './otp-code.js';
import type { PhoneNumber } from './phone.js';
import {
  assertNotLocked,
  assertSendAllowed,
  type NumberHolder,
  type PhoneRecord,
  pendingCodeAt,
  planCallerCharge,
  planMovedRecord,
  planNumberChangeSend,
  planVacatedRecord,
  type SendLimits,
  staleChangeTargets,
  type UserAccount,
} from './phone-record.js';
import type { NumberHolders, NumberMoves, PhoneRecordStore, UserFamilies, UserPasskeyDeletion } from './ports.js';
import { newSession, type SessionDeps } from './sessions.js';
import type { TokenPair } from './tokens.js';

/** Who an access token speaks for: its `sub`, the `phone_number` and the session epoch it was issued with. */
export interface AccountSubject {
  readonly userId: string;
  readonly phoneNumber: string;
  readonly sessionEpoch: number;
  /** The token's `auth_time`; undefined when it has none, or none that parses (never a recent login). */
  readonly authTime?: number | undefined;
}

/**
 * Whether the token's session is still the user's on the record's number: not deleted, not moved
 * away, and not signed out everywhere since (the epoch). An access token of an ended session can
 * still reach APIs that only check its signature until it expires, but never read, move or delete
 * the account.
 */
function holdsNumber(record: PhoneRecord, subject: AccountSubject): record is PhoneRecord & { user: UserAccount } {
  return isTokenHolder(record.user, subject);
}

function isTokenHolder(holder: NumberHolder | undefined, subject: AccountSubject): holder is NumberHolder {
  return (
    holder?.status === 'active' &&
    holder.userId === subject.userId &&
    (holder.sessionEpoch ?? 0) === subject.sessionEpoch
  );
}

/**
 * The user an access token names, if it still holds the token's number: one read. A token of a deleted
 * account, or one issued before the number moved, answers `invalid_token`.
 */
export async function currentAccount(
  deps: { readonly holders: NumberHolders; readonly clock: Clock },
  subject: AccountSubject,
): Promise<NumberHolder> {
  const holder = await deps.holders.holderOf(subject.phoneNumber, epochSeconds(deps.clock));
  if (!isTokenHolder(holder, subject)) throw new AuthError('invalid_token', { detail: 'account_gone' });
  return holder;
}

export interface DeleteAccountDeps {
  readonly records: PhoneRecordStore;
  readonly families: UserFamilies;
  readonly passkeys: UserPasskeyDeletion;
  readonly clock: Clock;
  readonly policy: SendLimits;
}

/** What a deletion or a move left to tidy: families removed, and the error if removing them failed. */
export interface FamilyCleanup {
  readonly familiesDeleted: number;
  /** The account change itself is done; the families left are already ended and expire on their own. */
  readonly cleanupError?: unknown;
}

// Families are ended by the record write before this runs; deleting them is tidying, so a failure
// here must not turn a completed deletion or move into an error the client would retry.
async function deleteFamiliesOf(families: UserFamilies, userId: string, keep?: string): Promise<FamilyCleanup> {
  try {
    const ids = (await families.familyIdsOf(userId)).filter((id) => id !== keep);
    await families.deleteFamilies(ids);
    return { familiesDeleted: ids.length };
  } catch (error) {
    return { familiesDeleted: 0, cleanupError: error };
  }
}

/** What a deletion left to tidy: the families' part, and the error if deleting the passkeys failed. */
export interface AccountDeletion extends FamilyCleanup {
  /**
   * The account is gone; its passkey item is left, and unlike the families nothing expires it. It can
   * sign nobody in (a passkey sign-in checks that its user holds the item's number, and no record
   * names the user any more), but it keeps the user's public keys and names: an operator removes it
   * (`npm run users -- passkeys remove <user id> --all`).
   */
  readonly passkeyCleanupError?: unknown;
}

/**
 * Deletes the account of the token's user. One conditional write ends it: the number's record loses
 * the user (and is kept only as the abuse counters every number has, until they age), so from that
 * moment every refresh family of the user fails its owner check and `GET /me` refuses its access
 * tokens. The passkey item is then deleted, and the families, found through the user index.
 *
 * The passkeys after the write, not before: an enrolment's transaction checks that the user holds the
 * number, so one that commits after the record is vacated fails, and one that committed before it is
 * in the item this deletes. Deleted first, an enrolment landing in between would outlive the account.
 * `by` (the user through `DELETE /me`, or an operator) is written with the record: the `UserDeleted`
 * event's initiator.
 */
export async function deleteAccount(
  deps: DeleteAccountDeps,
  subject: AccountSubject,
  by: Initiator,
): Promise<AccountDeletion> {
  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(deps.clock);
    const { record, version } = await deps.records.get(subject.phoneNumber, now);
    if (!holdsNumber(record, subject)) throw new AuthError('invalid_token', { detail: 'account_gone' });
    // Conditioned on the version read: a login finishing meanwhile makes us read again.
    const vacated = planVacatedRecord(record, now, deps.policy, { kind: 'deleted', by });
    if (await deps.records.save(vacated, version)) {
      const passkeys = await deletePasskeysOf(deps.passkeys, subject.userId);
      const cleanup = { ...(await deleteFamiliesOf(deps.families, subject.userId)), ...passkeys };
      // Every change the user asked for still names it on the other number: withdraw each.
      const targets = (record.pendingChanges ?? []).map((c) => c.phoneNumber);
      try {
        await withdrawChanges(deps.records, targets, subject.userId);
        return cleanup;
      } catch (error) {
        return { ...cleanup, cleanupError: cleanup.cleanupError ?? error };
      }
    }
  }
  throw new AuthError('rate_limited', { retryAfterSeconds: 1 });
}

// As for the families: the account is already gone, so a failure is reported, never answered.
async function deletePasskeysOf(
  passkeys: UserPasskeyDeletion,
  userId: string,
): Promise<Pick<AccountDeletion, 'passkeyCleanupError'>> {
  try {
    await passkeys.deletePasskeysOf(userId);
    return {};
  } catch (error) {
    return { passkeyCleanupError: error };
  }
}

/** Withdraws the user's changes on each number (a no-op where the change is no longer the user's). */
async function withdrawChanges(records: PhoneRecordStore, targets: readonly string[], userId: string): Promise<void> {
  const results = await Promise.allSettled(targets.map((target) => records.withdrawChange(target, userId)));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export interface RequestNumberChangeDeps extends SendOtpDeps {
  /** The secret a change code is derived from; random in production. */
  readonly newChangeSecret?: () => string;
}

/**
 * Sends a code to the number the user wants to move to. The new number gets every rule of
 * `/send-otp` (country, number type, lockout, cooldown, hour/day, per-IP and per-country limits)
 * whatever the signup mode. Every request that gets this far first costs the caller one send of their
 * own number's hour and day budget, before the new number is looked at: whatever its state (free,
 * taken, locked, in cooldown, at its cap, its country spent), the answer tells the caller something
 * about it, so an account learns at most `SEND_MAX_PER_DAY` such facts a day and cannot spray codes
 * at many numbers faster than its send limits (not its cooldown: a user may change the number right
 * after logging in). A number held by another user answers `409 phone_number_taken`, charged to the
 * caller only: the other user's record is not touched.
 */
export async function requestNumberChange(
  deps: RequestNumberChangeDeps,
  input: { subject: AccountSubject; phoneNumber: string; sourceIp: string },
): Promise<SendOtpResult> {
  const { policy } = deps;
  const { subject } = input;
  const phone = parseNewNumber(input.phoneNumber, subject, policy);
  const testCode = policy.testPhoneNumbers.get(phone.e164);
  const charges = new SendCharges(deps, phone, input.sourceIp, testCode !== undefined);
  let callerWritten = false;

  return charges.settle(async () => {
    for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
      const now = epochSeconds(deps.clock);
      const caller = await deps.records.get(subject.phoneNumber, now);
      if (!holdsNumber(caller.record, subject)) throw new AuthError('invalid_token', { detail: 'account_gone' });
      const target = await deps.records.get(phone.e164, now);
      const taken = target.record.user?.status === 'active';
      // The caller pays before any refusal that depends on the target. Test numbers cost nothing, as
      // on /send-otp, but their change is listed too, so that a deletion withdraws it like any other.
      const changeTo = taken ? undefined : phone.e164;
      if (!callerWritten && (!testCode || changeTo !== undefined)) {
        if (!testCode) assertSendAllowed(caller.record, now, policy, { cooldown: false });
        // Changes whose code has expired are withdrawn before the record forgets them.
        await withdrawChanges(deps.records, staleChangeTargets(caller.record, now, policy), subject.userId);
        const charged = planCallerCharge(caller.record, now, policy, changeTo, { countSend: !testCode });
        if (!(await deps.records.save(charged, caller.version))) continue;
        callerWritten = true;
      }
      if (taken) {
        await charges.chargeIp(now);
        charges.answered();
        throw new AuthError('phone_number_taken');
      }
      assertNotLocked(target.record, now, policy);
      if (!testCode) assertSendAllowed(target.record, now, policy);
      await charges.chargeIp(now);
      // As on /send-otp: counted once every other check has passed, given back if nothing is sent.
      await charges.chargeCountry(now);

      const change = { userId: subject.userId, secret: deps.newChangeSecret?.() ?? newTotpSecret() };
      const { next, step } = planNumberChangeSend(target.record, change, now, policy);
      if (!(await deps.records.save(next, target.version))) continue;
      await assertStillHolder(deps.records, subject, phone.e164, now);
      charges.recorded();
      if (testCode) return { expiresIn: policy.otpTtlSeconds, outcome: 'test_number', phone };
      await deliverCode(deps, phone, codeAtStep(change.secret, step), next);
      return { expiresIn: policy.otpTtlSeconds, outcome: 'sent', phone };
    }
    throw new AuthError('rate_limited', { retryAfterSeconds: 1 });
  });
}

/**
 * Re-reads the caller after the change was written on the new number. A deletion (or a sign out
 * everywhere) that landed between the caller's write, which listed the new number, and the change's
 * write could not withdraw a change not yet there; every such deletion committed before this read, so
 * the change is withdrawn here and nothing is sent. Any later deletion finds the change and withdraws
 * it itself. Either way no record keeps the user's id or a change secret.
 */
async function assertStillHolder(
  records: PhoneRecordStore,
  subject: AccountSubject,
  changedNumber: string,
  now: number,
): Promise<void> {
  const { record } = await records.get(subject.phoneNumber, now);
  if (holdsNumber(record, subject)) return;
  await records.withdrawChange(changedNumber, subject.userId);
  throw new AuthError('invalid_token', { detail: 'account_gone' });
}

function parseNewNumber(raw: string, subject: AccountSubject, policy: OtpPolicy): PhoneNumber {
  const phone = parseAllowedPhone(raw, policy);
  // Already the user's number: nothing to move, and no SMS to send for it.
  if (phone.e164 === subject.phoneNumber) throw new AuthError('invalid_request', { detail: 'same_number' });
  return phone;
}

export interface ConfirmNumberChangeDeps extends Omit<SessionDeps, 'refreshFamilies'>, NumberChangeNoticeDeps {
  readonly records: PhoneRecordStore;
  /** The user's login secret on the new number; random in production. */
  readonly newTotpSecret?: () => string;
  readonly moves: NumberMoves;
  readonly families: UserFamilies;
  readonly policy: OtpPolicy;
}

export interface ConfirmNumberChangeResult extends FamilyCleanup {
  readonly tokens: TokenPair;
  readonly userId: string;
  readonly phone: PhoneNumber;
  /** The SMS telling the old number of the move: sent after it, and never a reason for it to fail. */
  readonly notice: NumberChangeNotice;
}

/**
 * Moves the user to the new number with the code sent to it. The user keeps its id; the new tokens
 * carry the new number. One transaction writes both records and the new session, so at no moment
 * can both numbers, or neither, log in to the user, and a crash cannot lose it; the move also moves
 * the user's session epoch on, which ends every other family of the user (then deleted). Wrong codes
 * spend the new number's attempt budget, as on `/verify-otp`. Once moved, the old number is told by
 * one SMS; a refused or failed move sends it nothing.
 */
export async function confirmNumberChange(
  deps: ConfirmNumberChangeDeps,
  input: { subject: AccountSubject; phoneNumber: string; otp: string },
): Promise<ConfirmNumberChangeResult> {
  const { policy } = deps;
  const { subject } = input;
  // Malformed is no guess: refused before the number is looked at, no attempt spent.
  if (!isWellFormedCode(input.otp)) throw new AuthError('invalid_request');
  const phone = parseNewNumber(input.phoneNumber, subject, policy);
  const testCode = policy.testPhoneNumbers.get(phone.e164);

  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(deps.clock);
    const target = await deps.records.get(phone.e164, now);
    const lock = assertNotLocked(target.record, now, policy);
    const pending = pendingCodeAt(target.record, now);
    const change = target.record.change;
    // The same work whether or not a change is pending, as for a login.
    const expected = testCode ?? codeAtStep(change?.secret ?? DECOY_SECRET, pending?.step ?? totpStepAt(now));
    const matched = codesMatch(expected, input.otp) && pending !== undefined && change?.userId === subject.userId;
    if (!matched) {
      await countWrongCode(deps, { ...target, now, lock });
      continue;
    }
    // Taken since the code was sent (an operator added the number, say): the move would overwrite
    // that user, so it is refused like a request for a taken number.
    if (target.record.user?.status === 'active') throw new AuthError('phone_number_taken');
    const caller = await deps.records.get(subject.phoneNumber, now);
    if (!holdsNumber(caller.record, subject)) throw new AuthError('invalid_token', { detail: 'account_gone' });
    const moved = planMovedRecord(
      target.record,
      caller.record.user,
      now,
      deps.newTotpSecret?.() ?? newTotpSecret(),
      subject.phoneNumber,
      caller.record.pendingChanges,
    );
    const { family, tokens } = await newSession(
      deps,
      { userId: subject.userId, phoneNumber: phone.e164 },
      moved.user?.sessionEpoch ?? 0,
      // With a claims hook, asked here: after the code matched, before the move's transaction.
      'number_change',
    );
    const done = await deps.moves.moveUser({
      vacated: planVacatedRecord(caller.record, now, policy, { kind: 'moved_out' }),
      fromVersion: caller.version,
      moved,
      toVersion: target.version,
      family,
    });
    if (!done) continue; // either record changed since read: read both again and decide again
    const cleanup = await deleteFamiliesOf(deps.families, subject.userId, family.familyId);
    const notice = await noticeNumberChanged(deps, subject.phoneNumber);
    return { tokens, userId: subject.userId, phone, ...cleanup, notice };
  }
  return refuseAfterLostRaces(deps, phone.e164);
}
