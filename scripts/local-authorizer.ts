import { createLocalJWKSet, decodeProtectedHeader, errors, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { SIGNING_ALG } from '../lambdas/core/signing-keys.js';

/**
 * Local mode's stand-in for API Gateway's HTTP API JWT authorizer, which runs before `/me` in AWS.
 * It applies the documented checks (AWS, "Control access to HTTP APIs with JWT authorizers"), no
 * more and no fewer, so what passes locally passes in AWS:
 *
 * 1. The identity source (the Authorization header) holds the token, bare or after `Bearer `.
 * 2. The signature algorithm is RS256: API Gateway takes only RSA algorithms, and every key we
 *    publish declares RS256, so no other algorithm can verify against our JWKS.
 * 3. The header has a `kid` that names a key in the JWKS, and that key verifies the signature.
 * 4. `exp` is after the current time.
 * 5. `nbf`, when present, is not after the current time.
 * 6. `iat` is not after the current time.
 * 7. `iss` equals the configured issuer.
 * 8. `aud` includes one of the configured audiences; only when there is no `aud`, `client_id`
 *    must equal one of them instead.
 *
 * `scope`/`scp` are checked only on routes that list authorization scopes; ours list none.
 * `token_use` is not the authorizer's business: the `/me` handler checks it, in AWS too.
 * A token without `exp` or `iat` is refused, as neither "after" nor "before the current time" can
 * hold for a missing claim. No clock tolerance: AWS documents none.
 */
export interface JwtAuthorizerConfig {
  readonly issuer: string;
  readonly audiences: readonly string[];
}

/** Which rule refused a token; API Gateway answers 401 for each alike, so only tests and logs care. */
export type AuthorizerRefusal =
  | 'no_token'
  | 'malformed'
  | 'alg'
  | 'kid'
  | 'signature'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'iss'
  | 'aud';

export type AuthorizerResult =
  | { readonly ok: true; readonly claims: Record<string, string> }
  | { readonly ok: false; readonly refusal: AuthorizerRefusal };

/** Authorizes a request from its Authorization header, at `now` (epoch seconds). */
export async function authorizeJwt(
  authorization: string | undefined,
  jwks: readonly JWK[],
  config: JwtAuthorizerConfig,
  now: number,
): Promise<AuthorizerResult> {
  const token = tokenFrom(authorization);
  if (!token) return refuse('no_token');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return refuse('malformed');
  }
  if (header.alg !== SIGNING_ALG) return refuse('alg');
  // jose would pick the only key of a one-key set for a token without a kid; API Gateway refuses it.
  if (typeof header.kid !== 'string') return refuse('kid');

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet({ keys: [...jwks] }), {
      algorithms: [SIGNING_ALG],
      issuer: config.issuer,
      requiredClaims: ['exp', 'iat'],
      currentDate: new Date(now * 1000),
      clockTolerance: 0,
    }));
  } catch (error) {
    return refuse(refusalOf(error));
  }
  // jose checks `iat` against the clock only together with maxTokenAge, which API Gateway has not.
  if ((payload.iat as number) > now) return refuse('iat');
  if (!audienceMatches(payload, config.audiences)) return refuse('aud');

  // API Gateway hands claims to the Lambda as strings.
  return {
    ok: true,
    claims: Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ),
  };
}

/** The token alone, or after `Bearer ` as written: AWS documents no other spelling of the prefix. */
function tokenFrom(authorization: string | undefined): string | undefined {
  const value = authorization ?? '';
  return (/^Bearer (\S+)$/.exec(value)?.[1] ?? value) || undefined;
}

function audienceMatches(payload: JWTPayload, audiences: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).some((aud) => audiences.includes(aud));
  }
  return typeof payload.client_id === 'string' && audiences.includes(payload.client_id);
}

function refusalOf(error: unknown): AuthorizerRefusal {
  if (error instanceof errors.JWKSNoMatchingKey) return 'kid';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg';
  if (error instanceof errors.JWTExpired) return 'exp';
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'exp' || claim === 'nbf' || claim === 'iat' || claim === 'iss') return claim;
  }
  return 'malformed';
}

function refuse(refusal: AuthorizerRefusal): AuthorizerResult {
  return { ok: false, refusal };
}
