import { composePasskeys } from '../compose.js';
import { dynamoDbDocuments, lambdaBase } from './lambda-runtime.js';

export const handler = composePasskeys({ ...lambdaBase(), documents: dynamoDbDocuments() });
