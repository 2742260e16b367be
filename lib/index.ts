/**
 * The package's public API: the construct, its props and what it exposes. Everything else (the
 * functions' code under lambdas/, the constructs inside) ships built and is not part of it; the
 * package's build checks that these declarations name no module but aws-cdk-lib and constructs.
 */
/** The account events on the bus (docs/events.md): an EventBridge rule's target receives the envelope around each. */
export type {
  AccountEvent,
  AccountEventDetailBase,
  AccountEventDetails,
  AccountEventType,
  AddedPasskey,
  Initiator,
  PasskeyAddedDetail,
  PasskeyRemovedDetail,
  PasskeySummary,
  PhoneNumberChangedDetail,
  SessionsRevokedDetail,
  UserCreatedDetail,
  UserDeletedDetail,
} from '../lambdas/core/account-events.js';
export type { OtpLoginClaimsHookEvent, OtpLoginClaimsHookResult } from './claims-hook-types.js';
export type { OtpAlarmThresholds } from './constructs/alarm-thresholds.js';
export { type OtpJwtAuthorizerProps, otpJwtAuthorizer } from './constructs/jwt-authorizer.js';
export type { OtpApiDomain } from './constructs/otp-api-domain.js';
export {
  DEFAULT_AUDIENCE,
  OtpLogin,
  type OtpLoginAlarms,
  type OtpLoginFunctionName,
  type OtpLoginKeys,
  type OtpLoginProps,
} from './otp-login.js';
export type * from './otp-login-settings.js';
