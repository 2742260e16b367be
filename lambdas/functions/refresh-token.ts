import { parseTokenConfig } from '../config.js';
import { systemClock } from '../core/clock.js';
import { createTelemetry } from '../http/telemetry.js';
import { makeRefreshTokenHandler } from '../http/token-handlers.js';
import { secretKeySource } from './compose-keys.js';
import { tableStores } from './compose-table.js';

const { refreshFamilies } = tableStores(process.env);

export const handler = makeRefreshTokenHandler(
  { refreshFamilies, keys: secretKeySource(process.env), clock: systemClock, sessions: parseTokenConfig(process.env) },
  createTelemetry(),
);
