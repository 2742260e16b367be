import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOtpConfig } from '../lambdas/config.js';
import type { BundlesResult } from './bundles.js';
import {
  BENCH_AUDIENCE,
  BENCH_CREDENTIALS,
  BENCH_ISSUER,
  BENCH_REGION,
  BENCH_SECRET_ID,
  type BenchContext,
  type BenchTable,
  createBenchTable,
} from './context.js';
import { apiEvent, authorizerClaims, randomPhoneNumber, seedPendingCode, seedRefreshToken } from './fixtures.js';
import { BUILD_DIR, floorBundlePath, HANDLERS } from './handlers.js';
import { runProcess } from './processes.js';
import { round, type Summary, summarize } from './report.js';

const CHILD = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));
const CHILD_TIMEOUT_MS = 30_000;
/**
 * The stack sets no NODE_OPTIONS (lib/constructs/node-function.ts); the figures with source maps show what
 * turning them on for debugging would cost.
 */
export const LAMBDA_NODE_OPTIONS = '';
const SOURCE_MAPS_OPTION = '--enable-source-maps';

/**
 * The environment of a cold-start child: what Lambda and the stack give a function, with the AWS
 * endpoints pointed at the bench's DynamoDB Local and fake SNS / Secrets Manager.
 */
export function lambdaEnv(
  context: { readonly engine: { readonly endpoint: string }; readonly fakeAws: { readonly endpoint: string } },
  options: { functionName: string; tableName: string; homeDir: string; sourceMaps?: boolean },
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // No ~/.aws: as in Lambda, the SDK finds nothing to read there.
    HOME: options.homeDir,
    ...(options.sourceMaps ? { NODE_OPTIONS: SOURCE_MAPS_OPTION } : {}),
    AWS_REGION: BENCH_REGION,
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    // Lambda runs Node 22+, where the SDK has no end-of-support warning to print.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: `otp-login-${options.functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_ENDPOINT_URL_DYNAMODB: context.engine.endpoint,
    AWS_ENDPOINT_URL_SNS: context.fakeAws.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: context.fakeAws.endpoint,
    TABLE_NAME: options.tableName,
    ISSUER: BENCH_ISSUER,
    AUDIENCE: BENCH_AUDIENCE,
    SIGNING_KEY_SECRET_ID: BENCH_SECRET_ID,
  };
}

/** What bench/cold-start-child.mjs reports for one fresh process. */
export interface ChildResult {
  readonly importMs: number;
  readonly firstResponseMs?: number;
  readonly statusCode?: number | null;
  readonly body?: string | null;
}

/**
 * One fresh `node` process that imports `bundle` and, given an event file, serves that event.
 * `label` names the run in the error when the child fails.
 */
