import { describe, expect, it } from 'vitest';
import { canonicalPath, matchRoute } from '../../lambdas/http/routes.js';

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
