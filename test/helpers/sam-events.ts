import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import type { FunctionName } from '../../lambdas/registry.js';

/** The `sam local` sample events and env file of CONTRIBUTING.md. */
export const EVENTS_DIR = 'events';
export const SAM_ENV_FILE = 'sam-env.json';
/** The key rotation's event: `{}` republishes the current key set's public keys. */
export const REPUBLISH_KEYS_EVENT = 'republish-keys.json';

/** What `sam local --env-vars` reads: a `Parameters` section for every function, and one per function. */
export type SamEnvFile = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export function readSamEnvFile(): SamEnvFile {
  return JSON.parse(readFileSync(join(EVENTS_DIR, SAM_ENV_FILE), 'utf8')) as SamEnvFile;
}

/** Every payload-v2 event in events/, by file name: all but the env file and the rotation's event. */
export function apiEventFiles(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((name) => name.endsWith('.json') && name !== SAM_ENV_FILE && name !== REPUBLISH_KEYS_EVENT)
    .sort();
}

export function readEvent(name: string): ApiEvent {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as ApiEvent;
}

/** The function API Gateway hands the event to, by its route key; `$default` is the not-found function. */
export function functionOf(event: ApiEvent): FunctionName {
  if (event.routeKey === '$default') return 'not-found';
  const route = ROUTES.find((r) => `${r.method} ${r.path}` === event.routeKey);
  if (!route) throw new Error(`no route has the key "${event.routeKey}"`);
  return route.fn;
}

/** The route keys an event must exist for: each route once (not its trailing-slash spelling), and `$default`. */
export function routeKeysNeedingAnEvent(): string[] {
  return [
    ...ROUTES.filter((r) => r.path === '/' || !r.path.endsWith('/')).map((r) => `${r.method} ${r.path}`),
    '$default',
  ];
}

/** The event with its `<... from verify-otp>` placeholders filled in, as a user pastes tokens into a copy. */
export function withTokens(
  event: ApiEvent,
  tokens: { refresh?: string; access?: string; sub?: string; authTime?: number },
): ApiEvent {
  let text = JSON.stringify(event);
  if (tokens.sub !== undefined) text = text.replaceAll('<sub from verify-otp>', tokens.sub);
  // The account routes need a recent login: the auth_time of the access token verify-otp returned.
  if (tokens.authTime !== undefined) text = text.replaceAll('<auth_time from verify-otp>', String(tokens.authTime));
  if (tokens.refresh !== undefined) text = text.replaceAll('<refresh token from verify-otp>', tokens.refresh);
  if (tokens.access !== undefined) text = text.replaceAll('<access token from verify-otp>', tokens.access);
  return JSON.parse(text) as ApiEvent;
}
