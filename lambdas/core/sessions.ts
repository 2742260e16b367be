import type { ClaimsEvent, ExtraClaims, ExtraClaimsSource } from './claims-hook.js';
import { type Clock, epochSeconds, MAX_WRITE_TRIES } from './clock.js';
import { AuthError } from './errors.js';
import { ownsSession } from './phone-record.js';
import type { NumberHolders, PhoneRecordStore, RefreshFamily, RefreshFamilyStore, SigningKeySource } from './ports.js';
import {
  type AuthMethod,
  accessTokenExpiry,
  deriveChildRefreshToken,
  hashRefreshToken,
  newFamilyId,
  newRefreshToken,
  refreshTokenFamily,
  SMS_AMR,
  type Subject,
  sameTokenHash,
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
  readonly refreshFamilies: RefreshFamilyStore;
  readonly keys: SigningKeySource;
  readonly clock: Clock;
  readonly sessions: SessionSettings;
  /**
   * The app's claims hook, when one is configured: asked for every access token issued, after the
   * proof is checked and before anything is written, so a failing hook spends nothing.
   */
  readonly claims?: ExtraClaimsSource;
}

/**
 * Rotations one family may go through before its user must log in again: a token refreshed every
 * 5 minutes for the default 30 days stays below it. It bounds the HMAC chain walked to prove an old
 * token an ancestor (about 1 µs a step), so no request can cost more than ~10 ms of CPU.
 */
export const MAX_FAMILY_GENERATION = 10_000;

/** `AuthError.detail` when a spent refresh token came back: the family was revoked. */
export const REFRESH_TOKEN_REUSE = 'refresh_token_reuse';

/** The pair for a family ending at `familyExpiresAt`: the access token never outlives the family. */
async function tokenPair(
  deps: Pick<SessionDeps, 'keys' | 'sessions'>,
  subject: Subject & { readonly authTime: number },
  refresh: string,
  now: number,
  familyExpiresAt: number,
  extra: ExtraClaims | undefined,
): Promise<TokenPair> {
  const keys = await deps.keys.load();
  const access = await signAccessToken(keys, deps.sessions, subject, now, familyExpiresAt, extra);
  const expiresIn = accessTokenExpiry(deps.sessions, now, familyExpiresAt) - now;
  return { access, refresh, token_type: 'Bearer', expires_in: expiresIn };
}

/**
 * A new session: its family (not yet stored) and the tokens to hand out once it is. `sessionEpoch` is
 * the user's at login: "sign out everywhere" moves the user's on and so ends this family. Only a
 * proved login starts a session (an SMS code, or a passkey's assertion: `subject.amr` says which), so
 * its start is the session's `auth_time`, and its `amr` the session's, both kept by every refresh.
 * With a claims hook, the hook is asked here (`event`), before the caller writes anything.
 */
export async function newSession(
  deps: Omit<SessionDeps, 'refreshFamilies'>,
  subject: Subject,
  sessionEpoch: number,
  event: ClaimsEvent = 'login',
): Promise<{ family: RefreshFamily; tokens: TokenPair }> {
  const now = epochSeconds(deps.clock);
  const familyId = newFamilyId();
  const refresh = newRefreshToken(familyId);
  const familyExpiresAt = now + deps.sessions.refreshTokenTtlSeconds;
  // A code's login unless the caller says otherwise (a passkey's says ["hwk", ...]).
  const amr = subject.amr ?? SMS_AMR;
  const family: RefreshFamily = {
    familyId,
    userId: subject.userId,
    phoneNumber: subject.phoneNumber,
    familyExpiresAt,
    createdAt: now,
    headHash: hashRefreshToken(refresh),
    generation: 0,
    authTime: now,
    amr,
    ...(sessionEpoch === 0 ? {} : { sessionEpoch }),
  };
  const extra = await deps.claims?.(
    { userId: subject.userId, phoneNumber: subject.phoneNumber, amr, authTime: now },
    event,
  );
  return {
    family,
    tokens: await tokenPair(
      deps,
      { ...subject, sessionEpoch, authTime: now, amr },
      refresh,
      now,
      familyExpiresAt,
      extra,
    ),
  };
}

