import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbChallengeIssuer } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import {
  allItems,
  answeredOptions,
  enrolledPasskey,
  passkeyClient,
  passkeyItem,
  TEST_ORIGIN,
  TEST_RP_ID,
} from '../helpers/passkey-enrolment.js';
import { createSoftAuthenticator, FLAGS } from '../helpers/soft-authenticator.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const A = '+919876543210';
const B = '+919876543211';
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const REJECTED = {
  status: 400,
  body: { code: 'passkey_rejected', error: 'The passkey could not be added. Start again from the beginning.' },
};
const INVALID_TOKEN = { status: 401, body: { code: 'invalid_token' } };
const INVALID_REQUEST = { status: 400, body: { code: 'invalid_request' } };
const RECENT_LOGIN_REQUIRED = { status: 403, body: { code: 'recent_login_required' } };

/** The detail a refusal was logged with (never answered). */
function refusalDetails(lines: ReturnType<typeof recordingTelemetry>['lines']): unknown[] {
  return lines.filter((l) => l.message === 'request refused').map((l) => l.attributes?.detail);
}

describe('POST /me/passkeys/options', () => {
  it('answers creation options for a discoverable credential of this user, with a challenge stored for its registration', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const options = await passkeyClient(app, user.access).options();

    expect(options.status).toBe(200);
    expect(options.body).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      rp: { name: TEST_RP_ID, id: TEST_RP_ID },
      user: { id: Buffer.from(user.sub).toString('base64url'), name: A, displayName: A },
      pubKeyCredParams: [
        { alg: -8, type: 'public-key' },
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
      timeout: 300_000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred', requireResidentKey: true },
      extensions: { credProps: true },
      hints: [],
    });
    const challenge = (await allItems(app)).find((item) => item.pk === `CHAL#${options.body.challenge}`);
    expect(challenge).toEqual({
      pk: `CHAL#${options.body.challenge}`,
      sk: 'CHAL',
      ceremony: 'registration',
      userId: user.sub,
      expiresAt: app.clock.seconds + 300,
      ttl: app.clock.seconds + 300,
    });
  });

  it('follows WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and PASSKEY_CHALLENGE_TTL_SECONDS', async () => {
    const app = await createTestApp({
      WEBAUTHN_RP_ID: 'test',
      WEBAUTHN_RP_NAME: 'Example',
      PASSKEY_CHALLENGE_TTL_SECONDS: '120',
    });
    const user = await app.login(A);
    const options = await passkeyClient(app, user.access).options();
    expect(options.body).toMatchObject({ rp: { id: 'test', name: 'Example' }, timeout: 120_000 });
  });
});

