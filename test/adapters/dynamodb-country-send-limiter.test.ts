import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COUNTRY_SHARDS,
  DynamoDbCountrySendLimiter,
  shardCount,
  shardShare,
} from '../../lambdas/adapters/dynamodb-country-send-limiter.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import type { CountryCharge } from '../../lambdas/core/ports.js';
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

  it('admits exactly the budget when shards are picked at random: a full shard falls back to those with room', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName);

    const results = await Promise.all(Array.from({ length: 40 }, () => limiter.tryConsume('US', now, 30)));

    // 2.5 picks per shard on average against shares of 1 or 2: without the fallback, shards drawn
    // too rarely would leave the budget unspent while others refuse.
    expect(results.filter(Boolean)).toHaveLength(30);
    expect(await shardCounts('US', 30)).toEqual(Array.from({ length: 16 }, (_, shard) => shardShare(30, shard)));
  });

  it('sends to the last unit of the budget one after another, whichever shard each request draws first', async () => {
    // Every request draws shard 0: the first fills it, the others must find shards 1 and 2.
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);

    expect(await limiter.tryConsume('GB', now, 3)).toEqual({ country: 'GB', windowStart: hourStart, shard: 0 });
    expect((await limiter.tryConsume('GB', now, 3))?.shard).toBeOneOf([1, 2]);
    expect((await limiter.tryConsume('GB', now, 3))?.shard).toBeOneOf([1, 2]);
    expect(await limiter.tryConsume('GB', now, 3)).toBeUndefined();
    expect(await shardCounts('GB', 3)).toEqual([1, 1, 1]);
  });

  it('gives a refunded send back to the shard it was taken from, never below zero', async () => {
    const picks = [1, 0, 0, 0];
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => picks.shift() ?? 0);

    const charge = await limiter.tryConsume('NL', now, 2);
    expect(charge).toEqual({ country: 'NL', windowStart: hourStart, shard: 1 });
    expect(await limiter.tryConsume('NL', now, 2)).toMatchObject({ shard: 0 });
    expect(await limiter.tryConsume('NL', now, 2)).toBeUndefined();

    await limiter.refund(charge as CountryCharge);
    expect(await shardCounts('NL', 2)).toEqual([1, 0]);
    await limiter.refund(charge as CountryCharge);
    expect(await shardCounts('NL', 2)).toEqual([1, 0]);
    // Shard 0 drawn and full: the refund reopened the window, though this limiter had just seen it spent.
    expect(await limiter.tryConsume('NL', now, 2)).toEqual(charge);
    // A window nobody counted in is not created by a refund.
    await limiter.refund({ country: 'NL', windowStart: hourStart + HOUR, shard: 0 });
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'CTRY#NL#0', sk: `SEND#${hourStart + HOUR}` } }),
    );
    expect(Item).toBeUndefined();
  });

  it('refuses a spent country with one write and one read of every shard, every time', async () => {
    const calls: string[] = [];
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        calls.push(command.constructor.name);
        return documents.send(command as never);
      },
    } as unknown as typeof documents;
    const limiter = new DynamoDbCountrySendLimiter(counting, tableName, () => 5);
    for (let i = 0; i < 16; i++) expect(await limiter.tryConsume('BR', now, 16)).toBeDefined();
    calls.length = 0;

    expect(await limiter.tryConsume('BR', now, 16)).toBeUndefined();
    expect(calls).toEqual(['UpdateCommand', 'BatchGetCommand']);
    calls.length = 0;
    expect(await limiter.tryConsume('BR', now, 16)).toBeUndefined();
    expect(calls).toEqual(['UpdateCommand', 'BatchGetCommand']);
  });

  it('sends with the unit another container gave back, right after seeing the country spent', async () => {
    // Two containers: one holds the whole budget, the other has just been refused.
    const other = new DynamoDbCountrySendLimiter(documents, tableName, roundRobin());
    let pick = 0;
    const mine = new DynamoDbCountrySendLimiter(documents, tableName, () => pick);
    const held = [
      await other.tryConsume('CL', now, 3),
      await other.tryConsume('CL', now, 3),
      await other.tryConsume('CL', now, 3),
    ];
    expect(held.every(Boolean)).toBe(true);
    expect(await mine.tryConsume('CL', now, 3)).toBeUndefined();

    await other.refund(held[0] as CountryCharge); // shard 0 has room again
    pick = 1; // and this container draws a full one

    expect(await mine.tryConsume('CL', now, 3)).toEqual({ country: 'CL', windowStart: hourStart, shard: 0 });
    expect(await mine.hasRoom('CL', now, 3)).toBe(false);
  });

  it('counts an SMS sent without asking on a shard with room, so the next send is refused for it', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);
    expect(await limiter.tryConsume('PE', now, 2)).toMatchObject({ shard: 0 }); // shard 0 full

    await limiter.countSent('PE', now, 2);

    expect(await shardCounts('PE', 2)).toEqual([1, 1]);
    expect(await limiter.tryConsume('PE', now, 2)).toBeUndefined();
    await limiter.countSent('PE', now, 2); // spent: still counted, never refused
    expect(await shardCounts('PE', 2)).toEqual([2, 1]);
  });

  it('answers hasRoom from every shard without counting anything', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);

    expect(await limiter.hasRoom('FR', now, 2)).toBe(true);
    expect(await limiter.tryConsume('FR', now, 2)).toMatchObject({ shard: 0 });
    // Shard 0 is full, shard 1 is not.
    expect(await limiter.hasRoom('FR', now, 2)).toBe(true);
    expect(await shardCounts('FR', 2)).toEqual([1, 0]);
    expect(await limiter.tryConsume('FR', now, 2)).toMatchObject({ shard: 1 });
    expect(await limiter.hasRoom('FR', now, 2)).toBe(false);
    expect(await limiter.tryConsume('FR', now, 2)).toBeUndefined();
  });

  it('opens a fresh window the next hour and counts other countries separately', async () => {
    const limiter = new DynamoDbCountrySendLimiter(documents, tableName, () => 0);

    expect(await limiter.tryConsume('DE', hourStart, 1)).toBeDefined();
    expect(await limiter.tryConsume('DE', hourStart + HOUR - 1, 1)).toBeUndefined();
    expect(await limiter.tryConsume('AT', hourStart, 1)).toBeDefined();
    expect(await limiter.tryConsume('DE', hourStart + HOUR, 1)).toEqual({
      country: 'DE',
      windowStart: hourStart + HOUR,
      shard: 0,
    });
  });
});

