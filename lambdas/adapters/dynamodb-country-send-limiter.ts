import { randomInt } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { HOUR } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { CountryCharge, CountrySendLimiter } from '../core/ports.js';
import { countAlways, countUnder, giveBackUnit } from './dynamodb-window-counter.js';
import { KEY_PREFIXES } from './table-keys.js';

/**
 * Shards per country. DynamoDB serves about 1,000 writes/s per partition key; a request that reaches
 * the counter writes one shard (1 WCU, refused or not) while the budget has room, so 16 shards carry
 * 10,000 sends/s to one country at 625 writes/s per shard on average (docs/architecture.md has the
 * arithmetic, and what a spent country costs).
 */
export const COUNTRY_SHARDS = 16;

/** Rounds of read-then-try before giving up; see {@link DynamoDbCountrySendLimiter.tryConsume}. */
const MAX_ROUNDS = COUNTRY_SHARDS + 1;

/** BatchGetItem may leave keys unprocessed under load; read those again this many times at most. */
const MAX_BATCH_READS = 4;

/** Shards of a budget: never more than the budget, so every shard holds at least one send. */
export function shardCount(maxPerHour: number): number {
  return Math.max(1, Math.min(COUNTRY_SHARDS, maxPerHour));
}

/** Shard `index`'s share of the hour's budget: the shares add up to exactly `maxPerHour`. */
export function shardShare(maxPerHour: number, index: number): number {
  const shards = shardCount(maxPerHour);
  return Math.floor(maxPerHour / shards) + (index < maxPerHour % shards ? 1 : 0);
}

function windowOf(now: number): number {
  return now - (now % HOUR);
}

function shardKey(country: string, windowStart: number, shard: number) {
  return { pk: `${KEY_PREFIXES.country}${country}#${shard}`, sk: `SEND#${windowStart}` };
}

/**
 * The per-country budget as up to `COUNTRY_SHARDS` counters per country and hour
 * (`CTRY#<country>#<shard>` / `SEND#<window start>`), each a guarded ADD against its share. Each shard
 * is exact under any contention and the shares add up to the budget, so the country never exceeds
 * it. A send tries one shard at random (one write, the common case); only when that shard is full
 * does it read every shard (one strongly consistent BatchGetItem) and try those that showed room, so
 * a send is refused only when one consistent read showed every shard full.
 */
export class DynamoDbCountrySendLimiter implements CountrySendLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Picks the first shard to try in [0, shards); random by default, fixed in tests. */
    private readonly pickShard: (shards: number) => number = (shards) => randomInt(shards),
  ) {}

  /**
   * Each round reads every shard and tries, in random order, those that showed room; a round ends
   * with no send only if every one of them was full by the time it was tried, so without refunds
   * each round leaves fewer shards open and `MAX_ROUNDS` rounds always end in a send or a read that
   * shows the budget spent. Only refunds racing with the rounds can exhaust them (then: refused).
   */
  async tryConsume(country: string, now: number, maxPerHour: number): Promise<CountryCharge | undefined> {
    const windowStart = windowOf(now);
    const first = this.pickShard(shardCount(maxPerHour));
    if (await this.add(country, windowStart, first, maxPerHour)) return { country, windowStart, shard: first };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const open = await this.openShards(country, windowStart, maxPerHour);
      if (open.length === 0) return undefined;
      for (const shard of shuffled(open)) {
        if (await this.add(country, windowStart, shard, maxPerHour)) return { country, windowStart, shard };
      }
    }
    return undefined;
  }

  async refund(charge: CountryCharge): Promise<void> {
    await giveBackUnit(this.client, this.tableName, shardKey(charge.country, charge.windowStart, charge.shard));
  }

  async countSent(country: string, now: number, maxPerHour: number): Promise<void> {
    // On a shard with room, as a send would be counted, so the next send is refused for it: the budget
    // is enforced shard by shard, and a unit added to a full shard would block nothing.
    if (await this.tryConsume(country, now, maxPerHour)) return;
    // Every shard is full: the budget is spent whatever this adds; counted all the same.
    const windowStart = windowOf(now);
    const key = shardKey(country, windowStart, this.pickShard(shardCount(maxPerHour)));
    await countAlways(this.client, this.tableName, key, windowStart + 2 * HOUR);
  }

  /** One random shard first (the same single call a send makes); every shard only when that one is full. */
  async hasRoom(country: string, now: number, maxPerHour: number): Promise<boolean> {
    const windowStart = windowOf(now);
    const first = this.pickShard(shardCount(maxPerHour));
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: shardKey(country, windowStart, first), ConsistentRead: true }),
    );
    if (((Item?.count as number | undefined) ?? 0) < shardShare(maxPerHour, first)) return true;
    return (await this.openShards(country, windowStart, maxPerHour)).length > 0;
  }

  private async add(country: string, windowStart: number, shard: number, maxPerHour: number): Promise<boolean> {
    const key = shardKey(country, windowStart, shard);
    return countUnder(this.client, this.tableName, key, shardShare(maxPerHour, shard), windowStart + 2 * HOUR);
  }

  /** The shards below their share, from one strongly consistent read of all of them. */
  private async openShards(country: string, windowStart: number, maxPerHour: number): Promise<number[]> {
    const shards = shardCount(maxPerHour);
    const counts = new Map<string, number>();
    let keys = Array.from({ length: shards }, (_, shard) => shardKey(country, windowStart, shard));
    for (let read = 0; keys.length > 0; read++) {
      // DynamoDB is shedding load: a short wait and a retry, never a 500.
      if (read === MAX_BATCH_READS) throw new AuthError('service_unavailable', { retryAfterSeconds: 1 });
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: 'pk, #count',
              ExpressionAttributeNames: { '#count': 'count' },
            },
          },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) counts.set(String(item.pk), Number(item.count ?? 0));
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
    }
    const open = Array.from({ length: shards }, (_, shard) => shard).filter(
      (shard) => (counts.get(shardKey(country, windowStart, shard).pk) ?? 0) < shardShare(maxPerHour, shard),
    );
    return open;
  }
}

/** Fisher-Yates, so concurrent fallbacks spread over the open shards instead of piling onto the first. */
function shuffled(items: readonly number[]): number[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}
