import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COUNTRY_SHARDS,
  DynamoDbCountrySendLimiter,
  shardCount,
  shardShare,
} from '../../lambdas/adapters/dynamodb-country-send-limiter.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { createTestTable } from '../helpers/dynamodb.js';

const HOUR = 3600;
const now = Math.floor(Date.now() / 1000);
const hourStart = now - (now % HOUR);

let documents: ReturnType<typeof createDocumentClient>;
let tableName: string;

/** Hands out shards in turn, so a test knows which shard each send lands on. */
function roundRobin(): (shards: number) => number {
  let next = 0;
  return (shards) => next++ % shards;
}

beforeAll(async () => {
  const table = await createTestTable();
  documents = createDocumentClient(table.client);
  tableName = table.tableName;
});

describe('shard shares', () => {
  it.each([
    [5000, 16, [313, 313, 313, 313, 313, 313, 313, 313, 312, 312, 312, 312, 312, 312, 312, 312]],
    [20, 16, [2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    [5, 5, [1, 1, 1, 1, 1]],
    [1, 1, [1]],
  ])('splits a budget of %i into %i shares that add up to it exactly', (budget, shards, shares) => {
    expect(COUNTRY_SHARDS).toBe(16);
    expect(shardCount(budget)).toBe(shards);
    const actual = Array.from({ length: shards }, (_, index) => shardShare(budget, index));
    expect(actual).toEqual(shares);
    expect(actual.reduce((a, b) => a + b, 0)).toBe(budget);
  });
});

describe('DynamoDbCountrySendLimiter', () => {
  it('admits exactly the budget of 100 concurrent sends spread over every shard, and no more', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, roundRobin());

    const results = await Promise.all(Array.from({ length: 100 }, () => limiter.tryConsume('IN', now, 40)));

    expect(results.filter(Boolean)).toHaveLength(40);
    const counts = await Promise.all(
      Array.from({ length: COUNTRY_SHARDS }, async (_, shard) => {
        const { Item } = await documents.send(
          new GetCommand({ TableName: tableName, Key: { pk: `CTRY#IN#${shard}`, sk: `SEND#${hourStart}` } }),
        );
        expect(Item?.ttl).toBe(hourStart + 2 * HOUR);
        return Item?.count as number;
      }),
    );
    expect(counts).toEqual(Array.from({ length: COUNTRY_SHARDS }, (_, shard) => shardShare(40, shard)));
  });

  it('never admits more than the budget when shards are picked at random', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName);

    const results = await Promise.all(Array.from({ length: 120 }, () => limiter.tryConsume('US', now, 30)));

    const admitted = results.filter(Boolean).length;
    expect(admitted).toBeLessThanOrEqual(30);
    // Each of the 16 shards saw 120 / 16 = 7.5 sends on average against a share of 1 or 2; a shard
    // that got none would be the only way to stay below the budget.
    expect(admitted).toBeGreaterThan(20);
  });

  it('refuses a send when its shard is full while another shard still has room', async () => {
    const shards = [0, 0, 1];
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => shards.shift() ?? 0);

    expect(await limiter.tryConsume('GB', now, 32)).toBe(true);
    expect(await limiter.tryConsume('GB', now, 32)).toBe(true);
    expect(await limiter.tryConsume('GB', now, 32)).toBe(true);
    expect(await limiter.tryConsume('GB', now, 32)).toBe(false); // shard 0 held 2 of 32
  });

  it('answers hasRoom from the same shard without counting anything', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);

    expect(await limiter.hasRoom('FR', now, 1)).toBe(true);
    expect(await limiter.hasRoom('FR', now, 1)).toBe(true);
    expect(await limiter.tryConsume('FR', now, 1)).toBe(true);
    expect(await limiter.hasRoom('FR', now, 1)).toBe(false);
    expect(await limiter.tryConsume('FR', now, 1)).toBe(false);
  });

  it('opens a fresh window the next hour and counts other countries separately', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);

    expect(await limiter.tryConsume('DE', hourStart, 1)).toBe(true);
    expect(await limiter.tryConsume('DE', hourStart + HOUR - 1, 1)).toBe(false);
    expect(await limiter.tryConsume('AT', hourStart, 1)).toBe(true);
    expect(await limiter.tryConsume('DE', hourStart + HOUR, 1)).toBe(true);
  });
});
