/**
 * A typed client for otp-login: openapi-fetch over the types openapi-typescript generated from
 * docs/openapi.yaml (api.generated.ts). Copy this folder into an app; regenerate the types with
 * `npx openapi-typescript <base URL>/openapi.json -o api.generated.ts` when the API changes.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api.generated.js';

export type TokenPair = components['schemas']['TokenPair'];
export type Me = components['schemas']['Me'];
export type ErrorCode = components['schemas']['ErrorCode'];
export type OtpLoginClient = Client<paths>;

/** What a refused request may carry: the service's error, or API Gateway's own message. */
type ErrorBody = components['schemas']['Error'] | components['schemas']['GatewayMessage'];

export interface ClientOptions {
  /** A custom fetch (tests, logging, certificate pinning); defaults to the global fetch. */
  readonly fetch?: (request: Request) => Promise<Response>;
  /**
   * The longest `Retry-After` (seconds) of a `429` or `503` the client waits out itself, then retries
   * the request once; a longer wait is left to the caller, as an {@link OtpLoginError} with
   * `retryAfterSeconds`. `0` never waits.
   * @default 60 (one `SEND_COOLDOWN_SECONDS` at its default)
   */
  readonly maxRetryWaitSeconds?: number;
  /** How the client waits before its retry (tests pass one that does not); defaults to a timer. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** The default of {@link ClientOptions.maxRetryWaitSeconds}. */
export const MAX_RETRY_WAIT_SECONDS = 60;

export function createOtpLoginClient(baseUrl: string, options: ClientOptions = {}): OtpLoginClient {
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const maxWait = options.maxRetryWaitSeconds ?? MAX_RETRY_WAIT_SECONDS;
  const sleep =
    options.sleep ?? ((milliseconds: number) => new Promise<void>((done) => setTimeout(done, milliseconds)));
  return createClient<paths>({ baseUrl, fetch: retryingOnce(fetch, maxWait, sleep) });
}

/**
 * A `429` or `503` with `Retry-After` was not acted on: waiting that long and sending the request
 * again is what the service asks (a send cooldown, a starting server, AWS throttling). Only once,
 * and only for a short wait: a second refusal, or a long lockout, goes to the caller to show.
 * A refused request changed nothing, so sending it again cannot do anything twice.
 */
function retryingOnce(
  fetch: (request: Request) => Promise<Response>,
  maxWaitSeconds: number,
  sleep: (milliseconds: number) => Promise<void>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    // The body can be read once: keep a copy for the retry before sending.
    const retry = request.clone();
    const first = await fetch(request);
    const wait = retryAfterSeconds(first);
    if ((first.status !== 429 && first.status !== 503) || wait === undefined || wait > maxWaitSeconds) return first;
    await first.body?.cancel();
    await sleep(wait * 1000);
    return fetch(retry);
  };
}

/** `Retry-After` in seconds, as this service sends it (never an HTTP date). */
function retryAfterSeconds(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  const seconds = Number(header);
  return header !== null && Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * A request the API refused. Switch on `code` (never on the message); it is undefined when API
 * Gateway answered before the service did (throttling, its JWT authorizer, a crashed function).
 */
export class OtpLoginError extends Error {
  override readonly name = 'OtpLoginError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode | undefined,
    message: string,
    /** Seconds to wait before retrying, from `Retry-After` (429 and 503). */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

function refused(response: Response, body: ErrorBody | undefined): OtpLoginError {
  const wait = retryAfterSeconds(response);
  const sentence = body && 'code' in body ? body.error : (body?.message ?? response.statusText);
  // Said in the message too, so that whoever reads only the message knows how long to wait.
  const message = wait === undefined ? sentence : `${sentence} Retry after ${wait} s.`;
  return new OtpLoginError(response.status, body && 'code' in body ? body.code : undefined, message, wait);
}

/** Sends the login code by SMS; resolves with how many seconds the code stays valid. */
export async function sendOtp(client: OtpLoginClient, phoneNumber: string): Promise<number> {
  const { data, error, response } = await client.POST('/send-otp', { body: { phone_number: phoneNumber } });
  if (!data) throw refused(response, error);
  return data.expires_in;
}

/** Trades the code from the SMS for tokens. `invalid_otp` covers every wrong, expired or used code. */
export async function verifyOtp(client: OtpLoginClient, phoneNumber: string, otp: string): Promise<TokenPair> {
  const { data, error, response } = await client.POST('/verify-otp', { body: { phone_number: phoneNumber, otp } });
  if (!data) throw refused(response, error);
  return data;
}

/** The signed-in user, for an access token. */
export async function getMe(client: OtpLoginClient, access: string): Promise<Me> {
  const { data, error, response } = await client.GET('/me', { headers: { authorization: `Bearer ${access}` } });
  if (!data) throw refused(response, error);
  return data;
}

/**
 * Rotates the refresh token: keep the new pair and forget the old one, since presenting a spent
 * refresh token again revokes the whole session (`invalid_token`).
 */
export async function refreshTokens(client: OtpLoginClient, refresh: string): Promise<TokenPair> {
  const { data, error, response } = await client.POST('/token/refresh', { body: { refresh } });
  if (!data) throw refused(response, error);
  return data;
}

/** Ends the session the refresh token belongs to. */
export async function logout(client: OtpLoginClient, refresh: string): Promise<void> {
  const { error, response } = await client.POST('/logout', { body: { refresh } });
  if (!response.ok) throw refused(response, error);
}

/** Ends every session of the user, this one included ("sign out of all devices"). */
export async function logoutEverywhere(client: OtpLoginClient, refresh: string): Promise<void> {
  const { error, response } = await client.POST('/logout', { body: { refresh, all: true } });
  if (!response.ok) throw refused(response, error);
}

/** Deletes the account (the store-required "delete my account"); every session of the user ends. */
export async function deleteAccount(client: OtpLoginClient, access: string): Promise<void> {
  const { error, response } = await client.DELETE('/me', { headers: { authorization: `Bearer ${access}` } });
  if (!response.ok) throw refused(response, error);
}

/**
 * First step of a number change: sends a code to the new number; resolves with its lifetime.
 * `phone_number_taken` (409): the number belongs to another account.
 */
export async function requestNumberChange(
  client: OtpLoginClient,
  access: string,
  phoneNumber: string,
): Promise<number> {
  const { data, error, response } = await client.POST('/me/phone-number', {
    headers: { authorization: `Bearer ${access}` },
    body: { phone_number: phoneNumber },
  });
  if (!data) throw refused(response, error);
  return data.expires_in;
}

/** Second step: the code from the new number's SMS. The user keeps its `sub`; keep the new pair. */
export async function confirmNumberChange(
  client: OtpLoginClient,
  access: string,
  phoneNumber: string,
  otp: string,
): Promise<TokenPair> {
  const { data, error, response } = await client.POST('/me/phone-number/verify', {
    headers: { authorization: `Bearer ${access}` },
    body: { phone_number: phoneNumber, otp },
  });
  if (!data) throw refused(response, error);
  return data;
}
