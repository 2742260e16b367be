import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbPublicJwksStore } from '../lambdas/adapters/dynamodb-public-jwks-store.js';
import { DynamoDbRefreshFamilyStore } from '../lambdas/adapters/dynamodb-refresh-family-store.js';
import { ensureTable } from '../lambdas/adapters/dynamodb-table.js';
import { type KeySetDocument, publicJwksOf } from '../lambdas/core/signing-keys.js';
import { type DynamoDbEngine, startDynamoDbEngine } from '../scripts/dynamodb-engine.js';
import { type FakeAws, startFakeAws } from './fake-aws.js';
import { benchKeySetDocument } from './fixtures.js';

export const BENCH_REGION = 'us-east-1';
export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' } as const;
export const BENCH_ISSUER = 'https://auth.bench.example';
export const BENCH_AUDIENCE = 'otp-login';
export const BENCH_SECRET_ID = 'otp-login/signing-keys';

/** What every section shares: one in-memory DynamoDB engine, one fake SNS/Secrets Manager, one key set. */
export interface BenchContext {
  readonly engine: DynamoDbEngine;
  readonly fakeAws: FakeAws;
  readonly keySet: KeySetDocument;
  /** The version id a rotation event carries; the fake lists it as AWSPENDING. */
  readonly pendingVersionId: string;
  /** A low-level client for creating and seeding tables (not one any measured handler uses). */
  readonly admin: DynamoDBClient;
  close(): Promise<void>;
}

export interface BenchTable {
  readonly tableName: string;
  readonly documents: DynamoDBDocumentClient;
  readonly records: DynamoDbPhoneRecordStore;
  readonly refreshFamilies: DynamoDbRefreshFamilyStore;
}

export async function startBenchContext(): Promise<BenchContext> {
  const requested = process.env.BENCH_DYNAMODB_ENGINE;
  const engine = await startDynamoDbEngine({
    engine: requested === 'dynalite' || requested === 'dynamodb-local' ? requested : 'auto',
  });
  let fakeAws: FakeAws | undefined;
  try {
    const keySet = await benchKeySetDocument();
    const pendingVersionId = randomUUID();
    fakeAws = await startFakeAws({ secretString: JSON.stringify(keySet), pendingVersionId });
    const admin = new DynamoDBClient({
      endpoint: engine.endpoint,
      region: BENCH_REGION,
      credentials: BENCH_CREDENTIALS,
    });
    const fake = fakeAws;
    return {
      engine,
      fakeAws: fake,
      keySet,
      pendingVersionId,
      admin,
      close: async () => {
        admin.destroy();
        await Promise.all([fake.close(), engine.stop()]);
      },
    };
  } catch (error) {
    await fakeAws?.close();
    await engine.stop();
    throw error;
  }
}

/** A fresh table in the bench engine, as the stack defines it, with the stores seeding uses. */
export async function createBenchTable(context: BenchContext, purpose: string): Promise<BenchTable> {
  const tableName = `otp-bench-${purpose}-${randomUUID().slice(0, 8)}`;
  await ensureTable(context.admin, tableName);
  const documents = createDocumentClient(context.admin);
  // What the rotation publishes in AWS: the well-known function serves these public keys.
  await new DynamoDbPublicJwksStore(documents, tableName).publish(
    publicJwksOf(context.keySet),
    context.keySet.rotatedAt,
  );
  return {
    tableName,
    documents,
    records: new DynamoDbPhoneRecordStore(documents, tableName),
    refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
  };
}
