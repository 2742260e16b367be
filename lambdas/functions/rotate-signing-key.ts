import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type RotationEvent, SecretsManagerKeyRotation } from '../adapters/secrets-manager-key-rotation.js';
import { parseRotationTiming } from '../config.js';

const rotation = new SecretsManagerKeyRotation(new SecretsManagerClient({}), parseRotationTiming(process.env));

/** Secrets Manager rotation handler; a throw makes Secrets Manager retry the step. */
export const handler = (event: RotationEvent): Promise<void> => rotation.rotate(event);
