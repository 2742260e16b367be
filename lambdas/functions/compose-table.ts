import { createDocumentClient } from '../adapters/dynamodb-document-client.js';
import { DynamoDbIpRateLimiter } from '../adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbPhoneRecordStore } from '../adapters/dynamodb-phone-record-store.js';
import { DynamoDbRefreshFamilyStore } from '../adapters/dynamodb-refresh-family-store.js';
import { ENV, type Env, requireString } from '../config.js';

/** The table's stores for a Lambda container: one client, created at init, no AWS call until a request. */
export function tableStores(env: Env) {
  const tableName = requireString(env, ENV.tableName);
  const documents = createDocumentClient();
  return {
    records: new DynamoDbPhoneRecordStore(documents, tableName),
    ipLimiter: new DynamoDbIpRateLimiter(documents, tableName),
    refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
  };
}
