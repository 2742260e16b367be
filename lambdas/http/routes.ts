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
  const wanted = method.toUpperCase();
  const { named, parametric } = routesOfPath(path);
  // As API Gateway chooses: the route of this method that names the path, else one whose parameters
  // it fills. A named route of another method never hides a parameter route of this one, so
  // `DELETE /me/passkeys/options` is the passkey `options` (an authenticator picks credential ids).
  const route = named.find((r) => r.method === wanted) ?? parametric.find((r) => r.method === wanted);
  if (route) return route;
  return named.length + parametric.length === 0 ? 'not_found' : 'method_not_allowed';
}

/**
 * Every method the routes of a path answer, in the table's order: the `Allow` header of a 405
 * (RFC 9110 section 15.5.6 requires all of them), derived from the table so a new route is in it.
 */
export function allowedMethods(path: string): string[] {
  const { named, parametric } = routesOfPath(path);
  return [...new Set([...named, ...parametric].map((r) => r.method))];
}

/** The routes that name a path, and those whose parameters it fills. */
function routesOfPath(path: string): { named: Route[]; parametric: Route[] } {
  const bare = canonicalPath(path);
  return {
    named: ROUTES.filter((r) => r.path === path || r.path === bare),
    parametric: ROUTES.filter((r) => r.path.includes('{') && (pathMatches(r.path, path) || pathMatches(r.path, bare))),
  };
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
