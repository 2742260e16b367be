import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbChallengeIssuer } from '../lambdas/adapters/dynamodb-passkey-items.js';
import { DAY } from '../lambdas/core/clock.js';
import type { OtpPolicy } from '../lambdas/core/login.js';
import { codeAtStep, newTotpSecret } from '../lambdas/core/otp-code.js';
import { type Ceremony, userHandleOf } from '../lambdas/core/passkeys.js';
import { emptyRecord, planNumberChangeSend, planSend, type UserAccount } from '../lambdas/core/phone-record.js';
import type { PhoneRecordStore } from '../lambdas/core/ports.js';
import { hashRefreshToken, newFamilyId, newRefreshToken } from '../lambdas/core/tokens.js';
import { type ApiEvent, payloadV2Event } from '../lambdas/http/api-event.js';
import { randomPhoneNumber, wrongCode } from '../test/helpers/fixtures.js';
import { seedPasskey } from '../test/helpers/passkeys.js';
import { createSoftAuthenticator } from '../test/helpers/soft-authenticator.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, type BenchTable } from './context.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The bench's RP ID: the issuer's host, as the passkey settings default it. */
const BENCH_RP_ID = new URL(BENCH_ISSUER).hostname;

export { randomPhoneNumber, wrongCode };

/** An HTTP API payload-v2 event as API Gateway hands it over, from a mobile client. */
export function apiEvent(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  options: { claims?: Record<string, string>; routeKey?: string } = {},
): ApiEvent {
  // A documentation-range address (RFC 5737), so per-IP windows spread out like real traffic.
  const sourceIp = `198.51.100.${randomInt(1, 255)}`;
  return payloadV2Event({
    method,
    path,
    headers: {
      accept: 'application/json',
      'user-agent': 'okhttp/4.12.0',
      'x-forwarded-for': sourceIp,
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    sourceIp,
    requestId: randomUUID(),
    domainName: 'auth.bench.example',
    ...(options.routeKey ? { routeKey: options.routeKey } : {}),
    ...(options.claims ? { claims: options.claims } : {}),
  });
}

/** Writes a pending code the way a send would (the core's own `planSend`); returns the code the SMS carried. */
export async function seedPendingCode(records: PhoneRecordStore, phoneNumber: string, policy: OtpPolicy) {
  const now = nowSeconds();
  const user: UserAccount = { userId: randomUUID(), totpSecret: newTotpSecret(), status: 'pending', createdAt: now };
  const { next, step } = planSend(emptyRecord(phoneNumber), user, now, policy);
  if (!(await records.save(next, 0))) throw new Error(`seeding ${phoneNumber}: the record already exists`);
  return codeAtStep(user.totpSecret, step);
}

/** Stores an active user, as a finished login leaves it. */
async function seedActiveUser(records: PhoneRecordStore): Promise<{ userId: string; phoneNumber: string }> {
  const now = nowSeconds();
  const phoneNumber = randomPhoneNumber();
  const userId = randomUUID();
  const user: UserAccount = { userId, totpSecret: newTotpSecret(), status: 'active', createdAt: now, verifiedAt: now };
  if (!(await records.save({ ...emptyRecord(phoneNumber), user }, 0))) throw new Error(`seeding ${phoneNumber}`);
  return { userId, phoneNumber };
}

/** Stores a live refresh-token family of a new active user, as a login would, and returns its token. */
async function seedRefreshToken(table: BenchTable): Promise<string> {
  const now = nowSeconds();
  const { userId, phoneNumber } = await seedActiveUser(table.records);
  const familyId = newFamilyId();
  const token = newRefreshToken(familyId);
  await table.refreshFamilies.create({
    familyId,
    userId,
    phoneNumber,
    familyExpiresAt: now + 30 * DAY,
    createdAt: now,
    headHash: hashRefreshToken(token),
    generation: 0,
    authTime: now,
  });
  return token;
}

/** Fresh events for each route, with whatever state they need already in the table. */
export function routeEvents(table: BenchTable, policy: OtpPolicy) {
  const verify = async (otpOf: (right: string) => string) => {
    const phone = randomPhoneNumber();
    const otp = otpOf(await seedPendingCode(table.records, phone, policy));
    return apiEvent('POST', '/verify-otp', { phone_number: phone, otp });
  };
  const withRefresh = async (path: string) => apiEvent('POST', path, { refresh: await seedRefreshToken(table) });
  const signedIn = async () => authorizerClaims(await seedActiveUser(table.records));
  // A user with a number change pending, and the code sent to the new number.
  const changePending = async () => {
    const claims = await signedIn();
    const newNumber = randomPhoneNumber();
    const secret = newTotpSecret();
    const { next, step } = planNumberChangeSend(
      emptyRecord(newNumber),
      { userId: claims.sub ?? '', secret },
      nowSeconds(),
      policy,
    );
    if (!(await table.records.save(next, 0))) throw new Error(`seeding ${newNumber}`);
    return { claims, newNumber, otp: codeAtStep(secret, step) };
  };
  // An active user with one passkey; with a ceremony, also a challenge handed out for it.
  const userWithPasskey = async (ceremony?: Ceremony) => {
    const user = await seedActiveUser(table.records);
    const clock = { seconds: nowSeconds() };
    const seeded = await seedPasskey(
      { client: table.client, tableName: table.tableName, clock },
      { ...user, rpId: BENCH_RP_ID, origin: BENCH_ISSUER },
    );
    const challenge = randomBytes(32).toString('base64url');
    if (ceremony) {
      await new DynamoDbChallengeIssuer(createDocumentClient(table.client), table.tableName).issue(challenge, {
        ceremony,
        expiresAt: clock.seconds + 300,
        ...(ceremony === 'registration' ? { userId: user.userId } : {}),
      });
    }
    return { user, challenge, ...seeded };
  };
  const get = (path: string, options: { claims?: Record<string, string>; routeKey?: string } = {}) =>
    apiEvent('GET', path, undefined, options);
  return {
    sendOtp: async () => apiEvent('POST', '/send-otp', { phone_number: randomPhoneNumber() }),
    // GB's budget of one (BENCH_COUNTRY_BUDGETS) spent first: the refused path of the country cap.
    sendOtpToSpentCountry: async () => {
      await table.countryLimiter.tryConsume('GB', nowSeconds(), 1);
      const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
      return apiEvent('POST', '/send-otp', { phone_number: `+447400${digits}` });
    },
    verifyOtp: () => verify((right) => right),
    verifyOtpWrongCode: () => verify(wrongCode),
    refresh: () => withRefresh('/token/refresh'),
    logout: () => withRefresh('/logout'),
    me: async () => get('/me', { claims: await signedIn() }),
    deleteAccount: async () => apiEvent('DELETE', '/me', undefined, { claims: await signedIn() }),
    // A login an hour old: refused from the claims alone, before any AWS call.
    deleteAccountStaleLogin: async () =>
      apiEvent('DELETE', '/me', undefined, {
        claims: { ...(await signedIn()), auth_time: String(nowSeconds() - 3600) },
      }),
    changeNumber: async () =>
      apiEvent('POST', '/me/phone-number', { phone_number: randomPhoneNumber() }, { claims: await signedIn() }),
    verifyNumberChange: async () => {
      const { claims, newNumber, otp } = await changePending();
      return apiEvent('POST', '/me/phone-number/verify', { phone_number: newNumber, otp }, { claims });
    },
    passkeyOptions: async () => apiEvent('POST', '/passkey/options', {}),
    // A user with one synced passkey (the common case), and a challenge handed out as /passkey/options does.
    passkeyVerify: async () => {
      const { authenticator, challenge } = await userWithPasskey('authentication');
      return apiEvent('POST', '/passkey/verify', {
        credential: authenticator.getAssertion({ challenge, rpId: BENCH_RP_ID }),
      });
    },
    enrolOptions: async () => apiEvent('POST', '/me/passkeys/options', {}, { claims: await signedIn() }),
    // The user's second passkey: the later-passkey form of the enrolment's write.
    enrol: async () => {
      const { user, challenge } = await userWithPasskey('registration');
      const second = createSoftAuthenticator({ origin: BENCH_ISSUER, rpId: BENCH_RP_ID });
      const handle = Buffer.from(userHandleOf(user.userId)).toString('base64url');
      const credential = second.createCredential({ challenge, rp: { id: BENCH_RP_ID }, user: { id: handle } });
      return apiEvent('POST', '/me/passkeys', { credential, name: 'Bench' }, { claims: authorizerClaims(user) });
    },
    listPasskeys: async () => {
      const { user } = await userWithPasskey();
      return get('/me/passkeys', { claims: authorizerClaims(user) });
    },
    removePasskey: async () => {
      const { user, stored } = await userWithPasskey();
      return apiEvent('DELETE', `/me/passkeys/${stored.id}`, undefined, {
        claims: authorizerClaims(user),
        routeKey: 'DELETE /me/passkeys/{id}',
      });
    },
    jwks: async () => get('/.well-known/jwks.json'),
    openidConfiguration: async () => get('/.well-known/openid-configuration'),
    notFound: async () => get('/nope', { routeKey: '$default' }),
  };
}

/** Claims as API Gateway's JWT authorizer hands them to /me: every value a string. */
function authorizerClaims(user: { userId: string; phoneNumber: string }): Record<string, string> {
  const now = nowSeconds();
  return {
    sub: user.userId,
    phone_number: user.phoneNumber,
    token_use: 'access',
    iss: BENCH_ISSUER,
    aud: BENCH_AUDIENCE,
    iat: String(now),
    exp: String(now + 900),
    jti: randomUUID(),
    // A login just now: the account routes need a recent one (RECENT_LOGIN_MAX_AGE_SECONDS).
    auth_time: String(now),
    session_epoch: '0',
  };
}

/** `count` results of `task`, at most 16 in flight (more would queue inside the SDK's socket pool and warn). */
export async function repeatInParallel<R>(count: number, task: () => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  while (results.length < count) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(16, count - results.length) }, task))));
  }
  return results;
}
