/**
 * The enrolment's writes: one transaction that spends the registration challenge, checks who holds
 * the number and adds the passkey under the per-user cap; and the single conditional removal.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EnrolArgs, EnrolOutcome, PasskeyEnrolments } from '../core/passkey-enrolment.js';
import {
  cancellationReasons,
  checkHolder,
  consumeChallenge,
  failedParts,
  onlyConflicts,
  passkeyEntry,
  passkeysKeyOf,
  removePasskey,
} from './dynamodb-passkey-items.js';

// Positions of the parts in the enrolment transaction, which its cancellation reasons are listed by.
const CHALLENGE_PART = 0;
const HOLDER_PART = 1;
const PASSKEY_PART = 2;

export class DynamoDbPasskeyEnrolments implements PasskeyEnrolments {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async enrol(args: EnrolArgs): Promise<EnrolOutcome> {
    const { tableName } = this;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            consumeChallenge(tableName, args.challenge, {
              ceremony: 'registration',
              now: args.now,
              userId: args.userId,
            }),
            checkHolder(tableName, args.phoneNumber, { userId: args.userId, sessionEpoch: args.sessionEpoch }),
            { Update: { TableName: tableName, Key: passkeysKeyOf(args.userId), ...addPasskey(args) } },
          ],
        }),
      );
      return 'added';
    } catch (error) {
      const failed = failedParts(error);
      if (failed === undefined) throw error;
      // The session first: a deleted or signed-out user is told to log in, whatever else failed.
      if (failed.includes(HOLDER_PART)) return 'session_changed';
      if (failed.includes(CHALLENGE_PART)) return 'challenge_spent';
      if (failed.includes(PASSKEY_PART)) return 'passkey_refused';
      // Cancelled for another transaction on the same items (TransactionConflict): nothing was decided.
      // Anything else (a ValidationError: an item past DynamoDB's limits) is no race: retrying cannot help.
      if (onlyConflicts(cancellationReasons(error) ?? [])) return 'conflict';
      throw error;
    }
  }

  remove(userId: string, credentialId: string): Promise<boolean> {
    return removePasskey(this.client, this.tableName, userId, credentialId, 'user');
  }
}

/**
 * The passkey item's part. A user's first passkey makes the map (on no item, on the item a number
 * change made, or over a map emptied by removals); any later one is added to it only while the user
 * has fewer than the cap and none with its id: the cap holds under any concurrency, as one
 * condition on one item. Either way the item must be for the token's number, which the number
 * change keeps current.
 */
function addPasskey(args: EnrolArgs) {
  const entry = passkeyEntry(args.passkey);
  if (args.first) {
    return {
      UpdateExpression: 'SET passkeys = :map, userId = :userId, phoneNumber = :phone',
      ConditionExpression:
        '(attribute_not_exists(passkeys) OR size(passkeys) = :zero) AND (attribute_not_exists(phoneNumber) OR phoneNumber = :phone)',
      ExpressionAttributeValues: {
        ':map': { [args.passkey.id]: entry },
        ':userId': args.userId,
        ':phone': args.phoneNumber,
        ':zero': 0,
      },
    };
  }
  return {
    UpdateExpression: 'SET passkeys.#id = :passkey',
    ConditionExpression:
      'attribute_exists(passkeys) AND size(passkeys) < :max AND attribute_not_exists(passkeys.#id) AND phoneNumber = :phone',
    ExpressionAttributeNames: { '#id': args.passkey.id },
    ExpressionAttributeValues: { ':passkey': entry, ':max': args.perUserMax, ':phone': args.phoneNumber },
  };
}
