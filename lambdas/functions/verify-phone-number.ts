import { composeVerifyPhoneNumber } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, secretsManagerKeys, snsSms } from './lambda-runtime.js';

export const handler = composeVerifyPhoneNumber({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
  sms: snsSms(),
});
