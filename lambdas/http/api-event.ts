import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { AuthError } from '../core/errors.js';
import { STATUS_BY_CODE } from './status.js';

/** An HTTP API payload-v2 event, with or without JWT authorizer claims. */
export type ApiEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;

/** What varies between the payload-v2 events a runtime or test builds; the rest is API Gateway's shape. */
export interface ApiEventSpec {
  readonly method: string;
  readonly path: string;
  readonly sourceIp: string;
  readonly requestId: string;
  /** Header names lower-cased, as API Gateway hands them over. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly query?: string;
  /** `METHOD /path` of the matched route, or `$default`; defaults to the method and path. */
  readonly routeKey?: string;
  /** Claims the JWT authorizer verified, every value a string. */
  readonly claims?: Readonly<Record<string, string>>;
  readonly domainName?: string;
  readonly protocol?: string;
}

/**
 * An HTTP API payload-v2 event as API Gateway builds it: the one builder the local server, the tests
 * and the bench share.
 */
export function payloadV2Event(spec: ApiEventSpec): ApiEvent {
  const method = spec.method.toUpperCase();
  const routeKey = spec.routeKey ?? `${method} ${spec.path}`;
  const headers = { ...spec.headers };
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: spec.path,
    rawQueryString: spec.query ?? '',
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: spec.domainName ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: spec.path,
        protocol: spec.protocol ?? 'HTTP/1.1',
        sourceIp: spec.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: spec.requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(spec.claims ? { authorizer: { jwt: { claims: { ...spec.claims }, scopes: null } } } : {}),
    },
    ...(spec.body === undefined ? {} : { body: spec.body }),
    isBase64Encoded: false,
  } as ApiEvent;
}

/** API Gateway caps payloads at 10 MB; ours are a few dozen bytes, so anything past this is abuse. */
export const MAX_BODY_BYTES = 64 * 1024;

const BASE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Token responses must never be cached (RFC 6749 section 5.1); nothing else here benefits from it.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function noContent(): ApiResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

/**
 * Every answer of every route says it varies with `Origin`: API Gateway (or the local server) adds
 * `Access-Control-Allow-Origin` to the answers for allowed origins only, so without it a shared cache
 * could hand the allowed app a copy made for another origin, or none, and the browser would refuse
 * it (the JWKS and /openapi.json are `public, max-age=300`). `Vary` is not a CORS header, so API
 * Gateway passes it through even where it ignores the integration's CORS headers.
 */
export function varyOnOrigin(result: ApiResult): ApiResult {
  const vary = String(result.headers?.vary ?? '');
  if (/(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary)) return result;
  return { ...result, headers: { ...result.headers, vary: vary ? `${vary}, origin` : 'origin' } };
}

export function errorResult(error: AuthError): ApiResult {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return json(STATUS_BY_CODE[error.code], { error: error.message, code: error.code }, headers);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The request body as a plain JSON object. Refuses other content types, oversized bodies, invalid
 * JSON, non-objects and prototype-polluting keys before any field is looked at.
 */
export function readJsonObject(event: ApiEvent): Record<string, unknown> {
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) throw new AuthError('unsupported_media_type');
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new AuthError('payload_too_large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new AuthError('invalid_request');
      return value;
    });
  } catch {
    throw new AuthError('invalid_request');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthError('invalid_request');
  }
  return parsed as Record<string, unknown>;
}

export function sourceIp(event: ApiEvent): string {
  return event.requestContext.http.sourceIp;
}
