/**
 * `CLAIMS_HOOK=<path of an ES module>` for `npm start`: the module's default export, an async
 * function, stands in for the construct's `claims` function. Loaded once, at start: a path that does
 * not load, or a module without such an export, stops the server with a message saying which.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClaimsHook, ClaimsHookInput } from '../lambdas/core/claims-hook.js';

/** The environment variable naming the module (local mode only; in AWS the construct's `claims`). */
export const CLAIMS_HOOK_VARIABLE = 'CLAIMS_HOOK';

export async function loadClaimsHookModule(path: string): Promise<ClaimsHook> {
  const file = resolve(path);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new Error(`${CLAIMS_HOOK_VARIABLE}: cannot load ${file}: ${(error as Error).message}`);
  }
  const hook = loaded.default;
  if (typeof hook !== 'function') {
    throw new Error(
      `${CLAIMS_HOOK_VARIABLE}: ${file} has no default export that is a function (export default async function (input) { return { claims: {} }; })`,
    );
  }
  // Given the input alone, as the Lambda function is given its event; the deadline is raced, not signalled.
  return async (input: ClaimsHookInput) => (hook as (input: ClaimsHookInput) => unknown)(input);
}
