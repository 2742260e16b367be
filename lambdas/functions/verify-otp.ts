import { composeVerifyOtp } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, secretsManagerKeys } from './lambda-runtime.js';

export const handler = composeVerifyOtp({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
});
