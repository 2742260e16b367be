/**
 * Custom claims: the app's own hook (the construct's `claims` function; locally the module
 * `CLAIMS_HOOK` names) adds claims to the access token of a login, a passkey sign-in, a number change
 * and every refresh. It is asked once the proof is checked and before anything is spent or written,
 * so a hook that fails leaves the code, the challenge or the refresh token as it was: the user just
 * tries again. It fails closed: a hook that throws, is late, or answers anything but a plain
 * `{"claims": {...}}` of unreserved names within {@link MAX_CLAIMS_BYTES} issues nothing.
 *
 * Imported only by the claims entries' composition: a function without a hook bundles none of it.
 */
import { ACCESS_TOKEN_CLAIMS } from './access-token-claims.js';
import { AuthError } from './errors.js';
import { parsePhoneNumber } from './phone.js';
import type { AuthMethod } from './tokens.js';

/** Why the hook is asked: a login (an SMS code or a passkey: `amr` tells which), a number change, a refresh. */
export type ClaimsEvent = 'login' | 'number_change' | 'refresh';

/** What the hook is given, exactly (the JSON payload of the Lambda invoke). */
export interface ClaimsHookInput {
  readonly sub: string;
  /** E.164. */
  readonly phone_number: string;
  /** ISO 3166-1 alpha-2 region of the number; null for a number of no country (+800, +881, ...). */
  readonly country: string | null;
  readonly amr: readonly AuthMethod[];
  /** Epoch seconds of the login that started the session (a refresh keeps it). */
  readonly auth_time: number;
  readonly event: ClaimsEvent;
}

/**
 * The app's hook: resolves with its answer (parsed JSON), rejects when it failed. `signal` is aborted
 * at the deadline, so an adapter that can cancel its call (the Lambda invoke) does.
 */
export type ClaimsHook = (input: ClaimsHookInput, signal: AbortSignal) => Promise<unknown>;

/** The claims a hook added, as JSON would carry them. */
export type ExtraClaims = Readonly<Record<string, unknown>>;

/** The session the access token is for. */
export interface ClaimsSubject {
  readonly userId: string;
  readonly phoneNumber: string;
  readonly amr: readonly AuthMethod[];
  readonly authTime: number;
}

/**
 * Extra claims for an access token about to be signed; throws `service_unavailable` when the hook
 * failed. What the sessions are given when a hook is configured (see {@link extraClaimsFromHook}).
 */
export type ExtraClaimsSource = (subject: ClaimsSubject, event: ClaimsEvent) => Promise<ExtraClaims>;

/**
 * Claims a hook may neither set nor remove: the ones this service signs, `nbf` (which every verifier
 * acts on, and this service never sets), and the header's `kid` (a claim of that name would read as
 * the key's to a careless verifier).
 */
export const RESERVED_CLAIMS: readonly string[] = [...ACCESS_TOKEN_CLAIMS, 'nbf', 'kid'];

/** Bytes (UTF-8) of `JSON.stringify(claims)` a hook may add: every request carrying the token carries them. */
export const MAX_CLAIMS_BYTES = 2048;

/**
 * Seconds a client should wait after a failed hook: a hook that is down or overloaded is not helped
 * by an immediate retry, and 5 s is well inside a code's lifetime, so the same code still works.
 */
export const CLAIMS_HOOK_RETRY_AFTER_SECONDS = 5;

/** Why a hook failed, for the log and the metric: never a claim's value or a name the app chose. */
export type ClaimsHookFailure =
  | { readonly reason: 'timeout'; readonly timeoutMs: number }
  | { readonly reason: 'error'; readonly cause: unknown }
  | { readonly reason: 'malformed'; readonly what: string }
  | { readonly reason: 'reserved'; readonly claim: string }
  | { readonly reason: 'too_large'; readonly bytes: number };

export type ClaimsAnswer =
  | { readonly ok: true; readonly claims: ExtraClaims }
  | { readonly ok: false; readonly failure: ClaimsHookFailure };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function malformed(what: string): ClaimsAnswer {
  return { ok: false, failure: { reason: 'malformed', what } };
}

/**
 * Checks a hook's answer: a plain object whose only member is `claims`, itself a plain object
 * (absent or empty: no extra claims) of no reserved name, at most {@link MAX_CLAIMS_BYTES} as JSON.
 * Any other member is refused rather than ignored: `{"claim": ...}` would otherwise silently add
 * nothing. The claims returned are the JSON round trip of the answer's, so what is signed is exactly
 * what was measured (a local hook's `undefined` members are dropped, as JSON drops them), and the
 * names are checked on that round trip, not on the object given: a local hook's `toJSON` could
 * otherwise write names the check never saw (`nbf`, `kid`, which the service does not set itself).
 * A member named `__proto__`, at any depth, is refused: JSON keeps it as a plain name, but a verifier
 * that copies the claims into an object (`Object.assign`, a deep merge) would take it as the object's
 * prototype.
 */
