import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { decodeJwt } from 'jose';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbRefreshFamilyStore } from '../../lambdas/adapters/dynamodb-refresh-family-store.js';
import { composeClaimsHook, composeHandlers } from '../../lambdas/compose.js';
import { parseOtpConfig, parseTokenConfig } from '../../lambdas/config.js';
import type { ClaimsHook } from '../../lambdas/core/claims-hook.js';
import type { Clock } from '../../lambdas/core/clock.js';
import type { OtpPolicy } from '../../lambdas/core/login.js';
import type { SigningKeySource, SmsSender } from '../../lambdas/core/ports.js';
import type { SessionSettings } from '../../lambdas/core/sessions.js';
import {
  generateSigningKey,
  importKeySet,
  type KeySetDocument,
  planRotation,
} from '../../lambdas/core/signing-keys.js';
import { type ApiEvent, type ApiHandler, payloadV2Event } from '../../lambdas/http/api-event.js';
import { createTelemetry, type Telemetry } from '../../lambdas/http/telemetry.js';
import type { FunctionName } from '../../lambdas/registry.js';
import { createTestTable, type TestTable } from './dynamodb.js';

/** A clock tests move by hand. Starts at the real time: DynamoDB Local deletes TTL-expired items by the real clock. */
export class TestClock implements Clock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface SentSms {
  readonly phoneNumber: string;
  readonly message: string;
  readonly code: string;
}

/** The SMS fake: records every accepted message; can fail or be slow (moving the clock) on demand. */
export class CapturingSms implements SmsSender {
  readonly sent: SentSms[] = [];
  failNext = 0;
  delaySeconds = 0;
  constructor(private readonly clock: TestClock) {}

  async send(phoneNumber: string, message: string): Promise<void> {
    this.clock.advance(this.delaySeconds);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error(`provider refused the message to ${phoneNumber}`);
    }
    // The first run of 4 or more digits: the code, whatever its configured length.
    const code = /\b(\d{4,})\b/.exec(message)?.[1] ?? '';
    this.sent.push({ phoneNumber, message, code });
  }

  lastCodeFor(phoneNumber: string): string {
    const code = [...this.sent].reverse().find((s) => s.phoneNumber === phoneNumber)?.code;
    if (!code) throw new Error(`no SMS was sent to ${phoneNumber}`);
    return code;
  }
}

let sharedKeys: Promise<KeySetDocument> | undefined;

/** One generated key set per test file: RSA key generation is slow. */
export function testKeySetDocument(): Promise<KeySetDocument> {
  sharedKeys ??= (async () => {
    const now = Math.floor(Date.now() / 1000) - 60;
    return planRotation(undefined, await generateSigningKey(now), now, { publishLeadSeconds: 0, retainSeconds: 0 });
  })();
  return sharedKeys;
}

export class StaticKeySource implements SigningKeySource {
  loads = 0;
  constructor(private readonly doc: KeySetDocument) {}
  async load() {
    this.loads++;
    return importKeySet(this.doc, Math.floor(Date.now() / 1000));
  }
}

export interface TestResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

let requestCounter = 0;

export function apiEvent(
  method: string,
  path: string,
  body?: unknown,
  options: { ip?: string; headers?: Record<string, string>; rawBody?: string; claims?: Record<string, string> } = {},
): ApiEvent {
  const rawBody = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  return payloadV2Event({
    method,
    path,
    headers: { 'content-type': 'application/json', 'user-agent': 'vitest', ...options.headers },
    ...(rawBody === undefined ? {} : { body: rawBody }),
    sourceIp: options.ip ?? '203.0.113.7',
    requestId: `req-${++requestCounter}`,
    ...(options.claims ? { claims: options.claims } : {}),
  });
}

