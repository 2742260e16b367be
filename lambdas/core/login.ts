import { randomUUID } from 'node:crypto';
import { type Clock, epochSeconds, HOUR, MAX_WRITE_TRIES } from './clock.js';
import { type CountryBudget, CountryBudgetSpentError, type CountryBudgets, countryBudgetOf } from './country-budget.js';
import { AuthError } from './errors.js';
import { codeAtStep, codesMatch, isWellFormedCode, newTotpSecret, totpStepAt } from './otp-code.js';
import { type PhoneNumber, type PhoneNumberType, parsePhoneNumber } from './phone.js';
import {
  assertNotLocked,
  assertSendAllowed,
  lockState,
  type PhoneRecord,
  pendingCodeAt,
  planSend,
  planUnknownNumberSend,
  retentionFields,
  type SendLimits,
  type UserAccount,
} from './phone-record.js';
import type {
  CountryCharge,
  CountrySendLimiter,
  IpRateLimiter,
  PhoneRecordStore,
  SigningKeySource,
  SmsSender,
  VersionedPhoneRecord,
} from './ports.js';
import { issueTokens, type SessionDeps } from './sessions.js';
import { renderOtpSms } from './sms-message.js';
import type { TokenPair } from './tokens.js';

export interface OtpPolicy extends SendLimits {
  readonly signupMode: 'open' | 'closed';
  readonly smsTemplate: string;
  /** Templates by destination country; others get `smsTemplate`. */
  readonly smsTemplates: ReadonlyMap<string, string>;
  readonly androidAppHash: string | undefined;
  readonly webOtpDomain: string | undefined;
  readonly sendMaxPerIpPerHour: number;
  /** Per destination country and hour; undefined: no country cap. */
  readonly sendMaxPerCountryPerHour: CountryBudgets | undefined;
  readonly allowedCountries: readonly string[];
  /**
   * Non-geographic calling codes (`881`, without `+`) whose numbers may get a code: satellite and
   * other global-service numbers are typed MOBILE, cost far more than a country's, and no user of a
   * country-scoped service needs them, so each must be named.
   */
  readonly allowedGlobalCallingCodes: readonly string[];
  /** libphonenumber types a code may be sent to; premium rate, toll-free and the like are where SMS pumping pays. */
  readonly allowedNumberTypes: readonly PhoneNumberType[];
  readonly testPhoneNumbers: ReadonlyMap<string, string>;
}

export interface SendOtpDeps {
  readonly records: PhoneRecordStore;
  readonly ipLimiter: IpRateLimiter;
  readonly countryLimiter: CountrySendLimiter;
  readonly sms: SmsSender;
  readonly clock: Clock;
  readonly policy: OtpPolicy;
  readonly newUserId?: () => string;
}

export interface SendOtpResult {
  readonly expiresIn: number;
  /** What happened, for logs and metrics only: the client sees the same answer for all of them. */
  readonly outcome: 'sent' | 'test_number' | 'unknown_number';
  readonly phone: PhoneNumber;
}

/**
 * Parses a number a code may be sent to, or refuses it before anything is read, written or sent:
 * every route that sends a code (or checks one) calls this. The country comes first, so a number
 * from a country not served says so whatever its type. A number of no country (+800, +870, +881, ...)
 * is served only when `allowedGlobalCallingCodes` names its code, whatever the countries are.
 */
export function parseAllowedPhone(
  raw: string,
  policy: Pick<OtpPolicy, 'allowedCountries' | 'allowedNumberTypes' | 'allowedGlobalCallingCodes'>,
): PhoneNumber {
  const phone = parsePhoneNumber(raw);
  const allowed = policy.allowedCountries;
  if (!phone.country) {
    if (!policy.allowedGlobalCallingCodes.includes(phone.callingCode)) {
      throw new AuthError(allowed.length > 0 ? 'country_not_allowed' : 'unsupported_phone_number', {
        detail: `global calling code +${phone.callingCode}`,
      });
    }
  } else if (allowed.length > 0 && !allowed.includes(phone.country)) {
    throw new AuthError('country_not_allowed');
  }
  if (!phone.type || !policy.allowedNumberTypes.includes(phone.type)) {
    throw new AuthError('unsupported_phone_number', { detail: phone.type ?? 'no type' });
  }
  return phone;
}

export { renderOtpSms, renderSms } from './sms-message.js';

function newUser(deps: SendOtpDeps, now: number): UserAccount {
  return {
    userId: deps.newUserId?.() ?? randomUUID(),
    totpSecret: newTotpSecret(),
    status: 'pending',
    createdAt: now,
  };
}

