import { parseOtpConfig, parseTokenConfig } from '../config.js';
import { systemClock } from '../core/clock.js';
import { makeVerifyOtpHandler } from '../http/login-handlers.js';
import { createTelemetry } from '../http/telemetry.js';
import { secretKeySource } from './compose-keys.js';
import { tableStores } from './compose-table.js';

const { records, refreshFamilies } = tableStores(process.env);

export const handler = makeVerifyOtpHandler(
  {
    records,
    refreshFamilies,
    keys: secretKeySource(process.env),
    clock: systemClock,
    policy: parseOtpConfig(process.env),
    sessions: parseTokenConfig(process.env),
  },
  createTelemetry(),
);
