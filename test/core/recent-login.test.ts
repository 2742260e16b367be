import { describe, expect, it } from 'vitest';
import { assertRecentLogin } from '../../lambdas/core/recent-login.js';
import { authTimeOf } from '../../lambdas/http/me-handler.js';
import { authError } from './auth-error.js';

const T0 = 1_800_000_000;
const deps = { clock: { now: () => T0 * 1000 + 999 }, recentLoginMaxAgeSeconds: 300 };

describe('assertRecentLogin', () => {
  it.each([
    ['a login just now', T0],
    ['a login exactly the max age ago', T0 - 300],
    ['a login time a second ahead of this clock (skew between functions)', T0 + 1],
  ])('accepts %s', (_case, authTime) => {
    expect(() => assertRecentLogin(deps, { authTime })).not.toThrow();
  });

  it('refuses a login one second past the max age with recent_login_required', () => {
    expect(() => assertRecentLogin(deps, { authTime: T0 - 301 })).toThrow(authError('recent_login_required'));
    expect(() => assertRecentLogin(deps, { authTime: T0 - 301 })).toThrow(
      expect.objectContaining({ detail: 'login_too_old' }),
    );
  });

  it('refuses a token without auth_time: not recent', () => {
    expect(() => assertRecentLogin(deps, {})).toThrow(
      expect.objectContaining({ code: 'recent_login_required', detail: 'no_auth_time' }),
    );
    expect(() => assertRecentLogin(deps, { authTime: undefined })).toThrow(authError('recent_login_required'));
  });

  it('follows the configured max age', () => {
    const day = { ...deps, recentLoginMaxAgeSeconds: 86_400 };
    expect(() => assertRecentLogin(day, { authTime: T0 - 86_400 })).not.toThrow();
    expect(() => assertRecentLogin(day, { authTime: T0 - 86_401 })).toThrow(authError('recent_login_required'));
  });
});

describe('authTimeOf (the auth_time claim as API Gateway passes it)', () => {
  it.each([
    ['the decimal string API Gateway passes', '1800000000', 1_800_000_000],
    ['a number, as the local server or a test may pass it', 1_800_000_000, 1_800_000_000],
    ['zero', '0', 0],
  ])('reads %s', (_case, claim, expected) => {
    expect(authTimeOf(claim)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['a fraction', '1800000000.5'],
    ['a fractional number', 1_800_000_000.5],
    ['an exponent', '1.8e9'],
    ['a sign', '+1800000000'],
    ['a negative number', -5],
    ['blanks around it', ' 1800000000'],
    ['a trailing newline', '1800000000\n'],
    ['hex', '0x6b49d200'],
    ['an array as JSON', '[1800000000]'],
    ['an array', [1_800_000_000]],
    ['more digits than a safe integer holds', '12345678901234567890'],
    ['text', 'yesterday'],
    ['a boolean', true],
  ])('reads %s as no login time', (_case, claim) => {
    expect(authTimeOf(claim)).toBeUndefined();
  });
});
