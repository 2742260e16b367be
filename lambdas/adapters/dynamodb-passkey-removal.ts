/**
 * Removing passkeys outside the user's own routes: the account deletion's one DeleteItem of the
 * user's passkey item, and the operator CLI's removals (`npm run users -- passkeys remove`).
 */
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorPasskeyRemoval } from '../core/operator.js';
import type { UserPasskeyDeletion } from '../core/ports.js';
import { type PasskeysItem, passkeysKeyOf } from './dynamodb-passkey-items.js';

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
    // The old item only to say how many passkeys went; the CLI prints the count, never a key.
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: passkeysKeyOf(userId), ReturnValues: 'ALL_OLD' }),
    );
    return Object.keys((Attributes as PasskeysItem | undefined)?.passkeys ?? {}).length;
  }

  async removeOne(userId: string, credentialId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: passkeysKeyOf(userId),
          UpdateExpression: 'REMOVE passkeys.#id',
          // Never creates an item: a missing item or credential fails the condition.
          ConditionExpression: 'attribute_exists(passkeys.#id)',
          ExpressionAttributeNames: { '#id': credentialId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
