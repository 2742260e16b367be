import { describe, expect, it } from 'vitest';
import { ContractViolation, loadContract, type ObservedResponse } from './openapi-contract.js';

const contract = loadContract();
const JSON_NO_STORE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function sent(overrides: Partial<ObservedResponse> = {}): ObservedResponse {
  return {
    method: 'POST',
    path: '/send-otp',
    status: 200,
    headers: JSON_NO_STORE,
    body: JSON.stringify({ message: 'OTP sent', expires_in: 300 }),
    ...overrides,
  };
}

function error(code: string, overrides: Partial<ObservedResponse>): ObservedResponse {
  return sent({ body: JSON.stringify({ error: 'A sentence.', code }), ...overrides });
}

describe('the OpenAPI contract check', () => {
  it('accepts what the document promises', () => {
    expect(() => contract.check(sent())).not.toThrow();
    expect(() => contract.check(sent({ path: '/send-otp/' }))).not.toThrow();
    expect(() =>
      contract.check(error('too_many_attempts', { status: 429, headers: { ...JSON_NO_STORE, 'retry-after': '840' } })),
    ).not.toThrow();
    expect(() =>
      contract.check({
        method: 'POST',
        path: '/logout',
        status: 204,
        headers: { 'cache-control': 'no-store' },
        body: '',
      }),
    ).not.toThrow();
  });

  it('rejects a status the operation does not list', () => {
    expect(() => contract.check(error('invalid_token', { status: 401 }))).toThrow(ContractViolation);
    expect(() => contract.check(error('invalid_token', { status: 401 }))).toThrow(
      /POST \/send-otp -> 401: status 401 is not documented for this operation/,
    );
    // 308 is documented for the Django-era spelling only.
    expect(() => contract.check(sent({ status: 308, headers: { location: '../send-otp' }, body: '' }))).toThrow(
      /status 308 is not documented/,
    );
  });

  it('rejects a body without a required field', () => {
    expect(() => contract.check(sent({ body: JSON.stringify({ message: 'OTP sent' }) }))).toThrow(
      /body must have required property 'expires_in'/,
    );
  });

  it('rejects a field of the wrong type', () => {
    expect(() => contract.check(sent({ body: JSON.stringify({ message: 'OTP sent', expires_in: '300' }) }))).toThrow(
      /body\/expires_in must be integer/,
    );
  });

  it('rejects a field the schema does not have, and an error code the operation cannot answer', () => {
    expect(() =>
      contract.check(sent({ body: JSON.stringify({ message: 'OTP sent', expires_in: 300, code: '123456' }) })),
    ).toThrow(/must NOT have additional properties/);
    expect(() => contract.check(error('invalid_otp', { status: 400 }))).toThrow(/body\/code must be equal to one of/);
  });

  it('rejects a missing required header and a header of the wrong form', () => {
    expect(() => contract.check(sent({ headers: { 'content-type': 'application/json' } }))).toThrow(
      /headers must have required property 'cache-control'/,
    );
    expect(() =>
      contract.check(error('rate_limited', { status: 429, headers: { ...JSON_NO_STORE, 'retry-after': 'soon' } })),
    ).toThrow(/headers\/retry-after must be integer/);
  });

  it('rejects a body of an undocumented media type, and a body where none is documented', () => {
    expect(() => contract.check(sent({ headers: { ...JSON_NO_STORE, 'content-type': 'text/plain' } }))).toThrow(
      /content type "text\/plain" is not one of application\/json/,
    );
    expect(() =>
      contract.check({
        method: 'POST',
        path: '/logout',
        status: 204,
        headers: { 'cache-control': 'no-store' },
        body: '{}',
      }),
    ).toThrow(/a body where the document lists none/);
  });

  it('checks requests no operation matches against the $default route: 404 for unknown paths, 405 with Allow for known ones', () => {
    const notFound = { method: 'GET', path: '/nope', headers: JSON_NO_STORE };
    expect(() =>
      contract.check({ ...notFound, status: 404, body: JSON.stringify({ error: 'Not found.', code: 'not_found' }) }),
    ).not.toThrow();
    expect(() =>
      contract.check({ ...notFound, status: 405, body: JSON.stringify({ error: 'x', code: 'method_not_allowed' }) }),
    ).toThrow(/status 405 is not documented for a request no operation matches/);

    const wrongMethod = {
      method: 'GET',
      path: '/send-otp',
      body: JSON.stringify({ error: 'x', code: 'method_not_allowed' }),
    };
    expect(() =>
      contract.check({ ...wrongMethod, status: 405, headers: { ...JSON_NO_STORE, allow: 'POST' } }),
    ).not.toThrow();
    expect(() => contract.check({ ...wrongMethod, status: 405, headers: JSON_NO_STORE })).toThrow(
      /headers must have required property 'allow'/,
    );
  });

  it('accepts both shapes of the 401 of /me: the service error and API Gateway JWT authorizer message', () => {
    const me = { method: 'GET', path: '/me', status: 401 };
    expect(() =>
      contract.check({
        ...me,
        headers: { ...JSON_NO_STORE, 'www-authenticate': 'Bearer error="invalid_token"' },
        body: JSON.stringify({ error: 'The token is invalid or has expired.', code: 'invalid_token' }),
      }),
    ).not.toThrow();
    expect(() =>
      contract.check({
        ...me,
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer scope="" error="invalid_token"' },
        body: JSON.stringify({ message: 'Unauthorized' }),
      }),
    ).not.toThrow();
    expect(() =>
      contract.check({ ...me, headers: { ...JSON_NO_STORE, 'www-authenticate': 'Basic' }, body: '{"message":"x"}' }),
    ).toThrow(/headers\/www-authenticate must match pattern/);
  });
});
