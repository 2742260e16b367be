import { CountryBudgetSpentError } from '../core/country-budget.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** Counts a spent country budget, then lets the error answer its 429; any other error passes through. */
export function countingCountryBudget(telemetry: Telemetry): (error: unknown) => never {
  return (error) => {
    if (error instanceof CountryBudgetSpentError) {
      // Twice: the alarm on all countries reads the first, the per-country alarms the second.
      telemetry.count(METRIC.countryBudgetSpent);
      telemetry.countInCountry(METRIC.countryBudgetSpent, error.country);
    }
    throw error;
  };
}
