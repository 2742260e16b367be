import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DEFAULT_NUMBER_CHANGED_TEMPLATE } from '../../lambdas/config.js';
import { systemClock } from '../../lambdas/core/clock.js';
import { provisionUser } from '../../lambdas/core/login.js';
import type { ApiHandler } from '../../lambdas/http/api-event.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { apiEvent, invoke, testKeySetDocument } from '../helpers/test-app.js';

const PHONE = '+919876543210';
const eum = mockClient(PinpointSMSVoiceV2Client);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login/signing-key-AbCdEf';

/** The entries the stack deploys for SMS_PROVIDER=end-user-messaging, imported as deployed. */
let handler: ApiHandler;
let changeNumber: ApiHandler;
let verifyNumber: ApiHandler;
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable();
  eum.on(SendTextMessageCommand).resolves({ MessageId: 'message-1' });
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
    SecretString: JSON.stringify(await testKeySetDocument()),
  });
  for (const [name, value] of Object.entries({
    ...testDynamoDbEnv(),
    TABLE_NAME: table.tableName,
    ISSUER: 'https://auth.test',
    SMS_PROVIDER: 'end-user-messaging',
    SMS_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
    OTP_TTL_SECONDS: '300',
    SIGNING_KEY_SECRET_ID: SECRET_ID,
  })) {
    vi.stubEnv(name, value);
  }
  handler = ((await import('../../lambdas/functions/send-otp-end-user-messaging.js')) as { handler: ApiHandler })
    .handler;
  verifyNumber = (
    (await import('../../lambdas/functions/verify-phone-number-end-user-messaging.js')) as { handler: ApiHandler }
  ).handler;
  changeNumber = (
    (await import('../../lambdas/functions/change-phone-number-end-user-messaging.js')) as { handler: ApiHandler }
  ).handler;
});
afterAll(() => {
  vi.unstubAllEnvs();
  eum.restore();
  sns.restore();
  secrets.restore();
});

describe('the send-otp-end-user-messaging entry', () => {
  it('texts the code through End User Messaging with the protect configuration, and never through SNS', async () => {
    const sent = await invoke(handler, apiEvent('POST', '/send-otp', { phone_number: PHONE }));

    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent', expires_in: 300 } });
    const input = eum.commandCalls(SendTextMessageCommand)[0]?.args[0].input;
    expect(input).toEqual({
      DestinationPhoneNumber: PHONE,
      MessageBody: expect.stringMatching(/^Your code is \d{6}\. It expires in 5 minutes\.$/),
      MessageType: 'TRANSACTIONAL',
      TimeToLive: 300,
      ProtectConfigurationId: 'protect-0123456789abcdef',
    });
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('the change-phone-number- and verify-phone-number-end-user-messaging entries', () => {
  it('text the change code and the notice to the old number through End User Messaging too, never through SNS', async () => {
    const records = new DynamoDbPhoneRecordStore(createDocumentClient(table.client), table.tableName);
    await provisionUser(records, '+919876543212', systemClock);
    const { record } = await records.get('+919876543212', Math.floor(Date.now() / 1000));
    const claims = {
      sub: String(record.user?.userId),
      phone_number: '+919876543212',
      token_use: 'access',
      // A login just now, as API Gateway passes the claim: a string.
      auth_time: String(Math.floor(Date.now() / 1000)),
    };

    const sent = await invoke(
      changeNumber,
      apiEvent('POST', '/me/phone-number', { phone_number: '+919876543213' }, { claims }),
    );

    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    expect(eum.commandCalls(SendTextMessageCommand).at(-1)?.args[0].input).toMatchObject({
      DestinationPhoneNumber: '+919876543213',
      MessageType: 'TRANSACTIONAL',
      ProtectConfigurationId: 'protect-0123456789abcdef',
    });
    expect(sns.calls()).toHaveLength(0);
    // The verify-phone-number-end-user-messaging entry moves the user and tells the old number,
    // through End User Messaging as well.
    const code = /\b(\d{6})\b/.exec(
      eum.commandCalls(SendTextMessageCommand).at(-1)?.args[0].input.MessageBody ?? '',
    )?.[1];
    const moved = await invoke(
      verifyNumber,
      apiEvent('POST', '/me/phone-number/verify', { phone_number: '+919876543213', otp: code }, { claims }),
    );

    expect(moved).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    expect(eum.commandCalls(SendTextMessageCommand).at(-1)?.args[0].input).toEqual({
      DestinationPhoneNumber: '+919876543212',
      MessageBody: DEFAULT_NUMBER_CHANGED_TEMPLATE,
      MessageType: 'TRANSACTIONAL',
      TimeToLive: 300,
      ProtectConfigurationId: 'protect-0123456789abcdef',
    });
    expect(sns.calls()).toHaveLength(0);
  });
});
