import { SNSClient } from '@aws-sdk/client-sns';
import { SnsSmsSender } from '../adapters/sns-sms-sender.js';
import { parseOtpConfig, parseSmsConfig } from '../config.js';
import { systemClock } from '../core/clock.js';
import { makeSendOtpHandler } from '../http/login-handlers.js';
import { createTelemetry } from '../http/telemetry.js';
import { tableStores } from './compose-table.js';

const { records, ipLimiter } = tableStores(process.env);
// One attempt: an SDK retry after a slow but successful Publish would send a second paid SMS for one
// counted send. Bounded, so a hung provider answers sms_unavailable long before the function times out.
const sns = new SNSClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } });

export const handler = makeSendOtpHandler(
  {
    records,
    ipLimiter,
    sms: new SnsSmsSender(sns, parseSmsConfig(process.env)),
    clock: systemClock,
    policy: parseOtpConfig(process.env),
  },
  createTelemetry(),
);
