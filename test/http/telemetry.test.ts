import type { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTelemetry, METRIC } from '../../lambdas/http/telemetry.js';
import { captureOutput } from '../helpers/capture-output.js';

/** The JSON lines `run` writes to stdout and stderr. */
async function output(run: () => void | Promise<void>): Promise<Record<string, unknown>[]> {
  return (await captureOutput(run))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function fakeSink() {
  return { addMetric: vi.fn(), publishStoredMetrics: vi.fn() };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createTelemetry: logs', () => {
  it('writes every level as a JSON line of the otp-login service, with the keys of the request it runs in', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
    const { logger, inRequest } = createTelemetry(fakeSink() as unknown as Metrics);

    const lines = await output(() =>
      inRequest({ request_id: 'r-1', route: 'POST /send-otp' }, async () => {
        logger.debug('one', { n: 1 });
        logger.info('two', { n: 2 });
        logger.warn('three', { n: 3 });
        logger.error('four', { n: 4 });
      }),
    );

    expect(lines).toEqual(
      ['DEBUG', 'INFO', 'WARN', 'ERROR'].map((level, i) =>
        expect.objectContaining({
          level,
          message: ['one', 'two', 'three', 'four'][i],
          service: 'otp-login',
          n: i + 1,
          request_id: 'r-1',
          route: 'POST /send-otp',
        }),
      ),
    );
  });

  it('names the service POWERTOOLS_SERVICE_NAME when it is set', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'otp-login-staging');
    const { logger } = createTelemetry(fakeSink() as unknown as Metrics);

    const lines = await output(() => logger.info('hello'));

    expect(lines).toEqual([expect.objectContaining({ message: 'hello', service: 'otp-login-staging' })]);
  });
});

describe('createTelemetry: metrics', () => {
  it('adds one Count per count, and publishes them once per flush', () => {
    const sink = fakeSink();
    const { count, flush } = createTelemetry(sink as unknown as Metrics);

    count(METRIC.sent);
    count(METRIC.failed);
    flush();
    flush();

    expect(sink.addMetric.mock.calls).toEqual([
      ['OtpSent', 'Count', 1],
      ['OtpFailed', 'Count', 1],
    ]);
    expect(sink.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  it('publishes nothing for a request that counted nothing', () => {
    const sink = fakeSink();

    createTelemetry(sink as unknown as Metrics).flush();

    expect(sink.publishStoredMetrics).not.toHaveBeenCalled();
  });

  it('emits EMF in the OtpLogin namespace, per otp-login service, by default', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
    const { count, flush } = createTelemetry();

    const [emf, ...rest] = await output(() => {
      count(METRIC.verified);
      flush();
    });

    expect(rest).toEqual([]);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'OtpLogin', Metrics: [{ Name: 'OtpVerified', Unit: 'Count' }] }] },
      service: 'otp-login',
      OtpVerified: 1,
    });
  });

  it('takes the namespace and service from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'OtpLoginStaging');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'otp-login-staging');
    const { count, flush } = createTelemetry();

    const [emf] = await output(() => {
      count(METRIC.verified);
      flush();
    });

    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'OtpLoginStaging' }] },
      service: 'otp-login-staging',
    });
  });

  it('emits a per-country count on a line of its own, with the dimensions service and country', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
    const { count, countInCountry, flush } = createTelemetry();

    const lines = await output(() => {
      count(METRIC.rateLimited);
      countInCountry(METRIC.countryBudgetSpent, 'IN');
      flush();
    });

    expect(lines).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'OtpLogin',
              Dimensions: [['service', 'country']],
              Metrics: [{ Name: 'CountryBudgetSpent', Unit: 'Count' }],
            },
          ],
        }),
        service: 'otp-login',
        country: 'IN',
        CountryBudgetSpent: 1,
      }),
      expect.objectContaining({ RateLimited: 1, service: 'otp-login' }),
    ]);
    expect(lines[1]).not.toHaveProperty('country');
  });
});
