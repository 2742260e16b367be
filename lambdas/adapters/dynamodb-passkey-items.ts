/**
 * The passkey items and the pieces every passkey write shares: the user's passkey item
 * (`PASSKEYS#<sub>` / `PASSKEYS`), the challenge items (`CHAL#<challenge>` / `CHAL`), and the
 * transaction parts that consume a challenge and check who holds a number. The enrolment, the sign-in,
 * the removals and the number change each write through their own adapter with these.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Initiator, PASSKEYS_CHANGED_BY_ATTRIBUTE } from '../core/account-events.js';
import type { Ceremony, ChallengeIssuer, PasskeyReader, StoredPasskey, UserPasskeys } from '../core/passkeys.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { phoneKeyOf } from './dynamodb-phone-record-store.js';
import { KEY_PREFIXES, TTL_ATTRIBUTE } from './table-keys.js';

export const passkeysKeyOf = (userId: string) => ({ pk: `${KEY_PREFIXES.passkeys}${userId}`, sk: 'PASSKEYS' as const });
export const challengeKeyOf = (challenge: string) => ({
  pk: `${KEY_PREFIXES.challenge}${challenge}`,
  sk: 'CHAL' as const,
});

/** One passkey inside the item's `passkeys` map, keyed there by its credential id. */
export type PasskeyEntry = Omit<StoredPasskey, 'id' | 'transports'> & { transports: string[] };

/** `PASSKEYS#<sub>` / `PASSKEYS`. `passkeys` is absent until the first enrolment (the number change may create the item first). */
export interface PasskeysItem {
  pk: string;
  sk: 'PASSKEYS';
  userId: string;
  phoneNumber: string;
  passkeys?: Record<string, PasskeyEntry>;
  /** Who made the latest removal: the PasskeyRemoved event's initiator, never read by a route. */
  passkeysChangedBy?: Initiator;
}

export function passkeyEntry(passkey: StoredPasskey): PasskeyEntry {
  const { id: _id, transports, ...rest } = passkey;
  return { ...rest, transports: [...transports] };
}

export function toUserPasskeys(item: PasskeysItem): UserPasskeys {
  return {
    userId: item.userId,
    phoneNumber: item.phoneNumber,
    passkeys: Object.entries(item.passkeys ?? {})
      .map(([id, entry]) => ({ id, ...entry }))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
  };
}

/** Reads a user's passkey item, strongly consistent (a passkey just added or removed must show). */
export class DynamoDbPasskeyReader implements PasskeyReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async passkeysOf(userId: string): Promise<UserPasskeys | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: passkeysKeyOf(userId), ConsistentRead: true }),
    );
    return Item ? toUserPasskeys(Item as PasskeysItem) : undefined;
  }
}

/** Writes challenges; each expires by TTL and is checked against `expiresAt` when consumed (TTL deletes late). */
export class DynamoDbChallengeIssuer implements ChallengeIssuer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async issue(challenge: string, args: { ceremony: Ceremony; expiresAt: number; userId?: string }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...challengeKeyOf(challenge),
          ceremony: args.ceremony,
          expiresAt: args.expiresAt,
          ...(args.userId === undefined ? {} : { userId: args.userId }),
          [TTL_ATTRIBUTE]: args.expiresAt,
        },
        // 32 random bytes never repeat; the condition makes sure no write ever revives a spent one.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}

/**
 * The transaction part that spends a challenge: only one never spent, unexpired, handed out for this
 * ceremony (and, for a registration, to this user). Of two transactions spending one challenge, one
 * commits and the other is cancelled with this part's `ConditionalCheckFailed`.
 */
export function consumeChallenge(
  tableName: string,
  challenge: string,
  args: { ceremony: Ceremony; now: number; userId?: string },
) {
  return {
    Delete: {
      TableName: tableName,
      Key: challengeKeyOf(challenge),
      ConditionExpression: `ceremony = :ceremony AND expiresAt > :now${args.userId === undefined ? '' : ' AND userId = :userId'}`,
      ExpressionAttributeValues: {
        ':ceremony': args.ceremony,
        ':now': args.now,
        ...(args.userId === undefined ? {} : { ':userId': args.userId }),
      },
    },
  };
}

/**
 * The transaction part that checks the number is still held by the user, active, at the session
 * epoch the caller saw (absent epoch: 0): a deletion, a number change or a sign-out everywhere that
 * committed first cancels the transaction.
 */
export function checkHolder(tableName: string, phoneNumber: string, args: { userId: string; sessionEpoch: number }) {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: phoneKeyOf(phoneNumber),
      ConditionExpression:
        'userId = :userId AND #status = :active AND (sessionEpoch = :epoch OR (attribute_not_exists(sessionEpoch) AND :epoch = :zero))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':userId': args.userId,
        ':active': 'active',
        ':epoch': args.sessionEpoch,
        ':zero': 0,
      },
    },
  };
}

/** One part's reason in a cancelled transaction; `Item` when the part asked for ALL_OLD on failure. */
export type CancellationReason = { Code?: string; Item?: Record<string, unknown> };

/** The reasons of a cancelled transaction (`TransactionCanceledException`), by part; undefined for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/** Which parts of a cancelled transaction failed their condition, by position. */
export function failedParts(error: unknown): number[] | undefined {
  return cancellationReasons(error)?.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}

/**
 * Whether only transactions in flight on the same items cancelled it (`TransactionConflict`): nothing
 * was decided, so the same transaction may be tried again. Anything else (a failed condition, a
 * ValidationError) is an answer, not a race.
 */
export function onlyConflicts(reasons: readonly CancellationReason[]): boolean {
  return reasons.every((reason) => !reason.Code || reason.Code === 'None' || reason.Code === 'TransactionConflict');
}

/**
 * Removes one passkey of a user (`DELETE /me/passkeys/{id}`, the operator CLI): false when the user has
 * no such passkey. Never creates an item: a missing item or credential fails the condition. `by`,
 * written in the same update, is the PasskeyRemoved event's initiator.
 */
export async function removePasskey(
  client: DynamoDBDocumentClient,
  tableName: string,
  userId: string,
  credentialId: string,
  by: Initiator,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: passkeysKeyOf(userId),
        UpdateExpression: 'SET #by = :by REMOVE passkeys.#id',
        ConditionExpression: 'attribute_exists(passkeys.#id)',
        ExpressionAttributeNames: { '#id': credentialId, '#by': PASSKEYS_CHANGED_BY_ATTRIBUTE },
        ExpressionAttributeValues: { ':by': by },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
