import { composePasskeySignIn } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, secretsManagerKeys } from './lambda-runtime.js';

export const handler = composePasskeySignIn({
  ...lambdaBase(),
  documents: dynamoDbDocuments(),
  keys: secretsManagerKeys(),
});
