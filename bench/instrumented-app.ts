import { closeSync, openSync, writeSync } from 'node:fs';
import { devNull } from 'node:os';
import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { CachedKeySource } from '../lambdas/adapters/cached-key-source.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { SecretsManagerKeySource } from '../lambdas/adapters/secrets-manager-key-source.js';
import { SnsSmsSender } from '../lambdas/adapters/sns-sms-sender.js';
import { composeHandlers } from '../lambdas/compose.js';
import { parseKeyCacheSeconds, parseOtpConfig, parseSmsConfig, parseTokenConfig } from '../lambdas/config.js';
import { systemClock } from '../lambdas/core/clock.js';
import type { OtpPolicy } from '../lambdas/core/login.js';
import type { SigningKeySource } from '../lambdas/core/ports.js';
import type { SessionSettings } from '../lambdas/core/sessions.js';
import { SNS_CLIENT_CONFIG } from '../lambdas/functions/lambda-runtime.js';
import type { ApiHandler } from '../lambdas/http/api-event.js';
import { createTelemetry } from '../lambdas/http/telemetry.js';
import type { FunctionName } from '../lambdas/registry.js';
import {
  BENCH_AUDIENCE,
  BENCH_COUNTRY_BUDGETS,
  BENCH_CREDENTIALS,
  BENCH_ISSUER,
  BENCH_REGION,
  BENCH_SECRET_ID,
  type BenchContext,
  type BenchTable,
} from './context.js';
import {
  type CapacityUnits,
  refusedWriteCapacity,
  reportedCapacity,
  reportsCapacity,
  requestCapacity,
} from './dynamodb-capacity.js';

export type ServiceName = 'DynamoDB' | 'SNS' | 'SecretsManager';

export interface SdkCall {
  readonly service: ServiceName;
  /** The low-level operation, e.g. `GetItem` (the document client's `Get` is a `GetItem`). */
  readonly operation: string;
  /** DynamoDB only: the request units the call consumed (see dynamodb-capacity.ts). */
  capacity?: CapacityUnits;
}

/**
 * Counts and times every SDK command from each client's own middleware stack, as
 * test/http/aws-calls.test.ts counts them. The middleware sits at the top of the `initialize` step,
 * so the time covers the document client's marshalling, serialization, SigV4 signing, the HTTP round
 * trip, retries and parsing: everything the SDK and the service do for a call. Overlapping calls are
 * counted once (the union of their intervals), so the time is wall time spent waiting on AWS.
 *
 * On DynamoDB it also asks every data-plane call for `ReturnConsumedCapacity: 'TOTAL'` and records
 * the units, so the capacity a route consumes is measured without touching the product code.
 */
export class SdkMeter {
  private calls: SdkCall[] = [];
  private inFlight = 0;
  private since = 0;
  private spent = 0;

  attach(client: DynamoDBClient | SNSClient | SecretsManagerClient, service: ServiceName): void {
    // The clients' stacks have different type parameters; the middleware itself is the same for all.
    const stack = client.middlewareStack as unknown as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        const call: SdkCall = { service, operation: String(context.commandName).replace(/Command$/, '') };
        this.calls.push(call);
        const metered = service === 'DynamoDB' && reportsCapacity(call.operation);
        const input = args.input as Record<string, unknown>;
        if (this.inFlight++ === 0) this.since = performance.now();
        try {
          const result = await next(metered ? { ...args, input: requestCapacity(call.operation, input) } : args);
          if (metered) {
            const { ConsumedCapacity } = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
            call.capacity = reportedCapacity(call.operation, ConsumedCapacity);
          }
          return result;
        } catch (error) {
          if (metered) call.capacity = refusedWriteCapacity(call.operation, error);
          throw error;
        } finally {
          if (--this.inFlight === 0) this.spent += performance.now() - this.since;
        }
      },
      { step: 'initialize', priority: 'high', name: 'benchSdkMeter' },
    );
  }

  /** The calls and SDK milliseconds since the last take, and starts counting afresh. */
  take(): { calls: SdkCall[]; sdkMs: number } {
    const taken = { calls: this.calls, sdkMs: this.spent };
    this.calls = [];
    this.spent = 0;
    return taken;
  }
}

