import { composeSendOtp } from '../compose.js';
import { dynamoDbDocuments, lambdaBase, smsSender } from './lambda-runtime.js';

export const handler = composeSendOtp({ ...lambdaBase(), documents: dynamoDbDocuments(), sms: smsSender() });
