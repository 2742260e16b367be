import { systemClock } from '../core/clock.js';
import { createTelemetry } from '../http/telemetry.js';
import { makeLogoutHandler } from '../http/token-handlers.js';
import { tableStores } from './compose-table.js';

const { refreshFamilies } = tableStores(process.env);

export const handler = makeLogoutHandler({ refreshFamilies, clock: systemClock }, createTelemetry());
