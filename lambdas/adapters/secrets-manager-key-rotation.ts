import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { type Clock, epochSeconds, systemClock } from '../core/clock.js';
import type { PublicJwksPublisher } from '../core/ports.js';
import {
  generateSigningKey,
  type KeySetDocument,
  KeySetError,
  parseKeySetDocument,
  planRotation,
  publicJwksOf,
  type RotationTiming,
  SIGNING_ALG,
  selectSigningKey,
  toPublicJwk,
} from '../core/signing-keys.js';
import { isPlaceholderSecret } from './secrets-manager-key-source.js';

/**
 * How much of the publish lead a new key may have used up by the time the test step runs. In a
 * normal rotation the steps run back to back, seconds apart; Secrets Manager only comes back later
 * when it resumes a failed rotation, and by then the lead may be gone. 300 s is the margin
 * `parseRotationTiming` adds on top of the JWKS caches in the default lead, so with the default a
 * key that passes is still published at least as long as any verifier caches JWKS.
 */
export const PUBLISH_LEAD_SLACK_SECONDS = 300;

/** How the deploy trigger waits for the first key set (see `publishCurrentWhenReady`). */
export interface KeySetWait {
  /** How long after its first look the trigger gives up and fails the deploy. */
  readonly timeoutMs: number;
  /** The pause after the first look; each later pause doubles, up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Two minutes: the first rotation normally finishes within seconds of the rotation schedule's
 * creation, and a wait that outlasts its retries by much would only delay a deploy that has to
 * fail anyway. The rotation function's timeout (lib/constructs/signing-key.ts) must exceed it.
 */
export const KEY_SET_WAIT: KeySetWait = { timeoutMs: 120_000, firstDelayMs: 2_000, maxDelayMs: 15_000 };

/** Resolves after `ms`; tests pass one that moves their clock instead. */
export type Sleep = (ms: number) => Promise<void>;

/** The event Secrets Manager sends a rotation function, once per step. */
export interface RotationEvent {
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

/**
 * The four rotation steps for the signing-key secret. The new key set is staged as AWSPENDING and
 * only becomes AWSCURRENT once it passed the test step; inside it, the new key is published before
 * it signs (see `planRotation`). The public keys are published apart from the secret, for the JWKS
 * endpoint, just before the new set becomes current. The very first rotation turns CloudFormation's
 * placeholder value into the first key, so no private key is ever created outside AWS.
 */
export class SecretsManagerKeyRotation {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly jwks: PublicJwksPublisher,
    private readonly timing: RotationTiming,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = (ms) => delay(ms),
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
        // No external system holds the private key; the public keys are published in finishSecret.
        return;
      case 'testSecret':
        return this.testSecret(SecretId, token);
      case 'finishSecret': {
        // Published first: once the set is current, its active key signs, and the JWKS must already
        // list it. If the stage move then fails, Secrets Manager retries this step; a published key
        // that never signs is harmless.
        const pending = await this.pendingDocument(SecretId, token);
        if (!pending) throw new KeySetError(`No pending key set for ${SecretId}`);
        // The lead counts from here, where verifiers first see the new key: checked again in case
        // this step runs long after testSecret.
        await this.requirePublishLead(SecretId, token, pending, epochSeconds(this.clock));
        await this.jwks.publish(publicJwksOf(pending), pending.rotatedAt);
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

  /**
   * Publishes the public keys of the AWSCURRENT key set, outside any rotation: the deploy trigger
   * calls it. On a first deploy the secret still holds CloudFormation's placeholder, and the first
   * key comes from the rotation that the rotation schedule started asynchronously; so it waits,
   * looking again with a growing pause, until AWSCURRENT holds a key set (finishSecret has then
   * published it already; publishing again is harmless). If none comes within `wait.timeoutMs` it
   * throws, which fails the deploy, with the commands that recover: a stack whose first rotation
   * failed would otherwise be up while every token and JWKS request answers 503.
   *
   * On an upgrade AWSCURRENT is there at once, and publishing it gives a stack upgraded from a
   * version that served the JWKS from the secret its JWKS item, and publishes a hand-promoted
   * version. A newer set already published wins: it came from a rotation that is further along.
   */
  async publishCurrentWhenReady(SecretId: string, wait: KeySetWait = KEY_SET_WAIT): Promise<void> {
    const start = this.clock.now();
    let pause = wait.firstDelayMs;
    for (;;) {
      const current = await this.currentDocument(SecretId);
      if (current) return this.publishCurrent(current);
      const waited = this.clock.now() - start;
      if (waited >= wait.timeoutMs) throw await this.noFirstKeySet(SecretId, waited);
      // The last pause ends at the deadline, so the final look is made there.
      await this.sleep(Math.min(pause, wait.timeoutMs - waited));
      pause = Math.min(pause * 2, wait.maxDelayMs);
    }
  }

  private async publishCurrent(current: KeySetDocument): Promise<void> {
    try {
      await this.jwks.publish(publicJwksOf(current), current.rotatedAt);
    } catch (error) {
      if (!(error instanceof KeySetError)) throw error;
    }
  }

  /**
   * The deploy's failure message. It appears twice (as the message and atop the stack trace) in
   * the trigger provider's answer to CloudFormation, which must fit in 4096 bytes or CloudFormation
   * shows "Response object is too long" instead: so terse, and the ARN only once, in a variable.
   */
  private async noFirstKeySet(SecretId: string, waitedMs: number): Promise<KeySetError> {
    const meta = await this.client.send(new DescribeSecretCommand({ SecretId }));
    const stuck = Object.entries(meta.VersionIdsToStages ?? {}).find(
      ([, stages]) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'),
    )?.[0];
    const state = [
      meta.RotationEnabled === true ? '' : ' Rotation is off.',
      stuck ? ` Version ${stuck} is stuck in AWSPENDING, which blocks every later rotation.` : '',
    ].join('');
    return new KeySetError(
      `No signing key after ${Math.round(waitedMs / 1000)} s: AWSCURRENT of the secret still holds the ` +
        `placeholder, so the first rotation failed or is still retrying (its error is in the rotation ` +
        `function's log).${state} A failed first deploy is rolled back: deploy again. Otherwise run these, and ` +
        `deploy again once describe-secret shows AWSCURRENT on a new version: S=${SecretId}; ` +
        `${recoveryCommands('$S', stuck)}; aws secretsmanager describe-secret --secret-id $S --query ` +
        `VersionIdsToStages (docs/security.md, "No signing key after a deploy").`,
    );
  }

  private async createSecret(SecretId: string, token: string): Promise<void> {
    if (await this.pendingDocument(SecretId, token)) return; // a retried step: already created
    const current = await this.currentDocument(SecretId);
    const now = epochSeconds(this.clock);
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

  /**
   * Every key in the pending set must sign a token that its published public part verifies, and
   * every key it adds must still have (nearly) its whole publish lead ahead: finishSecret publishes
   * it right after this step.
   */
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
    const now = epochSeconds(this.clock);
    if (!doc.keys.some((k) => k.activatesAt <= now)) {
      throw new KeySetError('The pending key set has no key that may sign now');
    }
    await this.requirePublishLead(SecretId, token, doc, now);
  }

  /**
   * createSecret fixed each new key's activation at its own time plus the publish lead. When
   * Secrets Manager resumes a failed rotation later, createSecret keeps that pending version, so
   * promoting it would publish a key that signs before verifiers with a cached JWKS know it. A first
   * key is exempt: no key signs yet, so no verifier has a JWKS to be stale. So is a lead no longer
   * than the slack: there is nothing left to check.
   */
  private async requirePublishLead(
    SecretId: string,
    token: string,
    pending: KeySetDocument,
    now: number,
  ): Promise<void> {
    const required = this.timing.publishLeadSeconds - PUBLISH_LEAD_SLACK_SECONDS;
    if (required <= 0) return;
    const current = await this.currentDocument(SecretId);
    if (!current || !selectSigningKey(current, now)) return;
    const published = new Set(current.keys.map((k) => k.kid));
    for (const key of pending.keys) {
      if (published.has(key.kid)) continue;
      const lead = key.activatesAt - now;
      if (lead < required) {
        throw new KeySetError(
          `The pending key ${key.kid} of ${SecretId} signs in ${lead} s, but must be published at least ` +
            `${this.timing.publishLeadSeconds} s first (a rotation resumed too late?). Cancel the rotation, ` +
            `take AWSPENDING off the half-made version (cancelling leaves it there, where it blocks the next ` +
            `rotation), and rotate again: ${recoveryCommands(SecretId, token)} ` +
            `(see "A rotation that resumed too late" in docs/security.md).`,
        );
      }
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
 * The CLI commands that end a failed rotation whose pending version is `token` and start a new one
 * (docs/security.md, runbook); `secret` is the secret's ARN or a shell variable holding it. Without
 * a token, the first command finds it.
 */
function recoveryCommands(secret: string, token: string | undefined): string {
  const find = token
    ? []
    : [
        `aws secretsmanager list-secret-version-ids --secret-id ${secret} --query "Versions[?contains(VersionStages, 'AWSPENDING')].VersionId"`,
      ];
  return [
    ...find,
    `aws secretsmanager cancel-rotate-secret --secret-id ${secret}`,
    `aws secretsmanager update-secret-version-stage --secret-id ${secret} --version-stage AWSPENDING --remove-from-version-id ${token ?? '<that id>'}`,
    `aws secretsmanager rotate-secret --secret-id ${secret}`,
  ].join('; ');
}

/**
 * A key set, or none when the value is CloudFormation's generated placeholder. A JSON object or
 * array that does not parse is an error: treating it as the placeholder would throw away every
 * published key and the refresh-token HMAC key.
 */
function readDocument(secretString: string | undefined): KeySetDocument | undefined {
  if (secretString === undefined || isPlaceholderSecret(secretString)) return undefined;
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
