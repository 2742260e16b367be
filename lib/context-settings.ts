import { SETTINGS, type Setting } from '../lambdas/config.js';

/**
 * A context key spelled like a setting (upper case, digits, underscores, as `ALLOWED_COUNTRY`): the
 * CDK's own keys are camelCase or carry `:` or `@` (`aws:cdk:...`, `@aws-cdk/...`), and so are this
 * app's flags (`production`, `configFromEnv`).
 */
const SETTING_LIKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** This app's own context flags (bin/app.ts), besides the settings. */
export const APP_FLAGS = [
  'production',
  'configFromEnv',
  'stackName',
  'keyRotationDays',
  'alarmTopicArn',
  'smsMonthlyBudgetUsd',
  'domainName',
  'certificateArn',
  'hostedZoneId',
  'hostedZoneName',
  'basePath',
  'keepExecuteApiEndpoint',
] as const;

/** A context key spelled like one of the app's flags: one word, or camelCase. The CDK's own carry `:`, `@` or `-`. */
const FLAG_LIKE = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Why some context keys cannot be taken, or undefined: each key that looks like a setting but is
 * none, with the known setting closest to it, each setting the stack sets itself, and each key that
 * looks like one of the app's flags but is none (`-c Production=true` would deploy outside
 * production). `-c KEY=value` with a typo was silently ignored, so a deploy went out without the
 * limit its operator asked for.
 */
export function unknownSettingsProblem(keys: readonly string[]): string | undefined {
  const settings = Object.values(SETTINGS) as Setting[];
  const problems: string[] = [];
  for (const key of keys) {
    if (!SETTING_LIKE.test(key)) {
      if (FLAG_LIKE.test(key) && !(APP_FLAGS as readonly string[]).includes(key)) {
        problems.push(`-c ${key} is not a flag of this app: did you mean ${closestFlag(key)}?`);
      }
      continue;
    }
    const known = settings.find((setting) => setting.name === key);
    if (known?.stackOwned) {
      problems.push(`-c ${key} is set by the stack itself and cannot be given as context`);
    } else if (!known) {
      problems.push(`-c ${key} is not a setting: did you mean ${closestSetting(key, settings)}?`);
    }
  }
  if (problems.length === 0) return undefined;
  return `${problems.join('\n')}\nThe settings are listed in the README's configuration table, the flags in its Deploy section.`;
}

/** The app flag nearest to `key`, ignoring case (`Production`, `basepath`). */
function closestFlag(key: string): string {
  return nearest(APP_FLAGS, (flag) => editDistance(key.toLowerCase(), flag.toLowerCase()));
}

/** The candidate of the smallest distance; the first on a tie. */
function nearest(candidates: readonly string[], distanceOf: (candidate: string) => number): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = distanceOf(candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The configurable setting nearest to `key` by edit distance; the first in table order on a tie. A
 * setting the key is cut from, or that the key extends, comes first (`SEND_MAX_PER_COUNTRY` means
 * `SEND_MAX_PER_COUNTRY_PER_HOUR`, though `SEND_MAX_PER_DAY` is fewer edits away).
 */
export function closestSetting(key: string, settings: readonly Setting[] = Object.values(SETTINGS)): string {
  const names = settings.filter((setting) => !setting.stackOwned).map((setting) => setting.name);
  return nearest(names, (name) => {
    const truncated = name.startsWith(key) || key.startsWith(name);
    // Any distance is below this bonus, as no name is 1000 characters long.
    return editDistance(key, name) - (truncated ? 1000 : 0);
  });
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
