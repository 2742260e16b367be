import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbChallengeIssuer } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import { verifyAccessToken } from '../../lambdas/core/tokens.js';
import { METRIC } from '../../lambdas/http/telemetry.js';
import { loadContract } from '../contract/openapi-contract.js';
import { randomPhoneNumber } from '../helpers/fixtures.js';
import {
  assertionFor,
  passkeyOptions,
  passkeyVerify,
  readPasskeysItem,
  seedPasskey,
  storePasskey,
  strayChallenge,
  TEST_RP_ID,
} from '../helpers/passkeys.js';
import { createSoftAuthenticator, FLAGS } from '../helpers/soft-authenticator.js';
import { apiEvent, createTestApp, invoke, type TestApp, type TestResponse } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

/** Every item but the per-IP windows (which a well-formed request always counts), sorted: what a refusal must leave as it was. */
async function itemsBesideIpWindows(app: TestApp): Promise<string[]> {
  const { Items = [] } = await app.client.send(new ScanCommand({ TableName: app.tableName, ConsistentRead: true }));
  return Items.filter((item) => !String(item.pk?.S).startsWith('IP#'))
    .map((item) => JSON.stringify(sortedKeys(item)))
    .sort();
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, sortedKeys(inner)]),
  );
}

async function familyCount(app: TestApp): Promise<number> {
  return (await itemsBesideIpWindows(app)).filter((item) => item.includes('"FAM#')).length;
}

/** A user who logged in by SMS once, with one passkey. */
async function userWithPasskey(app: TestApp, options: Partial<Parameters<typeof seedPasskey>[1]> = {}) {
  const phone = randomPhoneNumber();
  const login = await app.login(phone);
  const seeded = await seedPasskey(app, { userId: login.sub, phoneNumber: phone, ...options });
  return { phone, login, ...seeded };
}

describe('POST /passkey/options', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });

  it('answers request options with an empty allowCredentials and stores the challenge for the TTL', async () => {
    const response = await passkeyOptions(app);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      rpId: TEST_RP_ID,
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      allowCredentials: [],
      timeout: 300_000,
      userVerification: 'preferred',
    });
    const items = await itemsBesideIpWindows(app);
    const stored = items.find((item) => item.includes(`CHAL#${response.body.challenge}`));
    expect(stored && JSON.parse(stored)).toEqual({
      pk: { S: `CHAL#${response.body.challenge}` },
      sk: { S: 'CHAL' },
      ceremony: { S: 'authentication' },
      expiresAt: { N: String(app.clock.seconds + 300) },
      ttl: { N: String(app.clock.seconds + 300) },
    });
  });

  it('hands out a new challenge each time', async () => {
    const first = await passkeyOptions(app);
    const second = await passkeyOptions(app);
    expect(first.body.challenge).not.toBe(second.body.challenge);
  });
});

