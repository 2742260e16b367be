import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MAX_FAMILY_GENERATION } from '../../lambdas/core/sessions.js';
import {
  hashRefreshToken,
  newFamilyId,
  newRefreshToken,
  refreshTokenFamily,
  type TokenPair,
} from '../../lambdas/core/tokens.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PHONE = '+919876543210';

async function expectInvalidToken(promise: Promise<{ status: number; body: Record<string, unknown> }>) {
  const response = await promise;
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: 'The token is invalid or has expired.', code: 'invalid_token' });
}

/**
 * A refresh that must succeed, for every step before the one under test: built from an unchecked
 * response, the next token would be "undefined", and its 401 would prove nothing.
 */
async function refreshed(app: TestApp, refresh: string): Promise<TokenPair> {
  const response = await app.refresh(refresh);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as unknown as TokenPair;
}

describe('POST /token/refresh', () => {
  it('rotates: returns a new access and refresh token of the same family, and spends the old one', async () => {
    const app = await createTestApp();
    const login = await app.login(PHONE);

    const tokens = await refreshed(app, login.refresh);

    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(tokens.refresh).not.toBe(login.refresh);
    expect(decodeJwt(tokens.access).sub).toBe(decodeJwt(login.access).sub);
    const familyId = refreshTokenFamily(login.refresh) ?? '';
    expect(refreshTokenFamily(tokens.refresh)).toBe(familyId);
    const family = await app.refreshFamilies.get(familyId, app.clock.seconds);
    expect(family).toMatchObject({
      headHash: hashRefreshToken(tokens.refresh),
      previousHash: hashRefreshToken(login.refresh),
      generation: 1,
    });
  });

  it('treats a spent token as reuse: 401 and the whole family is revoked, newest token included', async () => {
    const app = await createTestApp();
    const login = await app.login(PHONE);
    const first = await refreshed(app, login.refresh);
    const second = await refreshed(app, first.refresh);

    await expectInvalidToken(app.refresh(login.refresh));
    await expectInvalidToken(app.refresh(second.refresh));
  });

  it('within REFRESH_REUSE_GRACE_SECONDS returns the same child instead of revoking', async () => {
    const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' });
    const login = await app.login(PHONE);
    const first = await refreshed(app, login.refresh);
    app.clock.advance(9);

    const replay = await refreshed(app, login.refresh);

    expect(replay.refresh).toBe(first.refresh);
    await refreshed(app, first.refresh);
  });

  it('after the grace window a replay is reuse', async () => {
    const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' });
    const login = await app.login(PHONE);
    const first = await refreshed(app, login.refresh);
    app.clock.advance(10);

    await expectInvalidToken(app.refresh(login.refresh));
    await expectInvalidToken(app.refresh(first.refresh));
  });

  it('never forks a family under concurrent refreshes with a grace window: one child, no 5xx', async () => {
    const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '30' });
    const login = await app.login(PHONE);

    const responses = await Promise.all(Array.from({ length: 10 }, () => app.refresh(login.refresh)));

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.body.refresh)).size).toBe(1);
  });

  it('without a grace window, concurrent refreshes of one token rotate once, and the other replays are reuse: never a 5xx', async () => {
    const app = await createTestApp();
    const login = await app.login(PHONE);

    const responses = await Promise.all(Array.from({ length: 10 }, () => app.refresh(login.refresh)));

    // The first write moves the head; every other request then presents a spent token.
    expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array<number>(9).fill(401)]);
    const [child] = responses.filter((r) => r.status === 200).map((r) => String(r.body.refresh));
    expect(responses.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(Array(9).fill('invalid_token'));
    // So the one child handed out died with its family: no head lives on.
    await expectInvalidToken(app.refresh(child ?? ''));
  });

  it('keeps the family absolute: rotation never extends REFRESH_TOKEN_TTL_SECONDS', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '3600' });
    let { refresh } = await app.login(PHONE);
    for (let i = 0; i < 3; i++) {
      app.clock.advance(1000);
      ({ refresh } = await refreshed(app, refresh));
    }
    app.clock.advance(600);

    await expectInvalidToken(app.refresh(refresh));
  });

  it('never lets an access token outlive its family: exp and expires_in stop at the family end', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '3600', ACCESS_TOKEN_TTL_SECONDS: '900' });
    const { refresh } = await app.login(PHONE);
    const familyId = refreshTokenFamily(refresh) ?? '';
    const familyExpiresAt = (await app.refreshFamilies.get(familyId, app.clock.seconds))?.familyExpiresAt;
    expect(familyExpiresAt).toBe(app.clock.seconds + 3600);
    app.clock.advance(3600 - 100);

    const tokens = await refreshed(app, refresh);

    const claims = decodeJwt(tokens.access);
    expect(claims.exp).toBe(familyExpiresAt);
    expect(claims.iat).toBe(app.clock.seconds);
    expect(tokens.expires_in).toBe(100);
  });

  it('caps the login access token too, when REFRESH_TOKEN_TTL_SECONDS is the shorter', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '600', ACCESS_TOKEN_TTL_SECONDS: '3600' });
    await app.sendOtp(PHONE);

    const verified = await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE));

    expect(verified.status).toBe(200);
    const claims = decodeJwt(String(verified.body.access));
    expect(Number(claims.exp) - Number(claims.iat)).toBe(600);
    expect(verified.body.expires_in).toBe(600);
  });

  it('gives a full ACCESS_TOKEN_TTL_SECONDS when the family outlives it', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '3600', ACCESS_TOKEN_TTL_SECONDS: '900' });
    const { refresh } = await app.login(PHONE);
    app.clock.advance(3600 - 900);

    const tokens = await refreshed(app, refresh);

    const claims = decodeJwt(tokens.access);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    expect(tokens.expires_in).toBe(900);
  });

  it.each([
    ['an unknown token', 'A'.repeat(43)],
    ['an unknown family', `${'A'.repeat(22)}.${'B'.repeat(43)}`],
    ['a malformed token', 'not a token'],
    ['an empty string', ''],
    ['a 60 000-character string', 'a'.repeat(60_000)],
  ])('answers 401 invalid_token for %s', async (_, token) => {
    const app = await createTestApp();
    await expectInvalidToken(app.refresh(token));
  });

  it('answers 401 invalid_token for an access token presented as a refresh token', async () => {
    const app = await createTestApp();
    const { access } = await app.login(PHONE);
    await expectInvalidToken(app.refresh(access));
  });

  it('answers 400 invalid_request for a body of the wrong shape', async () => {
    const app = await createTestApp();
    const { invoke, apiEvent } = await import('../helpers/test-app.js');
    for (const body of [{}, { refresh: 42 }, { token: 'x' }, ['x']]) {
      const response = await invoke(app.handlers['refresh-token'], apiEvent('POST', '/token/refresh', body));
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid_request');
    }
  });
});