/**
 * Sends a code to a number. Order matters: every check that can refuse runs before anything is
 * written or sent, and the per-number limits are re-checked on every lost write race. The per-IP and
 * per-country units taken before the record write are given back if the request ends without
 * sending (see {@link SendCharges}).
 */
export async function sendOtp(
  deps: SendOtpDeps,
  input: { phoneNumber: string; sourceIp: string },
): Promise<SendOtpResult> {
  const { policy } = deps;
  const phone = parseAllowedPhone(input.phoneNumber, policy);
  const testCode = policy.testPhoneNumbers.get(phone.e164);
  const answer = (outcome: SendOtpResult['outcome']): SendOtpResult => ({
    expiresIn: policy.otpTtlSeconds,
    outcome,
    phone,
  });
  const charges = new SendCharges(deps, phone, input.sourceIp, testCode !== undefined);

  return charges.settle(async () => {
    for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
      const now = epochSeconds(deps.clock);
      const { record, version } = await deps.records.get(phone.e164, now);
      assertNotLocked(record, now, policy);
      // Test numbers cost nothing, so they skip the send limits; never the attempt budget.
      if (!testCode) assertSendAllowed(record, now, policy);
      await charges.chargeIp(now);
      // Closed signup: an unknown number gets the very same answer and no SMS. Its send is still
      // counted, so the cooldown and hour/day limits cannot tell it from a known number.
      if (!record.user && policy.signupMode === 'closed') {
        // Nothing is sent, so nothing is counted; but a spent country budget must refuse it as it
        // would refuse a known number, or the 429s of a spent hour would tell which numbers have accounts.
        await charges.checkCountry(now);
        if (!(await deps.records.save(planUnknownNumberSend(record, now, policy), version))) continue;
        charges.recorded();
        return answer('unknown_number');
      }
      // Counted last, once every other check has passed; held across lost write races and given back
      // if the request ends without sending, so the budget counts exactly the SMS sent.
      await charges.chargeCountry(now);

      const user = record.user ?? newUser(deps, now);
      const { next, step } = planSend(record, user, now, policy);
      if (!(await deps.records.save(next, version))) continue;
      charges.recorded();
      if (testCode) return answer('test_number');

      await deliverCode(deps, phone, codeAtStep(user.totpSecret, step), next);
      return answer('sent');
    }
    throw new AuthError('rate_limited', { retryAfterSeconds: 1 });
  });
}

/**
 * The per-IP and per-destination-country counters a request that texts a code spends: each at most
 * once per request, however often its record write is retried. A test number is never texted, so it
 * spends neither. Shared by every route that sends a code, so each holds the same limits.
 *
 * Units are taken before the version-conditioned record write (a limit must hold before anything is
 * written) and held across lost write races; {@link settle} gives back what a request that ends in an
 * error holds but did not use:
 * - the country unit unless an SMS may have left: kept once the record write succeeded, except when
 *   the provider refused the message (`sms_unavailable`: nothing was sent), so a country's budget goes
 *   down by exactly the SMS sent to it;
 * - the IP unit unless the request's final attempt passed the per-number checks: the IP budget counts
 *   requests answered on their merits (sent, answered as if sent, refused by the country budget or by
 *   the provider, or a number-change target found taken), not requests refused by a per-number limit
 *   after losing a race, which would have cost nothing had they lost no race.
 */
export class SendCharges {
  private readonly countryBudget: CountryBudget | undefined;
  private ipChargedAt: number | undefined;
  private ipEarned = false;
  private countryCharge: CountryCharge | undefined;
  // Checked without counting (an unknown number); a retry that finds a user still counts.
  private countryChecked = false;
  private written = false;

  constructor(
    private readonly deps: Pick<SendOtpDeps, 'ipLimiter' | 'countryLimiter' | 'policy'>,
    phone: PhoneNumber,
    private readonly sourceIp: string,
    private readonly testNumber: boolean,
  ) {
    this.countryBudget = testNumber ? undefined : countryBudgetOf(phone, deps.policy.sendMaxPerCountryPerHour);
  }

  /** Counts the request in its client IP's hour; `rate_limited` until the hour ends when it is full. */
  async chargeIp(now: number): Promise<void> {
    if (this.testNumber || this.ipChargedAt !== undefined) return;
    if (!(await this.deps.ipLimiter.tryConsume(this.sourceIp, now, this.deps.policy.sendMaxPerIpPerHour))) {
      throw new AuthError('rate_limited', { retryAfterSeconds: HOUR - (now % HOUR) });
    }
    this.ipChargedAt = now;
  }

  /** Counts the send in its destination country's hour: call it once every other check has passed. */
  async chargeCountry(now: number): Promise<void> {
    const budget = this.countryBudget;
    if (!budget || this.countryCharge) return;
    const charge = await this.deps.countryLimiter.tryConsume(budget.key, now, budget.maxPerHour);
    if (!charge) {
      this.ipEarned = true;
      throw new CountryBudgetSpentError(budget.key, now);
    }
    this.countryCharge = charge;
  }

