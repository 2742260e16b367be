// verify-phone-number with a claims hook (the construct's `claims`): the stack deploys this entry instead of
// verify-phone-number.ts, so only a deployment with a hook bundles the Lambda client and the hook's checks.
import { composeClaimsHook, composeVerifyPhoneNumber } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, lambdaClaims, secretsManagerKeys, snsSms } from './lambda-runtime.js';

const base = lambdaBase();
export const handler = composeVerifyPhoneNumber({
  ...base,
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  sms: snsSms(),
  claims: composeClaimsHook(base, lambdaClaims()),
});
