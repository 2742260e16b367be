import { FUNCTION_NAMES, type FunctionName, ROUTE_TABLE, type RouteSpec } from '../registry.js';

export type { FunctionName };

/** One HTTP API route: `fn` names the Lambda entry in `lambdas/functions/<fn>.ts`. */
export interface Route extends RouteSpec {
  readonly fn: FunctionName;
}

/**
 * The public route table, derived from the function registry: the CDK stack makes one HTTP API route
 * per entry and the local server serves the same paths.
 */
export const ROUTES: readonly Route[] = FUNCTION_NAMES.flatMap((fn) => {
  const routes: readonly RouteSpec[] | '$default' = ROUTE_TABLE[fn];
  return routes === '$default' ? [] : routes.map((route) => ({ ...route, fn }));
});

export const JWKS_PATH = '/.well-known/jwks.json';
/** Apple's association file: the iOS apps that may use passkeys for this domain. */
export const APPLE_APP_SITE_ASSOCIATION_PATH = '/.well-known/apple-app-site-association';
/** Google's Digital Asset Links: the Android apps that may use passkeys for this domain. */
export const ASSET_LINKS_PATH = '/.well-known/assetlinks.json';

/**
 * The route a method and path select, or which failure: unknown path (404) or known path, other
 * method (405). Like API Gateway, a trailing slash selects the same route as the path without it.
 */
export function matchRoute(method: string, path: string): Route | 'not_found' | 'method_not_allowed' {
  const samePath = routesOfPath(path);
  if (samePath.length === 0) return 'not_found';
  return samePath.find((r) => r.method === method.toUpperCase()) ?? 'method_not_allowed';
}

/**
 * Every method the routes of a path answer, in the table's order: the `Allow` header of a 405
 * (RFC 9110 section 15.5.6 requires all of them), derived from the table so a new route is in it.
 */
export function allowedMethods(path: string): string[] {
  const methods = routesOfPath(path).map((r) => r.method);
  return [...new Set(methods)];
}

/**
 * The routes of a path: those that name it, or else those whose parameters it fills. A named path
 * wins, as in API Gateway's choice of the most specific route: `/me/passkeys/options` is never the
 * passkey `options`.
 */
function routesOfPath(path: string): Route[] {
  const bare = canonicalPath(path);
  const named = ROUTES.filter((r) => r.path === path || r.path === bare);
  return named.length > 0 ? named : ROUTES.filter((r) => pathMatches(r.path, path) || pathMatches(r.path, bare));
}

/**
 * Whether a request path is a route's: equal, or, for a route with path parameters (`{id}`, as API
 * Gateway spells them), equal in every other segment with one non-empty segment for each parameter.
 */
function pathMatches(routePath: string, path: string): boolean {
  if (!routePath.includes('{')) return routePath === path;
  const expected = routePath.split('/');
  const actual = path.split('/');
  return (
    expected.length === actual.length &&
    expected.every((segment, i) => (/^\{\w+\}$/.test(segment) ? actual[i] !== '' : segment === actual[i]))
  );
}

/** The path without trailing slashes, as routes are declared. A loop: a regex here backtracks on long runs. */
export function canonicalPath(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}
