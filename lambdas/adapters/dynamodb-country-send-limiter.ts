import { randomInt } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HOUR } from '../core/clock.js';
import type { CountrySendLimiter } from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { KEY_PREFIXES, TTL_ATTRIBUTE } from './table-keys.js';

/**
 * Shards per country. DynamoDB serves about 1,000 writes/s per partition key; a request that reaches
 * the counter writes one shard (1 WCU, refused or not), so 16 shards carry 10,000 sends/s to one
 * country at 625 writes/s per shard on average (docs/architecture.md has the arithmetic).
 */
export const COUNTRY_SHARDS = 16;

/** Shards of a budget: never more than the budget, so every shard holds at least one send. */
export function shardCount(maxPerHour: number): number {
  return Math.max(1, Math.min(COUNTRY_SHARDS, maxPerHour));
}

/** Shard `index`'s share of the hour's budget: the shares add up to exactly `maxPerHour`. */
export function shardShare(maxPerHour: number, index: number): number {
  const shards = shardCount(maxPerHour);
  return Math.floor(maxPerHour / shards) + (index < maxPerHour % shards ? 1 : 0);
}

/**
 * The per-country budget as `COUNTRY_SHARDS` counters per country and hour
 * (`CTRY#<country>#<shard>` / `SEND#<window start>`), each a guarded ADD against its share. Each shard
 * is exact under any contention, so the country never exceeds its budget; a request picks one shard
 * at random and is refused when that shard is full, even if others still have room (a retry may
 * land on one that has).
 */
export class DynamoDbCountrySendLimiter implements CountrySendLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Picks a shard in [0, shards); random by default, fixed in tests. */
    private readonly pickShard: (shards: number) => number = (shards) => randomInt(shards),
  ) {}

  async tryConsume(country: string, now: number, maxPerHour: number): Promise<boolean> {
    const { key, share, windowStart } = this.shard(country, now, maxPerHour);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          // Exact under any contention, in one call: the increment happens only while below the share.
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':max': share, ':ttl': windowStart + 2 * HOUR },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async hasRoom(country: string, now: number, maxPerHour: number): Promise<boolean> {
    const { key, share } = this.shard(country, now, maxPerHour);
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return ((Item?.count as number | undefined) ?? 0) < share;
  }

  private shard(country: string, now: number, maxPerHour: number) {
    const windowStart = now - (now % HOUR);
    const index = this.pickShard(shardCount(maxPerHour));
    return {
      key: { pk: `${KEY_PREFIXES.country}${country}#${index}`, sk: `SEND#${windowStart}` },
      share: shardShare(maxPerHour, index),
      windowStart,
    };
  }
}
