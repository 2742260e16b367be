import { expect } from 'vitest';
import type { AuthErrorCode } from '../../lambdas/core/errors.js';

/**
 * Matches an `AuthError` with this code (and, if given, this retry-after): use with `toThrow(...)`
 * or `rejects.toThrow(...)`, so one assertion checks both that it threw and what.
 */
export function authError(code: AuthErrorCode, extra: { retryAfterSeconds?: number } = {}): unknown {
  return expect.objectContaining({ name: 'AuthError', code, ...extra });
}
