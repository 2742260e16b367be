/**
 * A passkey sign-in's one write: a TransactWriteItems of the challenge's spend, the passkey's counter,
 * the check of who holds the number, and the new session's family. All or nothing, so a challenge
 * spends once, a counter never goes back, and no family outlives a deletion, a number change or a
 * sign-out everywhere that committed first.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_WRITE_TRIES } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { PasskeySignInWrites, SignInCommit, SignInCommitArgs } from '../core/passkey-sign-in.js';
import {
  cancellationReasons,
  checkHolder,
  consumeChallenge,
  onlyConflicts,
  passkeysKeyOf,
} from './dynamodb-passkey-items.js';
import { familyItem } from './dynamodb-refresh-family-store.js';

/** The transaction's parts, by position (cancellation reasons come back in this order). */
const PART = { challenge: 0, passkey: 1, holder: 2, family: 3 } as const;

/** A marshalled attribute's string (`{ S: '...' }`), as a cancellation reason returns the old item. */
function stringOf(value: unknown): string | undefined {
  return (value as { S?: string } | undefined)?.S;
}

/**
 * Why the passkey's update refused, from the item it saw (ReturnValuesOnConditionCheckFailure):
 * the passkey removed (or the item gone), the item moved to another number, or the counter.
 */
function passkeyRefusal(item: Record<string, unknown> | undefined, credentialId: string, phone: string): SignInCommit {
  const passkeys = (item?.passkeys as { M?: Record<string, unknown> } | undefined)?.M;
  if (!passkeys?.[credentialId]) return 'passkey_gone';
  if (stringOf(item?.phoneNumber) !== phone) return 'session_changed';
  return 'counter_regressed';
}

export class DynamoDbPasskeySignIns implements PasskeySignInWrites {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async commit(args: SignInCommitArgs): Promise<SignInCommit> {
    const items = [
      consumeChallenge(this.tableName, args.challenge, { ceremony: 'authentication', now: args.now }),
      {
        Update: {
          TableName: this.tableName,
          Key: passkeysKeyOf(args.userId),
          UpdateExpression:
            'SET #passkeys.#id.#counter = :counter, #passkeys.#id.#lastUsedAt = :now, #passkeys.#id.#backedUp = :backedUp',
          // A counting authenticator must have counted past the stored value when this commits, not
          // only when it was read: of two assertions raced in, the older cannot land second.
          ConditionExpression: `attribute_exists(#passkeys.#id) AND #phoneNumber = :phone AND ${
            args.counter > 0 ? '#passkeys.#id.#counter < :counter' : '#passkeys.#id.#counter = :counter'
          }`,
          ExpressionAttributeNames: {
            '#passkeys': 'passkeys',
            '#id': args.credentialId,
            '#counter': 'counter',
            '#lastUsedAt': 'lastUsedAt',
            '#backedUp': 'backedUp',
            '#phoneNumber': 'phoneNumber',
          },
          ExpressionAttributeValues: {
            ':counter': args.counter,
            ':now': args.now,
            ':backedUp': args.backedUp,
            ':phone': args.phoneNumber,
          },
          // Says which of the three conditions refused, for the log (the client sees one answer).
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
      checkHolder(this.tableName, args.phoneNumber, { userId: args.userId, sessionEpoch: args.sessionEpoch }),
      {
        Put: {
          TableName: this.tableName,
          Item: familyItem(args.family),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return 'committed';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        const failed = (part: number) => reasons[part]?.Code === 'ConditionalCheckFailed';
        // The challenge first: a replayed assertion is a spent challenge, whatever else it fails.
        if (failed(PART.challenge)) return 'challenge_spent';
        if (failed(PART.holder)) return 'session_changed';
        if (failed(PART.passkey))
          return passkeyRefusal(reasons[PART.passkey]?.Item, args.credentialId, args.phoneNumber);
        // Only conflicts with transactions in flight on the same items (another sign-in spending the
        // same challenge, a number change): the same transaction again decides on what they wrote.
        if (!onlyConflicts(reasons)) throw error;
        if (attempt >= MAX_WRITE_TRIES)
          throw new AuthError('service_unavailable', { retryAfterSeconds: 1, cause: error });
      }
    }
  }
}
