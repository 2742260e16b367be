import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async ensure(): Promise<KeySetDocument> {
    try {
      return parseKeySetDocument(await readFile(this.path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const now = this.nowSeconds();
    const doc = planRotation(undefined, await generateSigningKey(now), now, {
      publishLeadSeconds: 0,
      retainSeconds: 0,
    });
    await mkdir(dirname(this.path), { recursive: true });
    // wx: two servers starting at once must not overwrite each other's key.
    await writeFile(this.path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
    return parseKeySetDocument(await readFile(this.path, 'utf8'));
  }

  async load(): Promise<KeySet> {
    return importKeySet(await this.ensure(), this.nowSeconds());
  }
}
