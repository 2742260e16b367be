import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuthErrorCode } from '../core/errors.js';
import { maskBareDigits, maskPhoneNumber } from '../core/phone-mask.js';
import { COUNTRY_DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './metric-names.js';

export { COUNTRY_DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './metric-names.js';

/** The keys every log line of one request carries. */
export interface RequestKeys {
  readonly request_id: string | undefined;
  readonly route: string;
}

/** Structured logging for handlers: each line also carries the keys of the request it is logged in. */
export interface RequestLogger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface Telemetry {
  readonly logger: RequestLogger;
  readonly count: (metric: MetricName) => void;
  /** Counts `metric` with the dimensions `service` and `country` (emitted at once, on its own line). */
  readonly countInCountry: (metric: MetricName, country: string) => void;
  readonly flush: () => void;
  /** Runs one request: every line logged until `run` settles, awaited work included, carries `keys`. */
  readonly inRequest: <T>(keys: RequestKeys, run: () => Promise<T>) => Promise<T>;
}

export function createTelemetry(metrics?: Metrics): Telemetry {
  const base = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
  // The local server (and Lambda managed instances) run requests concurrently through one Telemetry,
  // so the request's keys cannot live on the shared Logger. AsyncLocalStorage costs about 1 µs per
  // request; a child Logger per request cost about 30 µs.
  const requests = new AsyncLocalStorage<RequestKeys>();
  const log =
    (level: keyof RequestLogger) =>
    (message: string, attributes?: Record<string, unknown>): void =>
      base[level](message, { ...attributes, ...requests.getStore() });
  const logger: RequestLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const sink =
    metrics ??
    new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    });
  let pending = false;
  return {
    logger,
    count: (metric) => {
      pending = true;
      sink.addMetric(metric, MetricUnit.Count, 1);
    },
    countInCountry: (metric, country) => {
      // A metric of its own, so the country dimension does not attach to the request's other metrics.
      sink.singleMetric().addDimension(COUNTRY_DIMENSION, country).addMetric(metric, MetricUnit.Count, 1);
    },
    // Only requests that counted something emit an EMF line.
    flush: () => {
      if (!pending) return;
      pending = false;
      sink.publishStoredMetrics();
    },
    inRequest: (keys, run) => requests.run(keys, run),
  };
}

/** The metric an expected failure counts toward, if any. */
export const METRIC_BY_CODE: Partial<Record<AuthErrorCode, MetricName>> = {
  invalid_otp: METRIC.failed,
  too_many_attempts: METRIC.locked,
  rate_limited: METRIC.rateLimited,
  sms_unavailable: METRIC.smsFailed,
  recent_login_required: METRIC.recentLoginRequired,
  invalid_passkey: METRIC.passkeySignInRefused,
};

// Kept as they are, so an operator can tell which endpoint, resource or request failed. Matched
// first and set aside, so that a number next to one cannot swallow it.
const KEPT = new RegExp(
  [
    /arn:[\w-]+:[\w-]*:[\w-]*:\d{12}:/, // an ARN up to its account id (not a secret; names the resource)
    /[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/, // a UUID: request ids
    /\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?/, // ISO 8601
    /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![.\d])/, // IPv4
    // A port, IPv6 group, clock time or line:column; never the end or start of a number written
    // with separators (`555-0123:`, `:555-0123`), which is a phone number's, not an address's.
    /(?<=:)\d{1,5}(?!\d)(?![\s().-]\d)|(?<!\w)(?<!\d[\s().-])\d{1,5}(?=:)/,
  ]
    .map((r) => r.source)
    .join('|'),
  'gi',
);
// A run of digits, perhaps with a leading + and split the way phone numbers are written.
const DIGIT_RUN = /(?<![\w+\uE000])\+?\(?\d(?:[\d ().-]*\d)?(?![\w\uE001])/g;
const SET_ASIDE = /\uE000(\d+)\uE001/g;

/**
 * Masks what could be a phone number or a login code in error text (SDKs can echo input back):
 * - a run of 7 to 15 digits (an E.164 number, with or without its +, or a national one, possibly
 *   written with spaces, dots, hyphens or parentheses) keeps at most its last 4 digits, half of them
 *   or fewer, and a + number its calling code too, as `maskPhoneNumber` does: `+919876543210` ->
 *   `+91******3210`, `+6907290` -> `+690***0`; one without its + shows no more than it would with it
 *   (`50051234` -> `******34`);
 * - exactly 6 digits on their own (a code; this service issues no other length) become `******`;
 * - a longer run (numbers written next to each other) is masked whole.
 * Kept readable: IPv4 and IPv6 addresses, ports, `host:port`, ISO 8601 timestamps and clock times,
 * UUIDs and other request ids, ARNs with their account id, numbers of up to 5 digits (timeouts,
 * statuses, counts) and digits inside words. Epoch timestamps read like national numbers and are masked.
 */
export function redact(text: string): string {
  const kept: string[] = [];
  return text
    .replace(/[\uE000\uE001]/g, '\uFFFD')
    .replace(KEPT, (token) => `\uE000${kept.push(token) - 1}\uE001`)
    .replace(DIGIT_RUN, maskDigitRun)
    .replace(SET_ASIDE, (_, index: string) => kept[Number(index)] ?? '');
}

function maskDigitRun(run: string): string {
  const digits = run.replace(/\D/g, '');
  if (digits.length > 15) return run.replace(/\d/g, '*');
  if (digits.length >= 7) {
    if (run.startsWith('+')) return maskPhoneNumber(`+${digits}`);
    return maskBareDigits(digits);
  }
  return /^\d{6}$/.test(run) ? '******' : run;
}
