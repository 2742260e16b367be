import type { ApiEvent, ApiHandler } from './api-event.js';

/**
 * The path the API is mounted under: the issuer's own path (`https://auth.example.com/login` ->
 * `/login`), empty when it is served at the root. Behind a custom domain's API mapping, API Gateway
 * routes `/login/send-otp` to `POST /send-otp` but hands the function the path as the client sent it,
 * mapping key included, so every handler that reads the path must see it without that prefix.
 */
export function basePathOf(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

/**
 * `ENV.issuer`, spelled here (a test keeps them equal): lambdas/config.ts would bring the whole
 * settings table into the not-found function, which reads no other setting (+17 KB, +6% of its import).
 */
export const ISSUER_VARIABLE = 'ISSUER';

/**
 * The handler, given events whose `rawPath` is relative to the API: the base path taken off when the
 * request carries it. At the root (every runtime but a custom domain with a base path) it is the
 * handler itself, so nothing is added to a request.
 */
export function mountedAt(basePath: string, handler: ApiHandler): ApiHandler {
  if (basePath === '') return handler;
  return (event: ApiEvent) => {
    const { rawPath } = event;
    const within = rawPath === basePath || rawPath.startsWith(`${basePath}/`);
    return handler(within ? { ...event, rawPath: rawPath.slice(basePath.length) || '/' } : event);
  };
}
