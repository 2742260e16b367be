// verify-otp with a claims hook (the construct's `claims`): the stack deploys this entry instead of
// verify-otp.ts, so only a deployment with a hook bundles the Lambda client and the hook's checks.
import { composeClaimsHook, composeVerifyOtp } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, lambdaClaims, secretsManagerKeys } from './lambda-runtime.js';

const base = lambdaBase();
export const handler = composeVerifyOtp({
  ...base,
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  claims: composeClaimsHook(base, lambdaClaims()),
});
