// verify-phone-number with SMS_PROVIDER=end-user-messaging and a claims hook (the construct's
// `claims`): the SMS client the notice goes through, and the Lambda client the hook is invoked with.
import { composeClaimsHook, composeVerifyPhoneNumber } from '../compose.js';
import {
  dynamoDbDocuments,
  endUserMessagingSms,
  lambdaBase,
  lambdaClaims,
  secretsManagerKeys,
} from './lambda-runtime.js';

const base = lambdaBase();
export const handler = composeVerifyPhoneNumber({
  ...base,
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  sms: endUserMessagingSms(),
  claims: composeClaimsHook(base, lambdaClaims()),
});
