import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANY_ORIGIN, CORS_POLICY } from '../lambdas/config.js';
import type { ApiEvent, ApiHandler, ApiResult } from '../lambdas/http/api-event.js';
import { MAX_BODY_BYTES, payloadV2Event, varyOnOrigin } from '../lambdas/http/api-event.js';

/**
 * Node HTTP <-> API Gateway HTTP API payload v2, the shape API Gateway hands our Lambdas:
 * lower-cased headers, raw path, source IP from the socket, the body as a string.
 */
export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function toApiEvent(req: IncomingMessage, body: string, routeKey: string): ApiEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return payloadV2Event({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers,
    ...(body ? { body } : {}),
    routeKey,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    requestId: randomUUID(),
    domainName: headers.host ?? 'localhost',
    protocol: `HTTP/${req.httpVersion}`,
  });
}

export function writeResult(res: ServerResponse, result: ApiResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body =
    result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

/**
 * A request API Gateway answers itself when the API has CORS origins: an OPTIONS with both `Origin`
 * and `Access-Control-Request-Method`. Any other OPTIONS is routed like every request (to `$default`).
 */
export function isCorsPreflight(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  return (
    allowedOrigins.length > 0 &&
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/** What `Access-Control-Allow-Origin` says to this request's origin, or undefined: not allowed, no CORS headers. */
function allowOriginFor(allowedOrigins: readonly string[], origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (allowedOrigins.includes(ANY_ORIGIN)) return ANY_ORIGIN;
  return allowedOrigins.includes(origin) ? origin : undefined;
}

/** With an echoed origin the answer depends on `Origin`, so a cache must key on it; `*` does not. */
function varyOn(allowOrigin: string): Record<string, string> {
  return allowOrigin === ANY_ORIGIN ? {} : { vary: 'origin' };
}

/**
 * API Gateway's own answer to a preflight: 204, with the allow headers for an allowed origin and
 * none for any other, which the browser then refuses.
 */
export function corsPreflightResult(allowedOrigins: readonly string[], origin: string | undefined): ApiResult {
  const allowOrigin = allowOriginFor(allowedOrigins, origin);
  if (allowOrigin === undefined) return { statusCode: 204 };
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': allowOrigin,
      'access-control-allow-methods': CORS_POLICY.allowMethods.join(','),
      'access-control-allow-headers': CORS_POLICY.allowHeaders.join(','),
      'access-control-max-age': String(CORS_POLICY.maxAgeSeconds),
      ...varyOn(allowOrigin),
    },
  };
}

/** What API Gateway adds to a function's answer for an allowed origin; other origins' answers are left as they are. */
export function withCorsHeaders(
  result: ApiResult,
  allowedOrigins: readonly string[],
  origin: string | undefined,
): ApiResult {
  const allowOrigin = allowOriginFor(allowedOrigins, origin);
  if (allowOrigin === undefined) return result;
  const decorated = {
    ...result,
    headers: {
      ...result.headers,
      'access-control-allow-origin': allowOrigin,
      'access-control-expose-headers': CORS_POLICY.exposeHeaders.join(','),
    },
  };
  // The functions already send `Vary: Origin` on every answer; kept here for answers of the server's own.
  return allowOrigin === ANY_ORIGIN ? decorated : varyOnOrigin(decorated);
}

export type { ApiHandler };
