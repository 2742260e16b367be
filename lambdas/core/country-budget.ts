import { HOUR } from './clock.js';
import { AuthError } from './errors.js';
import type { PhoneNumber } from './phone.js';

/** `SEND_MAX_PER_COUNTRY_PER_HOUR`: SMS per destination country per hour. */
export interface CountryBudgets {
  /** Budgets of the countries named (ISO 3166 alpha-2). */
  readonly byCountry: ReadonlyMap<string, number>;
  /** `*`: the budget of every other country, each its own; undefined leaves them uncapped. */
  readonly otherCountries: number | undefined;
}

/** The counter a number's sends count against, and its hourly budget; undefined when uncapped. */
export interface CountryBudget {
  /** The ISO country, or `+<calling code>` for a non-geographic plan (+800, +882, ...), each one its own. */
  readonly key: string;
  readonly maxPerHour: number;
}

export function countryBudgetOf(phone: PhoneNumber, budgets: CountryBudgets | undefined): CountryBudget | undefined {
  if (!budgets) return undefined;
  const key = phone.country ?? `+${phone.callingCode}`;
  const maxPerHour = budgets.byCountry.get(key) ?? budgets.otherCountries;
  return maxPerHour === undefined ? undefined : { key, maxPerHour };
}

/**
 * A country's budget for the hour is spent: `429 rate_limited`, like every other send limit, and
 * typed so the handler can count it per country without parsing a message.
 */
export class CountryBudgetSpentError extends AuthError {
  constructor(
    readonly country: string,
    now: number,
  ) {
    super('rate_limited', { retryAfterSeconds: HOUR - (now % HOUR), detail: 'country budget spent' });
  }
}
