import { composeSendOtp } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, snsSms } from './lambda-runtime.js';

export const handler = composeSendOtp({ ...lambdaBase(), documents: dynamoDbDocuments(), sms: snsSms() });
