import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where every build output and scratch file of the benchmark goes (gitignored). */
export const BUILD_DIR = fileURLToPath(new URL('./.build/', import.meta.url));

/** An AWS SDK client a Lambda entry constructs; `dynamodb` is the low-level client wrapped in the document client. */
export type SdkClientName = 'dynamodb' | 'sns' | 'secrets-manager';

export interface HandlerSpec {
  /** `lambdas/functions/<name>.ts` */
  readonly name: string;
  /** The SDK clients its entry constructs: exactly what its floor bundle imports and constructs. */
  readonly clients: readonly SdkClientName[];
}

/** Every Lambda entry in lambdas/functions/, in the order the tables print them. */
export const HANDLERS: readonly HandlerSpec[] = [
  { name: 'send-otp', clients: ['dynamodb', 'sns'] },
  { name: 'verify-otp', clients: ['dynamodb', 'secrets-manager'] },
  { name: 'refresh-token', clients: ['dynamodb', 'secrets-manager'] },
  { name: 'logout', clients: ['dynamodb'] },
  { name: 'me', clients: [] },
  { name: 'well-known', clients: ['dynamodb'] },
  { name: 'not-found', clients: [] },
  { name: 'rotate-signing-key', clients: ['dynamodb', 'secrets-manager'] },
];

/** The floor's name: the client set, or `empty` for an entry that builds no client. */
export function floorName(clients: readonly SdkClientName[]): string {
  return clients.length === 0 ? 'empty' : clients.join('+');
}

export function bundlePath(name: string): string {
  return join(BUILD_DIR, 'bundles', name, 'index.mjs');
}

export function floorBundlePath(floor: string): string {
  return join(BUILD_DIR, 'floors', floor, 'index.mjs');
}
