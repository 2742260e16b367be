import { ACCESS_TOKEN_CLAIMS } from '../core/access-token-claims.js';
import { AuthError } from '../core/errors.js';
import type { PublicJwksSource } from '../core/ports.js';
import { SIGNING_ALG } from '../core/signing-keys.js';
import { type ApiHandler, json } from './api-event.js';
import { handleApi } from './handle.js';
import { OPENAPI_JSON } from './openapi-document.generated.js';
import { APPLE_APP_SITE_ASSOCIATION_PATH, ASSET_LINKS_PATH, canonicalPath, JWKS_PATH } from './routes.js';
import type { Telemetry } from './telemetry.js';

// Verifiers may cache for a while; rotation publishes a key long before it signs (see docs/security.md).
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300' };
const OPENAPI_PATH = '/openapi.json';

/** The native apps that may use passkeys for this domain (`IOS_APP_IDS`, `ANDROID_APPS`). */
export interface AppLinks {
  /** `TEAMID.bundle.id` of each iOS app. */
  readonly iosAppIds: readonly string[];
  /** Each Android package's signing-certificate SHA-256 fingerprints. */
  readonly androidApps: ReadonlyMap<string, readonly string[]>;
}

const NO_APP_LINKS: AppLinks = { iosAppIds: [], androidApps: new Map() };

/** Google's relation for sharing sign-in credentials (passkeys among them) between a site and an app. */
const GET_LOGIN_CREDS = 'delegate_permission/common.get_login_creds';

/**
 * The association files, or undefined for a path that is not one. An unset list is a 404: a file
 * naming no app would tell Apple and Google nothing, and an operator testing it should see why.
 */
function appLinksFile(path: string, links: AppLinks): unknown | 'not_found' | undefined {
  if (path === APPLE_APP_SITE_ASSOCIATION_PATH) {
    return links.iosAppIds.length === 0 ? 'not_found' : { webcredentials: { apps: [...links.iosAppIds] } };
  }
  if (path === ASSET_LINKS_PATH) {
    if (links.androidApps.size === 0) return 'not_found';
    return [...links.androidApps].map(([packageName, fingerprints]) => ({
      relation: [GET_LOGIN_CREDS],
      target: { namespace: 'android_app', package_name: packageName, sha256_cert_fingerprints: [...fingerprints] },
    }));
  }
  return undefined;
}

/**
 * `GET /.well-known/jwks.json`, `GET /.well-known/openid-configuration`, the app association files
 * (`apple-app-site-association`, `assetlinks.json`) and `GET /openapi.json`.
 */
export function makeWellKnownHandler(
  deps: { jwks: PublicJwksSource; issuer: string; appLinks?: AppLinks },
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const path = canonicalPath(event.rawPath);
    const appLinks = appLinksFile(path, deps.appLinks ?? NO_APP_LINKS);
    if (appLinks === 'not_found') throw new AuthError('not_found');
    // Served as application/json, which Apple requires of the association file (it has no extension).
    if (appLinks !== undefined) return json(200, appLinks, PUBLIC_CACHE);
    // docs/openapi.yaml as generated JSON text, served as it is: never parsed, so it costs the cold start nothing.
    if (path === OPENAPI_PATH) return { ...json(200, null, PUBLIC_CACHE), body: OPENAPI_JSON };
    if (path === JWKS_PATH) {
      return json(200, { keys: await deps.jwks.load() }, PUBLIC_CACHE);
    }
    return json(
      200,
      {
        issuer: deps.issuer,
        jwks_uri: `${deps.issuer}${JWKS_PATH}`,
        token_endpoint: `${deps.issuer}/verify-otp`,
        userinfo_endpoint: `${deps.issuer}/me`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [SIGNING_ALG],
        token_endpoint_auth_methods_supported: ['none'],
        // The claims this service signs; a claims hook's extra claims are the app's own, not listed here.
        claims_supported: [...ACCESS_TOKEN_CLAIMS],
      },
      PUBLIC_CACHE,
    );
  });
}
