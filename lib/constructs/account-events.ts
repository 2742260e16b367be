import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PUT_EVENTS_MAX_ENTRIES } from '../../lambdas/adapters/eventbridge-pipe-enrichment.js';
import { ENV } from '../../lambdas/config.js';
import { EVENT_ITEM_PREFIXES, MAX_EVENTS_PER_CHANGE } from '../../lambdas/core/account-events.js';
import { DEFAULT_LOG_RETENTION, NodeFunction } from './node-function.js';

/**
 * Stream records per enrichment call: each makes at most {@link MAX_EVENTS_PER_CHANGE} events, and the
 * answer must fit one PutEvents call to the bus (a larger one would make the pipe skip the target).
 */
export const ACCOUNT_EVENTS_BATCH_SIZE = PUT_EVENTS_MAX_ENTRIES / MAX_EVENTS_PER_CHANGE;

/**
 * Tries of a failing batch before its records' metadata go to the dead-letter queue. With
 * AUTOMATIC_BISECT a failing batch is halved on each retry, so 10 tries narrow a batch of 5 down to
 * the one bad record and still retry it several times.
 */
export const ACCOUNT_EVENTS_MAX_RETRIES = 10;

/**
 * Records older than this go to the dead-letter queue untried: the stream keeps a record 24 hours,
 * so an operator has 18 more to read it by the sequence numbers the dead letter names.
 */
export const ACCOUNT_EVENTS_MAX_RECORD_AGE = Duration.hours(6);

/**
 * The pipe's filter, an event pattern per kind of change (any one matching lets a record through):
 * exactly the records the core can make an event of (lambdas/core/account-events.ts), so Pipes bills
 * and the enrichment runs for those only, never for a code sent, a rate-limit window, a refresh
 * token or a challenge. A phone record makes an event only when its old or new image has an active
 * holder; a passkey item only when it is written (its removal goes with the account: UserDeleted).
 */
export const ACCOUNT_EVENT_FILTERS: readonly object[] = [
  {
    dynamodb: { Keys: { pk: { S: [{ prefix: EVENT_ITEM_PREFIXES.phone }] } }, NewImage: { status: { S: ['active'] } } },
  },
  {
    dynamodb: { Keys: { pk: { S: [{ prefix: EVENT_ITEM_PREFIXES.phone }] } }, OldImage: { status: { S: ['active'] } } },
  },
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: EVENT_ITEM_PREFIXES.passkeys }] } } } },
];

export interface AccountEventsProps {
  /** The table, with a `NEW_AND_OLD_IMAGES` stream. */
  readonly table: ITable;
  /** `EVENTS_SOURCE`: the events' `source`. */
  readonly source: string;
  /** `EVENTS_INCLUDE_PHONE_NUMBER` as the function reads it (`true`, or blank for the default). */
  readonly includePhoneNumber: string;
  /** @default - the account's default event bus in the stack's region */
  readonly eventBus?: IEventBus;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Account events, from the table's stream to the bus through an EventBridge Pipe: the filter keeps
 * the records that can make an event, the enrichment function (lambdas/functions/derive-account-events.ts)
 * turns each batch into events, the target puts them on the bus. No request path calls any of it.
 * Records that still fail after the retries go, as metadata (shard and sequence numbers, not the
 * images), to the dead-letter queue, which an alarm watches.
 */
export class AccountEvents extends Construct {
  readonly pipe: CfnPipe;
  readonly enrichment: NodeFunction;
  readonly deadLetterQueue: Queue;
  readonly eventBus: IEventBus;
  /** The pipe's role: read the stream, invoke the enrichment, put on the bus, dead-letter, log. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: AccountEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const streamArn = props.table.tableStreamArn;
    if (streamArn === undefined) throw new Error(`${this.node.path}: the table has no stream`);
    this.eventBus = props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.enrichment = new NodeFunction(this, 'Enrichment', {
      entryName: 'derive-account-events',
      description: 'otp-login account events: stream records to events (the EventBridge Pipe enrichment)',
      // No I/O, a few milliseconds of CPU per batch: the smallest size that imports the phone metadata quickly.
      memorySize: 256,
      environment: { [ENV.eventsIncludePhoneNumber]: props.includePhoneNumber },
      logRetention,
      logRemovalPolicy,
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message; the stream itself keeps the records 24 hours.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the account events pipe; an alarm fires on its first message.',
    });

    const logs = new LogGroup(this, 'PipeLogs', { retention: logRetention, removalPolicy: logRemovalPolicy });

    this.role = new Role(this, 'PipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'The otp-login account events pipe: reads the table stream, puts events on the bus',
    });
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadTheTableStream',
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [streamArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'InvokeTheEnrichment',
        actions: ['lambda:InvokeFunction'],
        resources: [this.enrichment.functionArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'PutOnTheBus',
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'DeadLetter',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    logs.grantWrite(this.role);

    this.pipe = new CfnPipe(this, 'Pipe', {
      description: 'otp-login account events: table stream -> events -> bus',
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        filterCriteria: { filters: ACCOUNT_EVENT_FILTERS.map((pattern) => ({ pattern: JSON.stringify(pattern) })) },
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: ACCOUNT_EVENTS_BATCH_SIZE,
          maximumRetryAttempts: ACCOUNT_EVENTS_MAX_RETRIES,
          maximumRecordAgeInSeconds: ACCOUNT_EVENTS_MAX_RECORD_AGE.toSeconds(),
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      },
      enrichment: this.enrichment.functionArn,
      target: this.eventBus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: { detailType: '$.detail-type', time: '$.time', source: props.source },
        // The event's detail is the enrichment's `detail`, field by field; nothing else of it travels.
        inputTemplate: '<$.detail>',
      },
      // Failures only, and never the execution data: the records hold phone numbers.
      logConfiguration: { level: 'ERROR', cloudwatchLogsLogDestination: { logGroupArn: logs.logGroupArn } },
    });
    // Pipes checks its role when the pipe is created: the grants must exist first.
    this.pipe.node.addDependency(this.role);
  }
}
