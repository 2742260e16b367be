import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JWK } from 'jose';
import { AuthError } from '../core/errors.js';
import type { PublicJwksPublisher, PublicJwksSource } from '../core/ports.js';
import { KeySetError, parsePublicJwks } from '../core/signing-keys.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { KEY_PREFIXES } from './table-keys.js';

/** `JWKS#current` / `JWKS`: the public keys of the newest key set the rotation published. No TTL. */
interface JwksItem {
  pk: string;
  sk: 'JWKS';
  /** `{"keys":[...]}` as JSON text, served as it was checked. */
  jwks: string;
  /** The key set's `rotatedAt`: an older key set never replaces a newer one. */
  rotatedAt: number;
}

const KEY = { pk: `${KEY_PREFIXES.jwks}current`, sk: 'JWKS' as const };

/**
 * The published public keys, one item in the table. The rotation writes it before it promotes a new
 * key set, and the JWKS endpoint reads it, so that function needs no access to the private keys.
 */
export class DynamoDbPublicJwksStore implements PublicJwksSource, PublicJwksPublisher {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The published keys. Nothing published yet (no item, or no key in it) is a 503 the client may
   * retry; DynamoDB's own failures are thrown as they are (the HTTP layer answers the transient ones
   * with 503); an item that is not a valid public JWKS throws, a 500 for an operator to look at.
   */
  async load(): Promise<readonly JWK[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: KEY }));
    const item = Item as Partial<JwksItem> | undefined;
    // Right after the first deploy the rotation may not have published a key yet: a 503, not an empty set.
    const notYet = () => new AuthError('service_unavailable', { retryAfterSeconds: 5 });
    if (!item) throw notYet();
    if (typeof item.jwks !== 'string') throw new KeySetError('The published JWKS item has no jwks text');
    let value: unknown;
    try {
      value = JSON.parse(item.jwks);
    } catch (error) {
      throw new KeySetError('The published JWKS item is not JSON', { cause: error });
    }
    const keys = parsePublicJwks(value);
    if (keys.length === 0) throw notYet();
    return keys;
  }

  /**
   * Writes the public keys unless a newer key set's are already there. Resolves only when the item
   * lists every key given: a refused write is checked, and throws if the stored set lacks one of
   * them (an item written by hand, or a clock gone backwards), so the rotation does not promote keys
   * that verifiers cannot see.
   */
  async publish(jwks: readonly JWK[], rotatedAt: number): Promise<void> {
    const text = JSON.stringify({ keys: jwks });
    parsePublicJwks(JSON.parse(text)); // never store what the endpoint would refuse to serve
    const item: JwksItem = { ...KEY, jwks: text, rotatedAt };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR rotatedAt <= :rotatedAt',
          ExpressionAttributeValues: { ':rotatedAt': rotatedAt },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true }),
    );
    const stored = Item as Partial<JwksItem> | undefined;
    const storedKids = new Set(
      typeof stored?.jwks === 'string' ? parsePublicJwks(JSON.parse(stored.jwks)).map((k) => k.kid) : [],
    );
    const missing = jwks.filter((k) => !storedKids.has(k.kid)).map((k) => k.kid);
    if (missing.length > 0) {
      throw new KeySetError(
        `The published JWKS (rotatedAt ${String(stored?.rotatedAt)}) is newer than this key set ` +
          `(rotatedAt ${rotatedAt}) but lacks ${missing.join(', ')}; refusing to go on as if they were published.`,
      );
    }
  }
}
