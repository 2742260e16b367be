/**
 * Removing passkeys outside the user's own routes: the account deletion's one DeleteItem of the
 * user's passkey item, and the operator CLI's removals (`npm run users -- passkeys remove`).
 */
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PASSKEYS_CHANGED_BY_ATTRIBUTE } from '../core/account-events.js';
import type { OperatorPasskeyRemoval } from '../core/operator.js';
import type { UserPasskeyDeletion } from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { type PasskeysItem, passkeysKeyOf, removePasskey } from './dynamodb-passkey-items.js';

/** `DELETE /me`: one unconditional DeleteItem of `PASSKEYS#<sub>` (nothing to delete is no error). */
export class DynamoDbUserPasskeyDeletion implements UserPasskeyDeletion {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async deletePasskeysOf(userId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: passkeysKeyOf(userId) }));
  }
}

/** The operator's removals: run with the operator's own credentials, never by a function. */
export class DynamoDbOperatorPasskeyRemoval implements OperatorPasskeyRemoval {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async removeAll(userId: string): Promise<number> {
    // Two writes: the update empties the map and names the operator (the PasskeyRemoved event: a
    // deleted item makes none, as the account deletion's must not), then the emptied item goes.
    let removed: number;
    try {
      // The old item only to say how many passkeys went; the CLI prints the count, never a key.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: passkeysKeyOf(userId),
          UpdateExpression: 'SET #by = :by REMOVE passkeys',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#by': PASSKEYS_CHANGED_BY_ATTRIBUTE },
          ExpressionAttributeValues: { ':by': 'operator' },
          ReturnValues: 'ALL_OLD',
        }),
      );
      removed = Object.keys((Attributes as PasskeysItem | undefined)?.passkeys ?? {}).length;
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
    try {
      // Only while still empty: a passkey enrolled in between stays, in its item.
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: passkeysKeyOf(userId),
          ConditionExpression: 'attribute_not_exists(passkeys)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return removed;
  }

  removeOne(userId: string, credentialId: string): Promise<boolean> {
    return removePasskey(this.client, this.tableName, userId, credentialId, 'operator');
  }
}
