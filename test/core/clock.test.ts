import { afterEach, describe, expect, it, vi } from 'vitest';
import { epochSeconds, systemClock } from '../../lambdas/core/clock.js';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the system time in milliseconds', () => {
    vi.useFakeTimers({ now: 1_800_000_000_123 });

    expect(systemClock.now()).toBe(1_800_000_000_123);
  });
});

describe('epochSeconds', () => {
  it('is the whole seconds of the clock, rounded down', () => {
    expect(epochSeconds({ now: () => 1_800_000_000_999 })).toBe(1_800_000_000);
    expect(epochSeconds({ now: () => 1_800_000_001_000 })).toBe(1_800_000_001);
  });
});
