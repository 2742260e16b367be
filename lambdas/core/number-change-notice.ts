import { type Clock, epochSeconds } from './clock.js';
import { countryBudgetOf } from './country-budget.js';
import type { OtpPolicy } from './login.js';
import { parsePhoneNumber } from './phone.js';
import { maskPhoneNumber } from './phone-mask.js';
import type { CountrySendLimiter, SmsSender } from './ports.js';
import { type SmsTemplates, templateFor } from './sms-message.js';

export interface NumberChangeNoticeDeps {
  /** Texts the number the account moved away from. */
  readonly sms: SmsSender;
  /** `SMS_NUMBER_CHANGED_TEMPLATE` and `SMS_NUMBER_CHANGED_TEMPLATES`: no code, no link. */
  readonly numberChangedNotice: SmsTemplates;
  readonly policy: Pick<OtpPolicy, 'testPhoneNumbers' | 'sendMaxPerCountryPerHour'>;
  /** The notice counts in its country's hourly budget like every SMS, though a spent one never stops it. */
  readonly countryLimiter: Pick<CountrySendLimiter, 'countSent'>;
  readonly clock: Clock;
}

/** What became of the notice; for logs and metrics, never for the client, whose move is done. */
export interface NumberChangeNotice {
  readonly outcome: 'sent' | 'test_number' | 'failed';
  /** The old number, masked: the only form a log may hold. */
  readonly maskedNumber: string;
  /** Why it was not sent, when it failed. */
  readonly error?: unknown;
  /** Sent, but counting it in its country's budget failed: the budget is short of one SMS. */
  readonly uncounted?: unknown;
}

/**
 * Tells the old number, once, that the number on its account was changed: if the move was not its
 * owner's (a stolen session that also passed the recent-login check), the owner learns of it at the
 * number the account was known by, rather than at the next login, which would find no account. Not
 * counted against the old number's send limits (it is one SMS per completed move, each of which cost
 * a code SMS to the new number), never sent to a test number, and never able to fail the move: a
 * provider error is returned for the caller to log and count.
 */
export async function noticeNumberChanged(
  deps: NumberChangeNoticeDeps,
  oldNumber: string,
): Promise<NumberChangeNotice> {
  let maskedNumber = maskPhoneNumber(oldNumber);
  try {
    if (deps.policy.testPhoneNumbers.has(oldNumber)) return { outcome: 'test_number', maskedNumber };
    const phone = parsePhoneNumber(oldNumber);
    maskedNumber = maskPhoneNumber(phone.e164, phone.callingCode);
    await deps.sms.send(phone.e164, templateFor(deps.numberChangedNotice, phone.country));
    const budget = countryBudgetOf(phone, deps.policy.sendMaxPerCountryPerHour);
    if (!budget) return { outcome: 'sent', maskedNumber };
    try {
      await deps.countryLimiter.countSent(budget.key, epochSeconds(deps.clock), budget.maxPerHour);
      return { outcome: 'sent', maskedNumber };
    } catch (uncounted) {
      return { outcome: 'sent', maskedNumber, uncounted };
    }
  } catch (error) {
    return { outcome: 'failed', maskedNumber, error };
  }
}
