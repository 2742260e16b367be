import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RefreshTokenRecord, RefreshTokenStore } from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';

/** `RT#<sha256 of token>` / `RT`. A tombstone (only `revokedAt`) blocks a child created after its family died. */
interface RefreshTokenItem {
  pk: string;
  sk: 'RT';
  userId?: string;
  phoneNumber?: string;
  familyId?: string;
  familyExpiresAt?: number;
  createdAt?: number;
  rotatedAt?: number;
  childHash?: string;
  revokedAt?: number;
  ttl?: number;
}

const keyOf = (tokenHash: string) => ({ pk: `RT#${tokenHash}`, sk: 'RT' as const });

export class DynamoDbRefreshTokenStore implements RefreshTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tokenHash: string, now: number): Promise<RefreshTokenRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(tokenHash), ConsistentRead: true }),
    );
    const item = Item as RefreshTokenItem | undefined;
    if (!item?.userId || !item.phoneNumber || !item.familyId || item.familyExpiresAt === undefined) return undefined;
    if (item.ttl !== undefined && item.ttl <= now) return undefined;
    return {
      tokenHash,
      userId: item.userId,
      phoneNumber: item.phoneNumber,
      familyId: item.familyId,
      familyExpiresAt: item.familyExpiresAt,
      createdAt: item.createdAt ?? 0,
      ...(item.rotatedAt === undefined ? {} : { rotatedAt: item.rotatedAt }),
      ...(item.childHash === undefined ? {} : { childHash: item.childHash }),
      ...(item.revokedAt === undefined ? {} : { revokedAt: item.revokedAt }),
    };
  }

  async create(record: RefreshTokenRecord): Promise<boolean> {
    const item: RefreshTokenItem = {
      ...keyOf(record.tokenHash),
      userId: record.userId,
      phoneNumber: record.phoneNumber,
      familyId: record.familyId,
      familyExpiresAt: record.familyExpiresAt,
      createdAt: record.createdAt,
      ttl: record.familyExpiresAt,
    };
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markRotated(tokenHash: string, childHash: string, at: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(tokenHash),
          UpdateExpression: 'SET rotatedAt = :at, childHash = :child',
          // Only one of any number of concurrent refreshes spends the token: the family cannot fork.
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(rotatedAt) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':at': at, ':child': childHash },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async revoke(tokenHash: string, at: number, retainUntil: number): Promise<{ childHash?: string }> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(tokenHash),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at), #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':at': at, ':ttl': retainUntil },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const childHash = (Attributes as RefreshTokenItem | undefined)?.childHash;
    return childHash ? { childHash } : {};
  }
}
