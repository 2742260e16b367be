import { composeVerifyPhoneNumber } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, secretsManagerKeys } from './lambda-runtime.js';

export const handler = composeVerifyPhoneNumber({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
});
