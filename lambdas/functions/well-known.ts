import { ENV, requireString } from '../config.js';
import { createTelemetry } from '../http/telemetry.js';
import { makeWellKnownHandler } from '../http/well-known-handlers.js';
import { secretKeySource } from './compose-keys.js';

export const handler = makeWellKnownHandler(
  { keys: secretKeySource(process.env), issuer: requireString(process.env, ENV.issuer).replace(/\/+$/, '') },
  createTelemetry(),
);
