import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  type ItemAccess,
  type ItemAction,
  type ItemKind,
  KEY_PREFIXES,
  type ReadableAttributes,
  TABLE_KEY_SCHEMA,
  TTL_ATTRIBUTE,
  USER_INDEX,
} from '../../lambdas/adapters/table-keys.js';

export type { ItemAccess, ItemAction, ItemKind };
/**
 * The partition-key prefix of each kind of item (`pk` = prefix + id). Grants are scoped to these with
 * `dynamodb:LeadingKeys`, so they must match the key formats in lambdas/adapters.
 */
export { KEY_PREFIXES };

// Alphabetical, as IAM's console shows them; every ItemAction, or a listed one would be granted silently never.
const ITEM_ACTION_ORDER = [
  'BatchGetItem',
  'ConditionCheckItem',
  'DeleteItem',
  'GetItem',
  'PutItem',
  'Query',
  'UpdateItem',
] as const satisfies readonly ItemAction[];
// The other way round: an ItemAction missing above fails to compile.
const everyItemAction: Exclude<ItemAction, (typeof ITEM_ACTION_ORDER)[number]> extends never ? true : never = true;
void everyItemAction;

export interface OtpTableProps {
  /**
   * The table holds every user id and live refresh token; losing it logs everyone out for good.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default false */
  readonly deletionProtection?: boolean;
}

/**
 * The one table: users by phone number, per-IP send windows and refresh-token families, each read by
 * key (`pk`, `sk`; see {@link KEY_PREFIXES}), expired by DynamoDB through the `ttl` attribute.
 */
export class OtpTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: OtpTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY_SCHEMA[0].AttributeName, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY_SCHEMA[1].AttributeName, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.deletionProtection ?? false,
      // The account events are derived from the table's changes (lib/constructs/account-events.ts),
      // which need both images of a change. Adding a stream updates the table in place.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Keys only: deleting an account needs just the keys of its families, and a rotation, which
    // changes no projected attribute, then costs the index nothing.
    this.table.addGlobalSecondaryIndex({
      indexName: USER_INDEX.name,
      partitionKey: { name: USER_INDEX.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Exactly the item actions in `access`, on this table only, each limited with `dynamodb:LeadingKeys`
   * to the partition-key prefixes of its kinds of item. Kinds that share the same actions share one
   * statement. `Query` is granted on the user index only (its partition key is `USER#<sub>`), never
   * on the table, and `Scan` never. Kinds listed in `readable` may be read only in those attributes
   * (and the keys): their `GetItem` has a statement of its own with `dynamodb:Attributes` and
   * `dynamodb:Select` = `SPECIFIC_ATTRIBUTES`, so the function cannot fetch the rest of the item, and
   * their writes, if any, another with `dynamodb:ReturnValues` = `NONE`, so a write cannot hand back
   * the old item either. The table is encrypted with the AWS-managed key, so no KMS grant is needed.
   */
  grantItemAccess(grantee: IGrantable, access: ItemAccess, readable: ReadableAttributes = {}): Grant {
    const statements = new Map<
      string,
      { actions: ItemAction[]; prefixes: string[]; attributes?: string[]; noReturnValues?: true }
    >();
    const add = (kind: ItemKind, actions: ItemAction[], limits: { attributes?: string[]; noReturnValues?: true }) => {
      const key = [actions.join(), limits.attributes?.join() ?? '', limits.noReturnValues ? 'none' : ''].join(':');
      const statement = statements.get(key) ?? { actions, prefixes: [], ...limits };
      statement.prefixes.push(`${KEY_PREFIXES[kind]}*`);
      statements.set(key, statement);
    };
    for (const kind of Object.keys(KEY_PREFIXES) as ItemKind[]) {
      const listed = access[kind];
      if (listed === undefined) continue;
      const actions = ITEM_ACTION_ORDER.filter((a) => listed.includes(a));
      if (actions.length === 0) throw new Error(`${this.node.path}: no item action listed for ${kind} items`);
      const attributes = readable[kind];
      if (!attributes) {
        add(kind, actions, {});
        continue;
      }
      if (!actions.includes('GetItem')) {
        throw new Error(`${this.node.path}: only a GetItem can be limited to attributes (${kind} items)`);
      }
      const writes = actions.filter((a) => a !== 'GetItem');
      if (writes.some((a) => a === 'Query' || a === 'DeleteItem')) {
        throw new Error(`${this.node.path}: a kind readable in part may only be written with PutItem or UpdateItem`);
      }
      add(kind, ['GetItem'], { attributes: [...TABLE_KEY_SCHEMA.map((k) => k.AttributeName), ...attributes] });
      if (writes.length > 0) add(kind, writes, { noReturnValues: true });
    }
    for (const { actions } of statements.values()) {
      if (actions.includes('Query') && actions.length > 1) {
        throw new Error(`${this.node.path}: Query is on the user index only; list it alone for the 'user' kind`);
      }
    }
    if (statements.size === 0) {
      throw new Error(`${this.node.path}: grantItemAccess needs at least one kind of item`);
    }

    const grants = [...statements.values()].map(({ actions, prefixes, attributes, noReturnValues }) =>
      Grant.addToPrincipal({
        grantee,
        actions: actions.map((a) => `dynamodb:${a}`),
        resourceArns: [
          actions.includes('Query') ? `${this.table.tableArn}/index/${USER_INDEX.name}` : this.table.tableArn,
        ],
        // Every GetItem, PutItem and UpdateItem names a partition key, so the set is never empty
        // (ForAllValues would pass an empty one).
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes },
          ...(attributes
            ? {
                'ForAllValues:StringEquals': { 'dynamodb:Attributes': attributes },
                StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
              }
            : {}),
          ...(noReturnValues ? { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } } : {}),
        },
      }),
    );
    return grants.reduce((all, grant) => all.combine(grant));
  }
}
