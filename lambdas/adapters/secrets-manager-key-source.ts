import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SigningKeySource } from '../core/ports.js';
import { importKeySet, type KeySet, KeySetError, parseKeySetDocument } from '../core/signing-keys.js';

/** Reads the key set document from the signing-key secret (AWSCURRENT). Wrap it in a cache. */
export class SecretsManagerKeySource implements SigningKeySource {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async load(): Promise<KeySet> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString) throw new KeySetError('The signing-key secret has no string value');
    return importKeySet(parseKeySetDocument(SecretString), this.nowSeconds());
  }
}
