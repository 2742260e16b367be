import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Clock, epochSeconds, systemClock } from '../core/clock.js';
import type { SigningKeySource } from '../core/ports.js';
import {
  generateSigningKey,
  importKeySet,
  type KeySet,
  type KeySetDocument,
  parseKeySetDocument,
  planRotation,
} from '../core/signing-keys.js';

/** Local mode: the same key set document as the secret, in a file, generated on first use. */
export class FileKeySource implements SigningKeySource {
  constructor(
    private readonly path: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async ensure(): Promise<KeySetDocument> {
    try {
      return parseKeySetDocument(await readFile(this.path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const now = epochSeconds(this.clock);
    const doc = planRotation(undefined, await generateSigningKey(now), now, {
      publishLeadSeconds: 0,
      retainSeconds: 0,
    });
    await mkdir(dirname(this.path), { recursive: true });
    // Write aside, then link into place: link fails if the file exists, so two servers starting at
    // once never overwrite each other's key, and a reader never sees a half-written file.
    const staging = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(staging, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    try {
      await link(staging, this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(staging);
    }
    return parseKeySetDocument(await readFile(this.path, 'utf8'));
  }

  async load(): Promise<KeySet> {
    return importKeySet(await this.ensure(), epochSeconds(this.clock));
  }
}
