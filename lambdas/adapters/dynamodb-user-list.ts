import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ListedUser, UserList, UserListPage } from '../core/operator.js';
import type { UserStatus } from '../core/phone-record.js';
import { KEY_PREFIXES, TTL_ATTRIBUTE } from './table-keys.js';

/** A `--cursor` that is not one this adapter handed out. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('The cursor is not one that a previous page printed.');
  }
}

interface TableKey {
  pk: string;
  sk: string;
}

interface ListedItem extends TableKey {
  phoneNumber: string;
  userId: string;
  status: UserStatus;
  createdAt?: number;
  verifiedAt?: number;
}

/** Largest page a caller may ask for; also what one Scan call reads at most. */
export const MAX_LIST_LIMIT = 1000;

/**
 * Lists the numbers with a user by scanning the whole table: it reads (and is billed for) every
 * item, families and per-IP windows included, which is why only the operator CLI does it. The filter
 * runs after the read, so a page costs what the items it walked past cost, not what it returns.
 */
export class DynamoDbUserList implements UserList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(args: { limit: number; cursor?: string; now: number }): Promise<UserListPage> {
    if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIST_LIMIT) {
      throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
    }
    let start: TableKey | undefined = args.cursor === undefined ? undefined : decodeCursor(args.cursor, this.tableName);
    const users: ListedItem[] = [];
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          // Evaluate no more than a page: the filter cannot make a call read less.
          Limit: args.limit,
          // Only what the listing shows: the secret and the code never leave the table.
          ProjectionExpression: 'pk, sk, phoneNumber, userId, #status, createdAt, verifiedAt',
          // A record past its retention reads as gone (TTL deletes late), as every route reads it.
          FilterExpression:
            'begins_with(pk, :phone) AND sk = :sk AND attribute_exists(userId) AND attribute_exists(#status) AND (attribute_not_exists(#ttl) OR #ttl > :now)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':phone': KEY_PREFIXES.phone, ':sk': 'USER', ':now': args.now },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (page.Items ?? []) as ListedItem[];
      const room = args.limit - users.length;
      if (items.length > room) {
        // More than the page holds: stop after the last one kept, which is a valid place to resume a Scan.
        users.push(...items.slice(0, room));
        return {
          users: users.map(toListedUser),
          cursor: encodeCursor(keyOf(users[users.length - 1] as ListedItem), this.tableName),
        };
      }
      users.push(...items);
      start = page.LastEvaluatedKey as TableKey | undefined;
    } while (start && users.length < args.limit);
    return { users: users.map(toListedUser), ...(start ? { cursor: encodeCursor(start, this.tableName) } : {}) };
  }
}

function toListedUser(item: ListedItem): ListedUser {
  return {
    phoneNumber: item.phoneNumber,
    userId: item.userId,
    status: item.status,
    createdAt: item.createdAt ?? 0,
    ...(item.verifiedAt === undefined ? {} : { verifiedAt: item.verifiedAt }),
  };
}

const keyOf = (item: TableKey): TableKey => ({ pk: item.pk, sk: item.sk });

/**
 * The cursor is a table key, and a phone record's key holds the number, so it is sealed (AES-GCM
 * under a key derived from the table name): a pasted page then shows no number even in its cursor,
 * and a cursor edited by hand or taken from another table is refused instead of starting anywhere.
 * It is not a secret from whoever has this code and the table name; they can list the table anyway.
 */
const CURSOR_TAG = 'u1';

function cursorKey(tableName: string): Buffer {
  return Buffer.from(hkdfSync('sha256', tableName, 'otp-login users list', 'cursor', 32));
}

function encodeCursor(key: TableKey, tableName: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(tableName), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify([key.pk, key.sk]), 'utf8'), cipher.final()]);
  // Never starting with '-', which a command line would take for an option.
  return `${CURSOR_TAG}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

function decodeCursor(cursor: string, tableName: string): TableKey {
  try {
    if (!cursor.startsWith(CURSOR_TAG) || !/^[A-Za-z0-9_-]{40,4096}$/.test(cursor)) throw new InvalidCursorError();
    const raw = Buffer.from(cursor.slice(CURSOR_TAG.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', cursorKey(tableName), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string' && part)) {
      return { pk: parsed[0] as string, sk: parsed[1] as string };
    }
  } catch {
    // falls through to the one error every bad cursor gets
  }
  throw new InvalidCursorError();
}
