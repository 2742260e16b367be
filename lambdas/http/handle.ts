import { AuthError, isAuthError } from '../core/errors.js';
import { type ApiEvent, type ApiHandler, type ApiResult, errorResult, json, varyOnOrigin } from './api-event.js';
import { allowedMethods, matchRoute } from './routes.js';
import { METRIC_BY_CODE, redact, type Telemetry } from './telemetry.js';

/**
 * Wraps a route: expected failures become their JSON error with the mapped status; anything else
 * is a 500 whose body says nothing and whose cause is logged (redacted). Every line logged while the
 * request runs carries its request id and route, also when requests run concurrently (local server).
 * Every answer carries `Vary: Origin` ({@link varyOnOrigin}).
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
        if (error.cause !== undefined) logger.warn('cause', { cause: describeError(error.cause) });
        const result = errorResult(error);
        // Whichever function answers it, a 405 names every method of the path (RFC 9110 section 15.5.6).
        if (error.code !== 'method_not_allowed') return result;
        return { ...result, headers: { ...result.headers, allow: allowedMethods(event.rawPath).join(', ') } };
      }
      if (isTransient(error)) {
        logger.warn('transient AWS error', { cause: describeError(error) });
        return errorResult(new AuthError('service_unavailable', { retryAfterSeconds: 1 }));
      }
      logger.error('unhandled error', { cause: describeError(error) });
      return json(500, { error: 'Internal error.', code: 'internal_error' });
    } finally {
      telemetry.flush();
    }
  };
  return async (event) =>
    varyOnOrigin(
      await telemetry.inRequest({ request_id: event.requestContext?.requestId, route: event.routeKey }, () =>
        handle(event),
      ),
    );
}

interface ErrorDescription {
  name: string;
  message: string;
  stack?: string;
  cause?: ErrorDescription;
}

/** An error and its causes (a few levels deep), every text redacted. */
export function describeError(error: unknown, depth = 0): ErrorDescription {
  if (!(error instanceof Error)) return { name: typeof error, message: redact(String(error)) };
  return {
    name: error.name,
    message: redact(error.message),
    ...(error.stack ? { stack: redact(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}

// The SDK v3's own retry classification (@smithy/core, service-error-classification), which the
// SDK already applied before giving up; repeated here because that package is not ours to import.
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
// NodeHttpHandler renames ECONNRESET, EPIPE and ETIMEDOUT errors to TimeoutError, and so do its
// connection and socket timeouts; it passes ECONNREFUSED and DNS failures on as Node raised them.
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
// Not in the SDK's lists, so never retried by it: DynamoDB refuses a plain write to an item that an
// in-flight transaction (a number change) holds, and the client should simply try again.
const CONFLICT_NAMES = new Set(['TransactionConflictException']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * AWS unreachable, throttling, timing out or failing on its side, after the SDK's retries: the
 * client should retry, so 503 rather than 500. Anything else (a bug, AccessDenied, a validation
 * error, a missing table) is a 500 that retrying would not cure.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || error.name === 'AbortError') return false;
  const { $retryable, $metadata, code } = error as {
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: unknown;
  };
  return (
    $retryable !== undefined ||
    THROTTLING_NAMES.has(error.name) ||
    TIMEOUT_NAMES.has(error.name) ||
    CONFLICT_NAMES.has(error.name) ||
    error.name === 'ServiceUnavailable' ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    TRANSIENT_STATUS.has($metadata?.httpStatusCode ?? 0) ||
    (depth < 5 && error.cause !== undefined && isTransient(error.cause, depth + 1))
  );
}