/** Each shard's count this hour (0 where no item). */
async function shardCounts(country: string, budget: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: shardCount(budget) }, async (_, shard) => {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: `CTRY#${country}#${shard}`, sk: `SEND#${hourStart}` } }),
      );
      return Number(Item?.count ?? 0);
    }),
  );
}

describe('DynamoDbCountrySendLimiter when DynamoDB sheds load', () => {
  it('answers 503 service_unavailable, not an internal error, when the shards stay unprocessed', async () => {
    const table = await createTestTable();
    const shedding = createDocumentClient(table.client);
    // Every BatchGetItem comes back with all its keys unprocessed, as DynamoDB may answer under load.
    shedding.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const input = args.input as { RequestItems?: Record<string, unknown> };
        if (input.RequestItems) {
          (result.output as Record<string, unknown>).Responses = {};
          (result.output as Record<string, unknown>).UnprocessedKeys = input.RequestItems;
        }
        return result;
      },
      { step: 'initialize', name: 'shedBatchReads' },
    );
    const limiter = new DynamoDbCountrySendLimiter(shedding, table.tableName, () => 0);
    expect(await limiter.tryConsume('IN', now, 2)).toBeDefined(); // shard 0 takes its one unit

    await expect(limiter.tryConsume('IN', now, 2)).rejects.toMatchObject({
      code: 'service_unavailable',
      retryAfterSeconds: 1,
    });
  });
});