describe('reuse detection', () => {
  it('revokes the family when any earlier token comes back, not only the previous one', async () => {
    const app = await createTestApp();
    const login = await app.login(PHONE);
    let latest = login.refresh;
    for (let i = 0; i < 5; i++) latest = (await refreshed(app, latest)).refresh;

    await expectInvalidToken(app.refresh(login.refresh));
    await expectInvalidToken(app.refresh(latest));
  });

  it('refuses a made-up token carrying a real family id without revoking the family', async () => {
    const app = await createTestApp();
    const login = await app.login(PHONE);
    const forged = `${refreshTokenFamily(login.refresh)}.${'A'.repeat(43)}`;

    await expectInvalidToken(app.refresh(forged));
    await refreshed(app, login.refresh);
  });

  it('revokes a long family in one write, however many rotations it went through', async () => {
    const app = await createTestApp();
    let { refresh } = await app.login(PHONE);
    const first = refresh;
    for (let i = 0; i < 30; i++) ({ refresh } = await refreshed(app, refresh));
    const familyId = refreshTokenFamily(refresh) ?? '';

    await expectInvalidToken(app.refresh(first));

    expect((await app.refreshFamilies.get(familyId, app.clock.seconds))?.revokedAt).toBe(app.clock.seconds);
    await expectInvalidToken(app.refresh(refresh));
  });
});