describe('POST /passkey/verify', () => {
  let app: TestApp;
  let recorded: ReturnType<typeof recordingTelemetry>;
  beforeAll(async () => {
    recorded = recordingTelemetry();
    app = await createTestApp({}, { telemetry: recorded.telemetry });
  });

  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`signs in with an ${alg} passkey: the tokens of /verify-otp, amr ["hwk","user"], auth_time now, a new family`, async () => {
      const { phone, login, authenticator, stored } = await userWithPasskey(app, { alg });
      app.clock.advance(60);
      const familiesBefore = await familyCount(app);
      const assertion = await assertionFor(app, authenticator);

      const response = await passkeyVerify(app, assertion);

      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['access', 'expires_in', 'refresh', 'token_type']);
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      expect(String(response.body.refresh)).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      const access = String(response.body.access);
      await expect(
        verifyAccessToken(access, (await app.keys.load()).publicJwks, { ...app.sessions, now: app.clock.seconds }),
      ).resolves.toBeTruthy();
      expect(decodeJwt(access)).toMatchObject({
        sub: login.sub,
        phone_number: phone,
        amr: ['hwk', 'user'],
        auth_time: app.clock.seconds,
        token_use: 'access',
      });
      expect(await familyCount(app)).toBe(familiesBefore + 1);
      // The passkey's last use is recorded; a synced passkey's counter stays 0.
      const item = await readPasskeysItem(app, login.sub);
      expect(item?.passkeys?.[stored.id]).toMatchObject({ counter: 0, lastUsedAt: app.clock.seconds, backedUp: true });
      expect(recorded.counted).toContain(METRIC.passkeySignIn);
      expect(recorded.lines.at(-1)).toMatchObject({
        message: 'passkey sign-in',
        attributes: { sub: login.sub, credential: stored.id.slice(0, 8), amr: 'hwk user' },
      });
    });
  }

  it('says ["hwk"] when the authenticator did not verify the user (UV off)', async () => {
    const { authenticator } = await userWithPasskey(app);
    authenticator.setFlags(FLAGS.UP);

    const response = await passkeyVerify(app, await assertionFor(app, authenticator));

    expect(response.status).toBe(200);
    expect(decodeJwt(String(response.body.access)).amr).toEqual(['hwk']);
  });

  it("keeps the session's amr and auth_time through a refresh", async () => {
    const { authenticator } = await userWithPasskey(app);
    authenticator.setFlags(FLAGS.UP);
    const signedIn = await passkeyVerify(app, await assertionFor(app, authenticator));
    expect(signedIn.status).toBe(200);
    const authTime = decodeJwt(String(signedIn.body.access)).auth_time;
    app.clock.advance(120);

    const refreshed = await app.refresh(String(signedIn.body.refresh));

    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access))).toMatchObject({ amr: ['hwk'], auth_time: authTime });
  });

  it("moves a counting authenticator's counter on, and refuses it going back or standing still, counting a metric", async () => {
    const { login, authenticator, stored } = await userWithPasskey(app, { flags: FLAGS.UP | FLAGS.UV });
    authenticator.setSignCount(5);
    expect((await passkeyVerify(app, await assertionFor(app, authenticator))).status).toBe(200);
    expect((await readPasskeysItem(app, login.sub))?.passkeys?.[stored.id]?.counter).toBe(5);

    for (const count of [3, 5]) {
      authenticator.setSignCount(count);
      const assertion = await assertionFor(app, authenticator);
      const before = await itemsBesideIpWindows(app);
      const regressions = recorded.counted.filter((m) => m === METRIC.passkeyCounterRegressed).length;

      const response = await passkeyVerify(app, assertion);

      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: expect.any(String), code: 'invalid_passkey' });
      expect(
        recorded.lines.find((l) => l.message === 'request refused' && l.attributes?.detail === 'counter_regressed'),
      ).toBeTruthy();
      expect(recorded.counted.filter((m) => m === METRIC.passkeyCounterRegressed)).toHaveLength(regressions + 1);
      expect(await itemsBesideIpWindows(app)).toEqual(before);
    }
    authenticator.setSignCount(6);
    expect((await passkeyVerify(app, await assertionFor(app, authenticator))).status).toBe(200);
    expect((await readPasskeysItem(app, login.sub))?.passkeys?.[stored.id]?.counter).toBe(6);
  });
});