describe('POST /me/passkeys: enrolment', () => {
  it.each(['ES256', 'EdDSA'] as const)(
    'enrols a %s passkey: 201, listed, and excluded from the next options',
    async (alg) => {
      const recorded = recordingTelemetry();
      const app = await createTestApp({}, { telemetry: recorded.telemetry });
      const user = await app.login(A);
      const client = passkeyClient(app, user.access);
      const { credential, device } = await answeredOptions(client, { alg });

      const created = await client.register(credential, '  My phone ');
      expect(created).toMatchObject({ status: 201 });
      expect(created.body).toEqual({
        id: device.credentialId,
        name: 'My phone',
        created_at: new Date(app.clock.seconds * 1000).toISOString().replace('.000Z', 'Z'),
        backed_up: true,
        transports: ['hybrid', 'internal'],
      });
      expect(recorded.counted).toContain('PasskeysAdded');
      expect(recorded.lines).toContainEqual(
        expect.objectContaining({
          message: 'passkey added',
          attributes: {
            sub: user.sub,
            credential: device.credentialId.slice(0, 8),
            device_type: 'multiDevice',
            backed_up: true,
          },
        }),
      );

      const listed = await client.list();
      expect(listed).toMatchObject({ status: 200 });
      expect(listed.body).toEqual({
        passkeys: [{ ...created.body, last_used_at: null }],
      });

      const next = await client.options();
      expect(next.body.excludeCredentials).toEqual([
        { id: device.credentialId, transports: ['hybrid', 'internal'], type: 'public-key' },
      ]);

      // Stored: the COSE key, the flags, the number the user holds; the challenge is spent.
      const item = await passkeyItem(app, user.sub);
      expect(item).toEqual({
        pk: `PASSKEYS#${user.sub}`,
        sk: 'PASSKEYS',
        userId: user.sub,
        phoneNumber: A,
        passkeys: {
          [device.credentialId]: {
            publicKey: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
            counter: 0,
            transports: ['hybrid', 'internal'],
            backedUp: true,
            deviceType: 'multiDevice',
            name: 'My phone',
            createdAt: app.clock.seconds,
            aaguid: '00000000-0000-0000-0000-000000000000',
          },
        },
      });
      expect((await allItems(app)).filter((i) => String(i.pk).startsWith('CHAL#'))).toHaveLength(1);
    },
  );

  it('names a passkey Passkey when no name is given, keeps a single-device one as such, and lists them oldest first', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const first = await enrolledPasskey(client);
    app.clock.advance(10);
    const { credential } = await answeredOptions(client, { flags: FLAGS.UP });
    const second = await client.register(credential, null);
    expect(second).toMatchObject({ status: 201, body: { name: 'Passkey', backed_up: false } });

    const listed = await client.list();
    expect((listed.body.passkeys as { id: string; created_at: string }[]).map((p) => p.id)).toEqual([
      first.created.id,
      second.body.id,
    ]);
    expect(listed.body.passkeys).toEqual([
      expect.objectContaining({ name: 'Passkey', created_at: expect.stringMatching(ISO_SECONDS) }),
      expect.objectContaining({ name: 'Passkey', backed_up: false }),
    ]);
    const stored = (await passkeyItem(app, user.sub))?.passkeys as Record<string, { deviceType: string }>;
    expect(stored[String(second.body.id)]?.deviceType).toBe('singleDevice');
  });

  it.each([
    ['an empty name', ''],
    ['a blank name', '   '],
    ['a name of 65 characters', 'x'.repeat(65)],
    ['a name with a control character', 'a\u0007b'],
    ['a number as name', 7],
  ])('refuses %s with 400 invalid_request, the challenge unspent and nothing stored', async (_case, name) => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    const before = await allItems(app);

    expect(await client.register(credential, name)).toMatchObject(INVALID_REQUEST);
    expect(await allItems(app)).toEqual(before);
    // The same response still enrols once named properly.
    expect(await client.register(credential, 'ok')).toMatchObject({ status: 201, body: { name: 'ok' } });
  });

  it('keeps a name of 64 characters (not UTF-16 units)', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const name = '🔑'.repeat(64);
    const { credential } = await answeredOptions(client);
    expect(await client.register(credential, name)).toMatchObject({ status: 201, body: { name } });
  });
});

describe('POST /me/passkeys: bad input is 400 invalid_request with nothing stored', () => {
  it.each([
    ['no body', undefined],
    ['no credential', { name: 'x' }],
    ['a credential that is a string', { credential: 'abc' }],
    ['a credential without a response', { credential: { id: 'a', rawId: 'a', type: 'public-key' } }],
    ['a credential of another type', { credential: { id: 'a', rawId: 'a', type: 'password', response: {} } }],
    [
      'a response without attestationObject',
      { credential: { id: 'a', rawId: 'a', type: 'public-key', response: { clientDataJSON: 'e30' } } },
    ],
    ['an array', [1]],
  ])('%s', async (_case, body) => {
    const app = await createTestApp();
    const user = await app.login(A);
    await answeredOptions(passkeyClient(app, user.access));
    const before = await allItems(app);
    const claims = authorizerClaimsOf(user.access);

    const answer = await invoke(
      app.handlers.passkeys,
      apiEvent('POST', '/me/passkeys', body, { claims, ...(body === undefined ? { rawBody: '' } : {}) }),
    );
    expect(answer).toMatchObject(INVALID_REQUEST);
    expect(await allItems(app)).toEqual(before);
  });

  it('refuses a body that is not JSON with 415 and 400', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const claims = authorizerClaimsOf(user.access);
    const before = await allItems(app);
    expect(
      await invoke(
        app.handlers.passkeys,
        apiEvent('POST', '/me/passkeys', undefined, { claims, rawBody: '{"credential":', headers: {} }),
      ),
    ).toMatchObject(INVALID_REQUEST);
    expect(
      await invoke(
        app.handlers.passkeys,
        apiEvent('POST', '/me/passkeys/options', {}, { claims, headers: { 'content-type': 'text/plain' } }),
      ),
    ).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    expect(await allItems(app)).toEqual(before);
  });
});

