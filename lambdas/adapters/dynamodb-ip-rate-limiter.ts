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
          Key: { pk: `${KEY_PREFIXES.ip}${rateLimitKeyForIp(ip)}`, sk: `SEND#${windowStart}` },
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
}