export async function invoke(handler: ApiHandler, event: ApiEvent): Promise<TestResponse> {
  const result = await handler(event);
  const text = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

export interface TestApp {
  readonly clock: TestClock;
  readonly sms: CapturingSms;
  readonly keys: StaticKeySource;
  readonly policy: OtpPolicy;
  readonly sessions: SessionSettings;
  readonly records: DynamoDbPhoneRecordStore;
  readonly refreshFamilies: DynamoDbRefreshFamilyStore;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly handlers: Record<FunctionName, ApiHandler>;
  sendOtp(phoneNumber: string, ip?: string): Promise<TestResponse>;
  verifyOtp(phoneNumber: string, otp: string): Promise<TestResponse>;
  refresh(refresh: string): Promise<TestResponse>;
  logout(refresh: string): Promise<TestResponse>;
  /** `POST /logout {refresh, all: true}`: signs the token's user out everywhere. */
  logoutAll(refresh: string): Promise<TestResponse>;
  /** `GET /me` with the claims API Gateway's authorizer would pass for this access token. */
  me(access: string): Promise<TestResponse>;
  /** `DELETE /me`. */
  deleteAccount(access: string): Promise<TestResponse>;
  /** `POST /me/phone-number`. */
  changeNumber(access: string, phoneNumber: string, ip?: string): Promise<TestResponse>;
  /** `POST /me/phone-number/verify`. */
  verifyNumberChange(access: string, phoneNumber: string, otp: string): Promise<TestResponse>;
  /** Sends a code and trades it for tokens. */
  login(phoneNumber: string): Promise<{ access: string; refresh: string; sub: string }>;
  countItems(): Promise<number>;
  deleteItem(pk: string, sk: string): Promise<void>;
  /**
   * Does what DynamoDB's TTL does, by the test clock: deletes every item whose `ttl` is at or before
   * now. DynamoDB Local would only do it by the real clock. Answers how many items it deleted.
   */
  deleteExpiredItems(): Promise<number>;
}

/** The real handlers over DynamoDB Local, with a movable clock and an SMS fake. `env` uses the public names. */
export async function createTestApp(
  env: Record<string, string> = {},
  options: { telemetry?: Telemetry; clockStartMs?: number; table?: TestTable; claimsHook?: ClaimsHook } = {},
): Promise<TestApp> {
  const table = options.table ?? (await createTestTable());
  const documents = createDocumentClient(table.client);
  const clock = new TestClock(options.clockStartMs);
  const sms = new CapturingSms(clock);
  const keys = new StaticKeySource(await testKeySetDocument());
  const settings = {
    TABLE_NAME: table.tableName,
    ISSUER: 'https://auth.test',
    SEND_COOLDOWN_SECONDS: '0',
    ...env,
  };
  const policy = parseOtpConfig(settings);
  const sessions = parseTokenConfig(settings);
  const records = new DynamoDbPhoneRecordStore(documents, table.tableName);
  const refreshFamilies = new DynamoDbRefreshFamilyStore(documents, table.tableName);
  const telemetry = options.telemetry ?? createTelemetry();
  // The composition root every runtime uses, over DynamoDB Local, the test clock and the SMS fake.
  const claims = options.claimsHook && composeClaimsHook({ env: settings, clock, telemetry }, options.claimsHook);
  const handlers = composeHandlers({
    env: settings,
    clock,
    telemetry,
    documents,
    keys,
    sms,
    ...(claims ? { claims } : {}),
  });
  const app: TestApp = {
    clock,
    sms,
    keys,
    policy,
    sessions,
    records,
    refreshFamilies,
    client: table.client,
    tableName: table.tableName,
    handlers,
    sendOtp: (phone_number, ip) =>
      invoke(handlers['send-otp'], apiEvent('POST', '/send-otp', { phone_number }, ip ? { ip } : {})),
    verifyOtp: (phone_number, otp) =>
      invoke(handlers['verify-otp'], apiEvent('POST', '/verify-otp', { phone_number, otp })),
    refresh: (refresh) => invoke(handlers['refresh-token'], apiEvent('POST', '/token/refresh', { refresh })),
    logout: (refresh) => invoke(handlers.logout, apiEvent('POST', '/logout', { refresh })),
    logoutAll: (refresh) => invoke(handlers.logout, apiEvent('POST', '/logout', { refresh, all: true })),
    me: (access) => invoke(handlers.me, apiEvent('GET', '/me', undefined, { claims: authorizerClaimsOf(access) })),
    deleteAccount: (access) =>
      invoke(handlers['delete-account'], apiEvent('DELETE', '/me', undefined, { claims: authorizerClaimsOf(access) })),
    changeNumber: (access, phone_number, ip) =>
      invoke(
        handlers['change-phone-number'],
        apiEvent(
          'POST',
          '/me/phone-number',
          { phone_number },
          { claims: authorizerClaimsOf(access), ...(ip ? { ip } : {}) },
        ),
      ),
    verifyNumberChange: (access, phone_number, otp) =>
      invoke(
        handlers['verify-phone-number'],
        apiEvent('POST', '/me/phone-number/verify', { phone_number, otp }, { claims: authorizerClaimsOf(access) }),
      ),
    async login(phoneNumber) {
      const sent = await app.sendOtp(phoneNumber);
      if (sent.status !== 200) throw new Error(`send-otp answered ${sent.status} ${JSON.stringify(sent.body)}`);
      const verified = await app.verifyOtp(phoneNumber, sms.lastCodeFor(phoneNumber));
      if (verified.status !== 200)
        throw new Error(`verify-otp answered ${verified.status} ${JSON.stringify(verified.body)}`);
      const access = String(verified.body.access);
      return { access, refresh: String(verified.body.refresh), sub: String(decodeJwt(access).sub) };
    },
    async countItems() {
      const { Count } = await table.client.send(new ScanCommand({ TableName: table.tableName, Select: 'COUNT' }));
      return Count ?? 0;
    },
    async deleteItem(pk, sk) {
      await table.client.send(
        new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
      );
    },
    async deleteExpiredItems() {
      const { Items = [] } = await table.client.send(
        new ScanCommand({
          TableName: table.tableName,
          FilterExpression: '#ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': { N: String(clock.seconds) } },
        }),
      );
      for (const item of Items) {
        await table.client.send(
          new DeleteItemCommand({
            TableName: table.tableName,
            Key: { pk: item.pk ?? { S: '' }, sk: item.sk ?? { S: '' } },
          }),
        );
      }
      return Items.length;
    },
  };
  return app;
}

/**
 * The claims API Gateway's JWT authorizer passes for a token it verified: every claim as a string.
 * The handlers trust them as they trust API Gateway; the signature is the authorizer's business.
 */
export function authorizerClaimsOf(access: string): Record<string, string> {
  return Object.fromEntries(Object.entries(decodeJwt(access)).map(([name, value]) => [name, String(value)]));
}

export { wrongCode } from './fixtures.js';