describe('POST /me/passkeys: every response that must not enrol is 400 passkey_rejected, nothing stored', () => {
  it('spends the challenge once: two registers of one response, one 201 and one 400; concurrently too', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    expect((await client.register(credential)).status).toBe(201);
    expect(await client.register(credential)).toMatchObject(REJECTED);

    const { credential: raced } = await answeredOptions(client);
    const outcomes = await Promise.all([client.register(raced), client.register(raced)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual([201, 400]);
    expect(Object.keys((await passkeyItem(app, user.sub))?.passkeys as object)).toHaveLength(2);
  });

  it('refuses a second authenticator answering a challenge already spent, and says why in the log only', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { options, credential } = await answeredOptions(client);
    expect((await client.register(credential)).status).toBe(201);
    const other = createSoftAuthenticator({ origin: TEST_ORIGIN });
    const before = await allItems(app);

    expect(await client.register(other.createCredential(options as never))).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);
    expect(refusalDetails(recorded.lines)).toEqual(['challenge_spent']);
  });

  it('refuses a registration that answers an authentication challenge', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { options } = await answeredOptions(client);
    const challenge = randomBytes(32).toString('base64url');
    await new DynamoDbChallengeIssuer(createDocumentClient(app.client), app.tableName).issue(challenge, {
      ceremony: 'authentication',
      expiresAt: app.clock.seconds + 300,
    });
    const before = await allItems(app);

    const device = createSoftAuthenticator({ origin: TEST_ORIGIN });
    const credential = device.createCredential({
      ...(options as { rp: { id: string }; user: { id: string } }),
      challenge,
    });
    expect(await client.register(credential)).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);
    expect(refusalDetails(recorded.lines)).toEqual(['challenge_spent']);
  });

  it("refuses a registration that answers another user's registration challenge, which stays that user's", async () => {
    const app = await createTestApp();
    const alice = await app.login(A);
    const bob = await app.login(B);
    const bobs = await passkeyClient(app, bob.access).options();
    const before = await allItems(app);

    const device = createSoftAuthenticator({ origin: TEST_ORIGIN });
    const stolen = device.createCredential(bobs.body as never);
    expect(await passkeyClient(app, alice.access).register(stolen)).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);

    const bobsOwn = createSoftAuthenticator({ origin: TEST_ORIGIN }).createCredential(bobs.body as never);
    expect((await passkeyClient(app, bob.access).register(bobsOwn)).status).toBe(201);
    expect(await passkeyItem(app, alice.sub)).toBeUndefined();
  });

  it('refuses a challenge past PASSKEY_CHALLENGE_TTL_SECONDS, even before TTL deletes it', async () => {
    const app = await createTestApp({ PASSKEY_CHALLENGE_TTL_SECONDS: '60' });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const late = await answeredOptions(client);
    const onTime = await answeredOptions(client);
    app.clock.advance(59);
    expect((await client.register(onTime.credential)).status).toBe(201);
    app.clock.advance(1);
    const before = await allItems(app);
    expect(await client.register(late.credential)).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);
  });

  it.each([
    ['another origin', { origin: 'https://evil.test' }, /Unexpected response origin/],
    ['an origin with another port', { origin: 'https://auth.test:8443' }, /Unexpected response origin/],
    ['another RP ID', { rpId: 'evil.test' }, /Unexpected RP ID hash/],
  ])('refuses a response made for %s, and logs why', async (_case, authenticator, reason) => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client, authenticator);
    const before = await allItems(app);

    expect(await client.register(credential)).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);
    expect(refusalDetails(recorded.lines)).toEqual([expect.stringMatching(reason)]);
  });

  it('accepts an extra origin from WEBAUTHN_ORIGINS', async () => {
    const app = await createTestApp({ WEBAUTHN_ORIGINS: 'https://app.auth.test,https://auth.test' });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client, { origin: 'https://app.auth.test' });
    expect((await client.register(credential)).status).toBe(201);
  });

  it.each([
    ['a tampered clientDataJSON', (c: Record<string, unknown>) => patchResponse(c, { clientDataJSON: 'e30' })],
    [
      'an attestation object that is not CBOR',
      (c: Record<string, unknown>) => patchResponse(c, { attestationObject: 'AAAA' }),
    ],
    ['an id other than the attested one', (c: Record<string, unknown>) => ({ ...c, id: 'AAAA', rawId: 'AAAA' })],
    ['an id unlike rawId', (c: Record<string, unknown>) => ({ ...c, rawId: 'AAAA' })],
    [
      'a webauthn.get clientDataJSON',
      (c: Record<string, unknown>) => {
        const response = c.response as { clientDataJSON: string };
        const data = JSON.parse(Buffer.from(response.clientDataJSON, 'base64url').toString());
        const get = Buffer.from(JSON.stringify({ ...data, type: 'webauthn.get' })).toString('base64url');
        return patchResponse(c, { clientDataJSON: get });
      },
    ],
  ])('refuses %s', async (_case, tamper) => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    const before = await allItems(app);
    expect(await client.register(tamper(credential as never))).toMatchObject(REJECTED);
    expect(await allItems(app)).toEqual(before);
    // The untampered response still enrols: the refusal spent nothing.
    expect((await client.register(credential)).status).toBe(201);
  });

  it('refuses a credential the user already has (its authenticator answering new options)', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { device } = await enrolledPasskey(client);
    const again = await client.options();
    const before = await allItems(app);

    expect(await client.register(device.createCredential(again.body as never))).toMatchObject(REJECTED);
    // The challenge is not spent: a duplicate is caught from the read, before the transaction.
    expect(await allItems(app)).toEqual(before);
    expect(refusalDetails(recorded.lines)).toEqual(['credential_already_enrolled']);
  });
});

