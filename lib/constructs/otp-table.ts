import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

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
 * The one table: users by phone number, per-IP send windows and refresh tokens, each read by key
 * (`pk`, `sk`), expired by DynamoDB through the `ttl` attribute.
 */
export class OtpTable extends Construct {
  /** Item actions the handlers use: every read is a GetItem by key, every write a conditional Put or Update. */
  static readonly ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

  readonly table: Table;

  constructor(scope: Construct, id: string, props: OtpTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.deletionProtection ?? false,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** GetItem, PutItem and UpdateItem on the table; no Query, Scan or Delete (TTL does the deleting). */
  grantItemAccess(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...OtpTable.ITEM_ACTIONS);
  }
}
