import { composeChangePhoneNumber } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, snsSms } from './lambda-runtime.js';

export const handler = composeChangePhoneNumber({ ...lambdaBase(), documents: dynamoDbDocuments(), sms: snsSms() });