describe('POST /passkey/verify refuses with 401 invalid_passkey, logs why, and writes nothing', () => {
  let app: TestApp;
  let recorded: ReturnType<typeof recordingTelemetry>;
  beforeAll(async () => {
    recorded = recordingTelemetry();
    app = await createTestApp({}, { telemetry: recorded.telemetry });
  });

  /** Posts the assertion, expecting the one refusal, the reason in the log, the metric, and no item changed. */
  async function expectRefused(assertion: unknown, detail: string) {
    const before = await itemsBesideIpWindows(app);
    const refusedBefore = recorded.counted.filter((m) => m === METRIC.passkeySignInRefused).length;
    const regressionsBefore = recorded.counted.filter((m) => m === METRIC.passkeyCounterRegressed).length;

    const response = await passkeyVerify(app, assertion);

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: 'The passkey could not sign you in. Try again, or log in with a code sent to your number.',
      code: 'invalid_passkey',
    });
    const refusal = recorded.lines.filter((line) => line.message === 'request refused').at(-1);
    expect(refusal?.attributes).toMatchObject({ code: 'invalid_passkey', detail });
    expect(recorded.counted.filter((m) => m === METRIC.passkeySignInRefused)).toHaveLength(refusedBefore + 1);
    // Only a counter gone back is counted as one: the alarm must not fire for an ordinary refusal.
    expect(recorded.counted.filter((m) => m === METRIC.passkeyCounterRegressed)).toHaveLength(regressionsBefore);
    expect(await itemsBesideIpWindows(app)).toEqual(before);
  }

  it('an unknown user handle', async () => {
    const { authenticator } = await userWithPasskey(app);
    const handle = Buffer.from(randomUUID()).toString('base64url');
    await expectRefused(await assertionFor(app, authenticator, { userHandle: handle }), 'unknown_user');
  });

  it('an absent user handle, or null', async () => {
    const { authenticator } = await userWithPasskey(app);
    await expectRefused(await assertionFor(app, authenticator, { userHandle: null }), 'no_user_handle');
    const assertion = await assertionFor(app, authenticator);
    await expectRefused({ ...assertion, response: { ...assertion.response, userHandle: null } }, 'no_user_handle');
  });

  it('a user handle that cannot be one of ours', async () => {
    const { authenticator } = await userWithPasskey(app);
    await expectRefused(await assertionFor(app, authenticator, { userHandle: '!!' }), 'bad_user_handle');
  });

  it("an unknown credential id, under a real user's handle", async () => {
    const { login } = await userWithPasskey(app);
    // Made for this user, never stored.
    const stranger = createSoftAuthenticator({ origin: 'https://auth.test', rpId: TEST_RP_ID });
    stranger.createCredential({
      challenge: strayChallenge(),
      rp: { id: TEST_RP_ID },
      user: { id: Buffer.from(login.sub).toString('base64url') },
    });
    await expectRefused(await assertionFor(app, stranger), 'unknown_credential');
  });

  it('a bad signature: another key signed under the stored credential id', async () => {
    const { login, stored } = await userWithPasskey(app);
    const impostor = createSoftAuthenticator({ origin: 'https://auth.test', rpId: TEST_RP_ID });
    impostor.createCredential({
      challenge: strayChallenge(),
      rp: { id: TEST_RP_ID },
      user: { id: Buffer.from(login.sub).toString('base64url') },
    });
    const assertion = await assertionFor(app, impostor);
    await expectRefused({ ...assertion, id: stored.id, rawId: stored.id }, 'bad_signature');
  });

  it('a wrong origin', async () => {
    const { authenticator } = await userWithPasskey(app);
    await expectRefused(await assertionFor(app, authenticator, { origin: 'https://evil.test' }), 'wrong_origin');
  });

  it('a wrong RP ID: a passkey made for another site', async () => {
    const { authenticator } = await userWithPasskey(app, { rpId: 'evil.test' });
    await expectRefused(await assertionFor(app, authenticator), 'wrong_rp_id');
  });

  it('a spent challenge: the same assertion twice', async () => {
    const { authenticator } = await userWithPasskey(app);
    const assertion = await assertionFor(app, authenticator);
    expect((await passkeyVerify(app, assertion)).status).toBe(200);
    await expectRefused(assertion, 'challenge_spent');
  });

  it('an expired challenge, whether or not TTL has deleted it', async () => {
    const { authenticator } = await userWithPasskey(app);
    const assertion = await assertionFor(app, authenticator);
    app.clock.advance(300);
    await expectRefused(assertion, 'challenge_spent');
  });

  it('a challenge never handed out', async () => {
    const { authenticator } = await userWithPasskey(app);
    await expectRefused(
      authenticator.getAssertion({ challenge: strayChallenge(), rpId: TEST_RP_ID }),
      'challenge_spent',
    );
  });

  it("a registration challenge: the enrolment's ceremony never signs anyone in", async () => {
    const { login, authenticator } = await userWithPasskey(app);
    const challenge = strayChallenge();
    await new DynamoDbChallengeIssuer(createDocumentClient(app.client), app.tableName).issue(challenge, {
      ceremony: 'registration',
      expiresAt: app.clock.seconds + 300,
      userId: login.sub,
    });
    await expectRefused(authenticator.getAssertion({ challenge, rpId: TEST_RP_ID }), 'challenge_spent');
  });

  it('a deleted user: the deletion took the passkey item', async () => {
    const { login, authenticator } = await userWithPasskey(app);
    expect((await app.deleteAccount(login.access)).status).toBe(204);
    await expectRefused(await assertionFor(app, authenticator), 'unknown_user');
  });

  it('a deleted user whose passkey item was left behind (its deletion failed)', async () => {
    const { phone, login, authenticator, stored } = await userWithPasskey(app);
    expect((await app.deleteAccount(login.access)).status).toBe(204);
    await storePasskey(app, { userId: login.sub, phoneNumber: phone, passkey: stored });
    await expectRefused(await assertionFor(app, authenticator), 'not_holder');
  });

  it('a user who changed number, when the item still names the old one', async () => {
    const phone = randomPhoneNumber();
    const login = await app.login(phone);
    const moved = randomPhoneNumber();
    expect((await app.changeNumber(login.access, moved)).status).toBe(200);
    expect((await app.verifyNumberChange(login.access, moved, app.sms.lastCodeFor(moved))).status).toBe(200);
    // As if the move had not updated the item: the number it names is no longer the user's.
    const { authenticator } = await seedPasskey(app, { userId: login.sub, phoneNumber: phone });
    await expectRefused(await assertionFor(app, authenticator), 'not_holder');
  });

  it('an assertion made in a cross-origin frame, even without a top origin (Safari names none)', async () => {
    const { authenticator } = await userWithPasskey(app);
    await expectRefused(await assertionFor(app, authenticator, { crossOrigin: true }), 'cross_origin');
  });

  it('a user signed out everywhere is still let in: sign-out ends sessions, not passkeys', async () => {
    const { login, authenticator } = await userWithPasskey(app);
    expect((await app.logoutAll(login.refresh)).status).toBe(204);
    const response = await passkeyVerify(app, await assertionFor(app, authenticator));
    expect(response.status).toBe(200);
    expect((await app.me(String(response.body.access))).status).toBe(200);
  });
});

