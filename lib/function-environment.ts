import type { SmsProvider } from '../lambdas/config.js';
import type { FunctionName, FunctionSpec } from '../lambdas/registry.js';

/**
 * The AWS SDK's per-service endpoint variables, by what a function uses. Declared empty on every
 * function that calls the service: the SDK treats an empty one as unset (each client keeps its
 * regional endpoint in AWS), and `sam local` passes a function only the variables its template
 * declares, so only a declared one lets `--env-vars` point it at DynamoDB Local or an emulator.
 */
export const ENDPOINT_URL_VARIABLES = {
  table: 'AWS_ENDPOINT_URL_DYNAMODB',
  signingKey: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  sms: 'AWS_ENDPOINT_URL_SNS',
  endUserMessaging: 'AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
} as const;

/**
 * The entry a function is bundled from: `lambdas/functions/<name>.ts`, or for a function that sends
 * SMS through End User Messaging `<name>-end-user-messaging.ts`, so that each bundle imports only
 * the SMS client it calls. Importing the other client lazily was measured: still inlined in the
 * bundle, it added 11% to send-otp's import. Likewise a function that issues access tokens, in a
 * deployment with a claims hook, is bundled from `<name>[-end-user-messaging]-claims.ts`, the only
 * entries that load the Lambda client: without a hook, nothing of it is bundled or imported.
 */
export function lambdaEntryName(
  name: FunctionName,
  needs: Pick<FunctionSpec, 'sms' | 'claimsHook'>,
  smsProvider: SmsProvider,
  claimsHook = false,
): string {
  const sms = needs.sms && smsProvider === 'end-user-messaging' ? `${name}-end-user-messaging` : name;
  return claimsHook && needs.claimsHook ? `${sms}-claims` : sms;
}

/** The endpoint variables a function with these needs declares (see {@link ENDPOINT_URL_VARIABLES}). */
export function endpointUrlVariables(
  needs: Pick<FunctionSpec, 'table' | 'signingKey' | 'sms' | 'claimsHook'>,
  smsProvider: SmsProvider = 'sns',
  claimsHook = false,
): string[] {
  const sms = smsProvider === 'sns' ? ENDPOINT_URL_VARIABLES.sms : ENDPOINT_URL_VARIABLES.endUserMessaging;
  return [
    ...(needs.table !== null ? [ENDPOINT_URL_VARIABLES.table] : []),
    ...(needs.signingKey ? [ENDPOINT_URL_VARIABLES.signingKey] : []),
    ...(needs.sms ? [sms] : []),
    ...(claimsHook && needs.claimsHook ? [ENDPOINT_URL_VARIABLES.lambda] : []),
  ];
}
