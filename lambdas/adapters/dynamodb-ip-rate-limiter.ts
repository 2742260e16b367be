import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rateLimitKeyForIp } from '../core/client-ip.js';
import { HOUR } from '../core/clock.js';
import type { IpRateLimiter } from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { KEY_PREFIXES, TTL_ATTRIBUTE } from './table-keys.js';

/** One item per client and hour (`IP#<ip>` / `SEND#<window start>`), counted with a guarded ADD. */
export class DynamoDbIpRateLimiter implements IpRateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tryConsume(ip: string, now: number, maxPerHour: number): Promise<boolean> {
    const windowStart = now - (now % HOUR);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ipKey(ip, windowStart),
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          // Exact under any contention, in one call: the increment happens only while below the limit.
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerHour, ':ttl': windowStart + 2 * HOUR },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async refund(ip: string, chargedAt: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ipKey(ip, chargedAt - (chargedAt % HOUR)),
          UpdateExpression: 'ADD #count :minusOne',
          // Never below zero, and never recreates an item TTL has already removed.
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function ipKey(ip: string, windowStart: number) {
  return { pk: `${KEY_PREFIXES.ip}${rateLimitKeyForIp(ip)}`, sk: `SEND#${windowStart}` };
}
