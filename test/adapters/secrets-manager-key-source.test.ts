import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { AuthError } from '../../lambdas/core/errors.js';
import 'aws-sdk-client-mock-vitest/extend';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerKeySource } from '../../lambdas/adapters/secrets-manager-key-source.js';
import { KeySetError, SIGNING_ALG } from '../../lambdas/core/signing-keys.js';
import { firstKeySetDocument, rotatedKeySetDocument, TEST_ROTATION_TIMING } from '../helpers/keys.js';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const FIRST_AT = 1_750_000_000;
const ROTATED_AT = FIRST_AT + 30 * 86_400;
const NEW_KEY_SIGNS_AT = ROTATED_AT + TEST_ROTATION_TIMING.publishLeadSeconds;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const secrets = mockClient(SecretsManagerClient);

function secretHolds(secretString: string | undefined): void {
  secrets.on(GetSecretValueCommand).resolves({ ARN: SECRET_ID, VersionId: 'v1', SecretString: secretString });
}

function sourceAt(now: number): SecretsManagerKeySource {
  return new SecretsManagerKeySource(new SecretsManagerClient({}), SECRET_ID, () => now);
}

describe('SecretsManagerKeySource', () => {
  beforeEach(() => {
    secrets.reset();
  });

  it('reads the current value of the configured secret', async () => {
    secretHolds(JSON.stringify(await firstKeySetDocument(FIRST_AT)));

    await sourceAt(FIRST_AT).load();

    expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: SECRET_ID });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('signs with the active key while a rotated-in key is only published', async () => {
    const doc = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    const [active, upcoming] = doc.keys;
    secretHolds(JSON.stringify(doc));

    const keySet = await sourceAt(ROTATED_AT).load();

    expect(keySet.signing.kid).toBe(active?.kid);
    expect(keySet.publicJwks.map((jwk) => jwk.kid)).toEqual([active?.kid, upcoming?.kid]);
  });

  it('signs with the rotated-in key once its activation time has come', async () => {
    const doc = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    secretHolds(JSON.stringify(doc));

    const keySet = await sourceAt(NEW_KEY_SIGNS_AT).load();

    expect(keySet.signing.kid).toBe(doc.keys[1]?.kid);
  });

  it('publishes only the public parts of the keys, each labelled for signature verification', async () => {
    secretHolds(JSON.stringify(await rotatedKeySetDocument(FIRST_AT, ROTATED_AT)));

    const { publicJwks } = await sourceAt(ROTATED_AT).load();

    expect(publicJwks).toHaveLength(2);
    for (const jwk of publicJwks) {
      expect(Object.keys(jwk).filter((member) => PRIVATE_MEMBERS.includes(member))).toEqual([]);
      expect(jwk).toMatchObject({ kty: 'RSA', alg: SIGNING_ALG, use: 'sig', n: expect.any(String), e: 'AQAB' });
    }
  });

  it('yields a signing key whose tokens verify against the published key with the same kid', async () => {
    secretHolds(JSON.stringify(await rotatedKeySetDocument(FIRST_AT, ROTATED_AT)));
    const { signing, publicJwks } = await sourceAt(ROTATED_AT).load();

    const jwt = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: signing.kid })
      .sign(signing.key);

    const published = publicJwks.find((jwk) => jwk.kid === signing.kid);
    expect(published).toBeDefined();
    const { payload } = await jwtVerify(jwt, await importJWK(published ?? {}, SIGNING_ALG));
    expect(payload.sub).toBe('user-1');
  });

  it('carries the refresh-token HMAC key from the document', async () => {
    const doc = await firstKeySetDocument(FIRST_AT);
    secretHolds(JSON.stringify(doc));

    const { refreshHmacKey } = await sourceAt(FIRST_AT).load();

    expect(refreshHmacKey.toString('base64url')).toBe(doc.refreshHmacKey);
    expect(refreshHmacKey).toHaveLength(32);
  });

  it('answers service_unavailable (cause: KeySetError) while the secret still holds the generated placeholder', async () => {
    secretHolds('k7#Vq!2mZ&xP9@rT');

    await expectUnavailable(sourceAt(FIRST_AT).load(), KeySetError);
  });

  it('answers service_unavailable (cause: KeySetError) when the secret is JSON but not a key set document', async () => {
    secretHolds(JSON.stringify({ version: 1, keys: 'none' }));

    await expectUnavailable(sourceAt(FIRST_AT).load(), KeySetError);
  });

  it('answers service_unavailable (cause: KeySetError) when the secret has no string value', async () => {
    secretHolds(undefined);

    await expectUnavailable(sourceAt(FIRST_AT).load(), KeySetError);
  });

  it('answers service_unavailable (cause: KeySetError) when no key in the set may sign yet', async () => {
    secretHolds(JSON.stringify(await firstKeySetDocument(FIRST_AT)));

    await expectUnavailable(sourceAt(FIRST_AT - 1).load(), KeySetError);
  });

  it('answers service_unavailable with a Secrets Manager failure as the cause', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'Secrets Manager cannot find the secret', $metadata: {} }));

    await expectUnavailable(sourceAt(FIRST_AT).load(), ResourceNotFoundException);
  });
});

/** Key trouble is the service's, not the client's: a 503 with the real reason kept as the cause. */
async function expectUnavailable(promise: Promise<unknown>, cause: new (...args: never[]) => Error): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe('service_unavailable');
  expect((error as AuthError).cause).toBeInstanceOf(cause);
}
