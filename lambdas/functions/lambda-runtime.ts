/**
 * What the Lambda entries hand the composition root: process.env, the system clock, Powertools
 * telemetry, and the AWS clients, each a function of its own so an entry bundles only the SDK
 * clients it calls (the package is side-effect free, so esbuild drops the clients an entry never names). One client per container, created at init; no AWS call until a request.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { PinpointSMSVoiceV2Client, type PinpointSMSVoiceV2ClientConfig } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../adapters/dynamodb-document-client.js';
import { EndUserMessagingSmsSender } from '../adapters/end-user-messaging-sms-sender.js';
import { lambdaClaimsHook } from '../adapters/lambda-claims-hook.js';
import { SecretsManagerKeySource } from '../adapters/secrets-manager-key-source.js';
import { SnsSmsSender } from '../adapters/sns-sms-sender.js';
import type { Runtime } from '../compose.js';
import {
  ConfigError,
  ENV,
  type Env,
  parseSettings,
  parseSmsConfig,
  requireString,
  type SmsConfig,
  type SmsProvider,
} from '../config.js';
import type { ClaimsHook } from '../core/claims-hook.js';
import { systemClock } from '../core/clock.js';
import type { SigningKeySource, SmsSender } from '../core/ports.js';
import { createTelemetry } from '../http/telemetry.js';

export function lambdaBase(): Pick<Runtime, 'env' | 'clock' | 'telemetry'> {
  return { env: process.env, clock: systemClock, telemetry: createTelemetry() };
}

/**
 * Bounded, so a DynamoDB that stops answering fails each try within 1.5 s and the SDK's three tries
 * end well inside the function's 10 s timeout: the client gets 503 service_unavailable, not API
 * Gateway's 500 for a timed-out function.
 */
export const DYNAMODB_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 },
} as const satisfies DynamoDBClientConfig;

export function dynamoDbDocuments(): DynamoDBDocumentClient {
  return createDocumentClient(new DynamoDBClient(DYNAMODB_CLIENT_CONFIG));
}

/** Bounded like DynamoDB's: a hung Secrets Manager ends in 503 service_unavailable, not a timed-out function. */
export const SECRETS_MANAGER_CLIENT_CONFIG = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 },
} as const satisfies SecretsManagerClientConfig;

/** The private signing keys in the secret named by SIGNING_KEY_SECRET_ID. */
export function secretsManagerKeys(): SigningKeySource {
  const secretId = requireString(process.env, ENV.signingKeySecretId);
  return new SecretsManagerKeySource(new SecretsManagerClient(SECRETS_MANAGER_CLIENT_CONFIG), secretId);
}

/**
 * One attempt: an SDK retry after a slow but successful Publish would send a second paid SMS for one
 * counted send. Bounded, so a hung provider answers sms_unavailable long before the function times out.
 */
export const SNS_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
} as const satisfies SNSClientConfig;

/** End User Messaging's client, bounded and single-attempt for the same reasons as SNS's. */
export const END_USER_MESSAGING_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
} as const satisfies PinpointSMSVoiceV2ClientConfig;

/**
 * The SMS_PROVIDER is fixed at deploy: the stack bundles the entry of the chosen provider, which
 * imports only that provider's client, and grants only its action. A bundle started with the other
 * provider's setting stops at init rather than fail every send with AccessDenied.
 */
function smsConfigFor(provider: SmsProvider, env: Env): SmsConfig {
  const config = parseSmsConfig(env);
  if (config.smsProvider !== provider) {
    throw new ConfigError(
      `Environment variable ${ENV.smsProvider} is "${config.smsProvider}", but this function was bundled and granted for "${provider}": deploy with -c ${ENV.smsProvider}=${config.smsProvider}`,
    );
  }
  return config;
}

/** SMS through SNS (SMS_PROVIDER=sns): the send-otp entry. */
export function snsSms(env: Env = process.env): SmsSender {
  return new SnsSmsSender(new SNSClient(SNS_CLIENT_CONFIG), smsConfigFor('sns', env));
}

/** SMS through End User Messaging (SMS_PROVIDER=end-user-messaging): the send-otp-end-user-messaging entry. */
export function endUserMessagingSms(env: Env = process.env): SmsSender {
  return new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client(END_USER_MESSAGING_CLIENT_CONFIG), {
    ...smsConfigFor('end-user-messaging', env),
    timeToLiveSeconds: parseSettings(env, 'otp').otpTtlSeconds,
  });
}

/**
 * Two attempts: a throttled or dropped invoke is tried once more, and the deadline
 * (`CLAIMS_HOOK_TIMEOUT_MS`, which aborts the call) bounds both together. The hook only reads, so a
 * second invoke after a lost answer does no harm.
 */
export const LAMBDA_CLIENT_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000 },
} as const satisfies LambdaClientConfig;

/** The claims function named by CLAIMS_HOOK_FUNCTION_ARN (set by the stack): the claims entries only. */
export function lambdaClaims(env: Env = process.env): ClaimsHook {
  return lambdaClaimsHook(new LambdaClient(LAMBDA_CLIENT_CONFIG), requireString(env, ENV.claimsHookFunctionArn));
}
