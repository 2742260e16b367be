import { describe, expect, it } from 'vitest';
import { parseAppLinks } from '../../lambdas/config.js';
import { AuthError } from '../../lambdas/core/errors.js';
import type { PublicJwksSource } from '../../lambdas/core/ports.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { OPENAPI_JSON } from '../../lambdas/http/openapi-document.generated.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { makeWellKnownHandler } from '../../lambdas/http/well-known-handler.js';
import { firstKeySetDocument } from '../helpers/keys.js';
import { apiEvent, invoke } from '../helpers/test-app.js';

const ISSUER = 'https://auth.example.com';
const telemetry = createTelemetry();

describe('GET /.well-known/jwks.json', () => {
  it('serves the published public keys as they are, cacheable, with one load per request', async () => {
    const jwks = publicJwksOf(await firstKeySetDocument(1_750_000_000));
    let loads = 0;
    const source: PublicJwksSource = {
      load: async () => {
        loads++;
        return jwks;
      },
    };
    const handler = makeWellKnownHandler({ jwks: source, issuer: ISSUER }, telemetry);

    const response = await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ keys: jwks });
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(loads).toBe(1);
  });

  it('answers 503 with Retry-After while no key is published (right after the first deploy)', async () => {
    const source: PublicJwksSource = {
      load: () => Promise.reject(new AuthError('service_unavailable', { retryAfterSeconds: 5 })),
    };
    const handler = makeWellKnownHandler({ jwks: source, issuer: ISSUER }, telemetry);

    const response = await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'));

    expect(response.status).toBe(503);
    expect(response.body.code).toBe('service_unavailable');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('serves the OpenID configuration without loading any key', async () => {
    const source: PublicJwksSource = { load: () => Promise.reject(new Error('must not be called')) };
    const handler = makeWellKnownHandler({ jwks: source, issuer: ISSUER }, telemetry);

    const response = await invoke(handler, apiEvent('GET', '/.well-known/openid-configuration'));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint: `${ISSUER}/verify-otp`,
      userinfo_endpoint: `${ISSUER}/me`,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none'],
      // Every claim this service signs, session_epoch included; a claims hook's are the app's, not listed.
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'jti',
        'auth_time',
        'amr',
        'phone_number',
        'token_use',
        'session_epoch',
      ],
    });
    expect(response.headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('GET /openapi.json', () => {
  it('serves the generated OpenAPI document as it is, cacheable, without loading any key', async () => {
    const source: PublicJwksSource = { load: () => Promise.reject(new Error('must not be called')) };
    const handler = makeWellKnownHandler({ jwks: source, issuer: ISSUER }, telemetry);

    const response = await handler(apiEvent('GET', '/openapi.json/'));

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(OPENAPI_JSON);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'public, max-age=300',
    });
  });
});

describe('GET /.well-known/apple-app-site-association and /.well-known/assetlinks.json', () => {
  const FINGERPRINT = `${'AB:'.repeat(31)}CD`;
  const OTHER_FINGERPRINT = `${'01:'.repeat(31)}EF`;
  const source: PublicJwksSource = { load: () => Promise.reject(new Error('must not be called')) };
  const withApps = makeWellKnownHandler(
    {
      jwks: source,
      issuer: ISSUER,
      appLinks: parseAppLinks({
        IOS_APP_IDS: 'ABCDE12345.com.example.app, ABCDE12345.com.example.app.beta',
        ANDROID_APPS: `com.example.app=${FINGERPRINT.toLowerCase()},com.example.app=${OTHER_FINGERPRINT},com.example.other=${FINGERPRINT}`,
      }),
    },
    telemetry,
  );

  it("lists the iOS apps under webcredentials, as JSON, so they may use passkeys for the issuer's domain", async () => {
    const response = await invoke(withApps, apiEvent('GET', '/.well-known/apple-app-site-association'));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json(;|$)/);
    expect(response.body).toEqual({
      webcredentials: { apps: ['ABCDE12345.com.example.app', 'ABCDE12345.com.example.app.beta'] },
    });
  });

  it('grants each Android package get_login_creds with its certificate fingerprints, upper case', async () => {
    const response = await invoke(withApps, apiEvent('GET', '/.well-known/assetlinks.json'));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json(;|$)/);
    expect(response.body).toEqual([
      {
        relation: ['delegate_permission/common.get_login_creds'],
        target: {
          namespace: 'android_app',
          package_name: 'com.example.app',
          sha256_cert_fingerprints: [FINGERPRINT, OTHER_FINGERPRINT],
        },
      },
      {
        relation: ['delegate_permission/common.get_login_creds'],
        target: {
          namespace: 'android_app',
          package_name: 'com.example.other',
          sha256_cert_fingerprints: [FINGERPRINT],
        },
      },
    ]);
  });

  it('answers 404 not_found for each file while its apps are unset', async () => {
    const handler = makeWellKnownHandler({ jwks: source, issuer: ISSUER, appLinks: parseAppLinks({}) }, telemetry);

    for (const path of ['/.well-known/apple-app-site-association', '/.well-known/assetlinks.json']) {
      const response = await invoke(handler, apiEvent('GET', path));
      expect([path, response.status, response.body.code]).toEqual([path, 404, 'not_found']);
    }
  });
});
