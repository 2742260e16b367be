import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuthErrorCode } from '../core/errors.js';
import { METRIC, METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './metric-names.js';

export { METRIC, METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './metric-names.js';

export interface Telemetry {
  readonly logger: Logger;
  readonly count: (metric: MetricName) => void;
  readonly flush: () => void;
}

export function createTelemetry(metrics?: Metrics): Telemetry {
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
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
    // Only requests that counted something emit an EMF line.
    flush: () => {
      if (!pending) return;
      pending = false;
      sink.publishStoredMetrics();
    },
  };
}

/** The metric an expected failure counts toward, if any. */
export const METRIC_BY_CODE: Partial<Record<AuthErrorCode, MetricName>> = {
  invalid_otp: METRIC.failed,
  too_many_attempts: METRIC.locked,
  rate_limited: METRIC.rateLimited,
  sms_unavailable: METRIC.smsFailed,
};

const LONG_DIGIT_RUN = /\+?\d[\d ().-]{5,}\d/g;

/** Error text from SDKs can echo a phone number back; mask any long run of digits before logging. */
export function redact(text: string): string {
  return text.replace(LONG_DIGIT_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    return `${run.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
  });
}