describe('POST /passkey/verify with a malformed body', () => {
  const bodies: Record<string, string> = {
    'not JSON': '{"credential": ',
    'no credential': '{}',
    'a string credential': '{"credential": "abc"}',
    'no response': '{"credential": {"id": "a", "rawId": "a", "type": "public-key"}}',
    'a numeric signature':
      '{"credential": {"id": "a", "rawId": "a", "type": "public-key", "response": {"clientDataJSON": "a", "authenticatorData": "a", "signature": 1}}}',
    'an empty id':
      '{"credential": {"id": "", "rawId": "a", "type": "public-key", "response": {"clientDataJSON": "a", "authenticatorData": "a", "signature": "a"}}}',
  };
  for (const [name, rawBody] of Object.entries(bodies)) {
    it(`${name}: 400 invalid_request, nothing stored, nothing counted`, async () => {
      const app = await createTestApp();
      const response = await invoke(
        app.handlers['passkey-sign-in'],
        apiEvent('POST', '/passkey/verify', undefined, { rawBody }),
      );
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid_request' });
      expect(await app.countItems()).toBe(0);
    });
  }

  it('/passkey/options with a body that is not an object: 400, nothing stored', async () => {
    const app = await createTestApp();
    const response = await invoke(
      app.handlers['passkey-sign-in'],
      apiEvent('POST', '/passkey/options', undefined, { rawBody: '[]' }),
    );
    expect(response.status).toBe(400);
    expect(await app.countItems()).toBe(0);
  });
});