function patchResponse(credential: Record<string, unknown>, patch: Record<string, unknown>) {
  return { ...credential, response: { ...(credential.response as object), ...patch } };
}

describe('POST /me/passkeys: the session must still be the user', () => {
  it('answers 401 invalid_token when the user was deleted between options and register: nothing stored', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    expect((await app.deleteAccount(user.access)).status).toBe(204);

    expect(await client.register(credential)).toMatchObject(INVALID_TOKEN);
    expect(await passkeyItem(app, user.sub)).toBeUndefined();
  });

  it('answers 401 invalid_token after a sign-out everywhere between options and register: nothing stored', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    const before = await allItems(app);

    expect(await client.register(credential)).toMatchObject(INVALID_TOKEN);
    expect(await allItems(app)).toEqual(before);
  });

  it('answers 401 invalid_token to a token of the old number after a number change', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    const moved = await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));
    expect(moved.status).toBe(200);

    expect(await client.register(credential)).toMatchObject(INVALID_TOKEN);
    // The move left the user's item naming the new number, with no passkey in it.
    expect(await passkeyItem(app, user.sub)).toEqual(expect.not.objectContaining({ passkeys: expect.anything() }));
    expect(await passkeyItem(app, user.sub)).toMatchObject({ phoneNumber: B });
    // The new token's session enrols.
    const fresh = passkeyClient(app, String(moved.body.access));
    expect((await enrolledPasskey(fresh)).created).toMatchObject({ name: 'Passkey' });
    expect(await passkeyItem(app, user.sub)).toMatchObject({ phoneNumber: B });
  });
});

