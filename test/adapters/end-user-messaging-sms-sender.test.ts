import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ThrottlingException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EndUserMessagingSmsSender } from '../../lambdas/adapters/end-user-messaging-sms-sender.js';
import { SnsSmsSender } from '../../lambdas/adapters/sns-sms-sender.js';
import { ConfigError } from '../../lambdas/config.js';
import { endUserMessagingSms, snsSms } from '../../lambdas/functions/lambda-runtime.js';

const PHONE = '+919876543210';
const MESSAGE = 'Your code is 123456. It expires in 5 minutes.';

const eum = mockClient(PinpointSMSVoiceV2Client);
const sns = mockClient(SNSClient);

/** The exact inputs of every SendTextMessage sent, so an extra or missing field fails the test. */
function sentInputs(): unknown[] {
  return eum.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);
}

beforeEach(() => {
  eum.reset();
  sns.reset();
  eum.on(SendTextMessageCommand).resolves({ MessageId: 'message-1' });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
});
afterAll(() => {
  eum.restore();
  sns.restore();
});

describe('EndUserMessagingSmsSender', () => {
  it('sends a transactional message that lives as long as its code, and nothing not configured', async () => {
    await new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({}), { timeToLiveSeconds: 300 }).send(
      PHONE,
      MESSAGE,
    );

    expect(sentInputs()).toEqual([
      { DestinationPhoneNumber: PHONE, MessageBody: MESSAGE, MessageType: 'TRANSACTIONAL', TimeToLive: 300 },
    ]);
  });

  it('passes the protect configuration, configuration set, price ceiling and origination number', async () => {
    const sender = new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({}), {
      smsOriginationNumber: '+18445550199',
      smsSenderId: 'OTPLOGIN',
      smsProtectConfigurationId: 'protect-0123456789abcdef',
      smsConfigurationSet: 'otp-login',
      smsMaxPrice: '0.10',
      timeToLiveSeconds: 120,
    });

    await sender.send(PHONE, MESSAGE);

    expect(sentInputs()).toEqual([
      {
        DestinationPhoneNumber: PHONE,
        MessageBody: MESSAGE,
        MessageType: 'TRANSACTIONAL',
        TimeToLive: 120,
        // One identity per message: the number wins over the sender id.
        OriginationIdentity: '+18445550199',
        ConfigurationSetName: 'otp-login',
        ProtectConfigurationId: 'protect-0123456789abcdef',
        MaxPrice: '0.10',
      },
    ]);
  });

  it('sends under the sender id when no number is configured', async () => {
    await new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({}), {
      smsSenderId: 'OTPLOGIN',
      timeToLiveSeconds: 300,
    }).send(PHONE, MESSAGE);

    expect(sentInputs()).toEqual([
      {
        DestinationPhoneNumber: PHONE,
        MessageBody: MESSAGE,
        MessageType: 'TRANSACTIONAL',
        TimeToLive: 300,
        OriginationIdentity: 'OTPLOGIN',
      },
    ]);
  });

  it('rejects when End User Messaging does not accept the message, so the caller can answer sms_unavailable', async () => {
    eum.on(SendTextMessageCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const sender = new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client({}), { timeToLiveSeconds: 300 });

    await expect(sender.send(PHONE, MESSAGE)).rejects.toThrow(ThrottlingException);
  });
});

describe('the SMS senders of the Lambda entries', () => {
  const env = { OTP_TTL_SECONDS: '240', SMS_SENDER_ID: 'OTPLOGIN' };

  it('snsSms sends through SNS only', async () => {
    const sender = snsSms(env);

    expect(sender).toBeInstanceOf(SnsSmsSender);
    await sender.send(PHONE, MESSAGE);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(eum.calls()).toHaveLength(0);
  });

  it('endUserMessagingSms sends through it with the code lifetime as time to live, and never through SNS', async () => {
    const sender = endUserMessagingSms({ ...env, SMS_PROVIDER: 'end-user-messaging', SMS_MAX_PRICE: '0.05' });

    await sender.send(PHONE, MESSAGE);

    expect(sentInputs()).toEqual([
      {
        DestinationPhoneNumber: PHONE,
        MessageBody: MESSAGE,
        MessageType: 'TRANSACTIONAL',
        TimeToLive: 240,
        OriginationIdentity: 'OTPLOGIN',
        MaxPrice: '0.05',
      },
    ]);
    expect(sns.calls()).toHaveLength(0);
  });

  it('gives End User Messaging one attempt with bounded timeouts: a retry after a slow success would send a second paid SMS', async () => {
    await endUserMessagingSms({ ...env, SMS_PROVIDER: 'end-user-messaging' }).send(PHONE, MESSAGE);

    const client = eum.send.getCall(0)?.thisValue as PinpointSMSVoiceV2Client | undefined;
    expect(client).toBeInstanceOf(PinpointSMSVoiceV2Client);
    expect(await client?.config.maxAttempts()).toBe(1);
    const handler = client?.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 3000 });
  });

  it("stops at init when SMS_PROVIDER names the other provider than the bundle's (its IAM allows only its own)", () => {
    expect(() => snsSms({ SMS_PROVIDER: 'end-user-messaging' })).toThrow(
      new ConfigError(
        'Environment variable SMS_PROVIDER is "end-user-messaging", but this function was bundled and granted for "sns": deploy with -c SMS_PROVIDER=end-user-messaging',
      ),
    );
    expect(() => endUserMessagingSms({})).toThrow(
      'Environment variable SMS_PROVIDER is "sns", but this function was bundled and granted for "end-user-messaging"',
    );
  });

  it('refuses End User Messaging settings with SNS, which would silently ignore them', () => {
    expect(() => snsSms({ SMS_PROTECT_CONFIGURATION_ID: 'protect-1', SMS_MAX_PRICE: '0.10' })).toThrow(
      new ConfigError(
        'Environment variable SMS_PROTECT_CONFIGURATION_ID, SMS_MAX_PRICE needs SMS_PROVIDER=end-user-messaging',
      ),
    );
  });

  it.each([
    ['SMS_PROVIDER', 'twilio', 'must be "sns" or "end-user-messaging"'],
    ['SMS_MAX_PRICE', '10', 'must be dollars such as 0.10'],
    ['SMS_MAX_PRICE', '100.0', 'must be dollars such as 0.10'],
    ['SMS_CONFIGURATION_SET', 'otp login', 'must be an id, name or ARN'],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => endUserMessagingSms({ SMS_PROVIDER: 'end-user-messaging', [name]: value })).toThrow(
      `Environment variable ${name} ${message}`,
    );
  });
});