  /** Refuses as {@link chargeCountry} would, counting nothing: for a request that sends nothing. */
  async checkCountry(now: number): Promise<void> {
    const budget = this.countryBudget;
    if (!budget || this.countryChecked) return;
    if (!(await this.deps.countryLimiter.hasRoom(budget.key, now, budget.maxPerHour))) {
      this.ipEarned = true;
      throw new CountryBudgetSpentError(budget.key, now);
    }
    this.countryChecked = true;
  }

  /** The request is answered on the target's state without a send (a taken number): its IP unit stays. */
  answered(): void {
    this.ipEarned = true;
  }

  /** The record write that commits the send succeeded: from here on an SMS may leave. */
  recorded(): void {
    this.written = true;
    this.ipEarned = true;
  }

  /** Runs the request; if it ends in an error, gives back the units it holds but did not use. */
  async settle<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      await this.release(error);
      throw error;
    }
  }

  private async release(error: unknown): Promise<void> {
    const providerRefused = error instanceof AuthError && error.code === 'sms_unavailable';
    const country = this.countryCharge;
    const refunds: Promise<void>[] = [];
    if (country && (!this.written || providerRefused)) refunds.push(this.deps.countryLimiter.refund(country));
    if (this.ipChargedAt !== undefined && !this.ipEarned) {
      refunds.push(this.deps.ipLimiter.refund(this.sourceIp, this.ipChargedAt));
    }
    // A refund that fails keeps its unit: the limit errs on the strict side, and the request's own
    // answer (the error being thrown) is what the client must see.
    await Promise.allSettled(refunds);
  }
}

/**
 * Sends the code of the record just written (`written.code`) and starts its lifetime when the
 * provider accepted the message, not when it was reserved.
 */
export async function deliverCode(
  deps: Pick<SendOtpDeps, 'records' | 'sms' | 'clock' | 'policy'>,
  phone: PhoneNumber,
  code: string,
  written: PhoneRecord,
): Promise<void> {
  const { policy } = deps;
  const step = written.code?.step ?? 0;
  const message = renderOtpSms(
    { default: policy.smsTemplate, byCountry: policy.smsTemplates },
    phone.country,
    code,
    policy.otpTtlSeconds,
    policy,
  );
  try {
    await deps.sms.send(phone.e164, message);
  } catch (error) {
    // The send stays counted (a failing provider cannot be hammered) but its code must not work.
    // Nothing was sent whether or not the cancel lands, so the answer stays `sms_unavailable` (and
    // the country unit goes back); a code that could not be cancelled expires with its TTL unseen.
    const cancelled = await deps.records.cancelCode(phone.e164, step).then(
      () => undefined,
      (cancelError: unknown) => cancelError,
    );
    const cause =
      cancelled === undefined
        ? error
        : new Error(`SMS provider refused (${String(error)}); cancelling the unsent code failed too`, {
            cause: cancelled,
          });
    throw new AuthError('sms_unavailable', { cause });
  }
  const expiresAt = epochSeconds(deps.clock) + policy.otpTtlSeconds;
  if (written.code && expiresAt > written.code.expiresAt) await deps.records.extendCode(phone.e164, step, expiresAt);
}

export interface VerifyOtpDeps extends SessionDeps {
  readonly records: PhoneRecordStore;
  readonly keys: SigningKeySource;
  readonly policy: OtpPolicy;
}

export interface VerifyOtpResult {
  readonly tokens: TokenPair;
  readonly userId: string;
  readonly phone: PhoneNumber;
}

// Wrong guesses for unknown numbers do the same work as for known ones.
export const DECOY_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function matchesPendingCode(
  record: PhoneRecord,
  presented: string,
  now: number,
  testCode: string | undefined,
): boolean {
  const pending = pendingCodeAt(record, now);
  const expected = testCode ?? codeAtStep(record.user?.totpSecret ?? DECOY_SECRET, pending?.step ?? totpStepAt(now));
  // A number change's code (record.change) is never a login code, even for the right digits.
  return codesMatch(expected, presented) && pending !== undefined && record.user !== undefined && !record.change;
}

/**
 * Trades a code for tokens. A wrong code, an unknown number, an expired, used or missing code all
 * answer the same `invalid_otp`, and all of them spend one attempt of the number's budget.
 */
