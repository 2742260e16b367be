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

/** Secrets Manager rotation handler; a throw makes Secrets Manager retry the step. */
export const handler = (event: RotationEvent): Promise<void> => rotation.rotate(event);
