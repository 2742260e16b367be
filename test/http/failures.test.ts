import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import type { SigningKeySource } from '../../lambdas/core/ports.js';
import { handleApi } from '../../lambdas/http/handle.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { apiEvent, invoke } from '../helpers/test-app.js';

const telemetry = createTelemetry();

describe('unexpected failures', () => {
  it('answer a generic 500 JSON body that reveals nothing of the cause', async () => {
    const handler = handleApi(telemetry, async () => {
      throw new Error('secret detail at /var/task/index.mjs:12 for +919876543210');
    });

    const response = await invoke(handler, apiEvent('POST', '/send-otp', {}));

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'Internal error.', code: 'internal_error' });
  });

  it('log the whole cause chain of a 500, redacted', async () => {
    const previous = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    const logging = createTelemetry();
    process.env.POWERTOOLS_LOG_LEVEL = previous;
    const handler = handleApi(logging, async () => {
      throw new Error('The published JWKS item is not JSON', {
        cause: new SyntaxError('Unexpected token in JSON at position 7 near +919876543210'),
      });
    });
    const lines: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });

    let status: number;
    try {
      status = (await invoke(handler, apiEvent('POST', '/send-otp', {}))).status;
    } finally {
      err.mockRestore();
    }

    expect(status).toBe(500);
    const logged = JSON.parse(lines.join('').trim()) as { message: string; cause: Record<string, unknown> };
    expect(logged.message).toBe('unhandled error');
    expect(logged.cause).toMatchObject({
      name: 'Error',
      message: 'The published JWKS item is not JSON',
      cause: { name: 'SyntaxError', message: 'Unexpected token in JSON at position 7 near +91******3210' },
    });
    expect(JSON.stringify(logged)).not.toContain('9876543210');
  });

  it('answer throttling the SDK gave up on with 503 service_unavailable and Retry-After', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $retryable: {} });
    const handler = handleApi(telemetry, async () => {
      throw throttled;
    });

    const response = await invoke(handler, apiEvent('POST', '/verify-otp', {}));

    expect(response.status).toBe(503);
    expect(response.body.code).toBe('service_unavailable');
    expect(response.headers['retry-after']).toBe('1');
  });

  /** An error shaped as SDK v3 throws it after its retries: `$metadata` attached, Node's `code` kept. */
  function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
    return Object.assign(new Error(message), { name, $metadata: { attempts: 3, totalRetryDelay: 90 }, ...extra });
  }

  it.each([
    ['connection refused', sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:8000', { code: 'ECONNREFUSED' })],
    ['connection refused (IPv6)', sdkError('Error', 'connect ECONNREFUSED ::1:8000', { code: 'ECONNREFUSED' })],
    ['DNS failure', sdkError('Error', 'getaddrinfo ENOTFOUND dynamodb.eu-west-1.amazonaws.com', { code: 'ENOTFOUND' })],
    ['DNS timeout', sdkError('Error', 'getaddrinfo EAI_AGAIN dynamodb.eu-west-1.amazonaws.com', { code: 'EAI_AGAIN' })],
    ['host unreachable', sdkError('Error', 'connect EHOSTUNREACH 10.0.0.1:443', { code: 'EHOSTUNREACH' })],
    ['network unreachable', sdkError('Error', 'connect ENETUNREACH 10.0.0.1:443', { code: 'ENETUNREACH' })],
    // NodeHttpHandler renames ECONNRESET, EPIPE and ETIMEDOUT errors to TimeoutError.
    ['connection reset', sdkError('TimeoutError', 'socket hang up', { code: 'ECONNRESET' })],
    ['broken pipe', sdkError('TimeoutError', 'write EPIPE', { code: 'EPIPE' })],
    ['socket timeout', sdkError('TimeoutError', 'the request socket timed out after 1000 ms of inactivity')],
    [
      'request timeout',
      sdkError('TimeoutError', 'a request has exceeded the configured 1000 ms', { code: 'ETIMEDOUT' }),
    ],
    ['service RequestTimeout', sdkError('RequestTimeout', 'Request timed out')],
    ['service RequestTimeoutException', sdkError('RequestTimeoutException', 'Request timed out')],
    ['throttling', sdkError('ThrottlingException', 'Rate exceeded')],
    ['provisioned throughput', sdkError('ProvisionedThroughputExceededException', 'exceeded')],
    ['HTTP 429', sdkError('TooManyRequests', 'slow down', { $metadata: { httpStatusCode: 429 } })],
    ['HTTP 500', sdkError('InternalServerError', 'Internal server error', { $metadata: { httpStatusCode: 500 } })],
    ['HTTP 503', sdkError('ServiceUnavailable', 'Service unavailable', { $metadata: { httpStatusCode: 503 } })],
    ['a retryable trait', sdkError('SomeNewRetryableError', 'try again', { $retryable: {} })],
    [
      'a transient cause',
      new Error('wrapped', { cause: sdkError('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }) }),
    ],
  ])('answer %s with 503 service_unavailable and Retry-After', async (_case, error) => {
    const handler = handleApi(telemetry, async () => {
      throw error;
    });

    const response = await invoke(handler, apiEvent('POST', '/send-otp', {}));

    expect({ status: response.status, code: response.body.code }).toEqual({ status: 503, code: 'service_unavailable' });
    expect(response.headers['retry-after']).toBe('1');
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'pk')")],
    [
      'AccessDeniedException',
      sdkError('AccessDeniedException', 'not authorized to perform: dynamodb:GetItem', {
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'ValidationException',
      sdkError('ValidationException', 'One or more parameter values were invalid', {
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a missing table',
      sdkError('ResourceNotFoundException', 'Requested resource not found', { $metadata: { httpStatusCode: 400 } }),
    ],
    ['an aborted request', sdkError('AbortError', 'Request aborted', { code: 'ECONNRESET' })],
    ['an unknown code', sdkError('Error', 'something else', { code: 'EACCES' })],
  ])('answer %s with 500 internal_error', async (_case, error) => {
    const handler = handleApi(telemetry, async () => {
      throw error;
    });

    const response = await invoke(handler, apiEvent('POST', '/send-otp', {}));

    expect({ status: response.status, code: response.body.code }).toEqual({ status: 500, code: 'internal_error' });
    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('answer a missing signing key with 503, and keep the code usable for a retry', async () => {
    const { createTestApp } = await import('../helpers/test-app.js');
    const app = await createTestApp();
    await app.sendOtp('+919876543210');
    const code = app.sms.lastCodeFor('+919876543210');
    const broken: SigningKeySource = {
      load: () => Promise.reject(new AuthError('service_unavailable', { retryAfterSeconds: 5 })),
    };
    const { makeVerifyOtpHandler } = await import('../../lambdas/http/verify-otp-handler.js');
    const verify = makeVerifyOtpHandler(
      {
        records: app.records,
        refreshFamilies: app.refreshFamilies,
        keys: broken,
        clock: app.clock,
        policy: app.policy,
        sessions: app.sessions,
      },
      telemetry,
    );

    const failed = await invoke(verify, apiEvent('POST', '/verify-otp', { phone_number: '+919876543210', otp: code }));
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');

    expect((await app.verifyOtp('+919876543210', code)).status).toBe(200);
  });
});

describe('routing inside a function', () => {
  it('answers 404 for paths below a route that a catch-all route may deliver, and 405 for a wrong method', async () => {
    const { makeMeHandler } = await import('../../lambdas/http/me-handler.js');
    const { makeNotFoundHandler } = await import('../../lambdas/http/not-found-handler.js');
    const me = makeMeHandler({ holders: { holderOf: vi.fn() }, clock: { now: () => Date.now() } }, telemetry);
    const fallback = makeNotFoundHandler(telemetry);

    expect((await invoke(me, apiEvent('GET', '/me/extra'))).body.code).toBe('not_found');
    const wrongMethod = await invoke(fallback, apiEvent('GET', '/send-otp/'));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await invoke(fallback, apiEvent('GET', '/nowhere'))).status).toBe(404);
  });
});

describe('the $default route', () => {
  it('answers a CORS preflight with 204, which API Gateway decorates with the configured CORS headers', async () => {
    const { makeNotFoundHandler } = await import('../../lambdas/http/not-found-handler.js');
    const fallback = makeNotFoundHandler(telemetry);
    const preflight = (headers: Record<string, string>) =>
      invoke(fallback, apiEvent('OPTIONS', '/send-otp', undefined, { headers }));

    const answered = await preflight({ origin: 'https://app.example.com', 'access-control-request-method': 'POST' });
    expect(answered.status).toBe(204);
    // Without both headers an OPTIONS is no preflight: the route has no OPTIONS method.
    expect((await preflight({ origin: 'https://app.example.com' })).status).toBe(405);
    expect((await preflight({ 'access-control-request-method': 'POST' })).status).toBe(405);
  });

  it('redirects a trailing-slash spelling of a known route with 308 to the slash-free path, keeping the query', async () => {
    const { makeNotFoundHandler } = await import('../../lambdas/http/not-found-handler.js');
    const fallback = makeNotFoundHandler(telemetry);

    const send = await fallback({ ...apiEvent('POST', '/send-otp/', {}), rawQueryString: 'a=1' });
    const refresh = await fallback(apiEvent('POST', '/token/refresh/', {}));

    expect(send.statusCode).toBe(308);
    expect(send.headers?.location).toBe('../send-otp?a=1');
    expect(refresh.headers?.location).toBe('../refresh');
    const doubled = await fallback(apiEvent('POST', '/send-otp//', {}));
    expect(new URL(String(doubled.headers?.location), 'https://api.example.com/v1/send-otp//').pathname).toBe(
      '/v1/send-otp',
    );
    expect(new URL(String(refresh.headers?.location), 'https://api.example.com/v1/token/refresh/').pathname).toBe(
      '/v1/token/refresh',
    );
  });
});
