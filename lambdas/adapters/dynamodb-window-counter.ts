import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamodb-document-client.js';
import { TTL_ATTRIBUTE } from './table-keys.js';

/** The key of one hourly counter item (an IP window, a country shard). */
export interface CounterKey {
  readonly pk: string;
  readonly sk: string;
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
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1, ':max': max, ':ttl': expiresAt },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
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
