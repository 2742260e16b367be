import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { type PasskeysItem, passkeyEntry, passkeysKeyOf } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import type { StoredPasskey } from '../../lambdas/core/passkeys.js';
import type { TestApp } from './test-app.js';

/** A stored passkey as an enrolment would leave it; `id` and anything else as the test needs. */
export function storedPasskey(fields: Partial<StoredPasskey> & { id: string }): StoredPasskey {
  return {
    publicKey: `cose-public-key-of-${fields.id}`,
    counter: 0,
    transports: ['internal', 'hybrid'],
    backedUp: true,
    deviceType: 'multiDevice',
    name: 'Passkey',
    createdAt: 1_800_000_000,
    aaguid: '00000000-0000-0000-0000-000000000000',
    ...fields,
  };
}

/**
 * Writes the user's `PASSKEYS#<sub>` item directly, as the enrolment route would have: the lifecycle
 * tests need passkeys to exist, not the ceremony that made them.
 */
export async function seedPasskeys(
  app: Pick<TestApp, 'client' | 'tableName'>,
  userId: string,
  phoneNumber: string,
  passkeys: readonly StoredPasskey[],
): Promise<void> {
  const item: PasskeysItem = {
    ...passkeysKeyOf(userId),
    userId,
    phoneNumber,
    passkeys: Object.fromEntries(passkeys.map((passkey) => [passkey.id, passkeyEntry(passkey)])),
  };
  await createDocumentClient(app.client).send(new PutCommand({ TableName: app.tableName, Item: item }));
}
