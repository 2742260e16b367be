/**
 * Removing passkeys outside the user's own routes: the account deletion's one DeleteItem of the
 * user's passkey item, and the operator CLI's removals (`npm run users -- passkeys remove`).
 */
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OperatorPasskeyRemoval } from '../core/operator.js';
import type { UserPasskeyDeletion } from '../core/ports.js';
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
    // The old item only to say how many passkeys went; the CLI prints the count, never a key.
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: passkeysKeyOf(userId), ReturnValues: 'ALL_OLD' }),
    );
    return Object.keys((Attributes as PasskeysItem | undefined)?.passkeys ?? {}).length;
  }

  removeOne(userId: string, credentialId: string): Promise<boolean> {
    return removePasskey(this.client, this.tableName, userId, credentialId);
  }
}
