import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RefreshFamily, RefreshFamilyStore } from '../core/ports.js';
import type { AuthMethod } from '../core/tokens.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { KEY_PREFIXES } from './table-keys.js';

/** `FAM#<family id>` / `FAMILY`: the whole state of one refresh-token family. */
interface FamilyItem {
  pk: string;
  sk: 'FAMILY';
  userId: string;
  phoneNumber: string;
  familyExpiresAt: number;
  createdAt: number;
  headHash: string;
  previousHash?: string;
  rotatedAt?: number;
  generation: number;
  revokedAt?: number;
  sessionEpoch?: number;
  /** The login's time, the family's tokens' `auth_time`; absent on items written before it existed. */
  authTime?: number;
  /** How the login was proved (RFC 8176 methods), the tokens' `amr`; absent on items written before it existed. */
  amr?: AuthMethod[];
  /** `USER#<sub>`: the user index's key, so deleting the account finds the family. */
  userKey?: string;
  ttl: number;
}

export const familyKeyOf = (familyId: string) => ({ pk: `${KEY_PREFIXES.family}${familyId}`, sk: 'FAMILY' as const });
export const userKeyOf = (userId: string) => `${KEY_PREFIXES.user}${userId}`;

/** The item of a new family (also written by the number change's transaction). */
export function familyItem(family: RefreshFamily): FamilyItem {
  return {
    ...familyKeyOf(family.familyId),
    userId: family.userId,
    userKey: userKeyOf(family.userId),
    phoneNumber: family.phoneNumber,
    familyExpiresAt: family.familyExpiresAt,
    createdAt: family.createdAt,
    headHash: family.headHash,
    generation: family.generation,
    ...(family.sessionEpoch === undefined ? {} : { sessionEpoch: family.sessionEpoch }),
    ...(family.authTime === undefined ? {} : { authTime: family.authTime }),
    ...(family.amr === undefined ? {} : { amr: [...family.amr] }),
    ttl: family.familyExpiresAt,
  };
}

export class DynamoDbRefreshFamilyStore implements RefreshFamilyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(familyId: string, now: number): Promise<RefreshFamily | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: familyKeyOf(familyId), ConsistentRead: true }),
    );
    const item = Item as FamilyItem | undefined;
    // TTL deletes late: a family past its end is gone, whatever is still stored.
    if (!item || item.familyExpiresAt <= now) return undefined;
    return {
      familyId,
      userId: item.userId,
      phoneNumber: item.phoneNumber,
      familyExpiresAt: item.familyExpiresAt,
      createdAt: item.createdAt,
      headHash: item.headHash,
      generation: item.generation,
      ...(item.previousHash === undefined ? {} : { previousHash: item.previousHash }),
      ...(item.rotatedAt === undefined ? {} : { rotatedAt: item.rotatedAt }),
      ...(item.revokedAt === undefined ? {} : { revokedAt: item.revokedAt }),
      ...(item.sessionEpoch === undefined ? {} : { sessionEpoch: item.sessionEpoch }),
      ...(item.authTime === undefined ? {} : { authTime: item.authTime }),
      ...(item.amr === undefined ? {} : { amr: item.amr }),
    };
  }

  async create(family: RefreshFamily): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: familyItem(family),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async rotate(
    familyId: string,
    args: { fromHash: string; toHash: string; at: number; maxGeneration: number; userId: string },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: familyKeyOf(familyId),
          // userKey: a family from before the user index gets indexed at its next rotation.
          UpdateExpression:
            'SET headHash = :to, previousHash = :from, rotatedAt = :at, userKey = if_not_exists(userKey, :userKey) ADD generation :one',
          // Only the head rotates, once: concurrent refreshes of one token cannot fork the family.
          ConditionExpression: 'headHash = :from AND attribute_not_exists(revokedAt) AND generation < :max',
          ExpressionAttributeValues: {
            ':to': args.toHash,
            ':from': args.fromHash,
            ':at': args.at,
            ':one': 1,
            ':max': args.maxGeneration,
            ':userKey': userKeyOf(args.userId),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async revoke(familyId: string, at: number, tokenHash?: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: familyKeyOf(familyId),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression:
            tokenHash === undefined
              ? 'familyExpiresAt > :at'
              : 'familyExpiresAt > :at AND (headHash = :token OR previousHash = :token)',
          ExpressionAttributeValues: { ':at': at, ...(tokenHash === undefined ? {} : { ':token': tokenHash }) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
