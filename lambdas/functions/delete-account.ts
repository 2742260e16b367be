import { composeDeleteAccount } from '../compose.js';
import { dynamoDbDocuments, lambdaBase } from './lambda-runtime.js';

export const handler = composeDeleteAccount({ ...lambdaBase(), documents: dynamoDbDocuments() });
