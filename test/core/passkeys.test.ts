import { describe, expect, it } from 'vitest';
import { ConfigError, parsePasskeyConfig } from '../../lambdas/config.js';
import {
  counterAccepted,
  isoSeconds,
  passkeyAmr,
  passkeyName,
  passkeyView,
  userHandleOf,
  userIdOfHandle,
} from '../../lambdas/core/passkeys.js';
import { authError } from './auth-error.js';

describe('counterAccepted', () => {
  it.each([
    [0, 0, true],
    [0, 1, true],
    [5, 6, true],
    [5, 500, true],
    [5, 5, false],
    [5, 4, false],
    [5, 0, false],
    [1, 0, false],
  ])('stored %i, next %i: %s', (stored, next, accepted) => {
    expect(counterAccepted(stored, next)).toBe(accepted);
  });
});

describe('passkeyAmr', () => {
  it('says hwk, and user only when the authenticator verified the user', () => {
    expect(passkeyAmr(true)).toEqual(['hwk', 'user']);
    expect(passkeyAmr(false)).toEqual(['hwk']);
  });
});

describe('passkeyName', () => {
  it('defaults, trims and keeps up to 64 characters (not UTF-16 units)', () => {
    expect(passkeyName(undefined)).toBe('Passkey');
    expect(passkeyName(null)).toBe('Passkey');
    expect(passkeyName('  Work phone ')).toBe('Work phone');
    expect(passkeyName('🔑'.repeat(64))).toBe('🔑'.repeat(64));
  });

  it.each([
    [''],
    ['   '],
    ['a'.repeat(65)],
    ['tab\there'],
    ['bell\u0007'],
    ['c1\u0085'],
    ['right-to-left \u202Eoverride'],
    ['zero\u200Bwidth'],
    ['bom\uFEFFinside'],
    ['line\u2028separator'],
    ['para\u2029separator'],
    ['lone \uD800 surrogate'],
    [42],
    [['x']],
  ])('refuses %j as invalid_request', (raw) => {
    expect(() => passkeyName(raw)).toThrow(authError('invalid_request') as Error);
  });
});

describe('passkeyName refusals', () => {
  it('log why: not text, or not a usable name', () => {
    expect(() => passkeyName(42)).toThrow(expect.objectContaining({ detail: 'name_not_string' }) as Error);
    expect(() => passkeyName('  ')).toThrow(expect.objectContaining({ detail: 'bad_passkey_name' }) as Error);
  });
});

describe('user handles', () => {
  it('are read whole: characters outside base64url before or after a valid handle make it no handle', () => {
    const handle = Buffer.from('0b5c1f7e-3a5b-4c2d-9e8f-0123456789ab').toString('base64url');
    expect(userIdOfHandle(`!${handle}`)).toBeUndefined();
    expect(userIdOfHandle(`${handle}!`)).toBeUndefined();
  });

  it('round-trip a sub through the base64url the browser returns', () => {
    const sub = '0b5c1f7e-3a5b-4c2d-9e8f-0123456789ab';
    expect(userIdOfHandle(Buffer.from(userHandleOf(sub)).toString('base64url'))).toBe(sub);
  });

  it.each([
    [undefined],
    [null],
    [''],
    [42],
    ['not base64url!'],
    ['A'.repeat(89)],
    [Buffer.from('a b').toString('base64url')],
  ])('reads %j as no user', (handle) => {
    expect(userIdOfHandle(handle)).toBeUndefined();
  });
});

describe('passkeyView', () => {
  it('shows times as ISO 8601 UTC seconds, never the key or the counter', () => {
    const view = passkeyView({
      id: 'cred',
      publicKey: 'secret-ish',
      counter: 7,
      transports: ['internal'],
      backedUp: false,
      deviceType: 'singleDevice',
      name: 'Laptop',
      createdAt: 1_796_000_000,
      aaguid: 'x',
    });
    expect(view).toEqual({
      id: 'cred',
      name: 'Laptop',
      created_at: '2026-11-30T00:53:20Z',
      last_used_at: null,
      backed_up: false,
      transports: ['internal'],
    });
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00Z');
    expect(
      passkeyView({
        id: 'c',
        publicKey: 'k',
        counter: 0,
        transports: [],
        backedUp: true,
        deviceType: 'multiDevice',
        name: 'Phone',
        createdAt: 0,
        lastUsedAt: 1_796_000_061,
        aaguid: 'x',
      }).last_used_at,
    ).toBe('2026-11-30T00:54:21Z');
  });
});

describe('parsePasskeyConfig', () => {
  it('derives the RP ID and origin from the issuer, localhost for a loopback issuer', () => {
    expect(parsePasskeyConfig({ ISSUER: 'http://127.0.0.1:3000' })).toEqual({
      rpId: 'localhost',
      rpName: 'localhost',
      origins: ['http://localhost:3000'],
      challengeTtlSeconds: 300,
      perUserMax: 10,
      maxPerIpPerHour: 120,
    });
    expect(parsePasskeyConfig({ ISSUER: 'https://auth.example.com/login' })).toMatchObject({
      rpId: 'auth.example.com',
      origins: ['https://auth.example.com'],
    });
  });

  it('takes a parent domain as RP ID for origins under it, and Android origins', () => {
    const android = `android:apk-key-hash:${'A'.repeat(43)}`;
    expect(
      parsePasskeyConfig({
        ISSUER: 'https://auth.example.com',
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGINS: `https://app.example.com,https://example.com,${android}`,
      }),
    ).toMatchObject({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://app.example.com', 'https://example.com', android],
    });
  });

  it.each([
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, /WEBAUTHN_RP_ID must be a lower-case host name/],
    [{ WEBAUTHN_RP_ID: '10.0.0.1' }, /WEBAUTHN_RP_ID must be a lower-case host name/],
    [{ WEBAUTHN_RP_ID: 'Example.com' }, /WEBAUTHN_RP_ID must be a lower-case host name/],
    [{ WEBAUTHN_ORIGINS: 'https://evil.com' }, /not at or under the RP ID auth.example.com/],
    [
      { WEBAUTHN_ORIGINS: 'https://notexample.com', WEBAUTHN_RP_ID: 'example.com' },
      /not at or under the RP ID example.com/,
    ],
    [{ WEBAUTHN_ORIGINS: 'http://auth.example.com' }, /only to https origins/],
    [{ WEBAUTHN_ORIGINS: 'https://auth.example.com/' }, /not an exact origin/],
    [{ WEBAUTHN_ORIGINS: '*' }, /not an exact origin/],
    [{ WEBAUTHN_ORIGINS: 'android:apk-key-hash:short' }, /not an exact origin/],
  ])('refuses %j', (env, message) => {
    expect(() => parsePasskeyConfig({ ISSUER: 'https://auth.example.com', ...env })).toThrow(ConfigError);
    expect(() => parsePasskeyConfig({ ISSUER: 'https://auth.example.com', ...env })).toThrow(message);
  });

  it('refuses an IP-address issuer without an RP ID, naming the fix', () => {
    expect(() => parsePasskeyConfig({ ISSUER: 'https://203.0.113.7' })).toThrow(/set WEBAUTHN_RP_ID/);
  });
});
