import { describe, expect, it } from 'vitest';
import { allowedMethods, canonicalPath, matchRoute } from '../../lambdas/http/routes.js';

describe('matchRoute', () => {
  it('selects the route of a method and path', () => {
    expect(matchRoute('POST', '/send-otp')).toMatchObject({ method: 'POST', path: '/send-otp', fn: 'send-otp' });
    expect(matchRoute('GET', '/.well-known/jwks.json')).toMatchObject({ fn: 'well-known' });
  });

  it('selects the same route with trailing slashes, as API Gateway does', () => {
    expect(matchRoute('POST', '/send-otp/')).toMatchObject({ fn: 'send-otp' });
    expect(matchRoute('POST', '/token/refresh//')).toMatchObject({ fn: 'refresh-token' });
  });

  it('reads the method case-insensitively', () => {
    expect(matchRoute('post', '/verify-otp')).toMatchObject({ fn: 'verify-otp' });
  });

  it('answers method_not_allowed for a known path and another method, not_found for an unknown path', () => {
    expect(matchRoute('GET', '/send-otp')).toBe('method_not_allowed');
    expect(matchRoute('GET', '/send-otp/')).toBe('method_not_allowed');
    expect(matchRoute('GET', '/send-otp/extra')).toBe('not_found');
    expect(matchRoute('GET', '/')).toBe('not_found');
  });

  it('fills a path parameter with exactly one non-empty segment', () => {
    const remove = { method: 'DELETE', path: '/me/passkeys/{id}', fn: 'passkeys' };
    expect(matchRoute('DELETE', '/me/passkeys/AbC-_0')).toMatchObject(remove);
    expect(matchRoute('DELETE', '/me/passkeys/AbC-_0/')).toMatchObject(remove);
    expect(matchRoute('GET', '/me/passkeys/AbC-_0')).toBe('method_not_allowed');
    expect(matchRoute('DELETE', '/me/passkeys/a/b')).toBe('not_found');
    // No segment: the list's path, which has no DELETE.
    expect(matchRoute('DELETE', '/me/passkeys/')).toBe('method_not_allowed');
    expect(matchRoute('DELETE', '/me/other/AbC')).toBe('not_found');
  });

  it('prefers a named path to a parameter for the same method, as API Gateway prefers the most specific route', () => {
    expect(matchRoute('POST', '/me/passkeys/options')).toMatchObject({ fn: 'passkeys', path: '/me/passkeys/options' });
    expect(allowedMethods('/me/passkeys/AbC')).toEqual(['DELETE']);
  });

  it('never lets a named route of another method hide a parameter route: a passkey whose id is "options" can be deleted', () => {
    // Authenticators choose credential ids, and "options" is valid base64url: a thief enrolling one
    // must not make a passkey the user cannot remove (API Gateway routes DELETE here to {id} too).
    expect(matchRoute('DELETE', '/me/passkeys/options')).toMatchObject({ fn: 'passkeys', path: '/me/passkeys/{id}' });
    expect(matchRoute('DELETE', '/me/passkeys/options/')).toMatchObject({ fn: 'passkeys', path: '/me/passkeys/{id}' });
    expect(matchRoute('GET', '/me/passkeys/options')).toBe('method_not_allowed');
    expect(allowedMethods('/me/passkeys/options')).toEqual(['POST', 'DELETE']);
  });
});

describe('canonicalPath', () => {
  it.each([
    ['/send-otp', '/send-otp'],
    ['/send-otp/', '/send-otp'],
    ['/send-otp///', '/send-otp'],
    ['/', '/'],
    ['//', '/'],
    ['', ''],
  ])('turns %j into %j', (path, canonical) => {
    expect(canonicalPath(path)).toBe(canonical);
  });
});
