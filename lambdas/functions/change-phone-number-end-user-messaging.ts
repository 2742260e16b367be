// change-phone-number with SMS_PROVIDER=end-user-messaging: the stack deploys this entry instead,
// so each bundle holds only the SMS client it calls.
import { composeChangePhoneNumber } from '../compose.js';
import { dynamoDbDocuments, endUserMessagingSms, lambdaBase } from './lambda-runtime.js';

export const handler = composeChangePhoneNumber({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  sms: endUserMessagingSms(),
});
