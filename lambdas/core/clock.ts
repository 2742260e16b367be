/** Time is an input: tests move a clock instead of sleeping. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

export const HOUR = 3600;
export const DAY = 86_400;

/**
 * How often a request that lost a write race re-reads and decides again. Past it the key is under
 * attack, and the request is refused (429) rather than retried further: never a 5xx.
 */
export const MAX_WRITE_TRIES = 4;
