import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseOtpConfig } from '../lambdas/config.js';
import { ROUTE_TABLE } from '../lambdas/registry.js';
import { BUILD_DIR, type EntryName, functionOfEntry, HANDLERS, type HandlerBundles } from './bundles.js';
import {
  BENCH_AUDIENCE,
  BENCH_COUNTRY_BUDGETS,
  BENCH_CREDENTIALS,
  BENCH_ISSUER,
  BENCH_REGION,
  BENCH_SECRET_ID,
  type BenchContext,
  type BenchTable,
  createBenchTable,
} from './context.js';
import { apiEvent, routeEvents } from './fixtures.js';
import { median } from './report.js';

const CHILD = fileURLToPath(new URL('./cold-start-child.mjs', import.meta.url));
const run = promisify(execFile);

/**
 * Per handler and run, a fresh plain `node` process imports the bundle and serves one success-path
 * event against DynamoDB Local and the fake SNS / Secrets Manager; next to it, a fresh process
 * imports the floor bundle, so both see the same machine. Which goes first alternates between runs,
 * to cancel whatever the previous process leaves behind. One unmeasured round first puts every file
 * in the page cache, as every later run finds it.
 */
export async function measureColdStarts(
  context: BenchContext,
  handlers: readonly HandlerBundles[],
  runs: number,
  progress: (line: string) => void,
) {
  const table = await createBenchTable(context, 'cold');
  // No ~/.aws: as in Lambda, the SDK finds nothing to read there.
  const homeDir = join(BUILD_DIR, 'empty-home');
  await mkdir(homeDir, { recursive: true });
  const samples = handlers.map(() => ({
    importMs: [] as number[],
    floorMs: [] as number[],
    firstMs: [] as number[],
    importCpuMs: [] as number[],
    firstCpuMs: [] as number[],
    peakRssMb: [] as number[],
  }));

  const events = firstEvents(table, context);
  for (let round = -1; round < runs; round++) {
    for (const [index, h] of handlers.entries()) {
      const env = lambdaEnv(context, h.name, table.tableName, homeDir);
      const [makeEvent, status] = events[h.name];
      const event = await makeEvent();
      const eventFile = join(BUILD_DIR, `event-${h.name}.json`);
      await writeFile(eventFile, JSON.stringify(event));
      const floor = () => importInChild(h.floor.file, env);
      const floorFirst = round % 2 === 1 ? await floor() : undefined;
      const result = await importInChild(h.bundle.file, env, eventFile);
      const floorResult = floorFirst ?? (await floor());
      if (result.statusCode !== status) {
        throw new Error(
          `${h.name} answered its first event with ${result.statusCode}, expected ${status}: ${result.body}`,
        );
      }
      if (round < 0) continue;
      const bucket = samples[index];
      bucket?.importMs.push(result.importMs);
      bucket?.floorMs.push(floorResult.importMs);
      bucket?.firstMs.push(result.firstResponseMs ?? Number.NaN);
      bucket?.importCpuMs.push(result.importCpuMs);
      bucket?.firstCpuMs.push(result.firstResponseCpuMs ?? Number.NaN);
      bucket?.peakRssMb.push(result.peakRssMb ?? Number.NaN);
    }
    if (round >= 0) progress(`cold start: run ${round + 1}/${runs}`);
  }

  // Medians over the runs, ms; ratio = import / floor import, undefined when the floor is an empty module.
  return handlers.map((h, index) => {
    const { importMs, floorMs, firstMs, importCpuMs, firstCpuMs, peakRssMb } = samples[index] ?? {
      importMs: [],
      floorMs: [],
      firstMs: [],
      importCpuMs: [],
      firstCpuMs: [],
      peakRssMb: [],
    };
    return {
      handler: h.name,
      importMs: median(importMs),
      minImportMs: Math.min(...importMs),
      maxImportMs: Math.max(...importMs),
      floorImportMs: median(floorMs),
      firstResponseMs: median(firstMs),
      importCpuMs: median(importCpuMs),
      firstResponseCpuMs: median(firstCpuMs),
      peakRssMb: median(peakRssMb),
      ratio: h.floorName === 'empty' ? undefined : median(importMs) / median(floorMs),
    };
  });
}

