/** Every expected failure a client can see. A new code without a status in `http/status.ts` fails to compile. */
export const AUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_phone_number',
  'country_not_allowed',
  'unsupported_phone_number',
  'invalid_otp',
  'too_many_attempts',
  'rate_limited',
  'sms_unavailable',
  'invalid_token',
  'recent_login_required',
  'phone_number_taken',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'service_unavailable',
  'invalid_passkey',
  'passkey_rejected',
  'passkey_limit_reached',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** Human sentences, one per code, so equal codes always read the same (nothing leaks through wording). */
export const AUTH_ERROR_MESSAGES: Record<AuthErrorCode, string> = {
  invalid_request: 'The request body is not valid.',
  invalid_phone_number: 'The phone number is not a valid international number.',
  country_not_allowed: 'Phone numbers from this country are not supported.',
  unsupported_phone_number: 'This kind of phone number cannot receive login codes.',
  invalid_otp: 'The code is invalid or has expired.',
  too_many_attempts: 'Too many wrong codes. Try again later.',
  rate_limited: 'Too many requests. Try again later.',
  sms_unavailable: 'The SMS could not be sent. Try again later.',
  invalid_token: 'The token is invalid or has expired.',
  recent_login_required: 'This needs a recent login: log in again with a code sent to your number, then retry.',
  phone_number_taken: 'This phone number belongs to another account.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body must be application/json.',
  service_unavailable: 'The service is busy. Try again shortly.',
  invalid_passkey: 'The passkey could not sign you in. Try again, or log in with a code sent to your number.',
  passkey_rejected: 'The passkey could not be added. Start again from the beginning.',
  passkey_limit_reached: 'This account has as many passkeys as it may have. Remove one first.',
};

/** An expected outcome: wrong code, locked number, limit reached. Anything else is a bug and becomes a 500. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  /** Whole seconds a client should wait, for 429 answers. */
  readonly retryAfterSeconds: number | undefined;
  /** Why, for logs and metrics only: never sent to the client, whose answer stays uniform. */
  readonly detail: string | undefined;

  constructor(
    code: AuthErrorCode,
    options: { message?: string; retryAfterSeconds?: number; cause?: unknown; detail?: string } = {},
  ) {
    super(
      options.message ?? AUTH_ERROR_MESSAGES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.detail = options.detail;
    this.retryAfterSeconds =
      options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
