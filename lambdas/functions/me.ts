import { createTelemetry } from '../http/telemetry.js';
import { makeMeHandler } from '../http/token-handlers.js';

// No AWS client: API Gateway's JWT authorizer has already verified the token.
export const handler = makeMeHandler(createTelemetry());
