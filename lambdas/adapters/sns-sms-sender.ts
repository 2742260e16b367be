import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SmsSender } from '../core/ports.js';

/** SMS_SENDER_ID and SMS_ORIGINATION_NUMBER, as lambdas/config.ts parses them. */
export interface SnsSmsOptions {
  /** Alphanumeric sender id, where the destination country supports it. */
  readonly smsSenderId?: string | undefined;
  /** A dedicated origination number (10DLC, toll-free, short code) registered in this region. */
  readonly smsOriginationNumber?: string | undefined;
}

/** Direct-to-phone SMS through SNS in the function's own region, as a transactional message. */
export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsOptions = {},
  ) {}

  async send(phoneNumber: string, message: string): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      // Transactional: higher delivery priority, and not subject to promotional opt-out quiet hours.
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    };
    if (this.options.smsSenderId) {
      attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: this.options.smsSenderId };
    }
    if (this.options.smsOriginationNumber) {
      attributes['AWS.MM.SMS.OriginationNumber'] = {
        DataType: 'String',
        StringValue: this.options.smsOriginationNumber,
      };
    }
    await this.client.send(
      new PublishCommand({ PhoneNumber: phoneNumber, Message: message, MessageAttributes: attributes }),
    );
  }
}
