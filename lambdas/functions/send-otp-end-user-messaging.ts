// send-otp with SMS_PROVIDER=end-user-messaging: the stack deploys this entry instead of send-otp.ts,
// so each bundle holds only the SMS client it calls.
import { composeSendOtp } from '../compose.js';
import { dynamoDbDocuments, endUserMessagingSms, lambdaBase } from './lambda-runtime.js';

export const handler = composeSendOtp({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  sms: endUserMessagingSms(),
});
