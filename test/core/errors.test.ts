import { describe, expect, it } from 'vitest';
import { AUTH_ERROR_CODES, AUTH_ERROR_MESSAGES, AuthError, isAuthError } from '../../lambdas/core/errors.js';

describe('AuthError', () => {
  it('carries its code and the fixed message for that code', () => {
    const error = new AuthError('invalid_otp');

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AuthError');
    expect(error.code).toBe('invalid_otp');
    expect(error.message).toBe('The code is invalid or has expired.');
  });

  it.each(AUTH_ERROR_CODES)('has a fixed, non-empty message for %s', (code) => {
    expect(new AuthError(code).message).toBe(AUTH_ERROR_MESSAGES[code]);
    expect(AUTH_ERROR_MESSAGES[code].trim()).not.toBe('');
  });

  it.each([
    [0.2, 1],
    [1.5, 2],
    [59.01, 60],
    [60, 60],
    [0, 1],
    [-5, 1],
  ])('rounds retryAfterSeconds %d up to %i, and never below 1', (given, expected) => {
    expect(new AuthError('rate_limited', { retryAfterSeconds: given }).retryAfterSeconds).toBe(expected);
  });

  it('has no retryAfterSeconds unless given one', () => {
    expect(new AuthError('rate_limited').retryAfterSeconds).toBeUndefined();
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('SNS throttled');

    expect(new AuthError('sms_unavailable', { cause }).cause).toBe(cause);
  });
});

describe('isAuthError', () => {
  it('tells an AuthError from any other error', () => {
    expect(isAuthError(new AuthError('not_found'))).toBe(true);
    expect(isAuthError(new Error('The token is invalid or has expired.'))).toBe(false);
    expect(isAuthError({ name: 'AuthError', code: 'invalid_token' })).toBe(false);
  });
});
