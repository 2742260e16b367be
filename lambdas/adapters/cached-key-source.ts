import type { Clock } from '../core/clock.js';
import type { KeySet } from '../core/signing-keys.js';

/**
 * Keeps what `inner` loaded (the key set, or the published public keys) for `ttlSeconds`, so a warm
 * container reads it once per TTL and picks up a rotated key within it. The promise itself is
 * cached: concurrent first calls share one read. A failed read is not cached.
 */
export class CachedKeySource<T = KeySet> {
  private cached: { promise: Promise<T>; loadedAt: number } | undefined;

  constructor(
    private readonly inner: { load(): Promise<T> },
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  load(): Promise<T> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.loadedAt < this.ttlSeconds * 1000) return this.cached.promise;
    const promise = this.inner.load();
    const entry = { promise, loadedAt: now };
    this.cached = entry;
    promise.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return promise;
  }
}
