import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rateLimitKeyForIp } from '../core/client-ip.js';
import { HOUR } from '../core/clock.js';
import type { IpRateLimiter } from '../core/ports.js';
import { countUnder, giveBackUnit } from './dynamodb-window-counter.js';
import { KEY_PREFIXES } from './table-keys.js';

/**
 * Which budget of a client IP a limiter counts: code sends (`SEND_MAX_PER_IP_PER_HOUR`) or the
 * passkey sign-in routes (`PASSKEY_MAX_PER_IP_PER_HOUR`), each in its own item so neither spends the other.
 */
export type IpWindow = 'SEND' | 'PASSKEY';

/** One item per client, budget and hour (`IP#<ip>` / `SEND#<window start>`), counted with a guarded ADD. */
export class DynamoDbIpRateLimiter implements IpRateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly window: IpWindow = 'SEND',
  ) {}

  async tryConsume(ip: string, now: number, maxPerHour: number): Promise<boolean> {
    const windowStart = now - (now % HOUR);
    return countUnder(
      this.client,
      this.tableName,
      ipKey(ip, this.window, windowStart),
      maxPerHour,
      windowStart + 2 * HOUR,
    );
  }

  async refund(ip: string, chargedAt: number): Promise<void> {
    await giveBackUnit(this.client, this.tableName, ipKey(ip, this.window, chargedAt - (chargedAt % HOUR)));
  }
}

function ipKey(ip: string, window: IpWindow, windowStart: number) {
  return { pk: `${KEY_PREFIXES.ip}${rateLimitKeyForIp(ip)}`, sk: `${window}#${windowStart}` };
}
