import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { DEFAULT_NUMBER_CHANGED_TEMPLATE } from '../../lambdas/config.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import type { ApiHandler } from '../../lambdas/http/api-event.js';
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/registry.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { apiEvent, authorizerClaimsOf, invoke, testKeySetDocument } from '../helpers/test-app.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const PHONE = '+919876543210';
const OTHER = '+919876543211';
const THIRD = '+919876543212';
const secrets = mockClient(SecretsManagerClient);
const sns = mockClient(SNSClient);

/**
 * Every Lambda entry as deployed: the env the stack gives it, DynamoDB Local for the table, Secrets
 * Manager and SNS mocked. Each is called once with its own route, so an entry wired to another
 * function's handler fails here.
 */
const entries = {} as Record<FunctionName, ApiHandler>;
beforeAll(async () => {
  const table = await createTestTable();
  const doc = await testKeySetDocument();
  await new DynamoDbPublicJwksStore(createDocumentClient(table.client), table.tableName).publish(
    publicJwksOf(doc),
    doc.rotatedAt,
  );
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify(doc) });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  for (const [name, value] of Object.entries({
    ...testDynamoDbEnv(),
    TABLE_NAME: table.tableName,
    SIGNING_KEY_SECRET_ID: SECRET_ID,
    ISSUER: 'https://auth.test',
    AUDIENCE: 'otp-login',
  })) {
    vi.stubEnv(name, value);
  }
  for (const name of FUNCTION_NAMES) {
    entries[name] = ((await import(`../../lambdas/functions/${name}.ts`)) as { handler: ApiHandler }).handler;
  }
});
afterAll(() => {
  vi.unstubAllEnvs();
  secrets.restore();
  sns.restore();
});

describe('the Lambda entries', () => {
  it('serve a whole login through their own routes', async () => {
    const sent = await invoke(entries['send-otp'], apiEvent('POST', '/send-otp', { phone_number: PHONE }));
    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    const publish = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.PhoneNumber).toBe(PHONE);
    const code = /\b(\d{6})\b/.exec(publish?.Message ?? '')?.[1];

    const verified = await invoke(
      entries['verify-otp'],
      apiEvent('POST', '/verify-otp', { phone_number: PHONE, otp: code }),
    );
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ token_type: 'Bearer', access: expect.any(String) });

    const refreshed = await invoke(
      entries['refresh-token'],
      apiEvent('POST', '/token/refresh', { refresh: verified.body.refresh }),
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh).not.toBe(verified.body.refresh);

    const loggedOut = await invoke(entries.logout, apiEvent('POST', '/logout', { refresh: refreshed.body.refresh }));
    expect(loggedOut.status).toBe(204);
    expect(
      (await invoke(entries['refresh-token'], apiEvent('POST', '/token/refresh', { refresh: refreshed.body.refresh })))
        .status,
    ).toBe(401);
  });

  it('serve the account routes: /me, a number change and the deletion, each through its own entry', async () => {
    const codeSentTo = (phone: string) => {
      const publish = sns.commandCalls(PublishCommand).findLast((call) => call.args[0].input.PhoneNumber === phone);
      return /\b(\d{6})\b/.exec(publish?.args[0].input.Message ?? '')?.[1];
    };
    expect((await invoke(entries['send-otp'], apiEvent('POST', '/send-otp', { phone_number: THIRD }))).status).toBe(
      200,
    );
    const verified = await invoke(
      entries['verify-otp'],
      apiEvent('POST', '/verify-otp', { phone_number: THIRD, otp: codeSentTo(THIRD) }),
    );
    const claims = authorizerClaimsOf(String(verified.body.access));
    expect(await invoke(entries.me, apiEvent('GET', '/me', undefined, { claims }))).toMatchObject({
      status: 200,
      body: { sub: claims.sub, phone_number: THIRD },
    });

    const requested = await invoke(
      entries['change-phone-number'],
      apiEvent('POST', '/me/phone-number', { phone_number: OTHER }, { claims }),
    );
    expect(requested).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    const moved = await invoke(
      entries['verify-phone-number'],
      apiEvent('POST', '/me/phone-number/verify', { phone_number: OTHER, otp: codeSentTo(OTHER) }, { claims }),
    );
    expect(moved.status).toBe(200);
    const movedClaims = authorizerClaimsOf(String(moved.body.access));
    expect(movedClaims).toMatchObject({ sub: claims.sub, phone_number: OTHER });
    // verify-phone-number's own SNS client tells the old number, once, as a transactional SMS.
    expect(sns.commandCalls(PublishCommand).at(-1)?.args[0].input).toEqual({
      PhoneNumber: THIRD,
      Message: DEFAULT_NUMBER_CHANGED_TEMPLATE,
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
    expect(sns.commandCalls(PublishCommand).filter((call) => call.args[0].input.PhoneNumber === THIRD)).toHaveLength(2);

    const deleted = await invoke(
      entries['delete-account'],
      apiEvent('DELETE', '/me', undefined, { claims: movedClaims }),
    );
    expect(deleted.status).toBe(204);
    expect(await invoke(entries.me, apiEvent('GET', '/me', undefined, { claims: movedClaims }))).toMatchObject({
      status: 401,
      body: { code: 'invalid_token' },
    });
  });

  it('well-known serves the published keys and the discovery document', async () => {
    const jwks = await invoke(entries['well-known'], apiEvent('GET', '/.well-known/jwks.json'));
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toEqual(publicJwksOf(await testKeySetDocument()));
    const discovery = await invoke(entries['well-known'], apiEvent('GET', '/.well-known/openid-configuration'));
    expect(discovery.body.issuer).toBe('https://auth.test');
  });

  it('not-found answers unknown paths with JSON 404', async () => {
    expect(await invoke(entries['not-found'], apiEvent('GET', '/nope'))).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
  });

  it('gives SNS one attempt with bounded timeouts: a retry after a slow success would send a second paid SMS', async () => {
    const client = sns.send.getCall(0)?.thisValue as SNSClient | undefined;
    expect(client).toBeInstanceOf(SNSClient);
    expect(await client?.config.maxAttempts()).toBe(1);
    const handler = client?.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 3000 });
  });

  it('bounds each DynamoDB try, so an endpoint that stops answering ends in 503 before the function times out', async () => {
    const { dynamoDbDocuments } = await import('../../lambdas/functions/lambda-runtime.js');
    const documents = dynamoDbDocuments();
    expect(await documents.config.maxAttempts()).toBe(3);
    const handler = documents.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 1500 });
  });

  it('bounds each Secrets Manager try the same way', async () => {
    const client = secrets.send.getCall(0)?.thisValue as SecretsManagerClient | undefined;
    expect(client).toBeInstanceOf(SecretsManagerClient);
    expect(await client?.config.maxAttempts()).toBe(3);
    const handler = client?.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 1500 });
  });
});
