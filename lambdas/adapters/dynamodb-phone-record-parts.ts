import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { NumberHolder, UserStatus } from '../core/phone-record.js';
import type { EndSessionsArgs, NumberHolders, PhoneRecordStore } from '../core/ports.js';
import { endUserSessions, phoneKeyOf } from './dynamodb-phone-record-store.js';
import { HOLDER_ATTRIBUTES } from './table-keys.js';

// One operation each of the phone record store, for the functions that need only that one: a class's
// methods all ship with it, and the store's writes and conditions cost every bundle that builds it.

/** Who holds a number, read through a projection: for refresh-token and `/me`. */
export class DynamoDbNumberHolders implements NumberHolders {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async holderOf(phoneNumber: string, now: number): Promise<NumberHolder | undefined> {
    const names = Object.fromEntries(HOLDER_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: phoneKeyOf(phoneNumber),
        ConsistentRead: true,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
      }),
    );
    const item = Item as { userId?: string; status?: UserStatus; sessionEpoch?: number; ttl?: number } | undefined;
    // TTL deletes late: a record past its retention holds nobody.
    if (!item?.userId || !item.status || (item.ttl !== undefined && item.ttl <= now)) return undefined;
    return {
      userId: item.userId,
      status: item.status,
      ...(item.sessionEpoch === undefined ? {} : { sessionEpoch: item.sessionEpoch }),
    };
  }
}

/** Ends every session of a number's user and nothing else: for logout, whose bundle stays as small. */
export class DynamoDbSessionEnder implements Pick<PhoneRecordStore, 'endSessions'> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  endSessions(phoneNumber: string, args: EndSessionsArgs): Promise<boolean> {
    return endUserSessions(this.client, this.tableName, phoneNumber, args);
  }
}
