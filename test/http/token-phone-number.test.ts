import { decodeJwt, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_ALG } from '../../lambdas/core/signing-keys.js';
import type { FunctionName } from '../../lambdas/registry.js';
import { randomPhoneNumber } from '../helpers/fixtures.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, type TestApp } from '../helpers/test-app.js';

// Only our signer can mint such a token, but a phone_number past DynamoDB's 2048-byte key limit made
// every /me route answer 500 (ValidationException): the claim must be refused as a bad token first.
const ME_ROUTES: readonly { fn: FunctionName; method: string; path: string; body?: (phone: string) => unknown }[] = [
  { fn: 'me', method: 'GET', path: '/me' },
  { fn: 'delete-account', method: 'DELETE', path: '/me' },
  { fn: 'change-phone-number', method: 'POST', path: '/me/phone-number', body: (p) => ({ phone_number: p }) },
  {
    fn: 'verify-phone-number',
    method: 'POST',
    path: '/me/phone-number/verify',
    body: (p) => ({ phone_number: p, otp: '123456' }),
  },
];

describe('an access token whose phone_number is not an E.164 number', () => {
  let app: TestApp;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    app = await createTestApp();
    // A real login's claims (whatever claims the signer adds), re-signed with another phone_number.
    const { access } = await app.login(randomPhoneNumber());
    claims = decodeJwt(access);
  });

  async function tokenWith(phoneNumber: string): Promise<string> {
    const { signing } = await app.keys.load();
    return new SignJWT({ ...claims, phone_number: phoneNumber })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: signing.kid, typ: 'JWT' })
      .sign(signing.key);
  }

  const CASES = [
    ['3000 digits, past the key size', `+1${'2'.repeat(2999)}`],
    ['16 digits, one past E.164', '+1234567890123456'],
    ['no plus sign', '12015550123'],
    ['a leading zero', '+012015550123'],
    ['letters', '+1201555CALL'],
    ['a trailing newline', '+12015550123\n'],
  ] as const;

  for (const route of ME_ROUTES) {
    it.each(CASES)(`is refused 401 invalid_token on ${route.method} ${route.path}: %s`, async (_, phoneNumber) => {
      const token = await tokenWith(phoneNumber);
      const event = apiEvent(route.method, route.path, route.body?.(randomPhoneNumber()), {
        claims: authorizerClaimsOf(token),
      });

      const response = await invoke(app.handlers[route.fn], event);

      expect(response.status).toBe(401);
      expect(response.body.code).toBe('invalid_token');
    });
  }

  it('leaves the tokens of real numbers working: GET /me answers 200', async () => {
    const phoneNumber = randomPhoneNumber();
    const { access } = await app.login(phoneNumber);

    const response = await app.me(access);

    expect(response.status).toBe(200);
    expect(response.body.phone_number).toBe(phoneNumber);
  });
});
