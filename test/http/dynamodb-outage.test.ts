import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbIpRateLimiter } from '../../lambdas/adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbRefreshFamilyStore } from '../../lambdas/adapters/dynamodb-refresh-family-store.js';
import { ensureTable } from '../../lambdas/adapters/dynamodb-table.js';
import { parseOtpConfig, parseTokenConfig } from '../../lambdas/config.js';
import { makeSendOtpHandler, makeVerifyOtpHandler } from '../../lambdas/http/login-handlers.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { makeLogoutHandler, makeRefreshTokenHandler } from '../../lambdas/http/token-handlers.js';
import { type DynamoDbEngine, startDynamoDbEngine } from '../../scripts/dynamodb-engine.js';
import { TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../helpers/dynamodb.js';
import {
  apiEvent,
  CapturingSms,
  invoke,
  StaticKeySource,
  TestClock,
  type TestResponse,
  testKeySetDocument,
} from '../helpers/test-app.js';

const PHONE = '+919876543210';
const TABLE = 'otp-outage';

/**
 * An engine of its own, so stopping it touches no other test. dynalite runs in this process and
 * starts in milliseconds; what is under test is what the SDK reports for a port nobody listens on,
 * which does not depend on the engine that used to listen there.
 */
let engine: DynamoDbEngine;
let client: DynamoDBClient;

beforeAll(async () => {
  engine = await startDynamoDbEngine({ engine: 'dynalite' });
  // Two attempts: the SDK's own retry still runs, and a refused connection fails in milliseconds.
  client = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: TEST_AWS_REGION,
    credentials: TEST_AWS_CREDENTIALS,
    maxAttempts: 2,
  });
  await ensureTable(client, TABLE);
});

afterAll(async () => {
  client.destroy();
  await engine.stop();
});

describe('when DynamoDB cannot be reached', () => {
  it('every route that needs it answers 503 service_unavailable with Retry-After, never 500', async () => {
    const documents = createDocumentClient(client);
    const clock = new TestClock();
    const sms = new CapturingSms(clock);
    const keys = new StaticKeySource(await testKeySetDocument());
    const policy = parseOtpConfig({ SEND_COOLDOWN_SECONDS: '0' });
    const sessions = parseTokenConfig({ ISSUER: 'https://auth.test', AUDIENCE: 'otp-login' });
    const records = new DynamoDbPhoneRecordStore(documents, TABLE);
    const refreshFamilies = new DynamoDbRefreshFamilyStore(documents, TABLE);
    const ipLimiter = new DynamoDbIpRateLimiter(documents, TABLE);
    const telemetry = createTelemetry();
    const sendOtp = makeSendOtpHandler({ records, ipLimiter, sms, clock, policy }, telemetry);
    const verifyOtp = makeVerifyOtpHandler({ records, refreshFamilies, keys, clock, policy, sessions }, telemetry);
    const refresh = makeRefreshTokenHandler({ refreshFamilies, keys, clock, sessions }, telemetry);
    const logout = makeLogoutHandler({ refreshFamilies, clock }, telemetry);

    const send = () => invoke(sendOtp, apiEvent('POST', '/send-otp', { phone_number: PHONE }));
    expect((await send()).status).toBe(200);
    const verified = await invoke(
      verifyOtp,
      apiEvent('POST', '/verify-otp', { phone_number: PHONE, otp: sms.lastCodeFor(PHONE) }),
    );
    expect(verified.status).toBe(200);
    const token = String(verified.body.refresh);
    await send(); // a fresh code for the verify below, which must fail on the outage, not on the code
    const code = sms.lastCodeFor(PHONE);

    await engine.stop();
    const answers: Record<string, TestResponse> = {
      'send-otp': await send(),
      'verify-otp': await invoke(verifyOtp, apiEvent('POST', '/verify-otp', { phone_number: PHONE, otp: code })),
      refresh: await invoke(refresh, apiEvent('POST', '/token/refresh', { refresh: token })),
      logout: await invoke(logout, apiEvent('POST', '/logout', { refresh: token })),
    };

    for (const [route, answer] of Object.entries(answers)) {
      expect({ route, status: answer.status, code: answer.body.code }).toEqual({
        route,
        status: 503,
        code: 'service_unavailable',
      });
      expect(answer.headers['retry-after'], route).toMatch(/^[1-9]\d*$/);
    }
  });
});
