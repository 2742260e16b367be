import { describe, expect, it } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import {
  type ApiEvent,
  errorResult,
  json,
  MAX_BODY_BYTES,
  noContent,
  payloadV2Event,
  readJsonObject,
  varyOnOrigin,
} from '../../lambdas/http/api-event.js';
import { authError } from '../core/auth-error.js';

function withBody(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): ApiEvent {
  return payloadV2Event({
    method: 'POST',
    path: '/send-otp',
    sourceIp: '203.0.113.7',
    requestId: 'r-1',
    headers,
    body,
  });
}

describe('payloadV2Event', () => {
  it('builds the route key from the method, upper-cased as API Gateway does, and the path', () => {
    const event = payloadV2Event({ method: 'post', path: '/send-otp', sourceIp: '203.0.113.7', requestId: 'r-1' });

    expect(event.routeKey).toBe('POST /send-otp');
    expect(event.requestContext.routeKey).toBe('POST /send-otp');
    expect(event.requestContext.http.method).toBe('POST');
  });

  it('keeps a route key it is given, say $default', () => {
    const event = payloadV2Event({
      method: 'GET',
      path: '/nowhere',
      sourceIp: '203.0.113.7',
      requestId: 'r-1',
      routeKey: '$default',
    });

    expect(event.routeKey).toBe('$default');
  });
});

describe('json', () => {
  it('answers JSON that no one caches or sniffs, with any extra header', () => {
    expect(json(201, { ok: true }, { 'retry-after': '3' })).toEqual({
      statusCode: 201,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'retry-after': '3',
      },
      body: '{"ok":true}',
    });
  });
});

describe('noContent', () => {
  it('is a 204 that no one caches, with no body', () => {
    expect(noContent()).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store' } });
  });
});

describe('errorResult', () => {
  it('sends Retry-After only for an error that has a wait', () => {
    expect(errorResult(new AuthError('rate_limited', { retryAfterSeconds: 7 })).headers).toMatchObject({
      'retry-after': '7',
    });
    expect(errorResult(new AuthError('invalid_otp')).headers).not.toHaveProperty('retry-after');
  });
});

describe('readJsonObject', () => {
  it('reads a JSON object', () => {
    expect(readJsonObject(withBody('{"phone_number":"+919876543210"}'))).toEqual({ phone_number: '+919876543210' });
  });

  it('refuses a request without headers as not JSON', () => {
    const { headers: _none, ...event } = withBody('{}');

    expect(() => readJsonObject(event as ApiEvent)).toThrow(authError('unsupported_media_type'));
  });

  it.each([
    'text/plain',
    'application/json-patch+json',
    'application/jsonp',
    'x-application/json',
    'text/application/json',
  ])('refuses content type %s', (contentType) => {
    expect(() => readJsonObject(withBody('{}', { 'content-type': contentType }))).toThrow(
      authError('unsupported_media_type'),
    );
  });

  it.each([
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json ;charset=utf-8',
  ])('accepts content type %s', (contentType) => {
    expect(readJsonObject(withBody('{"a":1}', { 'content-type': contentType }))).toEqual({ a: 1 });
  });

  it('reads a body of exactly MAX_BODY_BYTES, and refuses one byte more', () => {
    const padding = (extra: number) => 'x'.repeat(MAX_BODY_BYTES - '{"pad":""}'.length + extra);

    expect(readJsonObject(withBody(`{"pad":"${padding(0)}"}`))).toHaveProperty('pad');
    expect(() => readJsonObject(withBody(`{"pad":"${padding(1)}"}`))).toThrow(authError('payload_too_large'));
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const body = `{"pad":"${'é'.repeat(MAX_BODY_BYTES / 2)}"}`;

    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(() => readJsonObject(withBody(body))).toThrow(authError('payload_too_large'));
  });

  it.each([
    ['an array', '[{"phone_number":"+919876543210"}]'],
    ['null', 'null'],
    ['a string', '"+919876543210"'],
    ['a number', '42'],
    ['invalid JSON', '{"phone_number":'],
    ['an empty body', ''],
    ['a __proto__ key', '{"__proto__":{"admin":true}}'],
    ['a nested constructor key', '{"a":{"constructor":{"prototype":{}}}}'],
  ])('refuses %s as invalid_request', (_case, body) => {
    expect(() => readJsonObject(withBody(body))).toThrow(authError('invalid_request'));
  });
});

describe('varyOnOrigin', () => {
  it('adds Vary: origin to an answer without Vary', () => {
    expect(varyOnOrigin({ statusCode: 200, headers: { 'cache-control': 'no-store' } })).toEqual({
      statusCode: 200,
      headers: { 'cache-control': 'no-store', vary: 'origin' },
    });
    expect(varyOnOrigin({ statusCode: 204 })).toEqual({ statusCode: 204, headers: { vary: 'origin' } });
  });

  it('appends origin to another Vary, and keeps one that already names it or *', () => {
    expect(varyOnOrigin({ headers: { vary: 'accept-encoding' } }).headers?.vary).toBe('accept-encoding, origin');
    expect(varyOnOrigin({ headers: { vary: 'Accept, Origin' } }).headers?.vary).toBe('Accept, Origin');
    expect(varyOnOrigin({ headers: { vary: '*' } }).headers?.vary).toBe('*');
    expect(varyOnOrigin({ headers: { vary: 'origin-agent' } }).headers?.vary).toBe('origin-agent, origin');
  });
});
