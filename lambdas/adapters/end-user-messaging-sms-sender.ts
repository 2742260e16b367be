import {
  type PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SmsSender } from '../core/ports.js';

/** The `sms` settings End User Messaging uses (lambdas/config.ts), and the code's lifetime. */
export interface EndUserMessagingSmsOptions {
  /** Sender id (or its ARN), the origination identity when no number is set. */
  readonly smsSenderId?: string | undefined;
  /** Origination number, its id or ARN, or a pool's: the origination identity. */
  readonly smsOriginationNumber?: string | undefined;
  readonly smsProtectConfigurationId?: string | undefined;
  readonly smsConfigurationSet?: string | undefined;
  /** Most US dollars to pay per message part; a dearer destination is refused, not sent. */
  readonly smsMaxPrice?: string | undefined;
  /** `OTP_TTL_SECONDS`: a message not handed to a carrier by then is dropped, as its code is dead. */
  readonly timeToLiveSeconds: number;
}

/**
 * SMS through AWS End User Messaging SMS (`SendTextMessage`), with what SNS cannot set per message:
 * a protect configuration, a configuration set, a price ceiling and a time to live.
 */
export class EndUserMessagingSmsSender implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: EndUserMessagingSmsOptions,
  ) {}

  async send(phoneNumber: string, message: string): Promise<void> {
    const { smsSenderId, smsOriginationNumber, smsProtectConfigurationId, smsConfigurationSet, smsMaxPrice } =
      this.options;
    // One identity per message: a dedicated number (10DLC, toll-free) where registered, else the sender id.
    const originationIdentity = smsOriginationNumber ?? smsSenderId;
    const input: SendTextMessageCommandInput = {
      DestinationPhoneNumber: phoneNumber,
      MessageBody: message,
      MessageType: 'TRANSACTIONAL',
      TimeToLive: this.options.timeToLiveSeconds,
      ...(originationIdentity ? { OriginationIdentity: originationIdentity } : {}),
      ...(smsConfigurationSet ? { ConfigurationSetName: smsConfigurationSet } : {}),
      ...(smsProtectConfigurationId ? { ProtectConfigurationId: smsProtectConfigurationId } : {}),
      ...(smsMaxPrice ? { MaxPrice: smsMaxPrice } : {}),
    };
    await this.client.send(new SendTextMessageCommand(input));
  }
}