export function checkClaimsAnswer(answer: unknown): ClaimsAnswer {
  if (!isPlainObject(answer)) return malformed('the answer is not a JSON object');
  const other = Object.keys(answer).find((key) => key !== 'claims');
  if (other !== undefined) return malformed('the answer has a member other than claims');
  const given = answer.claims;
  if (given === undefined) return { ok: true, claims: {} };
  if (!isPlainObject(given)) return malformed('claims is not a JSON object');
  let json: string | undefined;
  try {
    json = JSON.stringify(given);
  } catch {
    return malformed('claims cannot be written as JSON');
  }
  // A `toJSON` that answers undefined (or a function) writes no JSON at all.
  if (typeof json !== 'string') return malformed('claims cannot be written as JSON');
  let prototypeName = false;
  const claims: unknown = JSON.parse(json, (key, value: unknown) => {
    if (key === '__proto__') prototypeName = true;
    return value;
  });
  if (!isPlainObject(claims)) return malformed('claims is not a JSON object');
  if (prototypeName) return malformed('a claim is named __proto__');
  const reserved = Object.keys(claims).find((name) => RESERVED_CLAIMS.includes(name));
  if (reserved !== undefined) return { ok: false, failure: { reason: 'reserved', claim: reserved } };
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_CLAIMS_BYTES) return { ok: false, failure: { reason: 'too_large', bytes } };
  return { ok: true, claims };
}

/** The hook's input for a session: the country from the number's own metadata, as the send limits read it. */
export function claimsHookInput(subject: ClaimsSubject, event: ClaimsEvent): ClaimsHookInput {
  return {
    sub: subject.userId,
    phone_number: subject.phoneNumber,
    country: countryOf(subject.phoneNumber),
    amr: [...subject.amr],
    auth_time: subject.authTime,
    event,
  };
}

// A session outlives the metadata it was proved under: a number a newer libphonenumber no longer
// calls valid is a number of no known country, not a refresh refused with invalid_phone_number
// (as the account events' countryOf reads it).
function countryOf(phoneNumber: string): string | null {
  try {
    return parsePhoneNumber(phoneNumber).country ?? null;
  } catch {
    return null;
  }
}

/**
 * Asks the hook, within `timeoutMs`: at the deadline the call is aborted (for an adapter that can
 * cancel it) and no longer waited for, whether or not it ever settles.
 */
export async function askClaimsHook(
  hook: ClaimsHook,
  input: ClaimsHookInput,
  timeoutMs: number,
): Promise<ClaimsAnswer> {
  const controller = new AbortController();
  const timedOut: ClaimsAnswer = { ok: false, failure: { reason: 'timeout', timeoutMs } };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<ClaimsAnswer>((resolve) => {
    timer = setTimeout(() => {
      // Settled before the abort: the adapter's own abort error can never win the race as an error.
      resolve(timedOut);
      controller.abort();
    }, timeoutMs);
  });
  const asked = Promise.resolve()
    .then(() => hook(input, controller.signal))
    .then(checkClaimsAnswer, (cause: unknown): ClaimsAnswer => ({ ok: false, failure: { reason: 'error', cause } }));
  try {
    return await Promise.race([asked, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The failure in a few words, for `AuthError.detail` (logged, never answered). */
export function describeClaimsHookFailure(failure: ClaimsHookFailure): string {
  switch (failure.reason) {
    case 'timeout':
      return `claims hook timed out after ${failure.timeoutMs} ms`;
    case 'error':
      return 'claims hook failed';
    case 'malformed':
      return `claims hook answered badly: ${failure.what}`;
    case 'reserved':
      return `claims hook set the reserved claim ${failure.claim}`;
    case 'too_large':
      return `claims hook answered ${failure.bytes} bytes of claims (at most ${MAX_CLAIMS_BYTES})`;
  }
}

/**
 * The sessions' {@link ExtraClaimsSource} over a hook: asks it within `timeoutMs` and turns any
 * failure into `503 service_unavailable` with a Retry-After, after telling `onFailure` (the metric
 * and the log line).
 */
export function extraClaimsFromHook(
  hook: ClaimsHook,
  settings: { readonly timeoutMs: number },
  onFailure: (failure: ClaimsHookFailure) => void = () => {},
): ExtraClaimsSource {
  return async (subject, event) => {
    const answer = await askClaimsHook(hook, claimsHookInput(subject, event), settings.timeoutMs);
    if (answer.ok) return answer.claims;
    onFailure(answer.failure);
    throw new AuthError('service_unavailable', {
      retryAfterSeconds: CLAIMS_HOOK_RETRY_AFTER_SECONDS,
      detail: describeClaimsHookFailure(answer.failure),
      ...(answer.failure.reason === 'error' ? { cause: answer.failure.cause } : {}),
    });
  };
}
