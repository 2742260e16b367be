import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { matchRoute } from '../../lambdas/http/routes.js';
import {
  apiEventFiles,
  functionOf,
  readEvent,
  readSamEnvFile,
  routeKeysNeedingAnEvent,
  withTokens,
} from '../helpers/sam-events.js';
import { createTestApp, invoke, type TestApp, testKeySetDocument } from '../helpers/test-app.js';

/** The settings events/sam-env.json gives every function that reads them. */
const SAM_SETTINGS = ['ISSUER', 'TEST_PHONE_NUMBERS'] as const;

describe('events/ samples for sam local', () => {
  let app: TestApp;
  const settings = Object.fromEntries(SAM_SETTINGS.map((name) => [name, String(readSamEnvFile().Parameters?.[name])]));
  beforeAll(async () => {
    app = await createTestApp(settings);
    const doc = await testKeySetDocument();
    // What the rotation publishes, and `sam local invoke` of it with events/republish-keys.json copies.
    await new DynamoDbPublicJwksStore(createDocumentClient(app.client), app.tableName).publish(
      publicJwksOf(doc),
      doc.rotatedAt,
    );
  });
  const answer = (name: string, tokens: { refresh?: string; sub?: string; authTime?: number } = {}) => {
    const event = withTokens(readEvent(name), tokens);
    return invoke(app.handlers[functionOf(event)], event);
  };

  it('has one event per route, and one for $default', () => {
    const keys = apiEventFiles().map((name) => readEvent(name).routeKey);
    expect([...keys].sort()).toEqual(routeKeysNeedingAnEvent().sort());
  });

  it('are payload-v2 events whose rawPath, method and route key agree', () => {
    for (const name of apiEventFiles()) {
      const event = readEvent(name);
      expect(event.version, name).toBe('2.0');
      expect(event.requestContext.routeKey, name).toBe(event.routeKey);
      expect(event.requestContext.http.path, name).toBe(event.rawPath);
      if (event.routeKey !== '$default') {
        // The route API Gateway would choose for the path (a parameter filled in: `/me/passkeys/{id}`).
        const route = matchRoute(event.requestContext.http.method, event.rawPath);
        expect(typeof route === 'object' ? `${route.method} ${route.path}` : route, name).toBe(event.routeKey);
      }
    }
  });

  it('log in with the fixed code of sam-env.json, refresh and log out, each through its own function', async () => {
    const sent = await answer('send-otp.json');
    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    // A test number: no SMS, the code is the one sam-env.json fixes, which verify-otp.json carries.
    expect(app.sms.sent).toEqual([]);

    const verified = await answer('verify-otp.json');
    expect(verified.status).toBe(200);
    expect(decodeJwt(String(verified.body.access)).iss).toBe(settings.ISSUER);

    const refreshed = await answer('refresh-token.json', { refresh: String(verified.body.refresh) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh).not.toBe(verified.body.refresh);

    expect((await answer('logout.json', { refresh: String(refreshed.body.refresh) })).status).toBe(204);
  });

  it('serve the public keys, the discovery document and the contract', async () => {
    const jwks = await answer('jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toEqual(publicJwksOf(await testKeySetDocument()));

    const discovery = await answer('openid-configuration.json');
    expect(discovery).toMatchObject({
      status: 200,
      body: { issuer: settings.ISSUER, jwks_uri: `${settings.ISSUER}/.well-known/jwks.json` },
    });

    const contract = await answer('openapi.json');
    expect(contract.status).toBe(200);
    expect(contract.body.openapi).toMatch(/^3\.1\./);
  });

  it('me.json carries the claims API Gateway would pass, with the sub of a login; without them, /me is 401', async () => {
    expect((await answer('send-otp.json')).status).toBe(200);
    const verified = await answer('verify-otp.json');
    expect(verified.status).toBe(200);
    const sub = String(decodeJwt(String(verified.body.access)).sub);
    const event = withTokens(readEvent('me.json'), { sub });
    const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, string> } } }).authorizer
      ?.jwt?.claims;
    expect(await answer('me.json', { sub })).toEqual({
      status: 200,
      headers: expect.any(Object),
      body: { sub, phone_number: claims?.phone_number, phone_number_verified: true },
    });
    // As shipped, before the user pastes a sub: no such user.
    expect(await answer('me.json')).toMatchObject({ status: 401, body: { code: 'invalid_token' } });

    const { authorizer: _, ...unauthorized } = event.requestContext as typeof event.requestContext & {
      authorizer?: unknown;
    };
    const answered = await invoke(app.handlers.me, { ...event, requestContext: unauthorized } as typeof event);
    expect(answered).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
  });

  it('change the number with the fixed code of the second test number, then delete the account', async () => {
    expect((await answer('send-otp.json')).status).toBe(200);
    const verified = await answer('verify-otp.json');
    const { sub: loggedIn, auth_time: authTime } = decodeJwt(String(verified.body.access));
    const sub = String(loggedIn);
    // As shipped, before the user pastes the login's auth_time: not a recent login.
    expect(await answer('change-phone-number.json', { sub })).toMatchObject({
      status: 403,
      body: { code: 'recent_login_required' },
    });
    const tokens = { sub, authTime: Number(authTime) };
    expect(await answer('change-phone-number.json', tokens)).toMatchObject({ status: 200, body: { expires_in: 300 } });
    const moved = await answer('verify-phone-number.json', tokens);
    expect(moved.status).toBe(200);
    expect(decodeJwt(String(moved.body.access))).toMatchObject({ sub, phone_number: '+919876543211' });

    // delete-account.json names the first number, which the user has just left: 401 until the claims
    // say where the user is now.
    expect(await answer('delete-account.json', tokens)).toMatchObject({ status: 401 });
    const event = withTokens(readEvent('delete-account.json'), tokens);
    // ... and the session epoch of the tokens the move returned (a move starts a new epoch).
    const text = JSON.stringify(event)
      .replaceAll('+919876543210', '+919876543211')
      .replaceAll('"session_epoch":"0"', `"session_epoch":"${decodeJwt(String(moved.body.access)).session_epoch}"`);
    expect(await invoke(app.handlers['delete-account'], JSON.parse(text))).toMatchObject({ status: 204 });
    expect(app.sms.sent).toEqual([]);
  });

  it('the passkey samples list, ask for options and remove, after a recent login', async () => {
    expect((await answer('send-otp.json')).status).toBe(200);
    const verified = await answer('verify-otp.json');
    const { sub: loggedIn, auth_time: authTime } = decodeJwt(String(verified.body.access));
    const tokens = { sub: String(loggedIn), authTime: Number(authTime) };

    expect(await answer('get-me-passkeys.json', { sub: tokens.sub })).toMatchObject({
      status: 200,
      body: { passkeys: [] },
    });
    expect(await answer('post-me-passkeys-options.json', { sub: tokens.sub })).toMatchObject({
      status: 403,
      body: { code: 'recent_login_required' },
    });
    expect(await answer('post-me-passkeys-options.json', tokens)).toMatchObject({
      status: 200,
      body: { rp: { id: 'localhost' }, user: { name: '+919876543210' } },
    });
    // The sample's credential id is nobody's; and its credential is a placeholder to replace.
    expect(await answer('delete-me-passkeys-id.json', tokens)).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    expect(await answer('post-me-passkeys.json', tokens)).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
  });

  it('not-found.json reaches the $default function: JSON 404', async () => {
    expect(await answer('not-found.json')).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});
