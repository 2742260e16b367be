import { composeRefreshToken } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, secretsManagerKeys } from './lambda-runtime.js';

export const handler = composeRefreshToken({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
});
