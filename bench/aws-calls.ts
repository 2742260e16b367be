import type { ApiEvent, ApiHandler } from '../lambdas/http/api-event.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, type BenchContext, createBenchTable } from './context.js';
import {
  apiEvent,
  authorizerClaims,
  randomPhoneNumber,
  seedPendingCode,
  seedRefreshToken,
  wrongCode,
} from './fixtures.js';
import { createInstrumentedApp, type SdkCall, withStdoutDiscarded } from './instrumented-app.js';

/** The issue's rule: no route's success path may make more DynamoDB calls than this. */
export const MAX_DYNAMODB_CALLS = 3;

export interface AwsCallsRow {
  readonly route: string;
  readonly path: 'success' | 'wrong code';
  readonly status: number;
  /** DynamoDB operations of a warm request, in order. */
  readonly dynamodb: readonly string[];
  readonly sns: number;
  /** Secrets Manager calls of a warm request. */
  readonly secretsManagerWarm: number;
  /**
   * Calls the function's first request makes on top of a warm one's (`Service.Operation`): the key
   * set, or the published public keys, read once per container and cache period.
   */
  readonly firstRequestAlso: readonly string[];
  /** Success paths only: DynamoDB calls within MAX_DYNAMODB_CALLS. */
  readonly withinLimit: boolean | undefined;
}

interface Case {
  readonly route: string;
  readonly path: AwsCallsRow['path'];
  readonly status: number;
  readonly handler: ApiHandler;
  readonly event: () => Promise<ApiEvent>;
}

/**
 * SDK commands per request, per route, counted from each client's middleware (as
 * test/http/aws-calls.test.ts does), on the real adapters. Each route runs twice with fresh state:
 * the first request of its function (cold key cache, so a key-reading function also reads the secret)
 * and a warm one.
 */
export async function countAwsCalls(context: BenchContext): Promise<readonly AwsCallsRow[]> {
  const table = await createBenchTable(context, 'calls');
  const app = createInstrumentedApp(context, table);
  const claims = () => authorizerClaims(BENCH_ISSUER, BENCH_AUDIENCE);
  const cases: Case[] = [
    {
      route: 'POST /send-otp',
      path: 'success',
      status: 200,
      handler: app.handlers.sendOtp,
      event: async () => apiEvent('POST', '/send-otp', { phone_number: randomPhoneNumber() }),
    },
    {
      route: 'POST /verify-otp',
      path: 'success',
      status: 200,
      handler: app.handlers.verifyOtp,
      event: async () => {
        const phone = randomPhoneNumber();
        return apiEvent('POST', '/verify-otp', {
          phone_number: phone,
          otp: await seedPendingCode(table.records, phone, app.policy),
        });
      },
    },
    {
      route: 'POST /verify-otp',
      path: 'wrong code',
      status: 400,
      handler: app.handlers.verifyOtp,
      event: async () => {
        const phone = randomPhoneNumber();
        return apiEvent('POST', '/verify-otp', {
          phone_number: phone,
          otp: wrongCode(await seedPendingCode(table.records, phone, app.policy)),
        });
      },
    },
    {
      route: 'POST /token/refresh',
      path: 'success',
      status: 200,
      handler: app.handlers.refresh,
      event: async () => apiEvent('POST', '/token/refresh', { refresh: await seedRefreshToken(table.refreshFamilies) }),
    },
    {
      route: 'POST /logout',
      path: 'success',
      status: 204,
      handler: app.handlers.logout,
      event: async () => apiEvent('POST', '/logout', { refresh: await seedRefreshToken(table.refreshFamilies) }),
    },
    {
      route: 'GET /me',
      path: 'success',
      status: 200,
      handler: app.handlers.me,
      event: async () => apiEvent('GET', '/me', undefined, { claims: claims() }),
    },
    {
      route: 'GET /.well-known/jwks.json',
      path: 'success',
      status: 200,
      handler: app.handlers.wellKnown,
      event: async () => apiEvent('GET', '/.well-known/jwks.json'),
    },
    {
      route: 'GET /.well-known/openid-configuration',
      path: 'success',
      status: 200,
      handler: app.handlers.wellKnown,
      event: async () => apiEvent('GET', '/.well-known/openid-configuration'),
    },
    {
      route: '$default (not found)',
      path: 'success',
      status: 404,
      handler: app.handlers.notFound,
      event: async () => apiEvent('GET', '/nope', undefined, { routeKey: '$default' }),
    },
  ];
  try {
    return await withStdoutDiscarded(async () => {
      // Every first request before any warm one: the well-known function serves two routes from one cache.
      const first: SdkCall[][] = [];
      for (const c of cases) first.push(await run(app, c));
      const rows: AwsCallsRow[] = [];
      for (const [index, c] of cases.entries()) {
        const warm = await run(app, c);
        const dynamodb = warm.filter((call) => call.service === 'DynamoDB').map((call) => call.operation);
        rows.push({
          route: c.route,
          path: c.path,
          status: c.status,
          dynamodb,
          sns: warm.filter((call) => call.service === 'SNS').length,
          secretsManagerWarm: warm.filter((call) => call.service === 'SecretsManager').length,
          firstRequestAlso: extraCalls(first[index] ?? [], warm),
          withinLimit: c.path === 'success' ? dynamodb.length <= MAX_DYNAMODB_CALLS : undefined,
        });
      }
      return rows;
    });
  } finally {
    app.destroy();
  }
}

/** The calls in `first` that `warm` does not repeat, as `Service.Operation`, in order. */
function extraCalls(first: readonly SdkCall[], warm: readonly SdkCall[]): string[] {
  const left = warm.map((call) => `${call.service}.${call.operation}`);
  return first
    .map((call) => `${call.service}.${call.operation}`)
    .filter((name) => {
      const at = left.indexOf(name);
      if (at === -1) return true;
      left.splice(at, 1);
      return false;
    });
}

async function run(app: ReturnType<typeof createInstrumentedApp>, c: Case): Promise<SdkCall[]> {
  const event = await c.event();
  app.meter.take();
  const result = await c.handler(event);
  const { calls } = app.meter.take();
  if (result.statusCode !== c.status) {
    throw new Error(`${c.route} (${c.path}) answered ${result.statusCode}, expected ${c.status}: ${result.body}`);
  }
  return calls;
}