/** Starts a new refresh-token family at login. */
export async function issueTokens(deps: SessionDeps, subject: Subject, sessionEpoch = 0): Promise<TokenPair> {
  const { family, tokens } = await newSession(deps, subject, sessionEpoch);
  await deps.refreshFamilies.create(family);
  return tokens;
}

/** Refresh also reads who holds the number: a family lives only while its user holds the number. */
export interface RefreshDeps extends SessionDeps {
  readonly holders: NumberHolders;
}

/**
 * The `auth_time` every token of the family carries. A family stored before `authTime` existed was
 * still created by the login that started it (verify-otp or a number change's confirmation; nothing
 * else creates one), so its `createdAt` is that login's time: its old sessions age out of the
 * recent-login routes exactly as new ones do.
 */
export function familyAuthTime(family: Pick<RefreshFamily, 'authTime' | 'createdAt'>): number {
  return family.authTime ?? family.createdAt;
}

/** The `amr` every token of the family carries: a family stored before `amr` existed was started by an SMS code. */
export function familyAmr(family: Pick<RefreshFamily, 'amr'>): readonly AuthMethod[] {
  return family.amr ?? SMS_AMR;
}

/** Whether `token` is an earlier token of the family: some number of derivations turns it into the head. */
function isAncestor(token: string, family: RefreshFamily, hmacKey: Buffer): boolean {
  let current = token;
  for (let step = 0; step < Math.min(family.generation, MAX_FAMILY_GENERATION); step++) {
    current = deriveChildRefreshToken(hmacKey, current);
    if (sameTokenHash(hashRefreshToken(current), family.headHash)) return true;
  }
  return false;
}

export interface RefreshResult {
  readonly tokens: TokenPair;
  readonly userId: string;
  readonly outcome: 'rotated' | 'grace_replay';
}

/**
 * Rotates a refresh token. Only the family's head may rotate, by one conditional write. A proven
 * older token of the family is reuse: the family is revoked, so a stolen token dies as soon as
 * either party refreshes. The grace window excuses exactly one thing: a replay of the head's
 * immediate parent within the window after its rotation returns the same child, never a second
 * one, so the family never forks. Any older token revokes, always.
 */
export async function refreshTokens(deps: RefreshDeps, presented: string): Promise<RefreshResult> {
  const familyId = refreshTokenFamily(presented);
  if (!familyId) throw new AuthError('invalid_token');
  const presentedHash = hashRefreshToken(presented);
  let ownerChecked = false;
  // Asked once per request, however many write races it loses: the session it asks about is the same.
  // Settled, not thrown: a session that ended must answer 401 even while the hook is failing.
  let extra: Promise<{ claims: ExtraClaims | undefined } | { failure: unknown }> | undefined;
  const extraClaims = (subject: Subject & { authTime: number; amr: readonly AuthMethod[] }) => {
    extra ??= Promise.resolve(deps.claims?.(subject, 'refresh')).then(
      (claims) => ({ claims }),
      (failure: unknown) => ({ failure }),
    );
    return extra;
  };

  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(deps.clock);
    const family = await deps.refreshFamilies.get(familyId, now);
    if (!family || family.revokedAt !== undefined) throw new AuthError('invalid_token');
    const subject = {
      userId: family.userId,
      phoneNumber: family.phoneNumber,
      sessionEpoch: family.sessionEpoch ?? 0,
      authTime: familyAuthTime(family),
      amr: familyAmr(family),
    };
    const keys = await deps.keys.load();
    const child = deriveChildRefreshToken(keys.refreshHmacKey, presented);
    const childHash = hashRefreshToken(child);
    const isHead = sameTokenHash(presentedHash, family.headHash);
    const inGrace =
      !isHead &&
      sameTokenHash(presentedHash, family.previousHash) &&
      sameTokenHash(family.headHash, childHash) &&
      now - (family.rotatedAt ?? 0) < deps.sessions.refreshReuseGraceSeconds;
    // The hook before the owner check, not after: the rotation below is conditioned on the family
    // only, so the owner check must stay right before it. Asked after it, a slow hook (up to
    // CLAIMS_HOOK_TIMEOUT_MS) would let a refresh that began before "sign out everywhere" committed
    // rotate after it, and hand out a fresh access token of a session already ended.
    const asked = isHead || inGrace ? await extraClaims(subject) : undefined;
    if (!ownerChecked) {
      // Deleted account, number moved to another user or to a new number, signed out everywhere: the
      // family ended with any of them, whatever its own item says. Read once: a race lost to a
      // concurrent refresh re-reads the family, not its owner.
      const holder = await deps.holders.holderOf(family.phoneNumber, now);
      if (!ownsSession(holder, family)) throw new AuthError('invalid_token', { detail: 'session_ended' });
      ownerChecked = true;
    }
    // A failing hook leaves the presented token the family's head (or in its grace), still valid.
    if (asked && 'failure' in asked) throw asked.failure;
    const claims = asked && 'claims' in asked ? asked.claims : undefined;

    if (isHead) {
      const rotated = await deps.refreshFamilies.rotate(familyId, {
        fromHash: presentedHash,
        toHash: childHash,
        at: now,
        maxGeneration: MAX_FAMILY_GENERATION,
        userId: family.userId,
      });
      if (rotated) {
        return {
          tokens: await tokenPair(deps, subject, child, now, family.familyExpiresAt, claims),
          userId: family.userId,
          outcome: 'rotated',
        };
      }
      continue; // a concurrent refresh moved the head: decide again on what it wrote
    }
    if (inGrace) {
      return {
        tokens: await tokenPair(deps, subject, child, now, family.familyExpiresAt, claims),
        userId: family.userId,
        outcome: 'grace_replay',
      };
    }
    if (isAncestor(presented, family, keys.refreshHmacKey)) {
      // Any older token, or the parent after the window, is reuse, however recently the family
      // rotated: otherwise a thief refreshing faster than the window would keep that condition true
      // for ever, and the victim's token would be refused without ending the thief's session.
      await deps.refreshFamilies.revoke(familyId, now);
      throw new AuthError('invalid_token', { detail: REFRESH_TOKEN_REUSE });
    }
    // Right family id, but not a token this family ever issued: refuse without touching the family.
    throw new AuthError('invalid_token');
  }
  throw new AuthError('invalid_token');
}

