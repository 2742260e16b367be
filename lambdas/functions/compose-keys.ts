import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CachedKeySource } from '../adapters/cached-key-source.js';
import { SecretsManagerKeySource } from '../adapters/secrets-manager-key-source.js';
import { ENV, type Env, parseKeyCacheSeconds, requireString } from '../config.js';
import { systemClock } from '../core/clock.js';
import type { SigningKeySource } from '../core/ports.js';

/** The signing keys from Secrets Manager, read lazily on first use and cached per container. */
export function secretKeySource(env: Env): SigningKeySource {
  const secretId = requireString(env, ENV.signingKeySecretId);
  return new CachedKeySource(
    new SecretsManagerKeySource(new SecretsManagerClient({}), secretId),
    parseKeyCacheSeconds(env),
    systemClock,
  );
}