describe('two verifies of one assertion', () => {
  for (const concurrent of [2, 10]) {
    it(`${concurrent} at once: exactly one 200, the rest 401 invalid_passkey, one family`, async () => {
      const app = await createTestApp();
      const { authenticator } = await userWithPasskey(app);
      const assertion = await assertionFor(app, authenticator);
      const familiesBefore = await familyCount(app);

      const responses = await Promise.all(Array.from({ length: concurrent }, () => passkeyVerify(app, assertion)));

      expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(concurrent - 1).fill(401)]);
      expect(responses.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(
        Array(concurrent - 1).fill('invalid_passkey'),
      );
      expect(await familyCount(app)).toBe(familiesBefore + 1);
    });
  }
});

describe('the per-IP passkey budget (PASSKEY_MAX_PER_IP_PER_HOUR)', () => {
  it('answers 429 rate_limited on both routes once the hour is spent, apart from the send budget', async () => {
    const app = await createTestApp({ PASSKEY_MAX_PER_IP_PER_HOUR: '3', SEND_MAX_PER_IP_PER_HOUR: '5' });
    const { authenticator } = await userWithPasskey(app);
    const ip = '198.51.100.9';
    const first = await passkeyOptions(app, ip);
    expect(first.status).toBe(200);
    const assertion = authenticator.getAssertion(first.body as { challenge: string });
    expect((await passkeyOptions(app, ip)).status).toBe(200);
    expect((await passkeyVerify(app, assertion, ip)).status).toBe(200);

    const options = await passkeyOptions(app, ip);
    const verify = await passkeyVerify(app, assertion, ip);

    expect(options.status).toBe(429);
    expect(options.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(options.headers['retry-after'])).toBeGreaterThan(0);
    expect(verify.status).toBe(429);
    // Another client, and this client's code sends, are not affected.
    expect((await passkeyOptions(app, '198.51.100.10')).status).toBe(200);
    expect((await app.sendOtp(randomPhoneNumber(), ip)).status).toBe(200);
    // The next hour has a budget again.
    app.clock.advance(3600);
    expect((await passkeyOptions(app, ip)).status).toBe(200);
  });
});

describe('storePasskey (test helper)', () => {
  it('keeps the passkeys already in the item', async () => {
    const app = await createTestApp();
    const first = await seedPasskey(app, { userId: 'u-1', phoneNumber: '+919876500001' });
    await storePasskey(app, { userId: 'u-1', phoneNumber: '+919876500001', passkey: { ...first.stored, id: 'other' } });
    expect(Object.keys((await readPasskeysItem(app, 'u-1'))?.passkeys ?? {}).sort()).toEqual(
      [first.stored.id, 'other'].sort(),
    );
  });
});

describe('the passkey sign-in routes answer as docs/openapi.yaml says', () => {
  it('200 options, 200 tokens, 401 invalid_passkey, 400 invalid_request, 429 rate_limited', async () => {
    const contract = loadContract();
    const app = await createTestApp({ PASSKEY_MAX_PER_IP_PER_HOUR: '4' });
    const { authenticator } = await userWithPasskey(app);
    const check = (path: string, response: TestResponse) =>
      contract.check({
        method: 'POST',
        path,
        status: response.status,
        headers: response.headers,
        body: JSON.stringify(response.body),
      });

    const options = await passkeyOptions(app);
    expect(options.status).toBe(200);
    check('/passkey/options', options);
    const assertion = authenticator.getAssertion(options.body as { challenge: string });
    const signedIn = await passkeyVerify(app, assertion);
    expect(signedIn.status).toBe(200);
    check('/passkey/verify', signedIn);
    const replayed = await passkeyVerify(app, assertion);
    expect(replayed.status).toBe(401);
    check('/passkey/verify', replayed);
    const malformed = await passkeyVerify(app, 'not an assertion');
    expect(malformed.status).toBe(400);
    check('/passkey/verify', malformed);
    await passkeyOptions(app);
    const limited = await passkeyOptions(app);
    expect(limited.status).toBe(429);
    check('/passkey/options', limited);
  });
});
