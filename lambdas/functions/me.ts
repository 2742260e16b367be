import { composeMe } from '../compose.js';
import { dynamoDbDocuments, lambdaBase } from './lambda-runtime.js';

export const handler = composeMe({ ...lambdaBase(), documents: dynamoDbDocuments() });
