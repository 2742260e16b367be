/**
 * Writes the `sam local invoke` sample events in events/ from the route table (lambdas/http/routes.ts)
 * and the registry (lambdas/registry.ts): one payload-v2 event per route, and one for `$default`, as
 * API Gateway would hand it to the route's function. A route behind the JWT authorizer gets the claims
 * API Gateway passes after verifying a token (with placeholders the user replaces by a login's), and
 * `auth_time` too when its function asks for a recent login. events/sam-env.json and
 * events/republish-keys.json are written by hand; every other file there is generated.
 * Run `npm run generate:events` after changing a route (a test fails until you do).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROUTES, type Route } from '../lambdas/http/routes.js';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, ROUTE_TABLE } from '../lambdas/registry.js';

export const EVENTS_DIR = fileURLToPath(new URL('../events/', import.meta.url));
/** The files of events/ this script does not write: the `--env-vars` file and the rotation's event. */
export const HAND_WRITTEN_EVENT_FILES = ['republish-keys.json', 'sam-env.json'] as const;

/**
 * The request body of each function's sample, as text: the numbers are events/sam-env.json's test
 * numbers (code 123456), so the samples log in without an SMS; a `<...>` is for the user to paste.
 */
const SAMPLE_BODIES: Partial<Record<FunctionName, string>> = {
  'send-otp': '{"phone_number": "+919876543210"}',
  'verify-otp': '{"phone_number": "+919876543210", "otp": "123456"}',
  'refresh-token': '{"refresh": "<refresh token from verify-otp>"}',
  logout: '{"refresh": "<refresh token from verify-otp>"}',
  'change-phone-number': '{"phone_number": "+919876543211"}',
  'verify-phone-number': '{"phone_number": "+919876543211", "otp": "123456"}',
  'passkey-sign-in': '{}',
};

/** Bodies of single routes of a function whose routes take different ones, by route key. */
const SAMPLE_ROUTE_BODIES: Readonly<Record<string, string>> = {
  'POST /me/passkeys/options': '{}',
  'POST /passkey/verify':
    '{"credential": {"id": "<credential id>", "rawId": "<credential id>", "type": "public-key", "response": {"clientDataJSON": "<from navigator.credentials.get>", "authenticatorData": "<...>", "signature": "<...>", "userHandle": "<...>"}, "clientExtensionResults": {}}}',
  'POST /me/passkeys':
    '{"credential": "<RegistrationResponseJSON: credential.toJSON() of navigator.credentials.create() given the options>", "name": "My phone"}',
};

/** What a sample fills a path parameter with (`/me/passkeys/{id}`): a credential id's shape. */
const SAMPLE_PATH_PARAMETER = 'q1d3Ue0mJ5WfZqYv2bO8xk';

/** The path the `$default` sample asks for: one no route names. */
const UNKNOWN_PATH = '/unknown-path';
const ISSUER = 'http://127.0.0.1:3000';
const ISSUED_AT = 1_795_608_000;

/** The routes that need a sample: each once, not its trailing-slash spelling. */
function sampledRoutes(): Route[] {
  return ROUTES.filter((route) => route.path === '/' || !route.path.endsWith('/'));
}

/**
 * A sample's file name: its function's name, or, for a function of several routes, the last part of
 * the route's path (`/.well-known/jwks.json` -> `jwks.json`).
 */
export function eventFileName(route: Route): string {
  const routesOfFunction = sampledRoutes().filter((other) => other.fn === route.fn);
  if (routesOfFunction.length === 1) return `${route.fn}.json`;
  // Several methods on one path (`GET` and `POST /me/passkeys`): the method and the whole path.
  if (new Set(routesOfFunction.map((other) => other.method)).size > 1) {
    const words = route.path.split('/').map((segment) => segment.replace(/[{}]/g, ''));
    return `${[route.method.toLowerCase(), ...words].filter(Boolean).join('-')}.json`;
  }
  const last = route.path.split('/').at(-1) ?? route.fn;
  return `${last.replace(/\.json$/, '')}.json`;
}

/** The claims API Gateway's JWT authorizer passes on: every one a string, as it passes them. */
function claims(fn: FunctionName): Record<string, string> {
  return {
    aud: 'otp-login',
    ...(FUNCTIONS[fn].settings.includes('recentLogin') ? { auth_time: '<auth_time from verify-otp>' } : {}),
    exp: String(ISSUED_AT + 900),
    iat: String(ISSUED_AT),
    iss: ISSUER,
    jti: '6f1d2c3b-4a5e-4f60-9b7a-8c9d0e1f2a3b',
    phone_number: '+919876543210',
    session_epoch: '0',
    sub: '<sub from verify-otp>',
    token_use: 'access',
  };
}

function payloadV2(
  request: { routeKey: string; method: string; path: string; fn: FunctionName },
  authorized: boolean,
): object {
  const body = SAMPLE_ROUTE_BODIES[request.routeKey] ?? SAMPLE_BODIES[request.fn];
  // A path parameter filled in, as API Gateway passes the request's path and what it matched.
  const parameters = [...request.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const path = request.path.replace(/\{\w+\}/g, SAMPLE_PATH_PARAMETER);
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'localhost:3000',
      'user-agent': 'curl/8.0',
      ...(authorized ? { authorization: 'Bearer <access token from verify-otp>' } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      ...(authorized ? { authorizer: { jwt: { claims: claims(request.fn), scopes: null } } } : {}),
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.0',
      },
      requestId: 'sample-request-id',
      routeKey: request.routeKey,
      stage: '$default',
      time: '25/Nov/2026:12:00:00 +0000',
      timeEpoch: ISSUED_AT * 1000,
    },
    ...(parameters.length > 0
      ? { pathParameters: Object.fromEntries(parameters.map((name) => [name, SAMPLE_PATH_PARAMETER])) }
      : {}),
    isBase64Encoded: false,
    ...(body !== undefined ? { body } : {}),
  };
}

/** Every generated event: file name -> file text. */
export function renderEvents(): Map<string, string> {
  const events = new Map<string, string>();
  const add = (name: string, event: object) => {
    if (events.has(name)) throw new Error(`two routes would write events/${name}`);
    events.set(name, `${JSON.stringify(event, null, 2)}\n`);
  };
  for (const route of sampledRoutes()) {
    const routeKey = `${route.method} ${route.path}`;
    add(eventFileName(route), payloadV2({ ...route, routeKey }, route.authorized === true));
  }
  // The catch-all's function, named after it: API Gateway hands it every path no route names.
  const catchAll = FUNCTION_NAMES.find((fn) => ROUTE_TABLE[fn] === '$default');
  if (catchAll)
    add(
      `${catchAll}.json`,
      payloadV2({ routeKey: '$default', method: 'GET', path: UNKNOWN_PATH, fn: catchAll }, false),
    );
  return events;
}

/** The .json files of events/ that are neither hand-written nor generated today: a removed route's. */
export function staleEventFiles(events: ReadonlyMap<string, string> = renderEvents()): string[] {
  const handWritten: readonly string[] = HAND_WRITTEN_EVENT_FILES;
  return readdirSync(EVENTS_DIR).filter(
    (name) => name.endsWith('.json') && !handWritten.includes(name) && !events.has(name),
  );
}

function main(): void {
  const events = renderEvents();
  for (const name of staleEventFiles(events)) rmSync(join(EVENTS_DIR, name));
  for (const [name, text] of events) writeFileSync(join(EVENTS_DIR, name), text);
  process.stdout.write(`events/: ${events.size} sample events\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
