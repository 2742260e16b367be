import type { KeySchemaElement } from '@aws-sdk/client-dynamodb';

/** The single table's key: every record is addressed by a string partition key and a string sort key. */
export const TABLE_KEY_SCHEMA = [
  { AttributeName: 'pk', KeyType: 'HASH' },
  { AttributeName: 'sk', KeyType: 'RANGE' },
] as const satisfies readonly KeySchemaElement[];

/** Attribute holding each item's expiry in epoch seconds (the table's DynamoDB TTL attribute). */
export const TTL_ATTRIBUTE = 'ttl';

/**
 * Partition-key prefixes of the one table, declared once: the DynamoDB stores build keys from them
 * and the stack scopes each function's IAM grant to them (`dynamodb:LeadingKeys`).
 */
export const KEY_PREFIXES = {
  /** `PHONE#<e164>`: the user and every per-number limit. */
  phone: 'PHONE#',
  /** `IP#<ip>`: per-IP send windows. */
  ip: 'IP#',
  /** `CTRY#<country>#<shard>`: per-country send windows, sharded (see dynamodb-country-send-limiter.ts). */
  country: 'CTRY#',
  /** `FAM#<familyId>`: a refresh-token family. */
  family: 'FAM#',
  /** `JWKS#current`: the public signing keys, written by the key rotation, read by the JWKS endpoint. */
  jwks: 'JWKS#',
  /** `PASSKEYS#<sub>`: a user's passkeys (public keys, counters, names) and the number the user holds. */
  passkeys: 'PASSKEYS#',
  /** `CHAL#<challenge>`: a passkey challenge handed out and not yet answered; single-use, expires. */
  challenge: 'CHAL#',
  /**
   * `USER#<sub>`: not an item but the partition key of {@link USER_INDEX}, which lists a user's refresh
   * families (their `userKey` attribute) so that deleting the account can find and delete them.
   */
  user: 'USER#',
} as const;

/**
 * The attributes of a phone record an owner check reads (the keys aside): who holds the number,
 * never the TOTP secret, the change secret or the code state. Functions that only check ownership are
 * granted `GetItem` on exactly these (`dynamodb:Attributes`).
 */
export const HOLDER_ATTRIBUTES = ['userId', 'status', 'sessionEpoch', TTL_ATTRIBUTE] as const;

/**
 * The attributes of a phone record the account deletion reads (the keys aside): who holds the number,
 * the record's version and counters, which its one conditional write keeps, and the number change
 * it asked for, which it withdraws. The deletion replaces the whole item, so it never needs the
 * TOTP secret, a change secret or the code state; it is granted `GetItem` on exactly these.
 */
export const DELETION_ATTRIBUTES = [
  ...HOLDER_ATTRIBUTES,
  'version',
  'phoneNumber',
  'changeTo',
  'lastStep',
  'failedAttempts',
  'lastFailedAt',
  'sendTimes',
] as const;

/**
 * The other attributes of a phone record, which the deletion never reads. With
 * {@link DELETION_ATTRIBUTES} they name every attribute of the item, which the phone record
 * adapter checks when it compiles: a new attribute must be put in one list or the other.
 */
export const DELETION_WITHHELD_ATTRIBUTES = [
  'totpSecret',
  'createdAt',
  'verifiedAt',
  'changeUserId',
  'changeSecret',
  'otpStep',
  'otpExpiresAt',
  'otpConsumed',
  // Written by the writes that change the holder, for the account events; nothing ever reads it.
  'holderChange',
] as const;

/** The one index: refresh families by user (`userKey` = `USER#<sub>`), keys only. */
export const USER_INDEX = { name: 'byUser', partitionKey: 'userKey' } as const;

export type ItemKind = keyof typeof KEY_PREFIXES;

/**
 * Item actions the handlers use: every read is a GetItem by key, every write a conditional Put or
 * Update (a transaction is authorized as its item actions, ConditionCheckItem for the items it only checks); BatchGetItem reads all the shards of a
 * country's hour at once (IAM checks each key's prefix, as for a GetItem); DeleteItem removes a deleted
 * account's families; Query is only ever granted on {@link USER_INDEX}, whose partitions are one
 * user's families.
 */
export type ItemAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  /** A transaction's check of an item it does not write (the passkey ceremonies check who holds the number). */
  | 'ConditionCheckItem';

/** The item actions a function may call, per kind of item; kinds not listed are out of reach. */
export type ItemAccess = Readonly<Partial<Record<ItemKind, readonly ItemAction[]>>>;

/**
 * Kinds of item a function may only read some attributes of (its only action on them must be
 * `GetItem`, with a `ProjectionExpression` of these): IAM refuses any other read.
 */
export type ReadableAttributes = Readonly<Partial<Record<ItemKind, readonly string[]>>>;
