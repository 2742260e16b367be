import { SETTINGS, type Setting } from '../lambdas/config.js';

/**
 * A context key spelled like a setting (upper case, digits, underscores, as `ALLOWED_COUNTRY`): the
 * CDK's own keys are camelCase or carry `:` or `@` (`aws:cdk:...`, `@aws-cdk/...`), and so are this
 * app's flags (`production`, `configFromEnv`).
 */
const SETTING_LIKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * Why some context keys cannot be taken, or undefined: each key that looks like a setting but is
 * none, with the known setting closest to it, and each setting the stack sets itself. `-c KEY=value`
 * with a typo was silently ignored, so a deploy went out without the limit its operator asked for.
 */
export function unknownSettingsProblem(keys: readonly string[]): string | undefined {
  const settings = Object.values(SETTINGS) as Setting[];
  const problems: string[] = [];
  for (const key of keys) {
    if (!SETTING_LIKE.test(key)) continue;
    const known = settings.find((setting) => setting.name === key);
    if (known?.stackOwned) {
      problems.push(`-c ${key} is set by the stack itself and cannot be given as context`);
    } else if (!known) {
      problems.push(`-c ${key} is not a setting: did you mean ${closestSetting(key, settings)}?`);
    }
  }
  if (problems.length === 0) return undefined;
  return `${problems.join('\n')}\nThe settings are listed in the README's configuration table.`;
}

/**
 * The configurable setting nearest to `key` by edit distance; the first in table order on a tie. A
 * setting the key is cut from, or that the key extends, comes first (`SEND_MAX_PER_COUNTRY` means
 * `SEND_MAX_PER_COUNTRY_PER_HOUR`, though `SEND_MAX_PER_DAY` is fewer edits away).
 */
export function closestSetting(key: string, settings: readonly Setting[] = Object.values(SETTINGS)): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const setting of settings) {
    if (setting.stackOwned) continue;
    const truncated = setting.name.startsWith(key) || key.startsWith(setting.name);
    // Any distance is below this bonus, as no name is 1000 characters long.
    const distance = editDistance(key, setting.name) - (truncated ? 1000 : 0);
    if (distance < bestDistance) {
      best = setting.name;
      bestDistance = distance;
    }
  }
  return best;
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
