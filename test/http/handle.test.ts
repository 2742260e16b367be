import { describe, expect, it } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { handleApi } from '../../lambdas/http/handle.js';
import { apiEvent, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

/** A handler for POST /send-otp whose route throws `error`, and what its telemetry saw. */
function failingWith(error: unknown) {
  const recorded = recordingTelemetry();
  const handler = handleApi(recorded.telemetry, async () => {
    throw error;
  });
  return { ...recorded, call: (event: ApiEvent = apiEvent('POST', '/send-otp', {})) => invoke(handler, event) };
}

/** `error` under `depth` plain wrappers, each the cause of the one above. */
function wrapped(error: Error, depth: number): Error {
  let current = error;
  for (let i = depth; i > 0; i--) current = new Error(`wrapper ${i}`, { cause: current });
  return current;
}

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

describe('handleApi', () => {
  it('answers a method its path has no route for 405, naming every method of the path in Allow', async () => {
    const { call } = failingWith(new Error('the route must not run'));

    const response = await call(apiEvent('PUT', '/me', {}));

    expect(response.status).toBe(405);
    expect(response.body.code).toBe('method_not_allowed');
    expect(response.headers.allow).toBe('GET, DELETE');
  });

  it('leaves Allow off every other refusal', async () => {
    const { call } = failingWith(new AuthError('invalid_request'));

    const response = await call();

    expect(response.status).toBe(400);
    expect(response.headers).not.toHaveProperty('allow');
    expect(response.headers.vary).toBe('origin');
  });

  it('answers the route, flushing metrics once, inside the request keys of the event', async () => {
    const { telemetry, requests, flushes } = recordingTelemetry();
    const handler = handleApi(telemetry, async () => ({ statusCode: 200, body: '{}' }));

    const response = await handler(apiEvent('POST', '/send-otp', {}));

    expect(response.statusCode).toBe(200);
    expect(flushes.count).toBe(1);
    expect(requests).toEqual([{ request_id: expect.stringMatching(/^req-\d+$/), route: 'POST /send-otp' }]);
  });

  it('answers an event without a requestContext with a 500, instead of throwing', async () => {
    const { call, requests } = failingWith(new Error('unreachable'));
    const { requestContext: _dropped, ...bare } = apiEvent('POST', '/send-otp', {});

    const response = await call(bare as ApiEvent);

    expect(response.status).toBe(500);
    expect(requests).toEqual([{ request_id: undefined, route: 'POST /send-otp' }]);
  });

  describe('on an AuthError', () => {
    it('answers its status and body, counts its metric and logs why, at info', async () => {
      const { call, counted, lines, flushes } = failingWith(
        new AuthError('too_many_attempts', { retryAfterSeconds: 30, detail: 'locked' }),
      );

      const response = await call();

      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('30');
      expect(response.body).toEqual({ error: 'Too many wrong codes. Try again later.', code: 'too_many_attempts' });
      expect(counted).toEqual(['OtpLocked']);
      expect(lines).toEqual([
        {
          level: 'info',
          message: 'request refused',
          attributes: { code: 'too_many_attempts', detail: 'locked', retry_after: 30 },
        },
      ]);
      expect(flushes.count).toBe(1);
    });

    it('counts nothing for a code without a metric', async () => {
      const { call, counted } = failingWith(new AuthError('invalid_request'));

      expect((await call()).status).toBe(400);
      expect(counted).toEqual([]);
    });

    it('logs its cause as a warning, redacted, with the stack', async () => {
      const { call, lines } = failingWith(
        new AuthError('sms_unavailable', { cause: new Error('provider refused +919876543210') }),
      );

      expect((await call()).status).toBe(503);
      expect(lines[1]).toEqual({
        level: 'warn',
        message: 'cause',
        attributes: {
          cause: {
            name: 'Error',
            message: 'provider refused +91******3210',
            stack: expect.stringContaining('+91******3210'),
          },
        },
      });
      expect(JSON.stringify(lines)).not.toContain('9876543210');
    });

    it('logs no cause line when it has none', async () => {
      const { call, lines } = failingWith(new AuthError('invalid_otp'));

      await call();

      expect(lines.map((line) => line.message)).toEqual(['request refused']);
    });
  });

  describe('on an error AWS may recover from', () => {
    it('answers 503 service_unavailable with Retry-After 1, and logs the cause as a warning', async () => {
      const { call, lines } = failingWith(throttling());

      const response = await call();

      expect(response.status).toBe(503);
      expect(response.body.code).toBe('service_unavailable');
      expect(response.headers['retry-after']).toBe('1');
      expect(lines).toEqual([
        {
          level: 'warn',
          message: 'transient AWS error',
          attributes: { cause: expect.objectContaining({ name: 'ThrottlingException', message: 'Rate exceeded' }) },
        },
      ]);
    });

    it.each([
      ['a throttling error', throttling()],
      ['an error the SDK marked retryable', Object.assign(new Error('x'), { $retryable: {} })],
      ['a timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
      ['ServiceUnavailable', Object.assign(new Error('x'), { name: 'ServiceUnavailable' })],
      ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
      ['a DNS failure', Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' })],
      ['an HTTP 503 from AWS', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })],
      ['a transient error five causes deep', wrapped(throttling(), 5)],
    ])('counts %s as transient', async (_case, error) => {
      expect((await failingWith(error).call()).status).toBe(503);
    });

    // The SDK v3's own classification (@smithy/service-error-classification), name by name, and
    // DynamoDB's transaction conflict.
    it.each([
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
      // Not the SDK's: DynamoDB's answer to a write racing a transaction on the same item.
      'TransactionConflictException',
      'TimeoutError',
      'RequestTimeout',
      'RequestTimeoutException',
    ])('counts an error named %s as transient', async (name) => {
      expect((await failingWith(Object.assign(new Error('x'), { name })).call()).status).toBe(503);
    });

    it.each([
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
    ])('counts a network error with code %s as transient', async (code) => {
      expect((await failingWith(Object.assign(new Error('x'), { code })).call()).status).toBe(503);
    });

    it.each([429, 500, 502, 503, 504])('counts an AWS answer with HTTP status %i as transient', async (status) => {
      const error = Object.assign(new Error('x'), { $metadata: { httpStatusCode: status } });

      expect((await failingWith(error).call()).status).toBe(503);
    });

    it.each([
      ['a plain Error', new Error('bug')],
      [
        'an aborted request, even marked retryable',
        Object.assign(new Error('x'), { name: 'AbortError', $retryable: {} }),
      ],
      ['an HTTP 400 from AWS', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 400 } })],
      ['an error code that is not a network one', Object.assign(new Error('x'), { code: 'EACCES' })],
      ['a transient error six causes deep', wrapped(throttling(), 6)],
      ['a thrown string', 'ECONNRESET'],
    ])('counts %s as a bug: 500', async (_case, error) => {
      expect((await failingWith(error).call()).status).toBe(500);
    });
  });

  describe('on anything else', () => {
    it('answers a generic 500 and logs the cause chain three causes deep, redacted, at error', async () => {
      const { call, lines } = failingWith(wrapped(new Error('root +919876543210'), 4));

      const response = await call();

      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'Internal error.', code: 'internal_error' });
      expect(lines).toHaveLength(1);
      expect(lines[0]?.level).toBe('error');
      expect(lines[0]?.message).toBe('unhandled error');
      const cause = lines[0]?.attributes?.cause as Record<string, unknown>;
      expect(cause).toMatchObject({
        name: 'Error',
        message: 'wrapper 1',
        stack: expect.stringContaining('wrapper 1'),
        cause: { message: 'wrapper 2', cause: { message: 'wrapper 3', cause: { message: 'wrapper 4' } } },
      });
      const third = ((cause.cause as Record<string, unknown>).cause as Record<string, unknown>).cause;
      expect(third).not.toHaveProperty('cause');
    });

    it('logs an error without a cause without one', async () => {
      const { call, lines } = failingWith(new Error('bug'));

      await call();

      expect(lines[0]?.attributes?.cause).not.toHaveProperty('cause');
    });

    it('logs a thrown non-error by its type and redacted text', async () => {
      const { call, lines } = failingWith('boom for +919876543210');

      expect((await call()).status).toBe(500);
      expect(lines).toEqual([
        {
          level: 'error',
          message: 'unhandled error',
          attributes: { cause: { name: 'string', message: 'boom for +91******3210' } },
        },
      ]);
    });

    it('survives an error that is its own cause', async () => {
      const loop = new Error('loop');
      loop.cause = loop;
      const { call, lines } = failingWith(loop);

      expect((await call()).status).toBe(500);
      expect(lines[0]?.message).toBe('unhandled error');
    });
  });
});
