import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SmsSender } from '../core/ports.js';

export interface SnsSmsOptions {
  /** Alphanumeric sender id, where the destination country supports it. */
  readonly senderId?: string;
  /** A dedicated origination number (10DLC, toll-free, short code) registered in this region. */
  readonly originationNumber?: string;
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
    if (this.options.senderId) {
      attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: this.options.senderId };
    }
    if (this.options.originationNumber) {
      attributes['AWS.MM.SMS.OriginationNumber'] = { DataType: 'String', StringValue: this.options.originationNumber };
    }
    await this.client.send(
      new PublishCommand({ PhoneNumber: phoneNumber, Message: message, MessageAttributes: attributes }),
    );
  }
}
