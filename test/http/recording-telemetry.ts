import type { MetricName, RequestKeys, Telemetry } from '../../lambdas/http/telemetry.js';

export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown> | undefined;
}

/** A Telemetry that keeps what a handler logged, counted and flushed, for handlers tested without Powertools. */
export function recordingTelemetry() {
  const lines: LoggedLine[] = [];
  const counted: MetricName[] = [];
  const countedInCountry: [MetricName, string][] = [];
  const requests: RequestKeys[] = [];
  const flushes = { count: 0 };
  const log =
    (level: LoggedLine['level']) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      lines.push({ level, message, attributes });
    };
  const telemetry: Telemetry = {
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    count: (metric) => {
      counted.push(metric);
    },
    countInCountry: (metric, country) => {
      countedInCountry.push([metric, country]);
    },
    flush: () => {
      flushes.count++;
    },
    inRequest: (keys, run) => {
      requests.push(keys);
      return run();
    },
  };
  return { telemetry, lines, counted, countedInCountry, requests, flushes };
}
