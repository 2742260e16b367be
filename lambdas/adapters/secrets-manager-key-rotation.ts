import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import {
  generateSigningKey,
  type KeySetDocument,
  KeySetError,
  parseKeySetDocument,
  planRotation,
  type RotationTiming,
  SIGNING_ALG,
  toPublicJwk,
} from '../core/signing-keys.js';

/** The event Secrets Manager sends a rotation function, once per step. */
export interface RotationEvent {
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

/**
 * The four rotation steps for the signing-key secret. The new key set is staged as AWSPENDING and
 * only becomes AWSCURRENT once it passed the test step; inside it, the new key is published before
 * it signs (see `planRotation`). The very first rotation turns CloudFormation's placeholder value
 * into the first key, so no private key is ever created outside AWS.
 */
export class SecretsManagerKeyRotation {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly timing: RotationTiming,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async rotate(event: RotationEvent): Promise<void> {
    const { SecretId, ClientRequestToken: token } = event;
    const meta = await this.client.send(new DescribeSecretCommand({ SecretId }));
    // DescribeSecret omits the flag when rotation was never set up: treat that as disabled too.
    if (meta.RotationEnabled !== true) throw new Error(`Rotation is not enabled for ${SecretId}`);
    const stages = meta.VersionIdsToStages?.[token];
    if (!stages) throw new Error(`Version ${token} is not staged for rotation of ${SecretId}`);
    if (stages.includes('AWSCURRENT')) return;
    if (!stages.includes('AWSPENDING')) throw new Error(`Version ${token} is not AWSPENDING for ${SecretId}`);

    switch (event.Step) {
      case 'createSecret':
        return this.createSecret(SecretId, token);
      case 'setSecret':
        // No external system holds the key: publishing happens through JWKS, which reads the secret.
        return;
      case 'testSecret':
        return this.testSecret(SecretId, token);
      case 'finishSecret': {
        const current = Object.entries(meta.VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
        await this.client.send(
          new UpdateSecretVersionStageCommand({
            SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
        );
        return;
      }
      default:
        throw new Error(`Unknown rotation step ${String((event as { Step: unknown }).Step)}`);
    }
  }

  private async createSecret(SecretId: string, token: string): Promise<void> {
    if (await this.pendingDocument(SecretId, token)) return; // a retried step: already created
    const current = await this.currentDocument(SecretId);
    const now = this.nowSeconds();
    const next = planRotation(current, await generateSigningKey(now), now, this.timing);
    await this.client.send(
      new PutSecretValueCommand({
        SecretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(next),
        VersionStages: ['AWSPENDING'],
      }),
    );
  }

  /** Every key in the pending set must sign a token that its published public part verifies. */
  private async testSecret(SecretId: string, token: string): Promise<void> {
    const doc = await this.pendingDocument(SecretId, token);
    if (!doc) throw new KeySetError(`No pending key set for ${SecretId}`);
    for (const key of doc.keys) {
      const privateKey = await importJWK({ ...key.privateJwk, alg: SIGNING_ALG }, SIGNING_ALG);
      const publicKey = await importJWK(toPublicJwk(key), SIGNING_ALG);
      const jwt = await new SignJWT({ test: true })
        .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid })
        .sign(privateKey);
      await jwtVerify(jwt, publicKey, { algorithms: [SIGNING_ALG] });
    }
    if (!doc.keys.some((k) => k.activatesAt <= this.nowSeconds())) {
      throw new KeySetError('The pending key set has no key that may sign now');
    }
  }

  /** The AWSCURRENT key set, or none while the secret still holds CloudFormation's placeholder. */
  private async currentDocument(SecretId: string): Promise<KeySetDocument | undefined> {
    const current = await this.client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
    return readDocument(current.SecretString);
  }

  private async pendingDocument(SecretId: string, token: string): Promise<KeySetDocument | undefined> {
    try {
      const pending = await this.client.send(
        new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }),
      );
      return pending.SecretString ? parseKeySetDocument(pending.SecretString) : undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }
}

/**
 * A key set, or none when the value is CloudFormation's generated placeholder: a random string
 * that is not JSON, or by chance a JSON scalar. Any JSON object or array is meant as a key set, so
 * one that does not parse (corrupt, or written by a newer version) is an error: treating it as the
 * placeholder would throw away every published key and the refresh-token HMAC key.
 */
function readDocument(secretString: string | undefined): KeySetDocument | undefined {
  if (!secretString) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return parseKeySetDocument(secretString);
  } catch (error) {
    if (error instanceof KeySetError) {
      throw new KeySetError(
        `The current value of the signing-key secret is JSON but not a key set this function understands ` +
          `(${error.message}); refusing to replace it. Restore a valid AWSCURRENT version before rotating.`,
        { cause: error },
      );
    }
    throw error;
  }
}
