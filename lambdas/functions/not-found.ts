import { composeNotFound } from '../compose.js';
import { lambdaBase } from './lambda-runtime.js';

export const handler = composeNotFound(lambdaBase());