export async function verifyOtp(
  deps: VerifyOtpDeps,
  input: { phoneNumber: string; otp: string },
): Promise<VerifyOtpResult> {
  const { policy } = deps;
  // A malformed code is a malformed request, refused before the number is looked at: it is no
  // guess, so it never counts against the attempt budget.
  if (!isWellFormedCode(input.otp)) throw new AuthError('invalid_request');
  const phone = parseAllowedPhone(input.phoneNumber, policy);
  const testCode = policy.testPhoneNumbers.get(phone.e164);

  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(deps.clock);
    const { record, version, stale } = await deps.records.get(phone.e164, now);
    const lock = assertNotLocked(record, now, policy);

    if (matchesPendingCode(record, input.otp, now, testCode)) {
      const user = record.user as UserAccount;
      const step = (record.code as { step: number }).step;
      // Tokens first, code second: a missing key, a failing claims hook (asked before the family is
      // written) or a failed write must not cost the user their code: they retry with the same one.
      // A family whose code then loses the race is never handed out and expires on its own.
      const tokens = await issueTokens(deps, { userId: user.userId, phoneNumber: phone.e164 }, user.sessionEpoch ?? 0);
      const consumed = await deps.records.consumeCode(phone.e164, {
        step,
        now,
        maxAttempts: policy.otpMaxAttempts,
        lockoutSeconds: policy.otpLockoutSeconds,
      });
      if (consumed) return { tokens, userId: user.userId, phone };
      // Lost the race for this code: someone else spent it, or the number just got locked.
      const { record: latest } = await deps.records.get(phone.e164, now);
      assertNotLocked(latest, now, policy);
      throw new AuthError('invalid_otp');
    }

    await countWrongCode(deps, { record, version, stale, now, lock });
  }
  return refuseAfterLostRaces(deps, phone.e164);
}

/**
 * Spends one attempt of the number's budget on a wrong code and throws `invalid_otp`; returns only
 * when the guarded write lost a race, for the caller to re-read and decide again.
 */
export async function countWrongCode(
  deps: { readonly records: PhoneRecordStore; readonly policy: SendLimits },
  read: VersionedPhoneRecord & { readonly now: number; readonly lock: { readonly failedAttempts: number } },
): Promise<void> {
  const { policy } = deps;
  const { record, version, now } = read;
  if (read.stale) {
    // An item past its retention still holds old counters: replace it instead of adding to them.
    const fresh: PhoneRecord = {
      ...record,
      failedAttempts: 1,
      lastFailedAt: now,
      ...retentionFields(record.user, now, policy),
    };
    if (!(await deps.records.save(fresh, version))) return;
    throw new AuthError('invalid_otp');
  }
  // An aged count (or none) starts again at one; a live one grows, under the same ageing rule.
  const counted = await deps.records.recordFailedAttempt(record.phoneNumber, {
    now,
    maxAttempts: policy.otpMaxAttempts,
    lockoutSeconds: policy.otpLockoutSeconds,
    restart: read.lock.failedAttempts === 0,
    ...retentionFields(record.user, now, policy),
  });
  if (counted.outcome === 'refused') return;
  throw new AuthError('invalid_otp');
}

/** Still losing races after several re-reads: the number is being hammered, and the guard held. */
export async function refuseAfterLostRaces(
  deps: { readonly records: PhoneRecordStore; readonly policy: SendLimits; readonly clock: Clock },
  phoneNumber: string,
): Promise<never> {
  const now = epochSeconds(deps.clock);
  const { record } = await deps.records.get(phoneNumber, now);
  const state = lockState(record, now, deps.policy);
  throw new AuthError(state.locked ? 'too_many_attempts' : 'rate_limited', {
    retryAfterSeconds: state.locked ? state.retryAfterSeconds : 1,
  });
}

/**
 * Provisions a user ahead of their first login (closed signup): active at once, so it never expires.
 * A pending user (say, left from open signup) is made active too; active users are left as they are.
 */
export async function provisionUser(
  records: PhoneRecordStore,
  phoneNumber: string,
  clock: Clock,
): Promise<'created' | 'activated' | 'exists'> {
  const phone = parsePhoneNumber(phoneNumber);
  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(clock);
    const { record, version } = await records.get(phone.e164, now);
    if (record.user?.status === 'active') return 'exists';
    const user: UserAccount = record.user
      ? { ...record.user, status: 'active' }
      : { userId: randomUUID(), totpSecret: newTotpSecret(), status: 'active', createdAt: now };
    const { retainUntil: _dropped, ...rest } = record;
    // The marker makes this write the `UserCreated` event of an operator's user.
    const created = {
      ...rest,
      phoneNumber: phone.e164,
      user,
      holderChange: { kind: 'created', by: 'operator' },
    } as const;
    if (await records.save(created, version)) {
      return record.user ? 'activated' : 'created';
    }
  }
  throw new AuthError('service_unavailable');
}
