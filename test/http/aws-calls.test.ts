import { describe, expect, it } from 'vitest';
import { CachedKeySource } from '../../lambdas/adapters/cached-key-source.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { makeWellKnownHandler } from '../../lambdas/http/well-known-handlers.js';
import { apiEvent, createTestApp, invoke, type TestApp, testKeySetDocument } from '../helpers/test-app.js';

/** Records the DynamoDB operations each request issues, from the client's own middleware stack. */
function recordCalls(app: TestApp): { take(): string[] } {
  let calls: string[] = [];
  app.client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return {
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
}

const PHONE = '+919876543210';

describe('DynamoDB calls per request (success paths: at most 3)', () => {
  it('send-otp: read the record, count the IP, write the record', async () => {
    const app = await createTestApp();
    const calls = recordCalls(app);

    expect((await app.sendOtp(PHONE)).status).toBe(200);
    expect(calls.take()).toEqual(['GetItem', 'UpdateItem', 'PutItem']);
  });

  it('verify-otp: read the record, create the refresh family, consume the code', async () => {
    const app = await createTestApp();
    await app.sendOtp(PHONE);
    const calls = recordCalls(app);

    expect((await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE))).status).toBe(200);
    expect(calls.take()).toEqual(['GetItem', 'PutItem', 'UpdateItem']);
  });

  it('verify-otp with a wrong code: read the record, count the attempt', async () => {
    const app = await createTestApp();
    await app.sendOtp(PHONE);
    const calls = recordCalls(app);

    expect((await app.verifyOtp(PHONE, '000000')).status).toBe(400);
    expect(calls.take()).toEqual(['GetItem', 'UpdateItem']);
  });

  it('token/refresh: read the family, move its head', async () => {
    const app = await createTestApp();
    const { refresh } = await app.login(PHONE);
    const calls = recordCalls(app);

    expect((await app.refresh(refresh)).status).toBe(200);
    expect(calls.take()).toEqual(['GetItem', 'UpdateItem']);
  });

  it('logout: revoke the family in one write', async () => {
    const app = await createTestApp();
    const { refresh } = await app.login(PHONE);
    const calls = recordCalls(app);

    expect((await app.logout(refresh)).status).toBe(204);
    expect(calls.take()).toEqual(['UpdateItem']);
  });

  it('well-known: one read of the public keys item per container and cache period, none in between', async () => {
    const app = await createTestApp();
    const store = new DynamoDbPublicJwksStore(createDocumentClient(app.client), app.tableName);
    const doc = await testKeySetDocument();
    await store.publish(publicJwksOf(doc), doc.rotatedAt);
    const handler = makeWellKnownHandler(
      { jwks: new CachedKeySource(store, 300, app.clock), issuer: app.sessions.issuer },
      createTelemetry(),
    );
    const calls = recordCalls(app);

    expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
    expect(calls.take()).toEqual(['GetItem']);
    expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
    expect((await invoke(handler, apiEvent('GET', '/.well-known/openid-configuration'))).status).toBe(200);
    expect(calls.take()).toEqual([]);
    app.clock.advance(300);
    expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
    expect(calls.take()).toEqual(['GetItem']);
  });
});