describe('what an authenticator reports, kept only as WebAuthn defines it', () => {
  it('stores only the transports WebAuthn defines, each once', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client);
    const response = { ...credential.response, transports: ['internal', 'bogus', 42, 'internal', 'usb'] };
    const created = await client.register({ ...credential, response } as never);
    expect(created.status).toBe(201);
    expect(created.body.transports).toEqual(['internal', 'usb']);
  });

  it('refuses a credential id longer than WebAuthn allows (1023 bytes), storing nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client, { credentialId: new Uint8Array(1024).fill(7) });
    expect((await client.register(credential)).status).toBe(400);
    expect(await passkeyItem(app, user.sub)).toBeUndefined();
  });
});

describe('a token of an ended session', () => {
  it('after sign out everywhere gets no options (no challenge, no credential ids) and removes nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { created } = await enrolledPasskey(client);
    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    const challengesBefore = (await allItems(app)).filter((item) => String(item.pk).startsWith('CHAL#')).length;

    expect(await client.options()).toMatchObject(INVALID_TOKEN);
    expect(await client.remove(String(created.id))).toMatchObject(INVALID_TOKEN);
    expect((await allItems(app)).filter((item) => String(item.pk).startsWith('CHAL#'))).toHaveLength(challengesBefore);
    expect(Object.keys((await passkeyItem(app, user.sub))?.passkeys ?? {})).toEqual([created.id]);
  });
});

describe('the size of what is stored', () => {
  it('refuses a public key padded past 1 KB (attestation none bounds nothing else), storing nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const padded = await answeredOptions(client, { coseKeyPadding: new Uint8Array(1_100) });
    expect((await client.register(padded.credential)).status).toBe(400);
    expect(await passkeyItem(app, user.sub)).toBeUndefined();
    // A little padding stays under the bound and is stored as the authenticator gave it.
    const small = await answeredOptions(client, { coseKeyPadding: new Uint8Array(200) });
    expect((await client.register(small.credential)).status).toBe(201);
  });
});

describe('DELETE /me/passkeys/{id} for any id an authenticator may choose', () => {
  it('removes a passkey whose credential id is "options", which a route of another method names', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { credential } = await answeredOptions(client, { credentialId: Buffer.from('options', 'base64url') });
    const created = await client.register(credential);
    expect(created.status).toBe(201);
    expect(created.body.id).toBe('options');

    expect((await client.remove('options')).status).toBe(204);
    expect(await passkeyItem(app, user.sub)).toMatchObject({ passkeys: {} });
  });
});

describe('the per-user cap, PASSKEYS_PER_USER_MAX', () => {
  it('holds under concurrency: of 6 concurrent enrolments with a cap of 2, exactly 2 are created and 4 get 409', async () => {
    const app = await createTestApp({ PASSKEYS_PER_USER_MAX: '2' });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const answered = await Promise.all(Array.from({ length: 6 }, () => answeredOptions(client)));

    const outcomes = await Promise.all(answered.map(({ credential }) => client.register(credential)));
    expect(outcomes.map((o) => o.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    expect(outcomes.filter((o) => o.status === 409).map((o) => o.body)).toEqual(
      Array(4).fill({
        code: 'passkey_limit_reached',
        error: 'This account has as many passkeys as it may have. Remove one first.',
      }),
    );
    expect(Object.keys((await passkeyItem(app, user.sub))?.passkeys as object)).toHaveLength(2);
  });

  it('refuses one more at the cap before verifying anything, and allows it again after a removal', async () => {
    const app = await createTestApp({ PASSKEYS_PER_USER_MAX: '1' });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const first = await enrolledPasskey(client);
    const { credential } = await answeredOptions(client);
    const before = await allItems(app);

    expect(await client.register(credential)).toMatchObject({ status: 409, body: { code: 'passkey_limit_reached' } });
    expect(await allItems(app)).toEqual(before);

    expect((await client.remove(String(first.created.id))).status).toBe(204);
    // The emptied map takes a first passkey again, with the challenge the refusal left unspent.
    expect((await client.register(credential)).status).toBe(201);
    expect(Object.keys((await passkeyItem(app, user.sub))?.passkeys as object)).toHaveLength(1);
  });
});

describe('GET /me/passkeys', () => {
  it('lists none for a user who never enrolled, and needs no recent login', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    app.clock.advance(3600);
    expect(await passkeyClient(app, user.access).list()).toMatchObject({ status: 200, body: { passkeys: [] } });
  });

  it('answers 401 invalid_token for a user who no longer holds the number', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await enrolledPasskey(passkeyClient(app, user.access));
    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    expect(await passkeyClient(app, user.access).list()).toMatchObject(INVALID_TOKEN);
  });
});

