// passkey-sign-in with a claims hook (the construct's `claims`): the stack deploys this entry instead of
// passkey-sign-in.ts, so only a deployment with a hook bundles the Lambda client and the hook's checks.
import { composeClaimsHook, composePasskeySignIn } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, lambdaClaims, secretsManagerKeys } from './lambda-runtime.js';

const base = lambdaBase();
export const handler = composePasskeySignIn({
  ...base,
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  claims: composeClaimsHook(base, lambdaClaims()),
});
