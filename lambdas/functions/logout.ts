import { composeLogout } from '../compose.js';
import { dynamoDbDocuments, lambdaBase } from './lambda-runtime.js';

export const handler = composeLogout({ ...lambdaBase(), documents: dynamoDbDocuments() });
