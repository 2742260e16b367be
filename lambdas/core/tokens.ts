import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { AuthError } from './errors.js';
import { type KeySet, SIGNING_ALG } from './signing-keys.js';

export interface TokenPair {
  readonly access: string;
  readonly refresh: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
}

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
}

export interface Subject {
  readonly userId: string;
  readonly phoneNumber: string;
  /** The user's session epoch when the session began (absent: 0): "sign out everywhere" moves it on. */
  readonly sessionEpoch?: number;
  /**
   * Epoch seconds of the login that started the session (an SMS code proved at `/verify-otp`, or at
   * a number change's confirmation): OpenID Connect's `auth_time`. A refresh keeps it, so routes that
   * need a recent login can tell a fresh login from a long-refreshed (or stolen) session.
   */
  readonly authTime?: number;
  /**
   * How the login that started the session was proved, as RFC 8176 names methods (OpenID Connect's
   * `amr`): `["sms"]` for a code sent by SMS. A refresh keeps it, as it keeps `authTime`.
   */
  readonly amr?: readonly AuthMethod[];
}

/** The authentication methods (RFC 8176) a login here can be proved with. */
export type AuthMethod = 'sms' | 'hwk' | 'user';

/** The methods of a login proved by an SMS code: `/verify-otp` and a number change's confirmation. */
export const SMS_AMR: readonly AuthMethod[] = ['sms'];

export interface AccessClaims extends JWTPayload {
  sub: string;
  phone_number: string;
  token_use: 'access';
  /**
   * The session epoch the token was issued at, so the account routes refuse a token of a session
   * that has since been ended. A number, or its decimal string as API Gateway's authorizer passes
   * every claim; absent on tokens issued before it existed (read as 0).
   */
  session_epoch?: number | string;
  /**
   * When the login that started the session happened (see {@link Subject.authTime}); a number, or
   * its decimal string behind API Gateway. Absent on tokens issued before it existed: never recent.
   */
  auth_time?: number | string;
  /** How the session's login was proved (see {@link Subject.amr}); behind API Gateway a string such as `[sms]`. */
  amr?: string[] | string;
}

/**
 * When an access token issued at `now` expires: `ACCESS_TOKEN_TTL_SECONDS` later, but never after
 * `notAfter` (its refresh family's end), so no token outlives the session it came from.
 */
export function accessTokenExpiry(settings: AccessTokenSettings, now: number, notAfter?: number): number {
  const full = now + settings.accessTokenTtlSeconds;
  return notAfter === undefined ? full : Math.min(full, notAfter);
}

/**
 * Signs an access token. `extra`: the claims hook's (already checked against the reserved names);
 * written first, so that no claim of it could ever stand in for one of ours.
 */
export async function signAccessToken(
  keys: KeySet,
  settings: AccessTokenSettings,
  subject: Subject,
  now: number,
  notAfter?: number,
  extra?: Readonly<Record<string, unknown>>,
): Promise<string> {
  return new SignJWT({
    ...extra,
    token_use: 'access',
    phone_number: subject.phoneNumber,
    session_epoch: subject.sessionEpoch ?? 0,
    // Left out of the JSON when undefined: no claim rather than a made-up login time.
    auth_time: subject.authTime,
    amr: subject.amr === undefined ? undefined : [...subject.amr],
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: keys.signing.kid, typ: 'JWT' })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject.userId)
    .setIssuedAt(now)
    .setExpirationTime(accessTokenExpiry(settings, now, notAfter))
    .setJti(randomUUID())
    .sign(keys.signing.key);
}

/**
 * Verifies an access token for a service that checks tokens itself rather than behind API Gateway's
 * JWT authorizer: signature against the JWKS (pinned to RS256, so `alg: none` or HMAC confusion
 * cannot pass), `iss`, `aud`, `exp`, and that it is an access token. It is not the authorizer's rule
 * set (no `kid` or future-`iat` check): the local server mirrors that one (scripts/local-authorizer.ts).
 */
export async function verifyAccessToken(
  token: string,
  jwks: readonly JWK[],
  expected: { issuer: string; audience: string; now: number },
): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [...jwks] }), {
      algorithms: [SIGNING_ALG],
      issuer: expected.issuer,
      audience: expected.audience,
      currentDate: new Date(expected.now * 1000),
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (!isAccessClaims(payload)) throw new AuthError('invalid_token');
    return payload;
  } catch (error) {
    throw new AuthError('invalid_token', { cause: error });
  }
}

/**
 * E.164: `+`, then at most 15 digits, the first not 0. Every number we sign is one; anything else (a
 * `phone_number` past DynamoDB's 2048-byte key limit among them) is refused before it becomes a key.
 */
const E164 = /^\+[1-9][0-9]{1,14}$/;

export function isAccessClaims(claims: JWTPayload | Record<string, unknown>): claims is AccessClaims {
  return (
    claims.token_use === 'access' &&
    typeof claims.sub === 'string' &&
    typeof claims.phone_number === 'string' &&
    E164.test(claims.phone_number)
  );
}

/** A refresh-token family id: 128 random bits, base64url (22 characters). */
export function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A refresh token: `<family id>.<256 random bits>`, base64url. The family id names the one item that
 * holds the family's state; the secret part makes the token unguessable.
 */
export function newRefreshToken(familyId: string): string {
  return `${familyId}.${randomBytes(32).toString('base64url')}`;
}

const REFRESH_TOKEN_SHAPE = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** The family a refresh token belongs to, or undefined when the string is not a refresh token at all. */
export function refreshTokenFamily(token: string): string | undefined {
  return REFRESH_TOKEN_SHAPE.exec(token)?.[1];
}

/** Compares two token hashes in constant time; a hash's prefix is no hint, but the habit is cheap. */
export function sameTokenHash(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Only this hash is stored: a leaked table does not leak usable tokens. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The child of a rotated token, derived rather than random: a replay of the parent inside the grace
 * window gets the same child back without the table ever holding a plaintext token, and a presented
 * old token can be proved an ancestor of the family's newest one. The server-side key keeps a thief
 * holding only a spent parent from computing its child.
 */
export function deriveChildRefreshToken(hmacKey: Buffer, parent: string): string {
  const familyId = refreshTokenFamily(parent) ?? '';
  return `${familyId}.${createHmac('sha256', hmacKey).update(parent).digest('base64url')}`;
}