export async function runColdStartChild(
  label: string,
  bundle: string,
  env: NodeJS.ProcessEnv,
  eventFile?: string,
): Promise<ChildResult> {
  const finished = await runProcess(process.execPath, [CHILD, bundle, ...(eventFile ? [eventFile] : [])], {
    env,
    timeoutMs: CHILD_TIMEOUT_MS,
  });
  const line = finished.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (finished.code !== 0 || !line) {
    throw new Error(
      `cold start of ${label} failed (exit ${finished.code ?? finished.signal})\n${finished.stderr.slice(-4000)}\n${finished.stdout.slice(-2000)}`,
    );
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
}

export interface ColdStartRow {
  readonly handler: string;
  readonly event: string;
  readonly status: number | null;
  readonly importMs: Summary;
  readonly firstResponseMs: Summary;
  readonly floor: string;
  readonly floorImportMs: Summary;
  /** Handler import median / floor import median; undefined when the floor imports nothing (`empty`). */
  readonly ratio: number | undefined;
  /** The same pair with `--enable-source-maps`: what parsing the source map at import would add. */
  readonly withSourceMaps: {
    readonly importMs: Summary;
    readonly floorImportMs: Summary;
    readonly ratio: number | undefined;
  };
}

function emptySamples() {
  return {
    importMs: [] as number[],
    firstMs: [] as number[],
    floorMs: [] as number[],
    mappedImportMs: [] as number[],
    mappedFloorMs: [] as number[],
  };
}

export interface ColdStartResult {
  readonly runs: number;
  readonly nodeOptions: string;
  readonly rows: readonly ColdStartRow[];
  /** Requests the fake SNS / Secrets Manager answered: proof the children reached it and not AWS. */
  readonly fakeAwsCalls: Readonly<Record<string, number>>;
}

interface Prepared {
  readonly event: unknown;
  readonly expectedStatus: number | null;
}

/**
 * Cold start per handler: `runs` fresh `node` processes each import the bundle (import ms) and serve
 * one success-path event against DynamoDB Local and the fake SNS/Secrets Manager (first-response ms).
 * Each handler run sits next to a run of its floor bundle (SDK clients only, import only), so the two
 * are measured under the same machine conditions. Both run as deployed (no NODE_OPTIONS); an
 * import-only pair with `--enable-source-maps` shows what the source map would add. One unmeasured
 * round first puts every file in the page cache, as every later run finds it.
 */
export async function measureColdStarts(
  context: BenchContext,
  bundles: BundlesResult,
  runs: number,
  progress: (line: string) => void,
): Promise<ColdStartResult> {
  const table = await createBenchTable(context, 'cold');
  const emptyHome = join(BUILD_DIR, 'empty-home');
  const eventsDir = join(BUILD_DIR, 'events');
  await Promise.all([mkdir(emptyHome, { recursive: true }), mkdir(eventsDir, { recursive: true })]);
  const env = (name: string, sourceMaps: boolean): NodeJS.ProcessEnv =>
    lambdaEnv(context, { functionName: name, tableName: table.tableName, homeDir: emptyHome, sourceMaps });

  const spawnChild = (name: string, bundle: string, options: { eventFile?: string; sourceMaps: boolean }) =>
    runColdStartChild(name, bundle, env(name, options.sourceMaps), options.eventFile);

  const samples = new Map(HANDLERS.map((h) => [h.name, emptySamples()]));
  const lastStatus = new Map<string, number | null>();
  for (let run = -1; run < runs; run++) {
    for (const spec of HANDLERS) {
      const built = bundles.handlers[spec.name];
      if (!built) throw new Error(`no bundle for ${spec.name}`);
      const prepared = await prepare(spec.name, table, context);
      const eventFile = join(eventsDir, `${spec.name}.json`);
      await writeFile(eventFile, JSON.stringify(prepared.event));
      const floorRun = (sourceMaps: boolean) =>
        spawnChild(`${spec.name}-floor`, floorBundlePath(built.floor), { sourceMaps });
      // Alternating which goes first cancels whatever the previous process leaves behind.
      const handlerFirst = run % 2 === 0;
      const floorBefore = handlerFirst ? undefined : await floorRun(false);
      const result = await spawnChild(spec.name, built.file, { eventFile, sourceMaps: false });
      const floor = floorBefore ?? (await floorRun(false));
      const mappedFloorBefore = handlerFirst ? undefined : await floorRun(true);
      const mapped = await spawnChild(spec.name, built.file, { sourceMaps: true });
      const mappedFloor = mappedFloorBefore ?? (await floorRun(true));
      const status = result.statusCode ?? null;
      if (status !== prepared.expectedStatus) {
        throw new Error(
          `${spec.name} answered its first event with ${status}, expected ${prepared.expectedStatus}: ${result.body ?? ''}`,
        );
      }
      if (run < 0) continue; // the page-cache warm-up run
      const bucket = samples.get(spec.name) ?? emptySamples();
      bucket.importMs.push(result.importMs);
      bucket.firstMs.push(result.firstResponseMs ?? Number.NaN);
      bucket.floorMs.push(floor.importMs);
      bucket.mappedImportMs.push(mapped.importMs);
      bucket.mappedFloorMs.push(mappedFloor.importMs);
      lastStatus.set(spec.name, status);
    }
    if (run >= 0) progress(`cold start: run ${run + 1}/${runs} done`);
  }

  const rows = HANDLERS.map((spec): ColdStartRow => {
    const bucket = samples.get(spec.name) ?? emptySamples();
    const floor = bundles.handlers[spec.name]?.floor ?? 'empty';
    const importMs = summarize(bucket.importMs);
    const floorImportMs = summarize(bucket.floorMs);
    const mappedImportMs = summarize(bucket.mappedImportMs);
    const mappedFloorImportMs = summarize(bucket.mappedFloorMs);
    return {
      handler: spec.name,
      event: describeEvent(spec.name),
      status: lastStatus.get(spec.name) ?? null,
      importMs,
      firstResponseMs: summarize(bucket.firstMs),
      floor,
      floorImportMs,
      ratio: floor === 'empty' ? undefined : round(importMs.median / floorImportMs.median, 3),
      withSourceMaps: {
        importMs: mappedImportMs,
        floorImportMs: mappedFloorImportMs,
        ratio: floor === 'empty' ? undefined : round(mappedImportMs.median / mappedFloorImportMs.median, 3),
      },
    };
  });
  return {
    runs,
    nodeOptions: LAMBDA_NODE_OPTIONS,
    rows,
    fakeAwsCalls: Object.fromEntries(context.fakeAws.calls),
  };
}

function describeEvent(handler: string): string {
  switch (handler) {
    case 'send-otp':
      return 'POST /send-otp, new number';
    case 'verify-otp':
      return 'POST /verify-otp, right code';
    case 'refresh-token':
      return 'POST /token/refresh, live token';
    case 'logout':
      return 'POST /logout, live token';
    case 'me':
      return 'GET /me, authorizer claims';
    case 'well-known':
      return 'GET /.well-known/jwks.json';
    case 'not-found':
      return 'GET /nope (404)';
    case 'rotate-signing-key':
      return 'rotation createSecret (RSA keygen)';
    default:
      return handler;
  }
}

/** A fresh success-path event for one cold start, with whatever state it needs already in the table. */
async function prepare(handler: string, table: BenchTable, context: BenchContext): Promise<Prepared> {
  switch (handler) {
    case 'send-otp':
      return { event: apiEvent('POST', '/send-otp', { phone_number: randomPhoneNumber() }), expectedStatus: 200 };
    case 'verify-otp': {
      const phone = randomPhoneNumber();
      const otp = await seedPendingCode(table.records, phone, parseOtpConfig({}));
      return { event: apiEvent('POST', '/verify-otp', { phone_number: phone, otp }), expectedStatus: 200 };
    }
    case 'refresh-token':
      return {
        event: apiEvent('POST', '/token/refresh', { refresh: await seedRefreshToken(table.refreshFamilies) }),
        expectedStatus: 200,
      };
    case 'logout':
      return {
        event: apiEvent('POST', '/logout', { refresh: await seedRefreshToken(table.refreshFamilies) }),
        expectedStatus: 204,
      };
    case 'me': {
      const claims = authorizerClaims(BENCH_ISSUER, BENCH_AUDIENCE);
      return { event: apiEvent('GET', '/me', undefined, { claims }), expectedStatus: 200 };
    }
    case 'well-known':
      return { event: apiEvent('GET', '/.well-known/jwks.json'), expectedStatus: 200 };
    case 'not-found':
      return { event: apiEvent('GET', '/nope', undefined, { routeKey: '$default' }), expectedStatus: 404 };
    case 'rotate-signing-key':
      return {
        event: { Step: 'createSecret', SecretId: BENCH_SECRET_ID, ClientRequestToken: context.pendingVersionId },
        expectedStatus: null,
      };
    default:
      throw new Error(`no cold-start event for ${handler}`);
  }
}
