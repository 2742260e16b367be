import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCountrySendLimiter } from '../lambdas/adapters/dynamodb-country-send-limiter.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbPublicJwksStore } from '../lambdas/adapters/dynamodb-public-jwks-store.js';
import { DynamoDbRefreshFamilyStore } from '../lambdas/adapters/dynamodb-refresh-family-store.js';
import { ensureTable } from '../lambdas/adapters/dynamodb-table.js';
import { generateSigningKey, type KeySetDocument, planRotation, publicJwksOf } from '../lambdas/core/signing-keys.js';
import { type DynamoDbEngine, startDynamoDbEngine } from '../scripts/dynamodb-engine.js';
import { type FakeAws, startFakeAws } from './fake-aws.js';

export const BENCH_REGION = 'us-east-1';
export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' } as const;
export const BENCH_ISSUER = 'https://auth.bench.example';
export const BENCH_AUDIENCE = 'otp-login';
export const BENCH_SECRET_ID = 'otp-login/signing-keys';

/** What every section shares: one DynamoDB engine, one fake SNS / Secrets Manager, one key set. */
export interface BenchContext {
  readonly engine: DynamoDbEngine;
  readonly fakeAws: FakeAws;
  readonly keySet: KeySetDocument;
  /** The version id a rotation event carries; the fake lists it as AWSPENDING. */
  readonly pendingVersionId: string;
  /** For creating and seeding tables; no measured handler uses it. */
  readonly admin: DynamoDBClient;
  close(): Promise<void>;
}

export async function startBenchContext(): Promise<BenchContext> {
  const requested = process.env.BENCH_DYNAMODB_ENGINE;
  const engine = await startDynamoDbEngine({
    engine: requested === 'dynalite' || requested === 'dynamodb-local' ? requested : 'auto',
  });
  // The key set as the first rotation writes it: one RSA key that signs from now.
  const now = Math.floor(Date.now() / 1000) - 60;
  const keySet = planRotation(undefined, await generateSigningKey(now), now, {
    publishLeadSeconds: 0,
    retainSeconds: 0,
  });
  const pendingVersionId = randomUUID();
  const fakeAws = await startFakeAws({ secretString: JSON.stringify(keySet), pendingVersionId });
  const admin = new DynamoDBClient({ endpoint: engine.endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
  return {
    engine,
    fakeAws,
    keySet,
    pendingVersionId,
    admin,
    close: async () => {
      admin.destroy();
      await Promise.all([fakeAws.close(), engine.stop()]);
    },
  };
}

/** A fresh table as the stack defines it, with the public keys the rotation publishes, and the stores seeding uses. */
export async function createBenchTable(context: BenchContext, purpose: string) {
  const tableName = `otp-bench-${purpose}-${randomUUID().slice(0, 8)}`;
  await ensureTable(context.admin, tableName);
  const documents = createDocumentClient(context.admin);
  await new DynamoDbPublicJwksStore(documents, tableName).publish(
    publicJwksOf(context.keySet),
    context.keySet.rotatedAt,
  );
  return {
    tableName,
    client: context.admin,
    records: new DynamoDbPhoneRecordStore(documents, tableName),
    refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
    countryLimiter: new DynamoDbCountrySendLimiter(documents, tableName),
  };
}

/**
 * The bench's SEND_MAX_PER_COUNTRY_PER_HOUR: a budget no run spends for every country, so each send
 * counts a shard as a production stack's would, and a budget of one for GB, spent before its requests.
 */
export const BENCH_COUNTRY_BUDGETS = 'GB=1,*=36000000';

export type BenchTable = Awaited<ReturnType<typeof createBenchTable>>;
