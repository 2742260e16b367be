/**
 * The browser demo (examples/web/) as the local server serves it, at `/demo/` on the API's own origin:
 * the page and the API then share an origin, so it needs no CORS settings, and the passkey defaults
 * (`WEBAUTHN_ORIGINS` = the issuer's origin, loopback written `localhost`) accept its ceremonies with
 * no settings at all. Local only: the AWS stack serves no files.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AuthError } from '../lambdas/core/errors.js';
import { type ApiResult, errorResult } from '../lambdas/http/api-event.js';

export const DEMO_PATH = '/demo/';
const DEMO_DIR = fileURLToPath(new URL('../examples/web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * One file name, no directories: a name is served only when it matches this, so no spelling of `..`,
 * `/`, `\` or `%` (encoded or not) can reach outside examples/web/, and README.md is not served.
 */
const SERVED_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css)$/;

/**
 * The page may talk to its own origin only and runs no inline script: what it shows comes from the
 * API's answers, and a script injected through one of them must not run.
 */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** Whether a path belongs to the demo (and so never reaches the API's routes). */
export function isDemoPath(path: string): boolean {
  return path === '/demo' || path.startsWith(DEMO_PATH);
}

/**
 * The answer to a request under `/demo`: the page, its module and stylesheet; a redirect from `/demo`
 * to `/demo/` (the page's relative URLs need the slash); 404 for every other name; 405 for other methods.
 */
export async function serveDemo(method: string, path: string): Promise<ApiResult> {
  if (method !== 'GET' && method !== 'HEAD') {
    const refused = errorResult(new AuthError('method_not_allowed'));
    return { ...refused, headers: { ...refused.headers, allow: 'GET, HEAD' } };
  }
  if (path === '/demo') return { statusCode: 308, headers: { location: DEMO_PATH, 'cache-control': 'no-store' } };
  const name = path === DEMO_PATH ? 'index.html' : path.slice(DEMO_PATH.length);
  const extension = SERVED_NAME.exec(name)?.[1];
  const contentType = extension === undefined ? undefined : CONTENT_TYPES[extension];
  if (contentType === undefined) return errorResult(new AuthError('not_found'));
  let content: Buffer;
  try {
    content = await readFile(`${DEMO_DIR}${name}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return errorResult(new AuthError('not_found'));
    throw error;
  }
  return {
    statusCode: 200,
    headers: { 'content-type': contentType, ...PAGE_HEADERS },
    body: method === 'HEAD' ? '' : content.toString('base64'),
    isBase64Encoded: true,
  };
}

/** The demo's address for a server URL: WebAuthn refuses IP addresses as RP IDs, so loopback is `localhost`. */
export function demoUrl(serverUrl: string): string {
  const url = new URL(DEMO_PATH, serverUrl);
  if (url.hostname === '127.0.0.1' || url.hostname === '[::1]') url.hostname = 'localhost';
  return url.href;
}
