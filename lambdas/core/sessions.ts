import { randomUUID } from 'node:crypto';
import { type Clock, epochSeconds } from './clock.js';
import { AuthError } from './errors.js';
import type { RefreshTokenRecord, RefreshTokenStore, SigningKeySource } from './ports.js';
import {
  deriveChildRefreshToken,
  hashRefreshToken,
  isRefreshTokenShape,
  newRefreshToken,
  type Subject,
  signAccessToken,
  type TokenPair,
} from './tokens.js';

export interface SessionSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
}

export interface SessionDeps {
  readonly refreshTokens: RefreshTokenStore;
  readonly keys: SigningKeySource;
  readonly clock: Clock;
  readonly sessions: SessionSettings;
}

async function tokenPair(deps: SessionDeps, subject: Subject, refresh: string, now: number): Promise<TokenPair> {
  const keys = await deps.keys.load();
  const access = await signAccessToken(keys, deps.sessions, subject, now);
  return { access, refresh, token_type: 'Bearer', expires_in: deps.sessions.accessTokenTtlSeconds };
}

/** Starts a new refresh-token family at login. */
export async function issueTokens(deps: SessionDeps, subject: Subject): Promise<TokenPair> {
  const now = epochSeconds(deps.clock);
  const refresh = newRefreshToken();
  await deps.refreshTokens.create({
    tokenHash: hashRefreshToken(refresh),
    userId: subject.userId,
    phoneNumber: subject.phoneNumber,
    familyId: randomUUID(),
    familyExpiresAt: now + deps.sessions.refreshTokenTtlSeconds,
    createdAt: now,
  });
  return tokenPair(deps, subject, refresh, now);
}

function isLive(record: RefreshTokenRecord | undefined, now: number): record is RefreshTokenRecord {
  return record !== undefined && record.revokedAt === undefined && record.familyExpiresAt > now;
}

// A family refreshed every few minutes for a year stays far below this; it only bounds a broken chain.
const MAX_CHAIN_LENGTH = 200_000;

/** Revokes a token and every descendant: the whole family from that point on, its newest token included. */
export async function revokeFamilyFrom(
  store: RefreshTokenStore,
  tokenHash: string,
  now: number,
  retainUntil: number,
): Promise<void> {
  let next: string | undefined = tokenHash;
  for (let i = 0; next && i < MAX_CHAIN_LENGTH; i++) {
    ({ childHash: next } = await store.revoke(next, now, retainUntil));
  }
}

/** `AuthError.detail` when a spent refresh token came back: the family was revoked. */
export const REFRESH_TOKEN_REUSE = 'refresh_token_reuse';

export interface RefreshResult {
  readonly tokens: TokenPair;
  readonly userId: string;
  readonly outcome: 'rotated' | 'grace_replay';
}

/**
 * Rotates a refresh token. A spent token presented again is reuse: the family is revoked, so a
 * stolen token dies as soon as either party refreshes. Inside the grace window a replay returns
 * the same child, never a second one, so the family never forks.
 */
export async function refreshTokens(deps: SessionDeps, presented: string): Promise<RefreshResult> {
  if (!isRefreshTokenShape(presented)) throw new AuthError('invalid_token');
  const parentHash = hashRefreshToken(presented);

  for (let attempt = 0; attempt < 2; attempt++) {
    const now = epochSeconds(deps.clock);
    const parent = await deps.refreshTokens.get(parentHash, now);
    if (!isLive(parent, now)) throw new AuthError('invalid_token');
    const subject = { userId: parent.userId, phoneNumber: parent.phoneNumber };
    const keys = await deps.keys.load();
    const child = deriveChildRefreshToken(keys.refreshHmacKey, presented);
    const childHash = hashRefreshToken(child);

    if (parent.rotatedAt !== undefined) {
      const inGrace = now - parent.rotatedAt < deps.sessions.refreshReuseGraceSeconds && parent.childHash === childHash;
      if (inGrace && isLive(await deps.refreshTokens.get(childHash, now), now)) {
        return { tokens: await tokenPair(deps, subject, child, now), userId: parent.userId, outcome: 'grace_replay' };
      }
      await revokeFamilyFrom(deps.refreshTokens, parentHash, now, parent.familyExpiresAt);
      throw new AuthError('invalid_token', { detail: REFRESH_TOKEN_REUSE });
    }

    if (!(await deps.refreshTokens.markRotated(parentHash, childHash, now))) continue;
    const created = await deps.refreshTokens.create({
      tokenHash: childHash,
      userId: parent.userId,
      phoneNumber: parent.phoneNumber,
      familyId: parent.familyId,
      // Rotation never extends the family: its end is fixed at login.
      familyExpiresAt: parent.familyExpiresAt,
      createdAt: now,
    });
    // A revocation overtook us and left a tombstone where the child would go.
    if (!created) throw new AuthError('invalid_token');
    return { tokens: await tokenPair(deps, subject, child, now), userId: parent.userId, outcome: 'rotated' };
  }
  throw new AuthError('invalid_token');
}

/**
 * Ends the session the refresh token belongs to. Idempotent: a token that is already revoked or
 * expired answers like a successful logout; only a token we never issued is refused.
 */
export async function logout(deps: Pick<SessionDeps, 'refreshTokens' | 'clock'>, presented: string): Promise<void> {
  if (!isRefreshTokenShape(presented)) throw new AuthError('invalid_token');
  const hash = hashRefreshToken(presented);
  const now = epochSeconds(deps.clock);
  const record = await deps.refreshTokens.get(hash, now);
  if (!record) throw new AuthError('invalid_token');
  if (record.familyExpiresAt <= now) return;
  await revokeFamilyFrom(deps.refreshTokens, hash, now, record.familyExpiresAt);
}
