import { createTelemetry } from '../http/telemetry.js';
import { makeNotFoundHandler } from '../http/well-known-handlers.js';

export const handler = makeNotFoundHandler(createTelemetry());
