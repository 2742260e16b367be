import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsSmsSender } from '../../lambdas/adapters/sns-sms-sender.js';

const PHONE = '+15555550100';
const MESSAGE = 'Your login code is 123456';
const TRANSACTIONAL = { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } };

const sns = mockClient(SNSClient);

/** The exact inputs of every PublishCommand sent, so an extra attribute fails the test too. */
function publishedInputs(): unknown[] {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

describe('SnsSmsSender', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  });

  it('publishes the message straight to the phone number as a transactional SMS', async () => {
    const sender = new SnsSmsSender(new SNSClient({}));

    await sender.send(PHONE, MESSAGE);

    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, { PhoneNumber: PHONE, Message: MESSAGE });
    // No sender id or origination number unless configured: SNS then picks them per destination.
    expect(publishedInputs()).toEqual([{ PhoneNumber: PHONE, Message: MESSAGE, MessageAttributes: TRANSACTIONAL }]);
  });

  it('sends under the configured alphanumeric sender id', async () => {
    const sender = new SnsSmsSender(new SNSClient({}), { smsSenderId: 'OTPLOGIN' });

    await sender.send(PHONE, MESSAGE);

    expect(publishedInputs()).toEqual([
      {
        PhoneNumber: PHONE,
        Message: MESSAGE,
        MessageAttributes: {
          ...TRANSACTIONAL,
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'OTPLOGIN' },
        },
      },
    ]);
  });

  it('sends from the configured origination number', async () => {
    const sender = new SnsSmsSender(new SNSClient({}), { smsOriginationNumber: '+18445550199' });

    await sender.send(PHONE, MESSAGE);

    expect(publishedInputs()).toEqual([
      {
        PhoneNumber: PHONE,
        Message: MESSAGE,
        MessageAttributes: {
          ...TRANSACTIONAL,
          'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18445550199' },
        },
      },
    ]);
  });

  it('sets both the sender id and the origination number when both are configured', async () => {
    const sender = new SnsSmsSender(new SNSClient({}), {
      smsSenderId: 'OTPLOGIN',
      smsOriginationNumber: '+18445550199',
    });

    await sender.send(PHONE, MESSAGE);

    expect(publishedInputs()).toEqual([
      {
        PhoneNumber: PHONE,
        Message: MESSAGE,
        MessageAttributes: {
          ...TRANSACTIONAL,
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'OTPLOGIN' },
          'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18445550199' },
        },
      },
    ]);
  });

  it('treats an empty sender id or origination number as not configured', async () => {
    const sender = new SnsSmsSender(new SNSClient({}), { smsSenderId: '', smsOriginationNumber: '' });

    await sender.send(PHONE, MESSAGE);

    expect(publishedInputs()).toEqual([{ PhoneNumber: PHONE, Message: MESSAGE, MessageAttributes: TRANSACTIONAL }]);
  });

  it('rejects when SNS does not accept the message, so the caller can answer sms_unavailable', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    const sender = new SnsSmsSender(new SNSClient({}));

    await expect(sender.send(PHONE, MESSAGE)).rejects.toThrow(ThrottledException);
  });
});
