/**
 * What the Lambda entries hand the composition root: process.env, the system clock, Powertools
 * telemetry, and the AWS clients, each a function of its own so an entry bundles only the SDK
 * clients it calls. One client per container, created at init; no AWS call until a request.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../adapters/dynamodb-document-client.js';
import { SecretsManagerKeySource } from '../adapters/secrets-manager-key-source.js';
import { SnsSmsSender } from '../adapters/sns-sms-sender.js';
import type { Runtime } from '../compose.js';
import { ENV, parseSettings, parseSmsConfig, requireString, type SmsConfig } from '../config.js';
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
export const END_USER_MESSAGING_CLIENT_CONFIG = SNS_CLIENT_CONFIG;

/**
 * The SMS_PROVIDER's sender. SNS is the default and is imported with the entry; End User Messaging's
 * client is imported on the first send instead, so the SNS path's cold start never pays for a client
 * it does not use (the provider is a run-time setting, so the bundle must hold both).
 */
export function smsSender(env = process.env): SmsSender {
  const config = parseSmsConfig(env);
  if (config.smsProvider === 'sns') return new SnsSmsSender(new SNSClient(SNS_CLIENT_CONFIG), config);
  return lazyEndUserMessagingSms(config, parseSettings(env, 'otp').otpTtlSeconds);
}

function lazyEndUserMessagingSms(config: SmsConfig, timeToLiveSeconds: number): SmsSender {
  let sender: Promise<SmsSender> | undefined;
  const load = async (): Promise<SmsSender> => {
    const [{ PinpointSMSVoiceV2Client }, { EndUserMessagingSmsSender }] = await Promise.all([
      import('@aws-sdk/client-pinpoint-sms-voice-v2'),
      import('../adapters/end-user-messaging-sms-sender.js'),
    ]);
    return new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client(END_USER_MESSAGING_CLIENT_CONFIG), {
      ...config,
      timeToLiveSeconds,
    });
  };
  return {
    async send(phoneNumber, message) {
      // A failed import is retried by the next send rather than cached.
      sender ??= load().catch((error: unknown) => {
        sender = undefined;
        throw error;
      });
      await (await sender).send(phoneNumber, message);
    },
  };
}
