import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import {
  END_USER_MESSAGING_CLIENT_CONFIG,
  LAMBDA_CLIENT_CONFIG,
  SNS_CLIENT_CONFIG,
} from '../lambdas/functions/lambda-runtime.js';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../lambdas/registry.js';
import { buildBundle, esbuildBuildOptions, lambdaEntry } from '../lib/constructs/bundling.js';
import { NARROW_WEBAUTHN_ENTRIES } from '../lib/constructs/narrow-webauthn.js';

/** Bundles, events and other scratch files of a run (gitignored). */
export const BUILD_DIR = fileURLToPath(new URL('./.build/', import.meta.url));

export type SdkClient = 'dynamodb' | 'sns' | 'end-user-messaging' | 'secrets-manager' | 'lambda';
/** The functions that ask a claims hook when the construct has `claims` (lambdas/registry.ts). */
const CLAIMS_FUNCTIONS = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].claimsHook);
/** `lambdas/functions/<name>.ts` */
export type EntryName =
  | FunctionName
  | 'send-otp-end-user-messaging'
  | 'rotate-signing-key'
  | 'derive-account-events'
  | `${FunctionName}-claims`
  | 'verify-phone-number-end-user-messaging-claims';

/** The function an entry serves: a variant's base name (`verify-phone-number-end-user-messaging-claims` serves `verify-phone-number`). */
export function functionOfEntry(name: EntryName): FunctionName | 'rotate-signing-key' | 'derive-account-events' {
  return name.replace(/(-end-user-messaging)?(-claims)?$/, '') as
    | FunctionName
    | 'rotate-signing-key'
    | 'derive-account-events';
}

/** What a floor entry imports and constructs for each client: the same as the Lambda entries do. */
const FLOOR_CODE: Record<SdkClient, { imports: string; construct: string }> = {
  dynamodb: {
    imports:
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct:
      'DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })',
  },
  sns: {
    imports: "import { SNSClient } from '@aws-sdk/client-sns';",
    construct: `new SNSClient(${JSON.stringify(SNS_CLIENT_CONFIG)})`,
  },
  'end-user-messaging': {
    imports: "import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';",
    construct: `new PinpointSMSVoiceV2Client(${JSON.stringify(END_USER_MESSAGING_CLIENT_CONFIG)})`,
  },
  'secrets-manager': {
    imports: "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    construct: 'new SecretsManagerClient({})',
  },
  lambda: {
    imports: "import { LambdaClient } from '@aws-sdk/client-lambda';",
    construct: `new LambdaClient(${JSON.stringify(LAMBDA_CLIENT_CONFIG)})`,
  },
};

/**
 * Every Lambda entry and the SDK clients it constructs (exactly what its floor imports and builds):
 * the API functions as lambdas/registry.ts declares them, then the key rotation and the account
 * events pipe's enrichment, which builds no client at all (it reads nothing: its floor is empty).
 */
export const HANDLERS: readonly { readonly name: EntryName; readonly clients: readonly SdkClient[] }[] = [
  ...FUNCTION_NAMES.map((name) => {
    const { table, sms, signingKey } = FUNCTIONS[name];
    const clients: SdkClient[] = [];
    if (table) clients.push('dynamodb');
    if (sms) clients.push('sns');
    if (signingKey) clients.push('secrets-manager');
    return { name, clients };
  }),
  // send-otp as the stack bundles it for SMS_PROVIDER=end-user-messaging.
  { name: 'send-otp-end-user-messaging', clients: ['dynamodb', 'end-user-messaging'] },
  { name: 'rotate-signing-key', clients: ['dynamodb', 'secrets-manager'] },
  { name: 'derive-account-events', clients: [] },
  // The token-issuing functions as the stack bundles them with a claims hook: the Lambda client on top.
  ...CLAIMS_FUNCTIONS.map((name) => {
    const { sms } = FUNCTIONS[name];
    const clients: SdkClient[] = ['dynamodb', ...(sms ? (['sns'] as const) : []), 'secrets-manager', 'lambda'];
    return { name: `${name}-claims` as const, clients };
  }),
  {
    name: 'verify-phone-number-end-user-messaging-claims',
    clients: ['dynamodb', 'end-user-messaging', 'secrets-manager', 'lambda'],
  },
];

export interface Bundle {
  readonly file: string;
  readonly bytes: number;
  /** gzip -6 of the same bytes: roughly what the deployment zip stores. */
  readonly gzipBytes: number;
}

export interface HandlerBundles {
  readonly name: EntryName;
  readonly bundle: Bundle;
  /** The client set (`dynamodb+sns`), or `empty` for an entry that builds no client. */
  readonly floorName: string;
  /** An entry that only imports and constructs the same SDK clients, built the same way. */
  readonly floor: Bundle;
}

/** Builds every Lambda entry with the stack's own esbuild settings, and one floor per distinct client set. */
export async function buildBundles(): Promise<HandlerBundles[]> {
  const floors = new Map<string, Promise<Bundle>>();
  return Promise.all(
    HANDLERS.map(async ({ name, clients }) => {
      const floorName = clients.length === 0 ? 'empty' : clients.join('+');
      if (!floors.has(floorName)) floors.set(floorName, buildFloor(floorName, clients));
      const [bundle, floor] = await Promise.all([
        buildEntry(name, join(BUILD_DIR, 'bundles', name, 'index.mjs')),
        floors.get(floorName) as Promise<Bundle>,
      ]);
      return { name, bundle, floorName, floor };
    }),
  );
}

/** An entry that only imports and constructs `clients`, built as every bundle is: the floor of those clients. */
export async function buildFloor(name: string, clients: readonly SdkClient[]): Promise<Bundle> {
  const code = clients.map((c) => FLOOR_CODE[c]);
  const entry = join(BUILD_DIR, 'floor-entries', `${name}.mjs`);
  await mkdir(join(BUILD_DIR, 'floor-entries'), { recursive: true });
  await writeFile(
    entry,
    [
      ...code.map((c) => c.imports),
      `const clients = [${code.map((c) => c.construct).join(', ')}];`,
      'export const handler = async () => ({ statusCode: 200, body: String(clients.length) });',
      '',
    ].join('\n'),
  );
  return buildOne(entry, join(BUILD_DIR, 'floors', name, 'index.mjs'));
}

/** A Lambda entry: the narrow-webauthn ones through the synth's own build, which needs a child process. */
async function buildEntry(name: EntryName, file: string): Promise<Bundle> {
  if (!NARROW_WEBAUTHN_ENTRIES.includes(name)) return buildOne(lambdaEntry(name), file);
  buildBundle(name, dirname(file));
  return measureBundle(file);
}

async function buildOne(entry: string, file: string): Promise<Bundle> {
  await build({ ...esbuildBuildOptions(entry, file), logLevel: 'silent' });
  return measureBundle(file);
}

async function measureBundle(file: string): Promise<Bundle> {
  const code = await readFile(file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 6 }).length };
}
