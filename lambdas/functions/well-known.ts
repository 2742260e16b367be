import { composeWellKnown } from '../compose.js';
import { dynamoDbDocuments, lambdaBase } from './lambda-runtime.js';

export const handler = composeWellKnown({ ...lambdaBase(), documents: dynamoDbDocuments() });
