// verify-phone-number with SMS_PROVIDER=end-user-messaging: the stack deploys this entry instead, so
// the bundle holds only the SMS client the number-change notice goes through.
import { composeVerifyPhoneNumber } from '../compose.js';
import { dynamoDbDocuments, endUserMessagingSms, lambdaBase, secretsManagerKeys } from './lambda-runtime.js';

export const handler = composeVerifyPhoneNumber({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  sms: endUserMessagingSms(),
});
