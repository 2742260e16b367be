import { randomInt, randomUUID } from 'node:crypto';
import type { OtpConfig } from '../lambdas/config.js';
import { codeAtStep, newTotpSecret } from '../lambdas/core/otp-code.js';
import { emptyRecord, planSend, type UserAccount } from '../lambdas/core/phone-record.js';
import type { PhoneRecordStore, RefreshFamilyStore } from '../lambdas/core/ports.js';
import { generateSigningKey, type KeySetDocument, planRotation } from '../lambdas/core/signing-keys.js';
import { hashRefreshToken, newFamilyId, newRefreshToken } from '../lambdas/core/tokens.js';
import type { ApiEvent } from '../lambdas/http/api-event.js';

/** A fresh, valid Indian mobile number (+91 98 and 8 random digits): a new record every time. */
export function randomPhoneNumber(): string {
  return `+9198${String(randomInt(100_000_000)).padStart(8, '0')}`;
}

/** A documentation-range address (RFC 5737), so per-IP windows spread out like real traffic. */
export function randomSourceIp(): string {
  return `198.51.100.${randomInt(1, 255)}`;
}

/** A wrong code for a known right one: never equal to it. */
export function wrongCode(right: string): string {
  return right === '000000' ? '111111' : '000000';
}

/** An HTTP API payload-v2 event as API Gateway hands it to the function, with the headers a phone app sends. */
export function apiEvent(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  options: { ip?: string; claims?: Record<string, string>; routeKey?: string } = {},
): ApiEvent {
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const now = new Date();
  const ip = options.ip ?? randomSourceIp();
  const routeKey = options.routeKey ?? `${method} ${path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      'accept-encoding': 'gzip',
      host: 'auth.bench.example',
      'user-agent': 'okhttp/4.12.0',
      'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      'x-forwarded-for': ip,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(raw === undefined
        ? {}
        : { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(raw)) }),
      ...(options.claims ? { authorization: 'Bearer <verified by the JWT authorizer>' } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench01',
      domainName: 'auth.bench.example',
      domainPrefix: 'auth',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: ip, userAgent: 'okhttp/4.12.0' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    ...(raw === undefined ? {} : { body: raw }),
    isBase64Encoded: false,
  } as ApiEvent;
}

/**
 * Writes a pending code for a fresh number the way a send would (the core's own `planSend`) and
 * returns the code the SMS would have carried.
 */
/** Claims as API Gateway's JWT authorizer hands them to /me: every value a string. */
export function authorizerClaims(issuer: string, audience: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    phone_number: randomPhoneNumber(),
    token_use: 'access',
    iss: issuer,
    aud: audience,
    iat: String(now),
    exp: String(now + 900),
    jti: randomUUID(),
  };
}

export async function seedPendingCode(records: PhoneRecordStore, phoneNumber: string, policy: OtpConfig) {
  const now = Math.floor(Date.now() / 1000);
  const user: UserAccount = { userId: randomUUID(), totpSecret: newTotpSecret(), status: 'pending', createdAt: now };
  const { next, step } = planSend(emptyRecord(phoneNumber), user, now, policy);
  if (!(await records.save(next, 0))) throw new Error(`seeding ${phoneNumber}: the record already exists`);
  return codeAtStep(user.totpSecret, step);
}

/** Stores a live refresh-token family, as a login would, and returns its token. */
export async function seedRefreshToken(store: RefreshFamilyStore, ttlSeconds = 30 * 86_400): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const familyId = newFamilyId();
  const token = newRefreshToken(familyId);
  await store.create({
    familyId,
    userId: randomUUID(),
    phoneNumber: randomPhoneNumber(),
    familyExpiresAt: now + ttlSeconds,
    createdAt: now,
    headHash: hashRefreshToken(token),
    generation: 0,
  });
  return token;
}

/** A key set document as the first rotation writes it: one RSA key that signs from now. */
export async function benchKeySetDocument(): Promise<KeySetDocument> {
  const now = Math.floor(Date.now() / 1000) - 60;
  return planRotation(undefined, await generateSigningKey(now), now, { publishLeadSeconds: 0, retainSeconds: 0 });
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
