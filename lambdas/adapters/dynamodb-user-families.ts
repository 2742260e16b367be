import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { UserFamilies } from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { familyKeyOf, userKeyOf } from './dynamodb-refresh-family-store.js';
import { KEY_PREFIXES, USER_INDEX } from './table-keys.js';

/** Deleting families in parallel, a few at a time: a user rarely has more than a handful. */
const DELETE_CONCURRENCY = 8;

/** A user's refresh families through the keys-only `byUser` index. */
export class DynamoDbUserFamilies implements UserFamilies {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async familyIdsOf(userId: string): Promise<string[]> {
    const ids: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: USER_INDEX.name,
          KeyConditionExpression: '#userKey = :userKey',
          ExpressionAttributeNames: { '#userKey': USER_INDEX.partitionKey },
          ExpressionAttributeValues: { ':userKey': userKeyOf(userId) },
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = String(item.pk ?? '');
        if (pk.startsWith(KEY_PREFIXES.family)) ids.push(pk.slice(KEY_PREFIXES.family.length));
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return ids;
  }

  async deleteFamilies(familyIds: readonly string[]): Promise<void> {
    for (let start = 0; start < familyIds.length; start += DELETE_CONCURRENCY) {
      await Promise.all(
        familyIds
          .slice(start, start + DELETE_CONCURRENCY)
          .map((id) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: familyKeyOf(id) }))),
      );
    }
  }
}

/**
 * Puts the refresh families written before the user index existed into it (`userKey`), so that
 * deleting their user's account finds them: a one-off after upgrading a deployed table. Scans the
 * table (operators only; a family gets `userKey` at its next refresh anyway, this covers the idle ones).
 */
export async function indexLegacyFamilies(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ readonly scanned: number; readonly indexed: number }> {
  let scanned = 0;
  let indexed = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :family) AND attribute_not_exists(#userKey)',
        ProjectionExpression: 'pk, sk, userId',
        ExpressionAttributeNames: { '#userKey': USER_INDEX.partitionKey },
        ExpressionAttributeValues: { ':family': KEY_PREFIXES.family },
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      if (typeof item.userId !== 'string') continue;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET #userKey = :userKey',
            // A family deleted or rotated (and so indexed) since the scan is left alone.
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#userKey)',
            ExpressionAttributeNames: { '#userKey': USER_INDEX.partitionKey },
            ExpressionAttributeValues: { ':userKey': userKeyOf(item.userId) },
          }),
        );
        indexed++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { scanned, indexed };
}
