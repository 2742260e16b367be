import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeySource } from '../../lambdas/adapters/file-key-source.js';
import { KeySetError, parseKeySetDocument } from '../../lambdas/core/signing-keys.js';

const NOW = 1_750_000_000;
/** A clock stopped at `seconds`. */
const at = (seconds: number) => ({ now: () => seconds * 1000 });
const now = at(NOW);

describe('FileKeySource', () => {
  let dir: string;
  let keyFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-key-source-'));
    keyFile = join(dir, '.local', 'signing-keys.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the key file on first load, with one key that signs at once', async () => {
    const keySet = await new FileKeySource(keyFile, now).load();

    const doc = parseKeySetDocument(await readFile(keyFile, 'utf8'));
    expect(doc.keys).toHaveLength(1);
    expect(doc.keys[0]).toMatchObject({ createdAt: NOW, activatesAt: NOW });
    expect(keySet.signing.kid).toBe(doc.keys[0]?.kid);
    expect(keySet.publicJwks.map((jwk) => jwk.kid)).toEqual([doc.keys[0]?.kid]);
  });

  it('makes the key file readable and writable by its owner only', async () => {
    await new FileKeySource(keyFile, now).load();

    const { mode } = await stat(keyFile);
    expect(mode & 0o777).toBe(0o600);
  });

  it('keeps the same key across restarts', async () => {
    const first = await new FileKeySource(keyFile, now).load();
    const written = await readFile(keyFile, 'utf8');

    const restarted = await new FileKeySource(keyFile, at(NOW + 86_400)).load();

    expect(restarted.signing.kid).toBe(first.signing.kid);
    expect(restarted.refreshHmacKey).toEqual(first.refreshHmacKey);
    expect(await readFile(keyFile, 'utf8')).toBe(written);
  });

  it('settles on one key when two servers start at once', async () => {
    const [a, b] = await Promise.all([new FileKeySource(keyFile, now).load(), new FileKeySource(keyFile, now).load()]);

    const doc = parseKeySetDocument(await readFile(keyFile, 'utf8'));
    expect(a.signing.kid).toBe(doc.keys[0]?.kid);
    expect(b.signing.kid).toBe(doc.keys[0]?.kid);
  });

  it('rejects a corrupt key file instead of replacing the key', async () => {
    await new FileKeySource(keyFile, now).load();
    await writeFile(keyFile, '{"version":1,"keys":[');

    await expect(new FileKeySource(keyFile, now).load()).rejects.toThrow(KeySetError);
    expect(await readFile(keyFile, 'utf8')).toBe('{"version":1,"keys":[');
  });
});