/**
 * Ends the session a refresh token belongs to, with one conditional write: the token must be the
 * family's current or previous one, so a family id alone (say, from a truncated log line) is not
 * enough. Idempotent: logging out again with the same token answers the same.
 */
export async function logout(deps: Pick<SessionDeps, 'refreshFamilies' | 'clock'>, presented: string): Promise<void> {
  const familyId = refreshTokenFamily(presented);
  if (!familyId) throw new AuthError('invalid_token');
  const revoked = await deps.refreshFamilies.revoke(familyId, epochSeconds(deps.clock), hashRefreshToken(presented));
  if (!revoked) throw new AuthError('invalid_token');
}

export interface LogoutEverywhereDeps extends Pick<SessionDeps, 'refreshFamilies' | 'clock'> {
  readonly records: Pick<PhoneRecordStore, 'endSessions'>;
}

/**
 * Ends every session of the token's user ("sign out everywhere"), this one included: one read of the
 * family (the token must be its current or previous one, as for a logout) and one conditional write
 * of the user's session epoch, so any number of families end at once, whoever holds them. Only a
 * live session can do it: a token whose session has already ended (logged out, revoked for reuse,
 * signed out everywhere, account deleted or number moved) answers `invalid_token`, so a stale
 * stolen token cannot end the sessions its user started since.
 */
export async function logoutEverywhere(deps: LogoutEverywhereDeps, presented: string): Promise<{ userId: string }> {
  const familyId = refreshTokenFamily(presented);
  if (!familyId) throw new AuthError('invalid_token');
  const presentedHash = hashRefreshToken(presented);
  const family = await deps.refreshFamilies.get(familyId, epochSeconds(deps.clock));
  const holdsSession =
    family !== undefined &&
    family.revokedAt === undefined &&
    (sameTokenHash(presentedHash, family.headHash) || sameTokenHash(presentedHash, family.previousHash));
  if (!holdsSession) throw new AuthError('invalid_token');
  const ended = await deps.records.endSessions(family.phoneNumber, {
    userId: family.userId,
    sessionEpoch: family.sessionEpoch ?? 0,
    by: 'user',
  });
  if (!ended) throw new AuthError('invalid_token', { detail: 'session_ended' });
  return { userId: family.userId };
}
