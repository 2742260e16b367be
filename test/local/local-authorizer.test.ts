import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { importKeySet, type KeySet, planRotation } from '../../lambdas/core/signing-keys.js';
import { authorizeJwt } from '../../scripts/local-authorizer.js';
import { TEST_ROTATION_TIMING, testSigningKeys } from '../helpers/keys.js';

const NOW = 1_800_000_000;
const CONFIG = { issuer: 'http://127.0.0.1:3000', audiences: ['otp-login', 'partner-app'] };

let keys: KeySet;
let attacker: KeySet;
beforeAll(async () => {
  const [trusted, other] = await testSigningKeys();
  keys = await importKeySet(planRotation(undefined, trusted, NOW, TEST_ROTATION_TIMING), NOW);
  attacker = await importKeySet(planRotation(undefined, { ...other, kid: 'attacker' }, NOW, TEST_ROTATION_TIMING), NOW);
});

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: CONFIG.issuer,
    aud: 'otp-login',
    sub: 'user-1',
    iat: NOW,
    exp: NOW + 300,
    token_use: 'access',
    phone_number: '+919876543210',
    session_epoch: 0,
    auth_time: NOW - 60,
    ...overrides,
  };
}

/** Signs with the trusted key; `undefined` in either argument drops that member. */
function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}, by = keys): Promise<string> {
  const body = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: 'RS256', typ: 'JWT', kid: by.signing.kid, ...header }).filter(([, v]) => v !== undefined),
  );
  return new SignJWT(body).setProtectedHeader(protectedHeader as { alg: string }).sign(by.signing.key);
}

function unsigned(payload: Record<string, unknown>, header: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.`;
}

async function authorize(authorization: string | undefined, at = NOW) {
  return authorizeJwt(authorization, keys.publicJwks, CONFIG, at);
}

describe('authorizeJwt, the local stand-in for API Gateway JWT authorizer', () => {
  it('passes a valid token with its claims as strings, as API Gateway hands them to the Lambda', async () => {
    const token = await sign(claims());

    expect(await authorize(`Bearer ${token}`)).toEqual({
      ok: true,
      claims: {
        iss: CONFIG.issuer,
        aud: 'otp-login',
        sub: 'user-1',
        iat: String(NOW),
        exp: String(NOW + 300),
        token_use: 'access',
        phone_number: '+919876543210',
        // The numbers the recent-login routes read, as strings: the handlers parse them back.
        session_epoch: '0',
        auth_time: String(NOW - 60),
      },
    });
  });

  it('takes the token alone as well as after "Bearer "', async () => {
    const token = await sign(claims());

    expect(await authorize(token)).toMatchObject({ ok: true });
  });

  it.each([
    [undefined, 'no_token'],
    ['', 'no_token'],
    ['Bearer ', 'malformed'],
    ['Basic dXNlcjpwYXNz', 'malformed'],
  ])('refuses the header %j: %s', async (header, refusal) => {
    expect(await authorize(header)).toEqual({ ok: false, refusal });
  });

  it('reads no other spelling of the prefix than "Bearer "', async () => {
    const token = await sign(claims());

    expect(await authorize(`bearer ${token}`)).toEqual({ ok: false, refusal: 'malformed' });
  });

  describe('kid', () => {
    it('refuses a token without one, although the one-key JWKS could verify it', async () => {
      const token = await sign(claims(), { kid: undefined });

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'kid' });
    });

    it('refuses a kid that names no published key', async () => {
      const token = await sign(claims(), { kid: 'retired-long-ago' });

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'kid' });
    });

    it('refuses a signature the named key does not verify', async () => {
      const forged = await sign(claims(), { kid: keys.signing.kid }, attacker);

      expect(await authorize(`Bearer ${forged}`)).toEqual({ ok: false, refusal: 'signature' });
    });
  });

  describe('algorithm', () => {
    it('refuses alg none', async () => {
      const token = unsigned(claims(), { alg: 'none', typ: 'JWT', kid: keys.signing.kid });

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'alg' });
    });

    it('refuses HS256, even keyed with the public key', async () => {
      const secret = new TextEncoder().encode(JSON.stringify(keys.publicJwks[0]));
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keys.signing.kid })
        .sign(secret);

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'alg' });
    });
  });

  describe('time claims, with no clock tolerance', () => {
    it('refuses a token at its exp, and passes it a second before', async () => {
      const token = await sign(claims({ exp: NOW + 300 }));

      expect(await authorize(`Bearer ${token}`, NOW + 299)).toMatchObject({ ok: true });
      expect(await authorize(`Bearer ${token}`, NOW + 300)).toEqual({ ok: false, refusal: 'exp' });
    });

    it('refuses a token without exp', async () => {
      const token = await sign(claims({ exp: undefined }));

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'exp' });
    });

    it('refuses a token before its nbf, and passes it from then on', async () => {
      const token = await sign(claims({ nbf: NOW + 60 }));

      expect(await authorize(`Bearer ${token}`, NOW + 59)).toEqual({ ok: false, refusal: 'nbf' });
      expect(await authorize(`Bearer ${token}`, NOW + 60)).toMatchObject({ ok: true });
    });

    it('refuses a token issued in the future, even a second ahead', async () => {
      const tenHours = await sign(claims({ iat: NOW + 36_000, exp: NOW + 36_300 }));
      const oneSecond = await sign(claims({ iat: NOW + 1 }));

      expect(await authorize(`Bearer ${tenHours}`)).toEqual({ ok: false, refusal: 'iat' });
      expect(await authorize(`Bearer ${oneSecond}`)).toEqual({ ok: false, refusal: 'iat' });
      expect(await authorize(`Bearer ${oneSecond}`, NOW + 1)).toMatchObject({ ok: true });
    });

    it('refuses a token without iat', async () => {
      const token = await sign(claims({ iat: undefined }));

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'iat' });
    });
  });

  describe('iss', () => {
    it.each([
      ['another issuer', 'https://evil.example.com'],
      ['a trailing slash', `${CONFIG.issuer}/`],
      ['none', undefined],
    ])('refuses %s', async (_, iss) => {
      const token = await sign(claims({ iss }));

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'iss' });
    });
  });

  describe('aud or client_id', () => {
    it('passes an aud list that includes any configured audience', async () => {
      const token = await sign(claims({ aud: ['someone-else', 'partner-app'] }));

      expect(await authorize(`Bearer ${token}`)).toMatchObject({ ok: true });
    });

    it('refuses an aud that is not configured', async () => {
      const token = await sign(claims({ aud: 'someone-else' }));

      expect(await authorize(`Bearer ${token}`)).toEqual({ ok: false, refusal: 'aud' });
    });

    it('takes client_id only when there is no aud', async () => {
      const clientOnly = await sign(claims({ aud: undefined, client_id: 'otp-login' }));
      const wrongAud = await sign(claims({ aud: 'someone-else', client_id: 'otp-login' }));
      const neither = await sign(claims({ aud: undefined }));

      expect(await authorize(`Bearer ${clientOnly}`)).toMatchObject({ ok: true });
      expect(await authorize(`Bearer ${wrongAud}`)).toEqual({ ok: false, refusal: 'aud' });
      expect(await authorize(`Bearer ${neither}`)).toEqual({ ok: false, refusal: 'aud' });
    });
  });

  it('leaves token_use to the /me handler, as API Gateway does', async () => {
    const token = await sign(claims({ token_use: 'id' }));

    expect(await authorize(`Bearer ${token}`)).toMatchObject({ ok: true, claims: { token_use: 'id' } });
  });
});