interface ChildResult {
  readonly importMs: number;
  readonly importCpuMs: number;
  readonly firstResponseMs?: number;
  readonly firstResponseCpuMs?: number;
  readonly peakRssMb?: number;
  readonly statusCode?: number | null;
  readonly body?: string | null;
}

async function importInChild(bundle: string, env: NodeJS.ProcessEnv, eventFile?: string): Promise<ChildResult> {
  const args = [CHILD, bundle, ...(eventFile ? [eventFile] : [])];
  const { stdout } = await run(process.execPath, args, { env, timeout: 30_000, killSignal: 'SIGKILL' });
  // Handler logs share stdout, as in Lambda.
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`cold start of ${bundle} printed no result\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
}

/** What Lambda and the stack give a function (no NODE_OPTIONS), with the AWS endpoints on the bench's fakes. */
function lambdaEnv(context: BenchContext, name: string, tableName: string, homeDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: homeDir,
    AWS_REGION: BENCH_REGION,
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    // Lambda runs Node 22+, where the SDK has no end-of-support warning to print.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: `otp-login-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_ENDPOINT_URL_DYNAMODB: context.engine.endpoint,
    AWS_ENDPOINT_URL_SNS: context.fakeAws.endpoint,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: context.fakeAws.endpoint,
    ...(name.includes('-end-user-messaging') ? { SMS_PROVIDER: 'end-user-messaging' } : {}),
    // A claims entry invokes this function through the fake, which does not answer it as one: the
    // hook fails (503) after the same init, so the cold start is measured, the answer is not checked.
    ...(name.endsWith('-claims')
      ? {
          CLAIMS_HOOK_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
          AWS_ENDPOINT_URL_LAMBDA: context.fakeAws.endpoint,
        }
      : {}),
    SEND_MAX_PER_COUNTRY_PER_HOUR: BENCH_COUNTRY_BUDGETS,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: context.fakeAws.endpoint,
    TABLE_NAME: tableName,
    ISSUER: BENCH_ISSUER,
    AUDIENCE: BENCH_AUDIENCE,
    SIGNING_KEY_SECRET_ID: BENCH_SECRET_ID,
  };
}

/**
 * A fresh success-path event for each entry, with whatever state it needs already in the table, and
 * its status. An entry not listed here (a new bodiless GET route, say) gets a request for its first
 * route, whose status is not checked.
 */
function firstEvents(
  table: BenchTable,
  context: BenchContext,
): Record<EntryName, [() => Promise<unknown>, number | null]> {
  const events = routeEvents(table, parseOtpConfig({}));
  const specific: Partial<Record<EntryName, [() => Promise<unknown>, number | null]>> = {
    'send-otp': [events.sendOtp, 200],
    'send-otp-end-user-messaging': [events.sendOtp, 200],
    'verify-otp': [events.verifyOtp, 200],
    'refresh-token': [events.refresh, 200],
    logout: [events.logout, 204],
    me: [events.me, 200],
    'delete-account': [events.deleteAccount, 204],
    'change-phone-number': [events.changeNumber, 200],
    'verify-phone-number': [events.verifyNumberChange, 200],
    'well-known': [events.jwks, 200],
    'not-found': [events.notFound, 404],
    // The rotation's createSecret step: generates the next RSA key.
    'rotate-signing-key': [
      async () => ({ Step: 'createSecret', SecretId: BENCH_SECRET_ID, ClientRequestToken: context.pendingVersionId }),
      null,
    ],
    // A batch without events: the enrichment's whole path but the events themselves.
    'derive-account-events': [async () => [], null],
  };
  return Object.fromEntries(
    HANDLERS.map(({ name }) => [name, specific[name] ?? [async () => firstRouteEvent(name), null]]),
  ) as Record<EntryName, [() => Promise<unknown>, number | null]>;
}

function firstRouteEvent(name: EntryName): unknown {
  const fn = functionOfEntry(name);
  const routes = fn === 'rotate-signing-key' || fn === 'derive-account-events' ? '$default' : ROUTE_TABLE[fn];
  const route = routes === '$default' ? undefined : routes[0];
  return apiEvent(route?.method ?? 'GET', route?.path ?? '/');
}