describe('the grace window', () => {
  it('revokes the family when a token two rotations old comes back, even inside the window', async () => {
    const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '30' });
    const login = await app.login(PHONE);
    const first = await refreshed(app, login.refresh);
    app.clock.advance(2);
    const second = await refreshed(app, first.refresh);
    app.clock.advance(1);

    await expectInvalidToken(app.refresh(login.refresh));
    await expectInvalidToken(app.refresh(second.refresh));
  });

  it('lets no thief who refreshes faster than the window dodge reuse detection', async () => {
    const app = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' });
    const victim = await app.login(PHONE);
    const familyId = refreshTokenFamily(victim.refresh) ?? '';
    // The thief took the victim's token and keeps the family rotating every 5 s.
    let thief = victim.refresh;
    for (let i = 0; i < 6; i++) {
      ({ refresh: thief } = await refreshed(app, thief));
      app.clock.advance(5);
    }

    // The victim's token is six rotations old, but the family rotated 5 s ago.
    await expectInvalidToken(app.refresh(victim.refresh));

    expect((await app.refreshFamilies.get(familyId, app.clock.seconds))?.revokedAt).toBe(app.clock.seconds);
    await expectInvalidToken(app.refresh(thief));
  });
});

describe('POST /logout', () => {
  async function loggedIn(): Promise<{ app: TestApp; refresh: string }> {
    const app = await createTestApp();
    const { refresh } = await app.login(PHONE);
    return { app, refresh };
  }

  it('answers 204 and revokes the family', async () => {
    const { app, refresh } = await loggedIn();

    const response = await app.logout(refresh);

    expect(response.status).toBe(204);
    await expectInvalidToken(app.refresh(refresh));
  });

  it('revokes the newest token of the family when given an older one', async () => {
    const { app, refresh } = await loggedIn();
    const child = (await refreshed(app, refresh)).refresh;

    expect((await app.logout(refresh)).status).toBe(204);
    await expectInvalidToken(app.refresh(child));
  });

  it('is idempotent, and refuses a token it never issued', async () => {
    const { app, refresh } = await loggedIn();
    expect((await app.logout(refresh)).status).toBe(204);

    expect((await app.logout(refresh)).status).toBe(204);
    await expectInvalidToken(app.logout('B'.repeat(43)));
    await expectInvalidToken(app.logout(`${'C'.repeat(22)}.${'B'.repeat(43)}`));
  });

  it('needs a real token of the family, not just its family id', async () => {
    const { app, refresh } = await loggedIn();
    const forged = `${refreshTokenFamily(refresh)}.${'Z'.repeat(43)}`;

    await expectInvalidToken(app.logout(forged));
    await refreshed(app, refresh);
  });

  it('refuses a family that has ended, even before TTL deletes it', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '3600' });
    const { refresh } = await app.login(PHONE);
    app.clock.advance(3600);

    await expectInvalidToken(app.logout(refresh));
  });

  it('leaves other sessions of the same user alone', async () => {
    const { app, refresh } = await loggedIn();
    const other = await app.login(PHONE);

    expect((await app.logout(refresh)).status).toBe(204);

    await refreshed(app, other.refresh);
  });
});

describe('a token signed by a key we do not publish', () => {
  it('is not something a refresh token can be confused with', async () => {
    const app = await createTestApp();
    const forged = await new SignJWT({ token_use: 'refresh' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await expectInvalidToken(app.refresh(forged));
  });
});

describe('family generation cap', () => {
  it('rotates a family up to MAX_FAMILY_GENERATION times, then asks for a new login without revoking it', async () => {
    const app = await createTestApp();
    const { sub } = await app.login(PHONE);
    const familyId = newFamilyId();
    const token = newRefreshToken(familyId);
    await app.refreshFamilies.create({
      familyId,
      userId: sub,
      phoneNumber: PHONE,
      familyExpiresAt: app.clock.seconds + 3600,
      createdAt: app.clock.seconds,
      headHash: hashRefreshToken(token),
      generation: MAX_FAMILY_GENERATION - 1,
    });
    const last = await refreshed(app, token);
    expect((await app.refreshFamilies.get(familyId, app.clock.seconds))?.generation).toBe(MAX_FAMILY_GENERATION);

    await expectInvalidToken(app.refresh(last.refresh));

    expect((await app.refreshFamilies.get(familyId, app.clock.seconds))?.revokedAt).toBeUndefined();
  });
});