describe('DELETE /me/passkeys/{id}', () => {
  it('removes the user’s own passkey (204, then 404), which is then neither listed nor excluded', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const kept = await enrolledPasskey(client, 'EdDSA', 'kept');
    const removed = await enrolledPasskey(client, 'ES256', 'removed');
    const id = String(removed.created.id);

    expect(await client.remove(id)).toMatchObject({ status: 204, body: {} });
    expect(recorded.counted).toContain('PasskeysRemoved');
    expect(await client.remove(id)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await client.list()).body.passkeys).toEqual([expect.objectContaining({ id: kept.created.id })]);
    expect((await client.options()).body.excludeCredentials).toEqual([
      expect.objectContaining({ id: kept.created.id }),
    ]);
  });

  it("cannot touch another user's passkey: 404, and it stays", async () => {
    const app = await createTestApp();
    const alice = await app.login(A);
    const bob = await app.login(B);
    const bobs = await enrolledPasskey(passkeyClient(app, bob.access));
    await enrolledPasskey(passkeyClient(app, alice.access));
    const before = await allItems(app);

    expect(await passkeyClient(app, alice.access).remove(String(bobs.created.id))).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    expect(await allItems(app)).toEqual(before);
  });

  it('answers 404 for a user without any passkey item', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect(await passkeyClient(app, user.access).remove('AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    expect(await passkeyItem(app, user.sub)).toBeUndefined();
  });

  it.each([
    ['a character outside base64url', 'abc.def'],
    ['padding', 'AAAA%3D'],
    ['an id longer than 1364 characters', 'A'.repeat(1365)],
  ])('refuses %s with 400 invalid_request', async (_case, id) => {
    const app = await createTestApp();
    const user = await app.login(A);
    await enrolledPasskey(passkeyClient(app, user.access));
    const before = await allItems(app);
    expect(await passkeyClient(app, user.access).remove(id)).toMatchObject(INVALID_REQUEST);
    expect(await allItems(app)).toEqual(before);
  });
});

describe('the routes that add or remove a passkey need a recent login', () => {
  it('refuses an old login with 403 on options, register and delete: nothing read or written', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const client = passkeyClient(app, user.access);
    const { created } = await enrolledPasskey(client);
    const { credential } = await answeredOptions(client);
    app.clock.advance(301);
    const before = await allItems(app);
    const reads: string[] = [];
    app.client.middlewareStack.add(
      (next, context) => async (args) => {
        reads.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordPasskeyCalls' },
    );

    expect(await client.options()).toMatchObject(RECENT_LOGIN_REQUIRED);
    expect(await client.register(credential)).toMatchObject(RECENT_LOGIN_REQUIRED);
    expect(await client.remove(String(created.id))).toMatchObject(RECENT_LOGIN_REQUIRED);
    expect(reads).toEqual([]);
    expect(await allItems(app)).toEqual(before);
    // Listing asks for none.
    expect((await client.list()).status).toBe(200);
  });

  it('refuses a token without auth_time', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const { auth_time: _dropped, ...claims } = authorizerClaimsOf(user.access);
    expect(decodeJwt(user.access).auth_time).toBe(app.clock.seconds);
    expect(await passkeyClient(app, claims).options()).toMatchObject(RECENT_LOGIN_REQUIRED);
  });
});
