import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { describe, expect, it, vi } from 'vitest';
import { pipeEnrichmentEvents } from '../../lambdas/adapters/eventbridge-pipe-enrichment.js';
import {
  ACCOUNT_EVENT_FILTERS,
  ACCOUNT_EVENTS_BATCH_SIZE,
  ACCOUNT_EVENTS_MAX_RECORD_AGE,
  ACCOUNT_EVENTS_MAX_RETRIES,
} from '../../lib/constructs/account-events.js';
import { OtpLogin } from '../../lib/otp-login.js';
import { STREAM_RECORD_SCENARIOS, streamRecordScenario } from '../helpers/stream-record-scenarios.js';
import { findings, logicalId, roleStatements, synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

type Json = Record<string, unknown>;
const DEFAULT_BUS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':event-bus/default',
    ],
  ],
};

/**
 * Just the part of EventBridge's event-pattern matching the pipe's filter uses: nested fields, a
 * list of alternatives, each an exact string or `{prefix}`; a field the record lacks never matches;
 * several filters let a record through when any one matches.
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((alternative) => {
      if (typeof alternative === 'string') return value === alternative;
      const { prefix, ...rest } = alternative as { prefix?: unknown };
      if (typeof prefix !== 'string' || Object.keys(rest).length > 0) {
        throw new Error(`the evaluator does not know ${JSON.stringify(alternative)}`);
      }
      return typeof value === 'string' && value.startsWith(prefix);
    });
  }
  if (typeof pattern !== 'object' || pattern === null) throw new Error(`not a pattern: ${JSON.stringify(pattern)}`);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, inner]) => matches(inner, (value as Json)[key]));
}

function passes(filters: readonly { Pattern: string }[], record: unknown): boolean {
  return filters.some(({ Pattern }) => matches(JSON.parse(Pattern), record));
}

describe('the account events pipe', () => {
  const { stack, template } = synthStack();
  const events = stack.auth.parts.accountEvents;
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const pipe = resources[logicalId(events.pipe)]?.Properties as Json;
  const filters = (pipe.SourceParameters as { FilterCriteria: { Filters: { Pattern: string }[] } }).FilterCriteria
    .Filters;

  it('reads the table stream with both images of every change', () => {
    const table = resources[logicalId(stack.auth.parts.table.table)];
    expect(table?.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(pipe.Source).toEqual({ 'Fn::GetAtt': [logicalId(stack.auth.parts.table.table), 'StreamArn'] });
  });

  it('takes batches of 5 from the newest record, retries a bounded number of times, halves failing batches, dead-letters the rest', () => {
    expect(ACCOUNT_EVENTS_BATCH_SIZE).toBe(5);
    expect((pipe.SourceParameters as Json).DynamoDBStreamParameters).toEqual({
      StartingPosition: 'LATEST',
      BatchSize: 5,
      MaximumRetryAttempts: ACCOUNT_EVENTS_MAX_RETRIES,
      MaximumRecordAgeInSeconds: 6 * 3600,
      OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'Arn'] } },
    });
    expect(ACCOUNT_EVENTS_MAX_RETRIES).toBe(10);
    // Well inside the stream's 24 hours: the dead letter names records that can still be read.
    expect(ACCOUNT_EVENTS_MAX_RECORD_AGE.toHours()).toBeLessThan(24);
  });

  it('lets through only phone records with an active holder before or after, and written passkey items', () => {
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'PHONE#' }] } }, NewImage: { status: { S: ['active'] } } } },
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'PHONE#' }] } }, OldImage: { status: { S: ['active'] } } } },
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'PASSKEYS#' }] } } } },
    ]);
  });

  it('enriches through the derive-account-events function and puts on the default bus, detail from the answer, source the setting', () => {
    expect(pipe.Enrichment).toEqual({ 'Fn::GetAtt': [logicalId(events.enrichment), 'Arn'] });
    expect(pipe.Target).toEqual(DEFAULT_BUS_ARN);
    expect(pipe.TargetParameters).toEqual({
      EventBridgeEventBusParameters: { DetailType: '$.detail-type', Time: '$.time', Source: 'otp-login' },
      InputTemplate: '<$.detail>',
    });
    expect(pipe.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(events.role), 'Arn'] });
  });

  it('logs failures only, without execution data (the records hold phone numbers)', () => {
    const log = pipe.LogConfiguration as Json & { CloudwatchLogsLogDestination: { LogGroupArn: unknown } };
    expect(log).toEqual({
      Level: 'ERROR',
      CloudwatchLogsLogDestination: {
        LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/^AccountEventsPipeLogs/), 'Arn'] },
      },
    });
    expect(log).not.toHaveProperty('IncludeExecutionData');
  });

  it('gives the pipe role exactly: the stream read, the enrichment invoke, the put on the bus, the dead letter, its log', () => {
    const role = resources[logicalId(events.role)]?.Properties as Json;
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'pipes.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(roleStatements(template, logicalId(events.role))).toEqual([
      {
        Sid: 'ReadTheTableStream',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        Resource: { 'Fn::GetAtt': [logicalId(stack.auth.parts.table.table), 'StreamArn'] },
      },
      {
        Sid: 'InvokeTheEnrichment',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [logicalId(events.enrichment), 'Arn'] },
      },
      { Sid: 'PutOnTheBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: DEFAULT_BUS_ARN },
      {
        Sid: 'DeadLetter',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AccountEventsPipeLogs/), 'Arn'] },
      },
    ]);
  });

  it('lets the enrichment function write its own log and nothing else: no table, no AWS API', () => {
    const fn = resources[logicalId(events.enrichment)]?.Properties as Json;
    expect(fn.Environment).toEqual({ Variables: { EVENTS_INCLUDE_PHONE_NUMBER: '' } });
    expect(fn.MemorySize).toBe(256);
    const roleId = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleStatements(template, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [(fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref, 'Arn'] },
      },
    ]);
  });

  it('keeps dead letters encrypted, over TLS only, for 14 days', () => {
    const queue = resources[logicalId(events.deadLetterQueue)]?.Properties as Json;
    expect(queue).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(events.deadLetterQueue) }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sqs:*',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'Arn'] },
          },
        ],
      },
    });
  });

  it('alarms on the first dead letter and on the first failed enrichment', () => {
    const alarms = stack.auth.parts.alarms;
    const undelivered = alarms.accountEventsUndelivered;
    const failed = alarms.accountEventsEnrichmentErrors;
    if (!undelivered || !failed) throw new Error('no account events alarms');
    expect(stack.auth.alarms).toEqual(expect.arrayContaining([undelivered, failed]));
    expect(resources[logicalId(undelivered)]?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(resources[logicalId(failed)]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(events.enrichment) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('notifies the alarm topic of both', () => {
    const { stack: wired, template: wiredTemplate } = synthStack({
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
    });
    for (const alarm of [
      wired.auth.parts.alarms.accountEventsUndelivered,
      wired.auth.parts.alarms.accountEventsEnrichmentErrors,
    ]) {
      if (!alarm) throw new Error('no account events alarm');
      expect(wiredTemplate.toJSON().Resources[logicalId(alarm)].Properties.AlarmActions).toEqual([
        'arn:aws:sns:eu-west-1:123456789012:alarms',
      ]);
    }
  });

  it('takes its source and the number setting from the props', () => {
    const { stack: own, template: ownTemplate } = synthStack({
      config: { EVENTS_SOURCE: 'com.example.auth', EVENTS_INCLUDE_PHONE_NUMBER: 'true' },
    });
    const parts = own.auth.parts.accountEvents;
    const res = ownTemplate.toJSON().Resources;
    expect(res[logicalId(parts.pipe)].Properties.TargetParameters.EventBridgeEventBusParameters.Source).toBe(
      'com.example.auth',
    );
    expect(res[logicalId(parts.enrichment)].Properties.Environment.Variables).toEqual({
      EVENTS_INCLUDE_PHONE_NUMBER: 'true',
    });
  });

  describe('with a bus of its own', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const team = new Stack(app, 'Team', { env: { account: '123456789012', region: 'eu-west-1' } });
    const bus = new EventBus(team, 'Bus', { eventBusName: 'shared' });
    const auth = new OtpLogin(team, 'Auth', { production: false, eventBus: bus });
    const teamTemplate = Template.fromStack(team);
    const parts = auth.parts.accountEvents;
    const busArn = { 'Fn::GetAtt': [logicalId(bus), 'Arn'] };

    it('puts the events on that bus, and may put on no other', () => {
      expect(parts.eventBus).toBe(bus);
      const res = teamTemplate.toJSON().Resources;
      expect(res[logicalId(parts.pipe)].Properties.Target).toEqual(busArn);
      const puts = roleStatements(teamTemplate, logicalId(parts.role)).filter((s) => s.Action === 'events:PutEvents');
      expect(puts).toEqual([{ Sid: 'PutOnTheBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }]);
      expect(JSON.stringify(res)).not.toContain('event-bus/default');
    });

    it('stays clean under the AwsSolutions checks', () => {
      expect(findings(team)).toEqual([]);
    });
  });
});

describe("the pipe's filter, against the core", () => {
  const filters = ACCOUNT_EVENT_FILTERS.map((pattern) => ({ Pattern: JSON.stringify(pattern) }));
  const options = { includePhoneNumber: true };

  it('lets through every change the core makes an event of: filter then core is the core alone', () => {
    for (const { name, events, record } of STREAM_RECORD_SCENARIOS) {
      const alone = pipeEnrichmentEvents([record], options);
      expect(
        alone.map((e) => e['detail-type']),
        name,
      ).toEqual(events);
      const filtered = passes(filters, record) ? pipeEnrichmentEvents([record], options) : [];
      expect(filtered, name).toEqual(alone);
    }
  });

  it.each([
    'a code sent to a new number',
    'a vacant record expiring',
    'the passkey item deleted with its account',
    'a refresh family issued',
    'a per-IP send window',
    'a per-country send window',
    'a passkey challenge',
    'the public keys published',
  ])('drops %s, before Pipes bills it or the enrichment runs', (name) => {
    expect(passes(filters, streamRecordScenario(name).record)).toBe(false);
  });

  it('lets through the changes of an active holder that make no event (a login, a wrong code, a sign-in): cheaper to drop in the function than to pattern', () => {
    for (const name of ['a login of a known user', 'a wrong code for a known user', 'a passkey sign-in (counter)']) {
      expect(passes(filters, streamRecordScenario(name).record), name).toBe(true);
      expect(pipeEnrichmentEvents([streamRecordScenario(name).record], options), name).toEqual([]);
    }
  });

  it('does not let an active status through on another kind of item (the key prefix decides)', () => {
    const family = streamRecordScenario('a refresh family issued').record as unknown as {
      dynamodb: { NewImage: Json };
    };
    expect(family.dynamodb.NewImage.status).toEqual({ S: 'active' });
    expect(passes(filters, family)).toBe(false);
  });
});
