import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiHandler } from '../../lambdas/http/api-event.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { apiEvent, invoke } from '../helpers/test-app.js';

const PHONE = '+919876543210';
const eum = mockClient(PinpointSMSVoiceV2Client);
const sns = mockClient(SNSClient);

/** The entry the stack deploys for SMS_PROVIDER=end-user-messaging, imported as deployed. */
let handler: ApiHandler;
beforeAll(async () => {
  const table = await createTestTable();
  eum.on(SendTextMessageCommand).resolves({ MessageId: 'message-1' });
  for (const [name, value] of Object.entries({
    ...testDynamoDbEnv(),
    TABLE_NAME: table.tableName,
    ISSUER: 'https://auth.test',
    SMS_PROVIDER: 'end-user-messaging',
    SMS_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
    OTP_TTL_SECONDS: '300',
  })) {
    vi.stubEnv(name, value);
  }
  handler = ((await import('../../lambdas/functions/send-otp-end-user-messaging.js')) as { handler: ApiHandler })
    .handler;
});
afterAll(() => {
  vi.unstubAllEnvs();
  eum.restore();
  sns.restore();
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
