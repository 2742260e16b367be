import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../lambdas/adapters/dynamodb-table.js';
import { type DynamoDbEngine, startDynamoDbEngine } from '../../scripts/dynamodb-engine.js';
import { TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../helpers/dynamodb.js';
import { apiEvent, createTestApp, invoke, type TestResponse } from '../helpers/test-app.js';

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
    const app = await createTestApp({}, { table: { client, tableName: TABLE, endpoint: engine.endpoint } });
    const { sms, handlers } = app;
    const sendOtp = handlers['send-otp'];
    const verifyOtp = handlers['verify-otp'];
    const refresh = handlers['refresh-token'];
    const logout = handlers.logout;

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
