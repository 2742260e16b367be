import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PhoneRecord } from '../core/phone-record.js';
import type { VersionedPhoneRecord } from '../core/ports.js';
import { DynamoDbPhoneRecordStore, type PhoneItem, phoneKeyOf, toRecord } from './dynamodb-phone-record-store.js';
import { DELETION_ATTRIBUTES, type DELETION_WITHHELD_ATTRIBUTES } from './table-keys.js';

// Every attribute of a phone item is either read by the deletion or withheld from it: an attribute
// added to PhoneItem and to neither list fails to compile here, naming it.
type Unclassified = Exclude<
  keyof PhoneItem,
  'pk' | 'sk' | (typeof DELETION_ATTRIBUTES)[number] | (typeof DELETION_WITHHELD_ATTRIBUTES)[number]
>;
const _everyAttributeClassified: [Unclassified] extends [never] ? true : Unclassified = true;

/**
 * Stands for the TOTP secret of the user in a record read without it. Never written: the store
 * refuses to save a record that has a user.
 */
export const WITHHELD_SECRET = '(withheld)';

/**
 * The phone records as `DELETE /me` sees them: read through a projection of
 * {@link DELETION_ATTRIBUTES}, so the function never receives the TOTP secret, a change secret or
 * the code state (and IAM lets it read nothing else). What the deletion needs of the record is its
 * holder, version, counters and pending change; its one conditional write replaces the whole item
 * with the vacated record, which has no user, so nothing withheld is ever needed to write it.
 */
export class DynamoDbAccountDeletionRecords extends DynamoDbPhoneRecordStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    super(documents, table);
  }

  override async get(phoneNumber: string, now: number): Promise<VersionedPhoneRecord> {
    const names = Object.fromEntries(DELETION_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.table,
        Key: phoneKeyOf(phoneNumber),
        ConsistentRead: true,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
      }),
    );
    const item = Item as Omit<PhoneItem, (typeof DELETION_WITHHELD_ATTRIBUTES)[number]> | undefined;
    const empty = { phoneNumber, failedAttempts: 0, sendTimes: [] };
    if (!item) return { record: empty, version: 0 };
    // TTL deletion runs late, as in DynamoDbPhoneRecordStore.get: expired reads as gone, its version still guards.
    if (item.ttl !== undefined && item.ttl <= now) return { record: empty, version: item.version ?? 0, stale: true };
    const withheld = item.userId === undefined ? {} : { totpSecret: WITHHELD_SECRET };
    return { record: toRecord({ ...item, ...withheld }), version: item.version ?? 0 };
  }

  override save(record: PhoneRecord, seenVersion: number): Promise<boolean> {
    // A user written back from this read would carry the placeholder as its secret.
    if (record.user !== undefined) {
      return Promise.reject(
        new Error('the account deletion store read no secret: it can only save a record without a user'),
      );
    }
    return super.save(record, seenVersion);
  }
}
