import { AuthError, isAuthError } from '../core/errors.js';
import { type ApiEvent, type ApiHandler, type ApiResult, errorResult, json } from './api-event.js';
import { matchRoute } from './routes.js';
import { METRIC_BY_CODE, redact, type Telemetry } from './telemetry.js';

/**
 * Wraps a route: expected failures become their JSON error with the mapped status; anything else
 * is a 500 whose body says nothing and whose cause is logged (redacted). Every line logged while the
 * request runs carries its request id and route, also when requests run concurrently (local server).
 */
export function handleApi(telemetry: Telemetry, route: (event: ApiEvent) => Promise<ApiResult>): ApiHandler {
  const { logger } = telemetry;
  const handle = async (event: ApiEvent): Promise<ApiResult> => {
    try {
      // The trailing-slash catch-all routes (/send-otp/{proxy+}) must not serve deeper paths.
      const match = matchRoute(event.requestContext.http.method, event.rawPath);
      if (typeof match !== 'object') throw new AuthError(match);
      return await route(event);
    } catch (error) {
      if (isAuthError(error)) {
        const metric = METRIC_BY_CODE[error.code];
        if (metric) telemetry.count(metric);
        logger.info('request refused', {
          code: error.code,
          detail: error.detail,
          retry_after: error.retryAfterSeconds,
        });
        if (error.cause !== undefined) logger.warn('cause', { cause: describe(error.cause) });
        return errorResult(error);
      }
      if (isTransient(error)) {
        logger.warn('transient AWS error', { cause: describe(error) });
        return errorResult(new AuthError('service_unavailable', { retryAfterSeconds: 1 }));
      }
      logger.error('unhandled error', { cause: describe(error) });
      return json(500, { error: 'Internal error.', code: 'internal_error' });
    } finally {
      telemetry.flush();
    }
  };
  return (event) =>
    telemetry.inRequest({ request_id: event.requestContext?.requestId, route: event.routeKey }, () => handle(event));
}

function describe(error: unknown): { name: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: redact(String(error)) };
  return { name: error.name, message: redact(error.message), ...(error.stack ? { stack: redact(error.stack) } : {}) };
}

/** Throttling and timeouts the SDK gave up retrying: the client should retry, so 503 rather than 500. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: unknown }).$retryable !== undefined;
  return (
    retryable ||
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TimeoutError|ServiceUnavailable/.test(error.name)
  );
}
