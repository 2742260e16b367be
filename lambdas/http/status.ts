import type { AuthErrorCode } from '../core/errors.js';

/** Every error code's HTTP status. A code added to the core without a status here fails to compile. */
export const STATUS_BY_CODE: Record<AuthErrorCode, number> = {
  invalid_request: 400,
  invalid_phone_number: 400,
  country_not_allowed: 400,
  unsupported_phone_number: 400,
  invalid_otp: 400,
  too_many_attempts: 429,
  rate_limited: 429,
  sms_unavailable: 503,
  invalid_token: 401,
  // The token is valid, only too old for this: 401 would make clients refresh, which keeps auth_time.
  recent_login_required: 403,
  phone_number_taken: 409,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  service_unavailable: 503,
  // Every failed passkey sign-in, whatever the reason (logged, never answered): no oracle for which check failed.
  invalid_passkey: 401,
  passkey_rejected: 400,
  passkey_limit_reached: 409,
};