/**
 * Telemetry as a Lambda has it by default: INFO logs and EMF metrics on. Both read the environment
 * once, at construction, so whatever this process has set (the local server turns them off) is put
 * aside for the moment.
 */
function lambdaTelemetry() {
  const names = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  for (const name of names) delete process.env[name];
  try {
    return createTelemetry();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}

/** What went to stdout: the bytes and lines CloudWatch Logs would ingest from a function's own output. */
export interface WrittenOutput {
  bytes: number;
  lines: number;
}

/**
 * Runs `task` with this process's stdout going to the null device: log and metric lines are still
 * formatted and written (a syscall each, like Lambda's pipe), but do not flood the benchmark's output.
 * What is written is added to `written`.
 */
export async function withStdoutDiscarded<T>(
  task: () => Promise<T>,
  written: WrittenOutput = { bytes: 0, lines: 0 },
): Promise<T> {
  const fd = openSync(devNull, 'w');
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    written.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    written.lines += newlinesIn(chunk);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return await task();
  } finally {
    process.stdout.write = original;
    closeSync(fd);
  }
}

function newlinesIn(chunk: string | Uint8Array): number {
  let count = 0;
  if (typeof chunk === 'string') {
    for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) count++;
  } else {
    for (const byte of chunk) if (byte === 0x0a) count++;
  }
  return count;
}

export interface InstrumentedApp {
  readonly meter: SdkMeter;
  /** Added to while the app runs inside `withStdoutDiscarded(task, app.written)`. */
  readonly written: WrittenOutput;
  readonly handlers: Readonly<Record<FunctionName, ApiHandler>>;
  readonly policy: OtpPolicy;
  readonly sessions: SessionSettings;
  /** A key source like the Lambdas' (Secrets Manager behind the per-container cache). */
  readonly keys: SigningKeySource;
  destroy(): void;
}

/**
 * The handlers from the composition root the Lambdas use, over the real adapters: DynamoDB stores on
 * the bench's DynamoDB Local, SNS and Secrets Manager clients on the fake AWS endpoint, the Lambda
 * defaults for every limit.
 */
export function createInstrumentedApp(context: BenchContext, table: BenchTable): InstrumentedApp {
  const meter = new SdkMeter();
  const common = { region: BENCH_REGION, credentials: BENCH_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: context.engine.endpoint });
  const sns = new SNSClient({ ...common, endpoint: context.fakeAws.endpoint, ...SNS_CLIENT_CONFIG });
  const secrets = new SecretsManagerClient({ ...common, endpoint: context.fakeAws.endpoint });
  meter.attach(dynamodb, 'DynamoDB');
  meter.attach(sns, 'SNS');
  meter.attach(secrets, 'SecretsManager');

  const env = {
    ISSUER: BENCH_ISSUER,
    AUDIENCE: BENCH_AUDIENCE,
    TABLE_NAME: table.tableName,
    // A budget the bench never spends, so every send counts a shard, as a production stack's would;
    // one country (GB) whose budget is spent at once, for the refused path.
    SEND_MAX_PER_COUNTRY_PER_HOUR: BENCH_COUNTRY_BUDGETS,
  };
  const keys = new SecretsManagerKeySource(secrets, BENCH_SECRET_ID);
  const handlers = composeHandlers({
    env,
    clock: systemClock,
    telemetry: lambdaTelemetry(),
    documents: createDocumentClient(dynamodb),
    keys,
    sms: new SnsSmsSender(sns, parseSmsConfig(env)),
  });
  return {
    meter,
    written: { bytes: 0, lines: 0 },
    handlers,
    policy: parseOtpConfig(env),
    sessions: parseTokenConfig(env),
    keys: new CachedKeySource(keys, parseKeyCacheSeconds(env), systemClock),
    destroy: () => {
      dynamodb.destroy();
      sns.destroy();
      secrets.destroy();
    },
  };
}
