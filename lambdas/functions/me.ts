import { composeMe } from '../compose.js';
import { lambdaBase } from './lambda-runtime.js';

export const handler = composeMe(lambdaBase());
