import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AuthError } from '../core/errors.js';
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
    try {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      if (!SecretString) throw new KeySetError('The signing-key secret has no string value');
      return await importKeySet(parseKeySetDocument(SecretString), this.nowSeconds());
    } catch (error) {
      // Right after the first deploy the rotation may not have produced a key yet: a 503, not a 500.
      throw new AuthError('service_unavailable', { retryAfterSeconds: 5, cause: error });
    }
  }
}
