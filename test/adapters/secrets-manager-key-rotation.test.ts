import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { JWK } from 'jose';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  PUBLISH_LEAD_SLACK_SECONDS,
  type RotationEvent,
  SecretsManagerKeyRotation,
} from '../../lambdas/adapters/secrets-manager-key-rotation.js';
import type { PublicJwksPublisher } from '../../lambdas/core/ports.js';
import {
  importKeySet,
  type KeySetDocument,
  KeySetError,
  parseKeySetDocument,
  type StoredSigningKey,
  toPublicJwk,
} from '../../lambdas/core/signing-keys.js';
import { firstKeySetDocument, rotatedKeySetDocument, TEST_ROTATION_TIMING } from '../helpers/keys.js';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const TOKEN = 'b1f5c8de-3c0a-4f8e-9a57-6d2f0e4c9a11';
const CURRENT_VERSION = '7e2d4a90-51b6-4c3f-8d0e-2a9b6f1c3e77';
const PREVIOUS_VERSION = '0c9a3e51-8f27-4b1d-a6e4-5d3b2c1f0a98';
const FIRST_AT = 1_750_000_000;
const NOW = FIRST_AT + 30 * 86_400;
const LEAD = TEST_ROTATION_TIMING.publishLeadSeconds;
const PLACEHOLDER = 'k7#Vq!2mZ&xP9@rT^w4L'; // what CloudFormation's GenerateSecretString leaves before the first rotation
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

const secrets = mockClient(SecretsManagerClient);

/** A rotation Secrets Manager has started: the token is staged AWSPENDING next to the live versions. */
const ROTATION_STARTED = {
  [PREVIOUS_VERSION]: ['AWSPREVIOUS'],
  [CURRENT_VERSION]: ['AWSCURRENT'],
  [TOKEN]: ['AWSPENDING'],
};

function secretStaged(versionIdsToStages: Record<string, string[]>, rotationEnabled = true): void {
  secrets.on(DescribeSecretCommand).resolves({
    ARN: SECRET_ID,
    Name: 'otp-login/signing-key',
    RotationEnabled: rotationEnabled,
    VersionIdsToStages: versionIdsToStages,
  });
}

function currentValueIs(secretString: string): void {
  secrets.on(GetSecretValueCommand).resolves({
    ARN: SECRET_ID,
    VersionId: CURRENT_VERSION,
    SecretString: secretString,
    VersionStages: ['AWSCURRENT'],
  });
}

function pendingValueIs(doc: KeySetDocument): void {
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN })
    .resolves({ ARN: SECRET_ID, VersionId: TOKEN, SecretString: JSON.stringify(doc), VersionStages: ['AWSPENDING'] });
}

/** Before createSecret, the pending version is staged but has no value yet. */
function pendingValueMissing(): void {
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN }).rejects(
    new ResourceNotFoundException({
      message: `Secrets Manager can't find the specified secret value for VersionId: ${TOKEN}`,
      $metadata: {},
    }),
  );
}

/** What finishSecret published, and how many Secrets Manager calls had been made by then. */
let published: { jwks: readonly JWK[]; rotatedAt: number; secretsCallsBefore: number }[] = [];
let publishFails: Error | undefined;
const publisher: PublicJwksPublisher = {
  publish: async (jwks, rotatedAt) => {
    if (publishFails) throw publishFails;
    published.push({ jwks, rotatedAt, secretsCallsBefore: secrets.calls().length });
  },
};

function newRotation(at = NOW, timing = TEST_ROTATION_TIMING): SecretsManagerKeyRotation {
  return new SecretsManagerKeyRotation(new SecretsManagerClient({}), publisher, timing, { now: () => at * 1000 });
}

function rotate(step: RotationEvent['Step'], at = NOW, timing = TEST_ROTATION_TIMING): Promise<void> {
  return newRotation(at, timing).rotate({ Step: step, SecretId: SECRET_ID, ClientRequestToken: TOKEN });
}

