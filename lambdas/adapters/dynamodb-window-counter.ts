import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamodb-document-client.js';
import { TTL_ATTRIBUTE } from './table-keys.js';

/** The key of one hourly counter item (an IP window, a country shard). */
export interface CounterKey {
  readonly pk: string;
  readonly sk: string;
}

/** `ADD 1` to a counter and keep it for the window (`ttl`), guarded or not by its callers. */
function addOne(tableName: string, key: CounterKey, expiresAt: number) {
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
    ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ':one': 1, ':ttl': expiresAt },
  };
}

/**
 * Counts one unit while the counter is below `max`: exact under any contention, in one call, as the
 * increment happens only while the guard holds. False when the counter is full (nothing counted).
 */
export async function countUnder(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: CounterKey,
  max: number,
  expiresAt: number,
): Promise<boolean> {
  const add = addOne(tableName, key, expiresAt);
  try {
    await client.send(
      new UpdateCommand({
        ...add,
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
        ExpressionAttributeValues: { ...add.ExpressionAttributeValues, ':max': max },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Counts one unit whatever the counter holds: for what was done without asking (never refused). */
export async function countAlways(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: CounterKey,
  expiresAt: number,
): Promise<void> {
  await client.send(new UpdateCommand(addOne(tableName, key, expiresAt)));
}

/** Gives back one unit counted by {@link countUnder}, for a request that ended up using nothing. */
export async function giveBackUnit(client: DynamoDBDocumentClient, tableName: string, key: CounterKey): Promise<void> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'ADD #count :minusOne',
        // Never below zero, and never recreates an item TTL has already removed.
        ConditionExpression: '#count > :zero',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
