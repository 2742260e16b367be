import {
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** Read and write request units one DynamoDB call consumed (on-demand billing counts exactly these). */
export interface CapacityUnits {
  readonly read: number;
  readonly write: number;
  /**
   * True when the service reported nothing and the units were computed from the item's size: a
   * refused conditional write is billed, but its error carries no `ConsumedCapacity`.
   */
  readonly estimated: boolean;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
// Single-item writes, the ones that can return the item a refused condition was checked against.
const CONDITIONAL_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

const WRITE_UNIT_BYTES = 1024;

/** The data-plane operations that accept `ReturnConsumedCapacity`. */
export const reportsCapacity = (operation: string): boolean => READS.has(operation) || WRITES.has(operation);

/**
 * The input with `ReturnConsumedCapacity: 'TOTAL'` and, on single-item writes,
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` (no extra charge; it only puts the item a refused
 * condition saw on the error, so its size can be billed). Neither changes what the call does, and a
 * value the caller set is kept.
 */
export function requestCapacity(operation: string, input: Record<string, unknown>): Record<string, unknown> {
  return {
    ReturnConsumedCapacity: 'TOTAL',
    ...(CONDITIONAL_WRITES.has(operation) ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
    ...input,
  };
}

/**
 * Units from a response's `ConsumedCapacity` (one entry, or one per table for batches and
 * transactions). `ReadCapacityUnits` / `WriteCapacityUnits` when the service splits them (AWS does for
 * transactions); otherwise `CapacityUnits`, counted as reads or writes by the operation.
 */
export function reportedCapacity(
  operation: string,
  consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined,
): CapacityUnits | undefined {
  if (consumed === undefined) return undefined;
  let read = 0;
  let write = 0;
  for (const entry of Array.isArray(consumed) ? consumed : [consumed as ConsumedCapacity]) {
    if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
      read += entry.ReadCapacityUnits ?? 0;
      write += entry.WriteCapacityUnits ?? 0;
    } else if (WRITES.has(operation)) {
      write += entry.CapacityUnits ?? 0;
    } else {
      read += entry.CapacityUnits ?? 0;
    }
  }
  return { read, write, estimated: false };
}

/**
 * What AWS bills a refused conditional write: the write units of the item the condition was checked
 * against, one unit at least. `ALL_OLD` puts that item on the error (in DynamoDB's own attribute-value
 * form; the document client does not unmarshall errors). With no item (a missing key, or dynalite,
 * which ignores `ALL_OLD`) the minimum of one unit is counted: a refused `PutItem` on a missing key
 * is billed for the size of the item it would have written, which in this table is under 1 KB.
 */
export function refusedWriteCapacity(operation: string, error: unknown): CapacityUnits | undefined {
  if (!CONDITIONAL_WRITES.has(operation)) return undefined;
  if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') return undefined;
  const existing = (error as { Item?: Record<string, AttributeValue> }).Item;
  const bytes = existing === undefined ? 0 : itemBytes(existing);
  return { read: 0, write: Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES)), estimated: true };
}

/**
 * An item's size as DynamoDB counts it for capacity: attribute names plus values (strings and
 * binaries by length, numbers about one byte per two significant digits plus one, booleans and
 * nulls one byte, lists and maps 3 bytes plus one byte per element). Close enough to tell 1 KB
 * items from larger ones, which is all the write units depend on here.
 */
function itemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + utf8(k) + valueBytes(v), 0);
  }
  return 0;
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

function numberBytes(text: string): number {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export interface EngineCheck {
  readonly name: string;
  readonly expected: number;
  /** What the engine reported; for the refused write, what `refusedWriteCapacity` computed. */
  readonly reported: number | undefined;
}

/**
 * Whether the engine reports capacity as AWS bills it (the documented rules, checked on items either
 * side of the 1 KB and 4 KB boundaries): writes 1 unit per started KB of the larger of the old and new
 * item, strongly consistent reads 1 unit per started 4 KB and eventually consistent ones half that, a
 * read of a missing item still 1 or 0.5, and a refused conditional write the units of the item it was
 * checked against. If they disagree, the per-route figures cannot be trusted.
 */
export async function checkEngineCapacity(client: DynamoDBClient, tableName: string): Promise<EngineCheck[]> {
  const TableName = tableName;
  const key = (id: string) => ({ pk: { S: `CAPACITY#${id}` }, sk: { S: 'CHECK' } });
  // Names and key values take 19 bytes plus the id's length; the padding makes the item `bytes` long.
  const item = (id: string, bytes: number) => ({ ...key(id), d: { S: 'x'.repeat(bytes - 19 - id.length) } });
  const checks: EngineCheck[] = [];
  const check = async (name: string, expected: number, send: () => Promise<CapacityUnits | undefined>) => {
    const units = await send();
    checks.push({ name, expected, reported: units === undefined ? undefined : units.read + units.write });
  };
  const put = (id: string, bytes: number) => async () =>
    reportedCapacity(
      'PutItem',
      (await client.send(new PutItemCommand({ TableName, Item: item(id, bytes), ReturnConsumedCapacity: 'TOTAL' })))
        .ConsumedCapacity,
    );
  const get = (id: string, consistent: boolean) => async () =>
    reportedCapacity(
      'GetItem',
      (
        await client.send(
          new GetItemCommand({ TableName, Key: key(id), ConsistentRead: consistent, ReturnConsumedCapacity: 'TOTAL' }),
        )
      ).ConsumedCapacity,
    );
  const update = (id: string, condition?: string) => async () => {
    const input = {
      TableName,
      Key: key(id),
      UpdateExpression: 'SET n = :n',
      ExpressionAttributeValues: { ':n': { N: '1' } },
      ...(condition ? { ConditionExpression: condition } : {}),
    };
    try {
      const output = await client.send(new UpdateItemCommand(requestCapacity('UpdateItem', input) as typeof input));
      return reportedCapacity('UpdateItem', output.ConsumedCapacity);
    } catch (error) {
      const refused = refusedWriteCapacity('UpdateItem', error);
      if (!refused) throw error;
      return refused;
    }
  };
  await check('PutItem of a 900 B item', 1, put('small', 900));
  await check('PutItem of a 1,100 B item', 2, put('medium', 1100));
  await check('PutItem of a 5,000 B item', 5, put('large', 5000));
  await check('GetItem, strongly consistent, 1,100 B', 1, get('medium', true));
  await check('GetItem, eventually consistent, 1,100 B', 0.5, get('medium', false));
  await check('GetItem, strongly consistent, 5,000 B', 2, get('large', true));
  await check('GetItem, eventually consistent, 5,000 B', 1, get('large', false));
  await check('GetItem, strongly consistent, missing item', 1, get('missing', true));
  await check('GetItem, eventually consistent, missing item', 0.5, get('missing', false));
  await check('UpdateItem of one number on a 5,000 B item', 5, update('large'));
  await check('UpdateItem refused by its condition, 5,000 B item', 5, update('large', 'attribute_not_exists(pk)'));
  return checks;
}
