import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '../adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../adapters/dynamodb-public-jwks-store.js';
import { type RotationEvent, SecretsManagerKeyRotation } from '../adapters/secrets-manager-key-rotation.js';
import { ENV, parseRotationTiming, requireString } from '../config.js';

const rotation = new SecretsManagerKeyRotation(
  new SecretsManagerClient({}),
  new DynamoDbPublicJwksStore(createDocumentClient(), requireString(process.env, ENV.tableName)),
  parseRotationTiming(process.env),
);
const secretId = requireString(process.env, ENV.signingKeySecretId);

/**
 * Secrets Manager calls this with a rotation step (a throw makes it retry the step). The deploy-time
 * trigger calls it with an empty event: wait for the current key set (the first rotation may still
 * be running), publish its public keys, and fail the deploy if none comes. The function's timeout
 * covers that wait (lib/constructs/signing-key.ts).
 */
export const handler = (event: Partial<RotationEvent> | null): Promise<void> =>
  event?.Step !== undefined ? rotation.rotate(event as RotationEvent) : rotation.publishCurrentWhenReady(secretId);