/** The key set document of the one version createSecret wrote. */
function writtenPendingDocument(): KeySetDocument {
  const puts = secrets.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
  expect(puts).toEqual([
    { SecretId: SECRET_ID, ClientRequestToken: TOKEN, SecretString: expect.any(String), VersionStages: ['AWSPENDING'] },
  ]);
  return parseKeySetDocument(puts[0]?.SecretString ?? '');
}

/** A KeySetError whose message matches: the class alone would also match an unrelated key-set failure. */
function keySetError(message: RegExp) {
  return expect.objectContaining({ name: KeySetError.name, message: expect.stringMatching(message) });
}

function withKey(
  doc: KeySetDocument,
  index: number,
  change: (key: StoredSigningKey) => StoredSigningKey,
): KeySetDocument {
  return { ...doc, keys: doc.keys.map((key, i) => (i === index ? change(key) : key)) };
}

describe('SecretsManagerKeyRotation', () => {
  beforeEach(() => {
    secrets.reset();
    published = [];
    publishFails = undefined;
  });

  describe('createSecret', () => {
    it('turns the generated placeholder into a pending key set whose one key signs at once', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(PLACEHOLDER);
      pendingValueMissing();

      await rotate('createSecret');

      const doc = writtenPendingDocument();
      expect(doc.keys).toHaveLength(1);
      expect(doc.keys[0]).toMatchObject({ createdAt: NOW, activatesAt: NOW });
      expect(doc.rotatedAt).toBe(NOW);
      expect(Buffer.from(doc.refreshHmacKey, 'base64url')).toHaveLength(32);
      expect((await importKeySet(doc, NOW)).signing.kid).toBe(doc.keys[0]?.kid);
    });

    it('adds a key that is published now and signs only after the lead time, keeping the current key', async () => {
      const current = await firstKeySetDocument(FIRST_AT);
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(current));
      pendingValueMissing();

      await rotate('createSecret');

      const doc = writtenPendingDocument();
      const [kept, added] = doc.keys;
      expect(doc.keys).toHaveLength(2);
      expect(kept).toEqual(current.keys[0]);
      expect(added?.kid).not.toBe(kept?.kid);
      expect(added).toMatchObject({ createdAt: NOW, activatesAt: NOW + LEAD });
      const atRotation = await importKeySet(doc, NOW);
      expect(atRotation.signing.kid).toBe(kept?.kid);
      expect(atRotation.publicJwks.map((jwk) => jwk.kid)).toContain(added?.kid);
      expect((await importKeySet(doc, NOW + LEAD)).signing.kid).toBe(added?.kid);
    });

    it('keeps the refresh-token HMAC key, so refresh tokens issued before the rotation still rotate', async () => {
      const current = await firstKeySetDocument(FIRST_AT);
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(current));
      pendingValueMissing();

      await rotate('createSecret');

      expect(writtenPendingDocument().refreshHmacKey).toBe(current.refreshHmacKey);
    });

    it('writes nothing when the pending version already exists (a retried step)', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(await rotatedKeySetDocument(FIRST_AT, NOW));

      await rotate('createSecret');

      expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
    });

    it.each([
      ['a JSON number', '20250617'],
      ['a JSON string', '"k7#Vq!2mZ&xP9@rT^w4L"'],
    ])('treats a placeholder that happens to be %s as no key set', async (_case, placeholder) => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(placeholder);
      pendingValueMissing();

      await rotate('createSecret');

      expect(writtenPendingDocument().keys).toHaveLength(1);
    });

    it.each([
      [
        'a key set of a future version',
        async () => ({ ...(await firstKeySetDocument(FIRST_AT)), version: 2, keysV2: [] }) as unknown,
      ],
      [
        'a corrupt key set',
        async () => ({ ...(await firstKeySetDocument(FIRST_AT)), refreshHmacKey: undefined }) as unknown,
      ],
      ['a JSON array', async () => [] as unknown],
    ])('refuses to replace a current value that is %s, writing nothing', async (_case, currentValue) => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await currentValue()));
      pendingValueMissing();

      await expect(rotate('createSecret')).rejects.toThrow(keySetError(/refusing to replace it/));
      expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
    });
  });

  describe('setSecret', () => {
    it('changes nothing: the public keys are published in finishSecret', async () => {
      secretStaged(ROTATION_STARTED);

      await rotate('setSecret');

      expect(secrets).toHaveReceivedCommandExactlyOnceWith(DescribeSecretCommand, { SecretId: SECRET_ID });
      expect(secrets.calls()).toHaveLength(1);
      expect(published).toEqual([]);
    });
  });

  describe('testSecret', () => {
    it('passes a pending key set whose every key signs a token its published key verifies', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(await rotatedKeySetDocument(FIRST_AT, NOW));

      await expect(rotate('testSecret')).resolves.toBeUndefined();
      expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    it.each([
      [
        'its modulus belongs to another key, so its signature does not verify',
        (other: StoredSigningKey) => other.privateJwk.n,
        /signature verification failed/,
      ],
      ['its modulus is missing, so it does not even import', () => undefined, /Invalid keyData/],
    ])('rejects a pending key set with a key that cannot sign: %s', async (_case, corruptModulus, failure) => {
      const good = await rotatedKeySetDocument(FIRST_AT, NOW);
      const [active] = good.keys;
      if (!active) throw new Error('fixture needs an active key');
      // The upcoming key is corrupted, not the active one: every published key must be able to sign later.
      const corrupt = withKey(good, 1, (key) => ({
        ...key,
        privateJwk: { ...key.privateJwk, n: corruptModulus(active) },
      }));
      // Everything else as in the passing case above, so only the corrupt key can fail the step.
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(corrupt);

      await expect(rotate('testSecret')).rejects.toThrow(failure);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    describe('when Secrets Manager resumes a rotation created earlier', () => {
      beforeEach(async () => {
        secretStaged(ROTATION_STARTED);
        currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
        pendingValueIs(await rotatedKeySetDocument(FIRST_AT, NOW));
      });

      it.each([
        ['right after createSecret', NOW + 1],
        ['as late as the slack allows', NOW + PUBLISH_LEAD_SLACK_SECONDS],
      ])('passes a new key tested %s', async (_case, at) => {
        await expect(rotate('testSecret', at)).resolves.toBeUndefined();
      });

      it.each([
        ['just past the slack', NOW + PUBLISH_LEAD_SLACK_SECONDS + 1],
        ['when the key already signs', NOW + LEAD],
        ['a day later', NOW + 86_400],
      ])('rejects a new key whose publish lead is used up: tested %s', async (_case, at) => {
        await expect(rotate('testSecret', at)).rejects.toThrow(/cancel-rotate-secret/);
        expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
      });

      it('tells the operator the exact commands that clear the half-made version and rotate again', async () => {
        const error = await rotate('testSecret', NOW + LEAD).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(KeySetError);
        const message = (error as Error).message;
        const commands = [
          `aws secretsmanager cancel-rotate-secret --secret-id ${SECRET_ID}`,
          `aws secretsmanager update-secret-version-stage --secret-id ${SECRET_ID} --version-stage AWSPENDING --remove-from-version-id ${TOKEN}`,
          `aws secretsmanager rotate-secret --secret-id ${SECRET_ID}`,
        ];
        const positions = commands.map((command) => message.indexOf(command));
        expect(
          positions.every((p) => p >= 0),
          message,
        ).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(message).toMatch(/docs\/security\.md/);
      });

      it('passes a late test when the lead is no longer than the slack: there is nothing to protect', async () => {
        await expect(
          rotate('testSecret', NOW + LEAD, { ...TEST_ROTATION_TIMING, publishLeadSeconds: PUBLISH_LEAD_SLACK_SECONDS }),
        ).resolves.toBeUndefined();
      });
    });

    it('passes a first key tested late: nothing signs yet, so no verifier has a stale JWKS', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(PLACEHOLDER);
      pendingValueIs(await firstKeySetDocument(NOW));

      await expect(rotate('testSecret', NOW + LEAD)).resolves.toBeUndefined();
    });

    it('rejects a pending key set with no key that may sign now', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(PLACEHOLDER);
      pendingValueIs(await firstKeySetDocument(NOW + 60));

      await expect(rotate('testSecret')).rejects.toThrow(keySetError(/no key that may sign now/));
    });

    it('rejects when the pending version has no value', async () => {
      secretStaged(ROTATION_STARTED);
      pendingValueMissing();

      await expect(rotate('testSecret')).rejects.toThrow(keySetError(/No pending key set/));
    });
  });

  describe('finishSecret', () => {
    it('publishes every public key of the pending set, then moves AWSCURRENT to it', async () => {
      const pending = await rotatedKeySetDocument(FIRST_AT, NOW);
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(pending);

      await rotate('finishSecret');

      expect(published).toEqual([
        { jwks: pending.keys.map(toPublicJwk), rotatedAt: pending.rotatedAt, secretsCallsBefore: 3 },
      ]);
      expect(published[0]?.jwks.map((k) => k.kid)).toEqual(pending.keys.map((k) => k.kid));
      expect(published[0]?.jwks.some((k) => 'd' in k)).toBe(false);
      // Describe, the pending set and the current one (for the lead) before the publish; the stage move after.
      expect(secrets.calls().map((call) => call.args[0].constructor.name)).toEqual([
        'DescribeSecretCommand',
        'GetSecretValueCommand',
        'GetSecretValueCommand',
        'UpdateSecretVersionStageCommand',
      ]);
      expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
        {
          SecretId: SECRET_ID,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: TOKEN,
          RemoveFromVersionId: CURRENT_VERSION,
        },
      ]);
    });

    it('publishes nothing and promotes nothing when it runs after the publish lead of the new key is used up', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(await rotatedKeySetDocument(FIRST_AT, NOW));

      await expect(rotate('finishSecret', NOW + PUBLISH_LEAD_SLACK_SECONDS + 1)).rejects.toThrow(
        /cancel-rotate-secret/,
      );
      expect(published).toEqual([]);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    it('publishes and promotes a first key set, whatever the time: nothing signs before it', async () => {
      const first = await firstKeySetDocument(NOW);
      secretStaged(ROTATION_STARTED);
      currentValueIs(PLACEHOLDER);
      pendingValueIs(first);

      await rotate('finishSecret', NOW + LEAD);

      expect(published.map((p) => p.jwks)).toEqual([first.keys.map(toPublicJwk)]);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 1);
    });

    it('leaves the secret as it is when the public keys cannot be published', async () => {
      secretStaged(ROTATION_STARTED);
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      pendingValueIs(await rotatedKeySetDocument(FIRST_AT, NOW));
      publishFails = new Error('ProvisionedThroughputExceededException');

      await expect(rotate('finishSecret')).rejects.toThrow(/ProvisionedThroughput/);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    it('refuses to promote a version with no pending key set, publishing nothing', async () => {
      secretStaged(ROTATION_STARTED);
      pendingValueMissing();

      await expect(rotate('finishSecret')).rejects.toThrow(keySetError(/No pending key set/));
      expect(published).toEqual([]);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });
  });

  describe('publishCurrentWhenReady (the deploy-time trigger)', () => {
    const INITIAL_VERSION = 'a3c1e5f7-0b2d-4e6f-8a1c-3e5f7b9d1f20'; // CloudFormation's placeholder

    /** A clock that only the waiting code moves, by sleeping: no test waits for real. */
    function movingClock() {
      const start = NOW * 1000;
      let now = start;
      const sleeps: number[] = [];
      return {
        clock: { now: () => now },
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms;
        },
        sleeps,
        elapsedMs: () => now - start,
      };
    }

    function publishWhenReady(moving = movingClock()): Promise<void> {
      return new SecretsManagerKeyRotation(
        new SecretsManagerClient({}),
        publisher,
        TEST_ROTATION_TIMING,
        moving.clock,
        moving.sleep,
      ).publishCurrentWhenReady(SECRET_ID);
    }

    async function failureOf(promise: Promise<unknown>): Promise<Error> {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeySetError);
      return error as Error;
    }

    it('publishes the public keys of the AWSCURRENT key set at once when there is one (an upgrade)', async () => {
      const current = await rotatedKeySetDocument(FIRST_AT, NOW);
      currentValueIs(JSON.stringify(current));
      const moving = movingClock();

      await publishWhenReady(moving);

      expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
        SecretId: SECRET_ID,
        VersionStage: 'AWSCURRENT',
      });
      expect(published.map((p) => [p.jwks, p.rotatedAt])).toEqual([[current.keys.map(toPublicJwk), current.rotatedAt]]);
      expect(moving.sleeps).toEqual([]);
      expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    it('waits, with a growing pause, until the first rotation replaces the placeholder, then publishes it', async () => {
      const first = await firstKeySetDocument(NOW);
      const placeholder = { ARN: SECRET_ID, VersionId: INITIAL_VERSION, SecretString: PLACEHOLDER };
      secrets
        .on(GetSecretValueCommand)
        .resolvesOnce(placeholder)
        .resolvesOnce(placeholder)
        .resolvesOnce(placeholder)
        .resolves({ ARN: SECRET_ID, VersionId: TOKEN, SecretString: JSON.stringify(first) });
      const moving = movingClock();

      await publishWhenReady(moving);

      expect(moving.sleeps).toEqual([2_000, 4_000, 8_000]);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
      // Published once, after the fourth look: the first that found a key set.
      expect(published).toEqual([
        { jwks: first.keys.map(toPublicJwk), rotatedAt: first.rotatedAt, secretsCallsBefore: 4 },
      ]);
      expect(secrets).toHaveReceivedCommandTimes(DescribeSecretCommand, 0);
    });

    it('fails the deploy after two minutes without a key set, naming the stuck AWSPENDING version and the commands that clear it', async () => {
      currentValueIs(PLACEHOLDER);
      secretStaged({ [INITIAL_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
      const moving = movingClock();

      const error = await failureOf(publishWhenReady(moving));

      // Looked at 0, 2, 6, 14, 29, ... 119 s and a last time at the deadline: never past it.
      expect(moving.sleeps).toEqual([2_000, 4_000, 8_000, ...Array<number>(7).fill(15_000), 1_000]);
      expect(moving.elapsedMs()).toBe(120_000);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 12);
      expect(published).toEqual([]);
      const message = error.message;
      expect(message).toMatch(/^No signing key after 120 s: AWSCURRENT of the secret still holds the placeholder/);
      expect(message).toContain(`Version ${TOKEN} is stuck in AWSPENDING, which blocks every later rotation.`);
      expect(message).not.toContain('Rotation is off');
      const commands = [
        `S=${SECRET_ID};`,
        'aws secretsmanager cancel-rotate-secret --secret-id $S;',
        `aws secretsmanager update-secret-version-stage --secret-id $S --version-stage AWSPENDING --remove-from-version-id ${TOKEN};`,
        'aws secretsmanager rotate-secret --secret-id $S;',
        'aws secretsmanager describe-secret --secret-id $S --query VersionIdsToStages',
      ];
      const positions = commands.map((command) => message.indexOf(command));
      expect(
        positions.every((p) => p >= 0),
        message,
      ).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(message).not.toContain('list-secret-version-ids');
      expect(message).toMatch(/docs\/security\.md, "No signing key after a deploy"/);
      expect(secrets).toHaveReceivedCommandExactlyOnceWith(DescribeSecretCommand, { SecretId: SECRET_ID });
      expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
      expect(secrets).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
    });

    it('without a pending version to name, tells the operator how to find one, and that rotation is off', async () => {
      currentValueIs(PLACEHOLDER);
      secretStaged({ [INITIAL_VERSION]: ['AWSCURRENT'] }, false);

      const message = (await failureOf(publishWhenReady())).message;

      expect(message).toContain(' Rotation is off.');
      expect(message).not.toContain('stuck');
      expect(message).toContain(
        `aws secretsmanager list-secret-version-ids --secret-id $S --query "Versions[?contains(VersionStages, 'AWSPENDING')].VersionId"; ` +
          'aws secretsmanager cancel-rotate-secret --secret-id $S; ' +
          'aws secretsmanager update-secret-version-stage --secret-id $S --version-stage AWSPENDING --remove-from-version-id <that id>; ' +
          'aws secretsmanager rotate-secret --secret-id $S',
      );
    });

    it('keeps its message short enough for CloudFormation to show it, even for a long ARN', async () => {
      // The trigger provider answers CloudFormation with the message twice (message, then the top of
      // the trace) plus ~1.2 KB of stack frames and ids; past 4096 bytes CloudFormation shows only
      // "Response object is too long".
      const longArn =
        'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:SigningKeySecretB6E8A2F1-Ab1Cd2Ef3Gh4-XyZ123';
      currentValueIs(PLACEHOLDER);
      secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: false, VersionIdsToStages: {} });

      const moving = movingClock();

      const error = await failureOf(
        new SecretsManagerKeyRotation(
          new SecretsManagerClient({}),
          publisher,
          TEST_ROTATION_TIMING,
          moving.clock,
          moving.sleep,
        ).publishCurrentWhenReady(longArn),
      );

      expect(error.message).toContain(`S=${longArn};`);
      expect(Buffer.byteLength(`${error.name}: ${error.message}`)).toBeLessThanOrEqual(1_400);
    });

    it('fails at once, without waiting, when AWSCURRENT is JSON but no key set', async () => {
      currentValueIs(JSON.stringify({ keys: 'not a key set' }));
      const moving = movingClock();

      await expect(publishWhenReady(moving)).rejects.toThrow(keySetError(/refusing to replace it/));
      expect(moving.sleeps).toEqual([]);
      expect(published).toEqual([]);
    });

    it('leaves a newer published key set in place', async () => {
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      publishFails = new KeySetError('The published JWKS is newer than this key set but lacks k1');

      await expect(publishWhenReady()).resolves.toBeUndefined();
    });

    it('fails the deploy when the keys cannot be published at all', async () => {
      currentValueIs(JSON.stringify(await firstKeySetDocument(FIRST_AT)));
      publishFails = Object.assign(new Error('not authorized to perform: dynamodb:PutItem'), {
        name: 'AccessDeniedException',
      });

      await expect(publishWhenReady()).rejects.toThrow(/not authorized/);
    });
  });

  describe('every step', () => {
    it.each(STEPS)('%s does nothing for a version that is already AWSCURRENT', async (step) => {
      secretStaged({ [CURRENT_VERSION]: ['AWSPREVIOUS'], [TOKEN]: ['AWSCURRENT', 'AWSPENDING'] });

      await rotate(step);

      expect(secrets.calls()).toHaveLength(1);
      expect(secrets).toHaveReceivedCommandTimes(DescribeSecretCommand, 1);
    });

    it.each(STEPS)('%s refuses a version that is not staged AWSPENDING', async (step) => {
      secretStaged({ [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] });

      await expect(rotate(step)).rejects.toThrow(/not AWSPENDING/);
      expect(secrets.calls()).toHaveLength(1);
    });

    it.each(STEPS)('%s refuses a version the secret does not have', async (step) => {
      secretStaged({ [CURRENT_VERSION]: ['AWSCURRENT'] });

      await expect(rotate(step)).rejects.toThrow(/not staged/);
      expect(secrets.calls()).toHaveLength(1);
    });

    it.each(STEPS)('%s refuses to run when rotation is disabled for the secret', async (step) => {
      secretStaged(ROTATION_STARTED, false);

      await expect(rotate(step)).rejects.toThrow(/not enabled/);
      expect(secrets.calls()).toHaveLength(1);
    });
  });
});
