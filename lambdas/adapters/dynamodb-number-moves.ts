import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PhoneRecord } from '../core/phone-record.js';
import type { NumberMoves, RefreshFamily } from '../core/ports.js';
import { passkeysKeyOf } from './dynamodb-passkey-items.js';
import { phoneItem } from './dynamodb-phone-record-store.js';
import { familyItem } from './dynamodb-refresh-family-store.js';

/**
 * The number change's one transaction: both numbers' records, the new session's family, and the
 * user's passkey item, which from then on names the new number (a sign-in checks that its user holds
 * the item's number, so passkeys keep signing the user in, now under the new number).
 */
export class DynamoDbNumberMoves implements NumberMoves {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async moveUser(args: {
    vacated: PhoneRecord;
    fromVersion: number;
    moved: PhoneRecord;
    toVersion: number;
    family: RefreshFamily;
  }): Promise<boolean> {
    // Each record as the phone record store writes it, under the same version guard.
    const guarded = (record: PhoneRecord, seen: number) => ({
      TableName: this.tableName,
      Item: phoneItem(record, seen + 1),
      ...(seen === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :seen',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':seen': seen },
          }),
    });
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: guarded(args.vacated, args.fromVersion) },
            { Put: guarded(args.moved, args.toVersion) },
            {
              Put: {
                TableName: this.tableName,
                Item: familyItem(args.family),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              // Unconditional: the records' guards decide the move. For a user without passkeys it
              // creates the item bare (no `passkeys`), which the first enrolment fills in.
              Update: {
                TableName: this.tableName,
                Key: passkeysKeyOf(args.family.userId),
                UpdateExpression: 'SET phoneNumber = :phone, userId = :userId',
                ExpressionAttributeValues: { ':phone': args.moved.phoneNumber, ':userId': args.family.userId },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      // A cancelled transaction names its reasons: a failed condition, or another write to one of its
      // items in flight (two confirms of one change, a login of either number), means "read again".
      if (shouldReadAgain(error)) return false;
      throw error;
    }
  }
}

const READ_AGAIN_REASONS = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

export function shouldReadAgain(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((reason) => READ_AGAIN_REASONS.has(reason.Code ?? ''));
}
