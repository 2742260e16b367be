import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Clock, epochSeconds, systemClock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { SigningKeySource } from '../core/ports.js';
import { importKeySet, type KeySet, KeySetError, parseKeySetDocument, selectSigningKey } from '../core/signing-keys.js';

/**
 * Reads the key set document from the signing-key secret (AWSCURRENT). Wrap it in a cache.
 *
 * Keys that are not there yet (no secret, CloudFormation's placeholder before the first rotation, no
 * key active yet) are a 503 the client may retry. Transient AWS failures are thrown as they are, and
 * the HTTP layer answers them with 503 too. Anything else (access denied, a document that is not a
 * key set, a key that does not import) is thrown as it is and becomes a 500 with its cause logged:
 * retrying would not cure it, and it must reach an operator.
 */
export class SecretsManagerKeySource implements SigningKeySource {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async load(): Promise<KeySet> {
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })));
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') throw keysNotReady(error);
      throw error;
    }
    if (secretString === undefined || isPlaceholderSecret(secretString)) {
      throw keysNotReady(new KeySetError('The signing-key secret holds no key set yet (has the first rotation run?)'));
    }
    const doc = parseKeySetDocument(secretString);
    const now = epochSeconds(this.clock);
    if (!selectSigningKey(doc, now)) throw keysNotReady(new KeySetError('The key set has no key that may sign yet'));
    return importKeySet(doc, now);
  }
}

// Right after the first deploy the rotation may not have produced a key yet.
function keysNotReady(cause: Error): AuthError {
  return new AuthError('service_unavailable', { retryAfterSeconds: 5, cause });
}

/**
 * Whether a value of the signing-key secret is CloudFormation's generated placeholder: a random
 * string that is not JSON, or by chance a JSON scalar (or empty). Any JSON object or array is meant
 * as a key set, so one that does not parse is corrupt (or written by a newer version), not "no key yet".
 */
export function isPlaceholderSecret(secretString: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return true;
  }
  return typeof value !== 'object' || value === null;
}
