import { beforeEach, describe, expect, it } from 'vitest';
import { CachedKeySource } from '../../lambdas/adapters/cached-key-source.js';
import type { Clock } from '../../lambdas/core/clock.js';
import type { SigningKeySource } from '../../lambdas/core/ports.js';
import type { KeySet } from '../../lambdas/core/signing-keys.js';

const TTL_SECONDS = 300;
const START = Date.UTC(2025, 5, 1, 12, 0, 0);

/** The cache never looks inside a key set, so a labelled stand-in is enough to tell reads apart. */
function keySet(kid: string): KeySet {
  return { signing: { kid, key: new Uint8Array(32) }, publicJwks: [{ kid }], refreshHmacKey: Buffer.alloc(32) };
}

/** An inner source that answers each read with the next scripted outcome and counts the reads. */
class ScriptedKeySource implements SigningKeySource {
  reads = 0;
  private readonly outcomes: Array<() => Promise<KeySet>> = [];

  willLoad(...kids: string[]): void {
    for (const kid of kids) this.outcomes.push(() => Promise.resolve(keySet(kid)));
  }

  willFail(error: Error): void {
    this.outcomes.push(() => Promise.reject(error));
  }

  /** The next read stays pending until the returned function settles it. */
  willHang(kid: string): () => void {
    let settle: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.outcomes.push(() => gate.then(() => keySet(kid)));
    return () => settle();
  }

  load(): Promise<KeySet> {
    const outcome = this.outcomes[this.reads];
    this.reads += 1;
    if (!outcome) return Promise.reject(new Error(`unexpected read #${this.reads}`));
    return outcome();
  }
}

describe('CachedKeySource', () => {
  let t: number;
  const clock: Clock = { now: () => t };
  let inner: ScriptedKeySource;
  let cache: CachedKeySource;

  beforeEach(() => {
    t = START;
    inner = new ScriptedKeySource();
    cache = new CachedKeySource(inner, TTL_SECONDS, clock);
  });

  it('reads the inner source once for concurrent first loads', async () => {
    const release = inner.willHang('k1');

    const first = cache.load();
    const second = cache.load();
    release();

    expect(inner.reads).toBe(1);
    expect((await first).signing.kid).toBe('k1');
    expect((await second).signing.kid).toBe('k1');
  });

  it('answers from the cache until the TTL has passed', async () => {
    inner.willLoad('k1', 'k2');
    await cache.load();

    t = START + TTL_SECONDS * 1000 - 1;
    const keys = await cache.load();

    expect(inner.reads).toBe(1);
    expect(keys.signing.kid).toBe('k1');
  });

  it('reads again once the TTL has passed, so a rotated key is picked up', async () => {
    inner.willLoad('k1', 'k2');
    await cache.load();

    t = START + TTL_SECONDS * 1000;
    const keys = await cache.load();

    expect(inner.reads).toBe(2);
    expect(keys.signing.kid).toBe('k2');
  });

  it('keeps a reloaded key set for a full TTL from the reload', async () => {
    inner.willLoad('k1', 'k2', 'k3');
    await cache.load();
    t = START + TTL_SECONDS * 1000;
    await cache.load();

    t = START + 2 * TTL_SECONDS * 1000 - 1;
    const keys = await cache.load();

    expect(inner.reads).toBe(2);
    expect(keys.signing.kid).toBe('k2');
  });

  it('does not cache a failed load: the next call reads again, without waiting for the TTL', async () => {
    inner.willFail(new Error('secret unreachable'));
    inner.willLoad('k1');

    await expect(cache.load()).rejects.toThrow('secret unreachable');
    const keys = await cache.load();

    expect(inner.reads).toBe(2);
    expect(keys.signing.kid).toBe('k1');
  });

  it('does not keep serving a failed reload after the TTL: the next call reads again', async () => {
    inner.willLoad('k1');
    inner.willFail(new Error('secret unreachable'));
    inner.willLoad('k2');
    await cache.load();
    t = START + TTL_SECONDS * 1000;

    await expect(cache.load()).rejects.toThrow('secret unreachable');
    const keys = await cache.load();

    expect(inner.reads).toBe(3);
    expect(keys.signing.kid).toBe('k2');
  });
});
