import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { UserFamilies } from '../core/ports.js';
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
