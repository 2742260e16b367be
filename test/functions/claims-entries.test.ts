import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiHandler } from '../../lambdas/http/api-event.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { assertionFor, passkeyVerify, seedPasskey } from '../helpers/passkeys.js';
import { apiEvent, authorizerClaimsOf, invoke, testKeySetDocument } from '../helpers/test-app.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const CLAIMS_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:app-claims';
const TEST_CODE = '424242';
const PHONE = '+919876543210';
const lambda = mockClient(LambdaClient);
const secrets = mockClient(SecretsManagerClient);
const sns = mockClient(SNSClient);
const eum = mockClient(PinpointSMSVoiceV2Client);

const payload = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)) as unknown as NonNullable<InvokeCommandOutput['Payload']>;

/** The events the claims function was invoked with, parsed. */
function invokedWith(): unknown[] {
  return lambda.commandCalls(InvokeCommand).map((call) => {
    const { Payload, ...rest } = call.args[0].input;
    expect(rest).toEqual({ FunctionName: CLAIMS_ARN, InvocationType: 'RequestResponse' });
    return JSON.parse(String(Payload));
  });
}

/**
 * The claims entries as the stack deploys them with `claims`: the env it gives them (the function's
 * ARN among it), DynamoDB Local, and the AWS clients mocked: the claims function is invoked through
 * the Lambda client, exactly once per token issued.
 */
const entry = {} as Record<
  | 'send-otp'
  | 'change-phone-number'
  | 'verify-otp-claims'
  | 'refresh-token-claims'
  | 'passkey-sign-in-claims'
  | 'verify-phone-number-claims'
  | 'verify-phone-number-end-user-messaging-claims',
  ApiHandler
>;
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable();
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_ID })
    .resolves({ SecretString: JSON.stringify(await testKeySetDocument()) });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  eum.on(SendTextMessageCommand).resolves({ MessageId: 'm-2' });
  const env = {
    ...testDynamoDbEnv(),
    TABLE_NAME: table.tableName,
    SIGNING_KEY_SECRET_ID: SECRET_ID,
    ISSUER: 'https://auth.test',
    AUDIENCE: 'otp-login',
    TEST_PHONE_NUMBERS: `${PHONE}:${TEST_CODE},+919876543211:${TEST_CODE},+919876543212:${TEST_CODE},+919876543213:${TEST_CODE},+919876543214:${TEST_CODE}`,
    CLAIMS_HOOK_FUNCTION_ARN: CLAIMS_ARN,
    CLAIMS_HOOK_TIMEOUT_MS: '',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  for (const name of [
    'send-otp',
    'change-phone-number',
    'verify-otp-claims',
    'refresh-token-claims',
    'passkey-sign-in-claims',
    'verify-phone-number-claims',
  ] as const) {
    entry[name] = ((await import(`../../lambdas/functions/${name}.ts`)) as { handler: ApiHandler }).handler;
  }
  // Bundled for End User Messaging: it refuses to start under the default provider's setting.
  vi.stubEnv('SMS_PROVIDER', 'end-user-messaging');
  entry['verify-phone-number-end-user-messaging-claims'] = (
    (await import('../../lambdas/functions/verify-phone-number-end-user-messaging-claims.js')) as {
      handler: ApiHandler;
    }
  ).handler;
});
beforeEach(() => {
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ claims: { tenant: 't-1' } }) });
});
afterAll(() => {
  vi.unstubAllEnvs();
  for (const mock of [lambda, secrets, sns, eum]) mock.restore();
});

async function login(phone: string) {
  expect((await invoke(entry['send-otp'], apiEvent('POST', '/send-otp', { phone_number: phone }))).status).toBe(200);
  const verified = await invoke(
    entry['verify-otp-claims'],
    apiEvent('POST', '/verify-otp', { phone_number: phone, otp: TEST_CODE }),
  );
  expect(verified.status).toBe(200);
  return verified;
}

describe('the claims entries', () => {
  it('verify-otp-claims and refresh-token-claims invoke the claims function and sign its claims', async () => {
    const verified = await login(PHONE);
    const access = decodeJwt(String(verified.body.access));
    expect(access.tenant).toBe('t-1');

    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ claims: { tenant: 't-2' } }) });
    const refreshed = await invoke(
      entry['refresh-token-claims'],
      apiEvent('POST', '/token/refresh', { refresh: verified.body.refresh }),
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access)).tenant).toBe('t-2');

    const common = { sub: access.sub, phone_number: PHONE, country: 'IN', amr: ['sms'], auth_time: access.auth_time };
    expect(invokedWith()).toEqual([
      { ...common, event: 'login' },
      { ...common, event: 'refresh' },
    ]);
  });

  it('answer 503 when the claims function fails, and the refresh token stays valid', async () => {
    const verified = await login('+919876543211');
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({}) });
    const refused = await invoke(
      entry['refresh-token-claims'],
      apiEvent('POST', '/token/refresh', { refresh: verified.body.refresh }),
    );
    expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({}) });
    expect(
      (
        await invoke(
          entry['refresh-token-claims'],
          apiEvent('POST', '/token/refresh', { refresh: verified.body.refresh }),
        )
      ).status,
    ).toBe(200);
  });

  it('passkey-sign-in-claims invokes it for a passkey sign-in', async () => {
    const verified = await login('+919876543212');
    const sub = String(decodeJwt(String(verified.body.access)).sub);
    const { authenticator } = await seedPasskey(
      { client: table.client, tableName: table.tableName, clock: { seconds: Math.floor(Date.now() / 1000) } },
      { userId: sub, phoneNumber: '+919876543212' },
    );
    const app = { handlers: { 'passkey-sign-in': entry['passkey-sign-in-claims'] } } as never;
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ claims: { tenant: 'pk' } }) });

    const signedIn = await passkeyVerify(app, await assertionFor(app, authenticator));

    expect(signedIn.status).toBe(200);
    expect(decodeJwt(String(signedIn.body.access)).tenant).toBe('pk');
    expect(invokedWith()).toEqual([expect.objectContaining({ sub, event: 'login', amr: ['hwk', 'user'] })]);
  });

  it.each([
    ['verify-phone-number-claims', '+919876543213', '+12015550111'],
    ['verify-phone-number-end-user-messaging-claims', '+919876543214', '+12015550112'],
  ] as const)('%s invokes it for a number change', async (name, from, to) => {
    const verified = await login(from);
    const claims = authorizerClaimsOf(String(verified.body.access));
    const requested = await invoke(
      entry['change-phone-number'],
      apiEvent('POST', '/me/phone-number', { phone_number: to }, { claims }),
    );
    expect(requested.status).toBe(200);
    const code = /\b(\d{6})\b/.exec(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Message ?? '')?.[1];
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ claims: { tenant: 'moved' } }) });

    const moved = await invoke(
      entry[name],
      apiEvent('POST', '/me/phone-number/verify', { phone_number: to, otp: code }, { claims }),
    );

    expect(moved.status).toBe(200);
    expect(decodeJwt(String(moved.body.access))).toMatchObject({ tenant: 'moved', phone_number: to });
    expect(invokedWith()).toEqual([
      expect.objectContaining({ sub: claims.sub, phone_number: to, country: 'US', event: 'number_change' }),
    ]);
  });
});
