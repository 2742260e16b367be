import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { firstKeySetDocument } from '../helpers/keys.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const secrets = mockClient(SecretsManagerClient);

/**
 * The Lambda entry as deployed, over a table of its own: its env from the stack, DynamoDB Local for
 * the table, Secrets Manager mocked. A fresh table per case, so no case passes on another's item.
 */
async function loadEntry(): Promise<{
  handler: typeof import('../../lambdas/functions/rotate-signing-key.js').handler;
  store: DynamoDbPublicJwksStore;
}> {
  const table = await createTestTable();
  for (const [name, value] of Object.entries({
    ...testDynamoDbEnv(),
    TABLE_NAME: table.tableName,
    SIGNING_KEY_SECRET_ID: SECRET_ID,
    KEY_PUBLISH_LEAD_SECONDS: '7800',
    KEY_RETAIN_SECONDS: '8400',
  })) {
    vi.stubEnv(name, value);
  }
  vi.resetModules();
  const { handler } = await import('../../lambdas/functions/rotate-signing-key.js');
  return { handler, store: new DynamoDbPublicJwksStore(createDocumentClient(table.client), table.tableName) };
}
afterAll(() => {
  vi.unstubAllEnvs();
  secrets.restore();
});

describe('the rotate-signing-key entry', () => {
  it.each([
    ['an empty event', {}],
    ['no event at all', null],
  ] as const)('republishes the current public keys when the deploy trigger calls it with %s', async (_case, event) => {
    const { handler, store } = await loadEntry();
    await expect(store.load()).rejects.toMatchObject({ code: 'service_unavailable' });
    const current = await firstKeySetDocument(1_750_000_000);
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(current) });

    await handler(event);

    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' },
    ]);
    expect(await store.load()).toEqual(publicJwksOf(current));
  });

  it('runs a rotation step when Secrets Manager calls it with one', async () => {
    const { handler } = await loadEntry();
    secrets.reset();
    secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: false });

    await expect(
      handler({
        Step: 'createSecret',
        SecretId: SECRET_ID,
        ClientRequestToken: 'b1f5c8de-3c0a-4f8e-9a57-6d2f0e4c9a11',
      }),
    ).rejects.toThrow(/Rotation is not enabled/);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
