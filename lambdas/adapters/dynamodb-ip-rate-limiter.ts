import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rateLimitKeyForIp } from '../core/client-ip.js';
import { HOUR } from '../core/clock.js';
import type { IpRateLimiter } from '../core/ports.js';
import { countUnder, giveBackUnit } from './dynamodb-window-counter.js';
import { KEY_PREFIXES } from './table-keys.js';

/** One item per client and hour (`IP#<ip>` / `SEND#<window start>`), counted with a guarded ADD. */
export class DynamoDbIpRateLimiter implements IpRateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tryConsume(ip: string, now: number, maxPerHour: number): Promise<boolean> {
    const windowStart = now - (now % HOUR);
    return countUnder(this.client, this.tableName, ipKey(ip, windowStart), maxPerHour, windowStart + 2 * HOUR);
  }

  async refund(ip: string, chargedAt: number): Promise<void> {
    await giveBackUnit(this.client, this.tableName, ipKey(ip, chargedAt - (chargedAt % HOUR)));
  }
}

function ipKey(ip: string, windowStart: number) {
  return { pk: `${KEY_PREFIXES.ip}${rateLimitKeyForIp(ip)}`, sk: `SEND#${windowStart}` };
}
