/**
 * The public route table, shared by the CDK stack (one HTTP API route per entry) and the local server,
 * so both expose exactly the same paths. `fn` names the Lambda entry in `lambdas/functions/<fn>.ts`.
 */
export type FunctionName = 'send-otp' | 'verify-otp' | 'refresh-token' | 'logout' | 'me' | 'well-known' | 'not-found';

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly fn: FunctionName;
  /** Protected by the HTTP API JWT authorizer (our own issuer and audience). */
  readonly authorized?: boolean;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/send-otp', fn: 'send-otp' },
  // The Django service answered on trailing-slash paths; shipped mobile clients still call them.
  { method: 'POST', path: '/send-otp/', fn: 'send-otp' },
  { method: 'POST', path: '/verify-otp', fn: 'verify-otp' },
  { method: 'POST', path: '/verify-otp/', fn: 'verify-otp' },
  { method: 'POST', path: '/token/refresh', fn: 'refresh-token' },
  { method: 'POST', path: '/token/refresh/', fn: 'refresh-token' },
  { method: 'POST', path: '/logout', fn: 'logout' },
  { method: 'POST', path: '/logout/', fn: 'logout' },
  { method: 'GET', path: '/me', fn: 'me', authorized: true },
  { method: 'GET', path: '/.well-known/jwks.json', fn: 'well-known' },
  { method: 'GET', path: '/.well-known/openid-configuration', fn: 'well-known' },
];

/** Every Lambda entry; `not-found` serves the HTTP API `$default` route with JSON 404/405 answers. */
export const FUNCTION_NAMES: readonly FunctionName[] = [
  'send-otp',
  'verify-otp',
  'refresh-token',
  'logout',
  'me',
  'well-known',
  'not-found',
];

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The route a method and path select, or which failure: unknown path (404) or known path, other
 * method (405). Like API Gateway, a trailing slash selects the same route as the path without it.
 */
export function matchRoute(method: string, path: string): Route | 'not_found' | 'method_not_allowed' {
  const bare = canonicalPath(path);
  const samePath = ROUTES.filter((r) => r.path === path || r.path === bare);
  if (samePath.length === 0) return 'not_found';
  return samePath.find((r) => r.method === method.toUpperCase()) ?? 'method_not_allowed';
}

/** The path without trailing slashes, as routes are declared. A loop: a regex here backtracks on long runs. */
export function canonicalPath(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}
