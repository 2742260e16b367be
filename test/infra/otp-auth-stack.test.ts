import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { KEY_PREFIXES, USER_INDEX } from '../../lambdas/adapters/table-keys.js';
import { ConfigError, configNamesOf, SETTINGS, type Setting, type SmsProvider } from '../../lambdas/config.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, type FunctionSpec } from '../../lambdas/registry.js';
import { routeKeyPath } from '../../lib/constructs/otp-http-api.js';
import { OtpTable } from '../../lib/constructs/otp-table.js';
import { SigningKey } from '../../lib/constructs/signing-key.js';
import { functionConstructId, functionLogicalId } from '../../lib/function-ids.js';
import { CONFIG_NAMES, endpointUrlVariables, type OtpAuthConfig, type OtpAuthStack } from '../../lib/otp-auth-stack.js';
import { actionsOf, appWithoutBundling, logicalId, roleStatements, type Statement, synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

/**
 * Every configuration value set, so each function's env shows exactly which ones it is given. Less
 * the claims hook's deadline: it needs a claims function, which this stack has none of (the
 * construct's `claims`; test/infra/claims-hook.test.ts).
 */
const FULL_CONFIG = Object.fromEntries(
  Object.values(SETTINGS)
    .filter((setting: Setting) => !setting.stackOwned && setting.group !== 'claims')
    .map((setting) => [setting.name, setting.example]),
) as Required<OtpAuthConfig>;

const COMMON_ENV = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'ISSUER', 'AUDIENCE'];

/** What the registry says each function may touch, as the stack must render it. */
const spec = (name: FunctionName): FunctionSpec => FUNCTIONS[name];

function expectedEnv(name: FunctionName, smsProvider: SmsProvider = 'sns'): string[] {
  const { table, signingKey, settings } = spec(name);
  return [
    ...COMMON_ENV,
    ...(table ? ['TABLE_NAME'] : []),
    ...(signingKey ? ['SIGNING_KEY_SECRET_ID'] : []),
    ...endpointUrlVariables(spec(name), smsProvider),
    ...configNamesOf(settings),
  ];
}

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const READ_KEY = ['secretsmanager:GetSecretValue'];

type TableStatement = { actions: string[]; leadingKeys: string[]; attributes?: string[]; noReturnValues?: true };

/**
 * Each function's table statements: kinds of item with the same actions share one statement; a kind
 * readable only in part (registry `readable`) has its GetItem in one of its own, limited to those
 * attributes, and its writes in another that may not return values.
 */
function tableStatements(name: FunctionName): TableStatement[] {
  const byActions = new Map<string, TableStatement>();
  const add = (kind: string, names: string[], limits: { attributes?: string[]; noReturnValues?: true }) => {
    const key = `${names.join()}:${limits.attributes?.join() ?? ''}:${limits.noReturnValues ? 'none' : ''}`;
    const statement = byActions.get(key) ?? { actions: names, leadingKeys: [], ...limits };
    statement.leadingKeys.push(`${KEY_PREFIXES[kind as keyof typeof KEY_PREFIXES]}*`);
    byActions.set(key, statement);
  };
  for (const [kind, actions] of Object.entries(spec(name).table ?? {})) {
    const names = [...(actions ?? [])].sort().map((a) => `dynamodb:${a}`);
    const readable = spec(name).readable?.[kind as keyof typeof KEY_PREFIXES];
    if (!readable) {
      add(kind, names, {});
      continue;
    }
    add(kind, ['dynamodb:GetItem'], { attributes: ['pk', 'sk', ...readable] });
    const writes = names.filter((a) => a !== 'dynamodb:GetItem');
    if (writes.length > 0) add(kind, writes, { noReturnValues: true });
  }
  return [...byActions.values()];
}

function expectedActions(name: FunctionName): string[] {
  const table = new Set(tableStatements(name).flatMap((s) => s.actions));
  return [...LOGS, ...table, ...(spec(name).signingKey ? READ_KEY : []), ...(spec(name).sms ? ['sns:Publish'] : [])];
}

/** One item of each kind the data layer writes, and one of the retired `RT#` kind. */
const SAMPLE_KEYS = {
  phone: 'PHONE#+12015550123',
  ip: 'IP#203.0.113.7',
  country: 'CTRY#IN#7',
  family: 'FAM#0f4c2a9e',
  jwks: 'JWKS#current',
  passkeys: 'PASSKEYS#0b5f3c2e-7a41-4c7e-9d2b-1f6a8e4c3d21',
  challenge: 'CHAL#q4L6c1yWq0m8n1Zs9kUeZ2h7bJ3pX5dV0aR4tG6wY8E',
  user: 'USER#0b5f3c2e-7a41-4c7e-9d2b-1f6a8e4c3d21',
  retiredRefreshToken: 'RT#9b74c9897bac770ffc029102a200c5de',
} as const;
type SampleKey = keyof typeof SAMPLE_KEYS;
const ITEM_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'ConditionCheckItem',
] as const;
type ItemAction = (typeof ITEM_ACTIONS)[number];

/** Whether the registry lets a function call an action on a kind of item; everything else must be denied. */
function registryAllows(name: FunctionName, kind: SampleKey, action: ItemAction): boolean {
  const table: Partial<Record<string, readonly string[]>> = spec(name).table ?? {};
  return table[kind]?.includes(action) ?? false;
}

/** IAM's StringLike: `*` is any run of characters, `?` any one; case-sensitive. */
function stringLike(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * Whether the statements allow a DynamoDB action on an item with this partition key. Errs towards
 * "allowed": a statement without a LeadingKeys condition allows every key, and other conditions are
 * ignored, so a `false` here is a real denial.
 */
function allowsItem(statements: readonly Statement[], action: ItemAction, partitionKey: string): boolean {
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    const actions = [statement.Action].flat();
    if (!actions.some((a) => stringLike(a, `dynamodb:${action}`))) return false;
    const leadingKeys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
    if (leadingKeys === undefined) return true;
    return [leadingKeys].flat().some((pattern) => stringLike(String(pattern), partitionKey));
  });
}

/** CDK's own singleton provider behind `Trigger` (aws-cdk-lib/triggers), not one of our functions. */
function isTriggerProvider(logicalId: string): boolean {
  return logicalId.startsWith('AWSCDKTriggerCustomResourceProvider');
}

function functionProps(template: Template, stack: OtpAuthStack, name: FunctionName) {
  return template.toJSON().Resources[logicalId(stack.functions[name])].Properties;
}

/** Thresholds of the SMS-volume alarm: the one whose math adds codes and notices. */
function smsVolumeThresholds(t: { findResources(type: string): Record<string, { Properties?: unknown }> }): number[] {
  return Object.values(t.findResources('AWS::CloudWatch::Alarm'))
    .map((alarm) => alarm.Properties as { Threshold: number; Metrics?: { Expression?: string }[] })
    .filter((alarm) => alarm.Metrics?.some((m) => m.Expression === 'FILL(sent, 0) + FILL(notices, 0)'))
    .map((alarm) => alarm.Threshold);
}

describe('OtpAuthStack', () => {
  let stack: OtpAuthStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthStack());
  });

  describe('HTTP API', () => {
    it('has one route per route-table entry, and the $default catch-all', () => {
      const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
      expect(keys.sort()).toEqual([...ROUTES.map((r) => `${r.method} ${routeKeyPath(r.path)}`), '$default'].sort());
    });

    it('serves the trailing-slash spellings through greedy routes, since route keys cannot end in a slash', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /send-otp/{proxy+}' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /token/refresh/{proxy+}' });
      const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
      expect(keys.filter((k) => k.endsWith('/'))).toEqual([]);
    });

    it('sends every route to its own function through a payload 2.0 Lambda proxy integration', () => {
      const resources = template.toJSON().Resources;
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      const targetFunction = (routeKey: string): string => {
        const route = routes.find((r) => r.Properties.RouteKey === routeKey);
        const integrationId = route?.Properties.Target['Fn::Join'][1][1].Ref;
        const integration = resources[integrationId].Properties;
        expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
        return integration.IntegrationUri['Fn::GetAtt'][0];
      };
      for (const route of ROUTES) {
        expect(targetFunction(`${route.method} ${routeKeyPath(route.path)}`)).toBe(
          logicalId(stack.functions[route.fn]),
        );
      }
      expect(targetFunction('$default')).toBe(logicalId(stack.functions['not-found']));
    });

    it('names each function by its registry name: the construct id sam local invoke takes, and its logical id', () => {
      for (const name of FUNCTION_NAMES) {
        expect(stack.functions[name].node.id, name).toBe(functionConstructId(name));
        expect(logicalId(stack.functions[name]), name).toBe(functionLogicalId(name));
      }
      expect(functionConstructId('change-phone-number')).toBe('ChangePhoneNumber');
    });

    it('protects /me with the native JWT authorizer for our own issuer and audience', () => {
      const apiId = logicalId(stack.api.httpApi);
      const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer');
      const [authorizerId, authorizer] = Object.entries(authorizers)[0] ?? [];
      expect(Object.keys(authorizers)).toHaveLength(1);
      expect(authorizer?.Properties).toEqual({
        ApiId: { Ref: apiId },
        AuthorizerType: 'JWT',
        Name: 'OtpJwtAuthorizer',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, Audience: ['otp-login'] },
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /me',
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    });

    it('leaves every other route to the functions, as the route table says', () => {
      const open = ROUTES.filter((r) => !r.authorized).map((r) => `${r.method} ${routeKeyPath(r.path)}`);
      for (const routeKey of [...open, '$default']) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'NONE' });
      }
    });

    it('takes both throttles from the settings', () => {
      const { template: tuned } = synthStack({
        config: {
          SEND_OTP_THROTTLE_PER_SECOND: '3',
          SEND_OTP_THROTTLE_BURST: '6',
          API_THROTTLE_PER_SECOND: '40',
          API_THROTTLE_BURST: '80',
        },
      });
      const stage = Object.values(tuned.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties;
      expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 });
      expect(stage.RouteSettings).toEqual({
        'POST /send-otp': { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
        'POST /send-otp/{proxy+}': { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
      });
    });

    it.each([
      ['SEND_OTP_THROTTLE_PER_SECOND', '0', 'must be between 1 and 10000, got 0'],
      ['SEND_OTP_THROTTLE_PER_SECOND', '2.5', 'must be a whole number'],
      ['SEND_OTP_THROTTLE_BURST', '5001', 'must be between 1 and 5000, got 5001'],
      ['API_THROTTLE_PER_SECOND', '10001', 'must be between 1 and 10000, got 10001'],
      ['API_THROTTLE_BURST', 'lots', 'must be a whole number'],
      ['SMS_VOLUME_ALARM_PER_HOUR', '0', 'must be between 1 and 36000000, got 0'],
    ])('fails the synth on %s=%s', (name, value, message) => {
      expect(() => synthStack({ config: { [name]: value } })).toThrow(`Environment variable ${name} ${message}`);
    });

    it('throttles the stage, and send-otp tighter, and logs request metadata but no body', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties;
      expect(stage).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        // Both spellings of send-otp: the greedy route must not be a way around the limit.
        RouteSettings: {
          'POST /send-otp': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
          'POST /send-otp/{proxy+}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        },
      });
      const format = JSON.parse(stage.AccessLogSettings.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
      });
      expect(stage.AccessLogSettings.Format).not.toMatch(/body/i);
    });
  });

  describe('functions', () => {
    it("builds one function per entry, plus the rotation function, the account events enrichment and CDK's trigger provider", () => {
      expect(Object.keys(stack.functions).sort()).toEqual([...FUNCTION_NAMES].sort());
      template.resourceCountIs('AWS::Lambda::Function', FUNCTION_NAMES.length + 3);
      expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter(isTriggerProvider)).toHaveLength(1);
    });

    it('runs every function of ours on arm64 Node.js 24 with 1024 MB (the events enrichment 256), 10 s (the rotation 3 min) and its own one-month log group', () => {
      const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
        ([id]) => !isTriggerProvider(id),
      );
      expect(functions).toHaveLength(FUNCTION_NAMES.length + 2);
      for (const [id, fn] of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          // The enrichment does no I/O and a few milliseconds of work per batch.
          MemorySize: id === logicalId(stack.auth.parts.accountEvents.enrichment) ? 256 : 1024,
          // The rotation function also serves the deploy trigger, which waits up to 2 min for the first key.
          Timeout: id === logicalId(stack.signingKey.rotationFunction) ? 180 : 10,
          Handler: 'index.handler',
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        const logGroup = template.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref];
        expect(logGroup.Properties.RetentionInDays).toBe(30);
      }
    });

    it('gives every role of ours an inline policy only, never a managed one', () => {
      for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
        if (isTriggerProvider(id)) continue;
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      }
    });

    it("lets CDK's trigger provider only invoke the rotation function, once per deploy that changes it", () => {
      const [roleId, role] =
        Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) => isTriggerProvider(id)) ?? [];
      expect(roleId).toBeDefined();
      const statements = role?.Properties.Policies.flatMap(
        (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
      );
      expect(actionsOf(statements)).toEqual(['lambda:InvokeFunction']);
      const trigger = Object.values(template.findResources('Custom::Trigger'));
      expect(trigger).toHaveLength(1);
      expect(trigger[0]?.Properties).toMatchObject({ ExecuteOnHandlerChange: true, InvocationType: 'RequestResponse' });
      // A version of the rotation function: a new one, and so a new run, whenever its code changes.
      const version = template.toJSON().Resources[trigger[0]?.Properties.HandlerArn.Ref];
      expect(version.Type).toBe('AWS::Lambda::Version');
      expect(version.Properties.FunctionName).toEqual({ Ref: logicalId(stack.signingKey.rotationFunction) });
    });

    it('names the issuer after the API itself and the audience otp-login', () => {
      const apiEndpoint = { 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] };
      for (const name of FUNCTION_NAMES) {
        expect(functionProps(template, stack, name).Environment.Variables).toMatchObject({
          ISSUER: apiEndpoint,
          AUDIENCE: 'otp-login',
          POWERTOOLS_SERVICE_NAME: 'otp-login',
          POWERTOOLS_METRICS_NAMESPACE: 'OtpLogin',
        });
      }
    });

    it('passes each function exactly the configuration it reads', () => {
      const full = synthStack({ config: FULL_CONFIG });
      for (const name of FUNCTION_NAMES) {
        const env = functionProps(full.template, full.stack, name).Environment.Variables;
        expect(Object.keys(env).sort(), name).toEqual(expectedEnv(name, 'end-user-messaging').sort());
        for (const [key, value] of Object.entries(env)) {
          if (key in FULL_CONFIG) expect(value).toBe(FULL_CONFIG[key as keyof OtpAuthConfig]);
        }
      }
      expect(functionProps(full.template, full.stack, 'me').Environment.Variables.AUDIENCE).toBe('my-app');
    });

    it('declares every variable a function reads, blank when unset, so sam local --env-vars can set it', () => {
      for (const name of FUNCTION_NAMES) {
        const env = functionProps(template, stack, name).Environment.Variables;
        expect(Object.keys(env).sort(), name).toEqual(expectedEnv(name).sort());
        for (const key of [...endpointUrlVariables(spec(name)), ...configNamesOf(spec(name).settings)]) {
          expect(env[key], `${name} ${key}`).toBe('');
        }
      }
      const rotation = template.toJSON().Resources[logicalId(stack.signingKey.rotationFunction)].Properties.Environment;
      expect(rotation.Variables).toMatchObject({ AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ENDPOINT_URL_SECRETS_MANAGER: '' });
      const production = synthStack({ production: true });
      for (const name of ['send-otp', 'verify-otp'] as const) {
        expect(
          functionProps(production.template, production.stack, name).Environment.Variables,
          name,
        ).not.toHaveProperty('TEST_PHONE_NUMBERS');
      }
    });

    it('points TABLE_NAME and SIGNING_KEY_SECRET_ID at the stack resources', () => {
      const env = functionProps(template, stack, 'verify-otp').Environment.Variables;
      expect(env.TABLE_NAME).toEqual({ Ref: logicalId(stack.table.table) });
      expect(env.SIGNING_KEY_SECRET_ID).toEqual({ Ref: logicalId(stack.signingKey.secret) });
    });

    it('hands every configuration name to some function', () => {
      const enrichment = template.toJSON().Resources[logicalId(stack.auth.parts.accountEvents.enrichment)];
      const given = new Set([
        ...FUNCTION_NAMES.flatMap((name) => expectedEnv(name)),
        ...Object.keys(enrichment.Properties.Environment.Variables),
      ]);
      // The rotation function gets these two computed; AUDIENCE is common; the HTTP API applies its own;
      // the stack applies the throttles and alarm thresholds itself, and the events pipe their source.
      const computed = new Set([
        'KEY_PUBLISH_LEAD_SECONDS',
        'KEY_RETAIN_SECONDS',
        'EVENTS_SOURCE',
        ...configNamesOf(['httpApi', 'stack']),
        // Given to the four token-issuing functions only with a claims function (test/infra/claims-hook.test.ts).
        ...configNamesOf(['claims']),
      ]);
      expect(CONFIG_NAMES.filter((name) => !given.has(name) && !computed.has(name))).toEqual([]);
    });
  });

  describe('least privilege', () => {
    const statementsOf = (name: FunctionName): Statement[] => {
      const role = stack.functions[name].role;
      if (!role) throw new Error(`${name} has no role`);
      return roleStatements(template, logicalId(role));
    };
    /** Single actions as CloudFormation renders them: a string, not a one-element list. */
    const action = (actions: string[]): string | string[] => (actions.length === 1 ? (actions[0] ?? '') : actions);
    /** Statements in an order of their own, so the comparison is of contents, not of CDK's ordering. */
    const sorted = (statements: readonly Statement[]): Statement[] => {
      const canonical = (value: unknown): string =>
        JSON.stringify(value, (_, v) =>
          v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
        );
      return [...statements].sort((a, b) => canonical(a).localeCompare(canonical(b)));
    };

    for (const name of FUNCTION_NAMES) {
      it(`grants ${name} exactly ${
        expectedActions(name)
          .filter((a) => !a.startsWith('logs:'))
          .join(', ') || 'its logs'
      }`, () => {
        expect(actionsOf(statementsOf(name))).toEqual(expectedActions(name).sort());
      });
    }

    for (const name of FUNCTION_NAMES) {
      it(`gives ${name} exactly its statements: actions, resources and conditions`, () => {
        const fn = stack.functions[name];
        const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
        const expected: Statement[] = [
          { Effect: 'Allow', Action: LOGS, Resource: { 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] } },
          ...tableStatements(name).map(({ actions, leadingKeys, attributes, noReturnValues }) => ({
            Effect: 'Allow',
            Action: action(actions),
            // Query only ever on the user index, never on the table.
            Resource: actions.includes('dynamodb:Query')
              ? { 'Fn::Join': ['', [tableArn, `/index/${USER_INDEX.name}`]] }
              : tableArn,
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys },
              ...(attributes
                ? {
                    'ForAllValues:StringEquals': { 'dynamodb:Attributes': attributes },
                    StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
                  }
                : {}),
              ...(noReturnValues ? { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } } : {}),
            },
          })),
        ];
        if (spec(name).signingKey) {
          expected.push({
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: logicalId(stack.signingKey.secret) },
          });
        }
        if (spec(name).sms) {
          expected.push({
            Sid: 'SmsToPhoneNumbers',
            Effect: 'Allow',
            Action: 'sns:Publish',
            NotResource: 'arn:*:sns:*:*:*',
            Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } },
          });
        }
        expect(sorted(statementsOf(name))).toEqual(sorted(expected));
      });
    }

    for (const name of FUNCTION_NAMES) {
      it(`lets ${name} call only what it calls, on only the items it works on`, () => {
        const statements = statementsOf(name);
        for (const [kind, partitionKey] of Object.entries(SAMPLE_KEYS) as [SampleKey, string][]) {
          for (const itemAction of ITEM_ACTIONS) {
            const expected = registryAllows(name, kind, itemAction);
            expect(allowsItem(statements, itemAction, partitionKey), `${name} ${itemAction} ${partitionKey}`).toBe(
              expected,
            );
          }
        }
      });
    }

    it('keeps logout from writing new items', () => {
      expect(allowsItem(statementsOf('logout'), 'PutItem', SAMPLE_KEYS.family)).toBe(false);
    });

    it('lets refresh-token only read a phone record and logout only update one; neither reaches IP windows', () => {
      for (const [name, allowed] of [
        ['refresh-token', 'GetItem'],
        ['logout', 'UpdateItem'],
      ] as const) {
        for (const itemAction of ITEM_ACTIONS) {
          expect(allowsItem(statementsOf(name), itemAction, SAMPLE_KEYS.phone), `${name} ${itemAction}`).toBe(
            itemAction === allowed,
          );
          expect(allowsItem(statementsOf(name), itemAction, SAMPLE_KEYS.ip)).toBe(false);
        }
      }
    });

    it('lets only the functions the registry lets query do so, and only the user index', () => {
      const querying = FUNCTION_NAMES.filter((name) =>
        statementsOf(name).some((s) => [s.Action].flat().includes('dynamodb:Query')),
      );
      // Derived, so a new querying function needs no edit here; the registry may query only user items.
      const queryingInRegistry = FUNCTION_NAMES.filter((name) =>
        Object.entries(spec(name).table ?? {}).some(([kind, actions]) => {
          if (!actions?.includes('Query')) return false;
          expect(kind, name).toBe('user');
          return true;
        }),
      );
      expect(queryingInRegistry).not.toEqual([]);
      expect(querying.sort()).toEqual(queryingInRegistry.sort());
      for (const name of querying) {
        const query = statementsOf(name).find((s) => [s.Action].flat().includes('dynamodb:Query'));
        expect(query?.Action).toBe('dynamodb:Query');
        expect(query?.Resource).toEqual({
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] }, `/index/${USER_INDEX.name}`]],
        });
        expect(allowsItem([query as Statement], 'Query', SAMPLE_KEYS.phone)).toBe(false);
        expect(allowsItem([query as Statement], 'Query', SAMPLE_KEYS.user)).toBe(true);
      }
    });

    it('lets GET /me only read a phone record', () => {
      expect(actionsOf(statementsOf('me')).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
      expect(allowsItem(statementsOf('me'), 'GetItem', SAMPLE_KEYS.family)).toBe(false);
    });

    it('lets refresh-token and /me read only who holds a number, never its secret or code state', () => {
      for (const name of ['refresh-token', 'me'] as const) {
        const read = statementsOf(name).find(
          (s) => s.Action === 'dynamodb:GetItem' && JSON.stringify(s.Condition ?? {}).includes('PHONE#'),
        );
        expect(read?.Condition, name).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['pk', 'sk', 'userId', 'status', 'sessionEpoch', 'ttl'],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        });
      }
    });

    it('lets passkey-sign-in read only the holder of a number and check it in a transaction, never write it', () => {
      const statements = statementsOf('passkey-sign-in');
      const phoneStatements = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('PHONE#'));
      expect(sorted(phoneStatements)).toEqual(
        sorted([
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] },
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              'ForAllValues:StringEquals': {
                'dynamodb:Attributes': ['pk', 'sk', 'userId', 'status', 'sessionEpoch', 'ttl'],
              },
              StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
            },
          },
          {
            Effect: 'Allow',
            Action: 'dynamodb:ConditionCheckItem',
            Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] },
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            },
          },
        ]),
      );
      const allowed: Record<string, readonly string[]> = {
        ip: ['UpdateItem'],
        passkeys: ['GetItem', 'UpdateItem'],
        phone: ['GetItem', 'ConditionCheckItem'],
        challenge: ['PutItem', 'DeleteItem'],
        family: ['PutItem'],
      };
      for (const [kind, key] of Object.entries(SAMPLE_KEYS)) {
        for (const itemAction of ITEM_ACTIONS) {
          expect(allowsItem(statements, itemAction, key), `${itemAction} ${key}`).toBe(
            allowed[kind]?.includes(itemAction) ?? false,
          );
        }
      }
    });

    it('lets delete-account read only the holder, version, counters and pending change of a phone record, and write it without reading it back', () => {
      const phoneStatements = statementsOf('delete-account').filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes('PHONE#'),
      );

      expect(sorted(phoneStatements)).toEqual(
        sorted([
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] },
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              'ForAllValues:StringEquals': {
                'dynamodb:Attributes': [
                  'pk',
                  'sk',
                  'userId',
                  'status',
                  'sessionEpoch',
                  'ttl',
                  'version',
                  'phoneNumber',
                  'changeTo',
                  'lastStep',
                  'failedAttempts',
                  'lastFailedAt',
                  'sendTimes',
                ],
              },
              StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
            },
          },
          {
            Effect: 'Allow',
            Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] },
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            },
          },
        ]),
      );
      const readable = JSON.stringify(phoneStatements);
      for (const secret of ['totpSecret', 'changeSecret', 'otpStep', 'otpExpiresAt', 'otpConsumed']) {
        expect(readable).not.toContain(secret);
      }
    });

    it('lets passkeys read only who holds a number, check it in a transaction, and nothing more of phone records', () => {
      const phoneStatements = statementsOf('passkeys').filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes('PHONE#'),
      );
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
      expect(sorted(phoneStatements)).toEqual(
        sorted([
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: tableArn,
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              'ForAllValues:StringEquals': {
                'dynamodb:Attributes': ['pk', 'sk', 'userId', 'status', 'sessionEpoch', 'ttl'],
              },
              StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
            },
          },
          {
            Effect: 'Allow',
            Action: 'dynamodb:ConditionCheckItem',
            Resource: tableArn,
            Condition: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            },
          },
        ]),
      );
      for (const itemAction of ['PutItem', 'UpdateItem', 'DeleteItem'] as const) {
        expect(allowsItem(statementsOf('passkeys'), itemAction, SAMPLE_KEYS.phone), itemAction).toBe(false);
      }
      // Its own items only: never a family, a window or the keys.
      for (const kind of ['family', 'ip', 'country', 'jwks', 'user'] as const) {
        for (const itemAction of ITEM_ACTIONS) {
          expect(allowsItem(statementsOf('passkeys'), itemAction, SAMPLE_KEYS[kind]), `${kind} ${itemAction}`).toBe(
            false,
          );
        }
      }
    });

    it('keeps send-otp away from refresh-token families', () => {
      for (const itemAction of ITEM_ACTIONS) {
        expect(allowsItem(statementsOf('send-otp'), itemAction, SAMPLE_KEYS.family)).toBe(false);
      }
    });

    it('lets verify-otp only create a family, never read or change one', () => {
      const statements = statementsOf('verify-otp');
      expect(allowsItem(statements, 'PutItem', SAMPLE_KEYS.family)).toBe(true);
      expect(allowsItem(statements, 'GetItem', SAMPLE_KEYS.family)).toBe(false);
      expect(allowsItem(statements, 'UpdateItem', SAMPLE_KEYS.family)).toBe(false);
    });

    it('lets no function reach the retired RT# items', () => {
      for (const name of FUNCTION_NAMES) {
        for (const itemAction of ITEM_ACTIONS) {
          expect(allowsItem(statementsOf(name), itemAction, SAMPLE_KEYS.retiredRefreshToken), name).toBe(false);
        }
      }
    });

    it('scopes every table action to the table and a key prefix, and key reads to the one secret', () => {
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] };
      const secretArn = { Ref: logicalId(stack.signingKey.secret) };
      for (const name of FUNCTION_NAMES) {
        for (const statement of statementsOf(name)) {
          const actions = [statement.Action].flat();
          if (actions.some((a) => a.startsWith('dynamodb:'))) {
            expect(statement.Resource).toEqual(
              actions.includes('dynamodb:Query')
                ? { 'Fn::Join': ['', [tableArn, `/index/${USER_INDEX.name}`]] }
                : tableArn,
            );
            // A read limited to some attributes adds exactly the two conditions that enforce it, and
            // the writes of such items the one that keeps them from returning the old item.
            const conditions = Object.keys(statement.Condition ?? {});
            const limitedRead = conditions.includes('ForAllValues:StringEquals');
            const limitedWrite = !limitedRead && conditions.length > 1;
            expect(conditions).toEqual(
              limitedRead
                ? ['ForAllValues:StringLike', 'ForAllValues:StringEquals', 'StringEqualsIfExists']
                : limitedWrite
                  ? ['ForAllValues:StringLike', 'StringEqualsIfExists']
                  : ['ForAllValues:StringLike'],
            );
            if (limitedRead) expect(actions).toEqual(['dynamodb:GetItem']);
            if (limitedWrite) {
              expect(statement.Condition?.StringEqualsIfExists).toEqual({ 'dynamodb:ReturnValues': 'NONE' });
            }
            expect(Object.keys(statement.Condition?.['ForAllValues:StringLike'] ?? {})).toEqual([
              'dynamodb:LeadingKeys',
            ]);
          }
          if (actions.some((a) => a.startsWith('secretsmanager:'))) expect(statement.Resource).toEqual(secretArn);
        }
      }
    });

    it('lets send-otp publish only to phone numbers, never to a topic or endpoint, and only in its own region', () => {
      const sns = statementsOf('send-otp').find((s) => s.Action === 'sns:Publish');
      expect(sns).toEqual({
        Sid: 'SmsToPhoneNumbers',
        Effect: 'Allow',
        Action: 'sns:Publish',
        NotResource: 'arn:*:sns:*:*:*',
        Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } },
      });
    });

    it('grants no role a statement on every resource', () => {
      for (const role of Object.keys(template.findResources('AWS::IAM::Role'))) {
        for (const statement of roleStatements(template, role)) {
          expect([statement.Resource].flat(), role).not.toContain('*');
        }
      }
    });

    it('grants the rotation function the four rotation actions on its secret, and a put of the public keys', () => {
      const role = stack.signingKey.rotationFunction.role;
      if (!role) throw new Error('rotation function has no role');
      const statements = roleStatements(template, logicalId(role));
      expect(actionsOf(statements)).toEqual(
        [
          ...LOGS,
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
        ].sort(),
      );
      const secret = statements.find((s) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
      expect(secret?.Resource).toEqual({ Ref: logicalId(stack.signingKey.secret) });
      for (const [kind, key] of Object.entries(SAMPLE_KEYS)) {
        for (const itemAction of ITEM_ACTIONS) {
          const allowed = kind === 'jwks' && (itemAction === 'PutItem' || itemAction === 'GetItem');
          expect(allowsItem(statements, itemAction, key), `${itemAction} ${key}`).toBe(allowed);
        }
      }
      const env = template.toJSON().Resources[logicalId(stack.signingKey.rotationFunction)].Properties.Environment;
      expect(env.Variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.table.table) });
      expect(env.Variables.SIGNING_KEY_SECRET_ID).toEqual({ Ref: logicalId(stack.signingKey.secret) });
    });

    it('keeps every private key away from the public JWKS function', () => {
      const actions = actionsOf(statementsOf('well-known'));
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      expect(functionProps(template, stack, 'well-known').Environment.Variables).not.toHaveProperty(
        'SIGNING_KEY_SECRET_ID',
      );
    });
  });

  describe('table', () => {
    it('is one pk/sk table with one keys-only user index, on demand, expiring items by ttl, with point-in-time recovery, retained', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'userKey', AttributeType: 'S' },
          ],
          // One index: a user's refresh families, keys only, for deleting an account.
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byUser',
              KeySchema: [{ AttributeName: 'userKey', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: false,
        },
      });
    });

    it('is protected from deletion in production', () => {
      synthStack({ production: true }).template.hasResourceProperties('AWS::DynamoDB::Table', {
        DeletionProtectionEnabled: true,
      });
    });
  });

  describe('signing key', () => {
    const rotationPolicyId = () => {
      const role = stack.signingKey.rotationFunction.role;
      if (!role) throw new Error('rotation function has no role');
      return logicalId(role.node.findChild('DefaultPolicy').node.defaultChild as CfnElement);
    };

    it('keeps no key in the template: CloudFormation generates a placeholder', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {},
        SecretString: Match.absent(),
      });
    });

    it('rotates every 90 days by default, and once right away to create the first key', () => {
      template.hasResource('AWS::SecretsManager::RotationSchedule', {
        Properties: {
          SecretId: { Ref: logicalId(stack.signingKey.secret) },
          RotationLambdaARN: { 'Fn::GetAtt': [logicalId(stack.signingKey.rotationFunction), 'Arn'] },
          RotationRules: { ScheduleExpression: 'rate(90 days)' },
          RotateImmediatelyOnUpdate: true,
        },
        // The immediate rotation runs during the deployment, so its permissions must exist first:
        // the invoke permission, and the role's policy (secret actions, and the put of the public keys).
        DependsOn: Match.arrayWith([
          logicalId(stack.signingKey.rotationFunction.node.findChild('InvokedBySecretsManager')),
          rotationPolicyId(),
        ]),
      });
    });

    it('republishes the public keys on deploy only after the rotation role may write them', () => {
      const [trigger] = Object.values(template.findResources('Custom::Trigger'));
      expect(trigger?.DependsOn).toEqual(expect.arrayContaining([rotationPolicyId()]));
    });

    it('takes the rotation period from keyRotationDays', () => {
      synthStack({ keyRotationDays: 30 }).template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    });

    it('lets only Secrets Manager in this account, rotating this secret, invoke the rotation function', () => {
      const rotationArn = { 'Fn::GetAtt': [logicalId(stack.signingKey.rotationFunction), 'Arn'] };
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
        .map((p) => p.Properties)
        .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify(rotationArn));
      expect(permissions).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: rotationArn,
          Principal: 'secretsmanager.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
          SourceArn: { Ref: logicalId(stack.signingKey.secret) },
        },
      ]);
    });

    it('deletes the secret with the stack outside production', () => {
      template.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
    });

    it('retains the secret in production, like the table', () => {
      synthStack({ production: true }).template.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('retains the secret by default when the construct is used on its own', () => {
      const own = new Stack(appWithoutBundling(), 'SigningKeyOnly');
      new SigningKey(own, 'Key', {
        timing: { publishLeadSeconds: 7800, retainSeconds: 8400 },
        publicKeysTable: new OtpTable(own, 'Table'),
      });
      Template.fromStack(own).hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('publishes a key 2 h + key cache + margin before it signs, and keeps it an access-token life past that', () => {
      const rotationEnv = (t: Template, s: OtpAuthStack) =>
        t.toJSON().Resources[logicalId(s.signingKey.rotationFunction)].Properties.Environment.Variables;
      expect(rotationEnv(template, stack)).toMatchObject({
        KEY_PUBLISH_LEAD_SECONDS: '7800',
        KEY_RETAIN_SECONDS: '8400',
      });
      const longer = synthStack({ config: { ACCESS_TOKEN_TTL_SECONDS: '3600', KEY_CACHE_SECONDS: '60' } });
      expect(rotationEnv(longer.template, longer.stack)).toMatchObject({
        KEY_PUBLISH_LEAD_SECONDS: String(7200 + 60 + 300),
        KEY_RETAIN_SECONDS: String(3600 + 60 + 7200),
      });
    });
  });

  describe('alarms', () => {
    it('alarms on failed SMS and on SMS-pumping volume, codes and number-change notices together', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'OtpLogin',
        MetricName: 'SmsFailed',
        Dimensions: [{ Name: 'service', Value: 'otp-login' }],
        Statistic: 'Sum',
      });
      const metric = (id: string, name: string) =>
        Match.objectLike({
          Id: id,
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'OtpLogin', MetricName: name, Dimensions: [{ Name: 'service', Value: 'otp-login' }] },
            Stat: 'Sum',
            Period: 3600,
          }),
        });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 500,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'FILL(sent, 0) + FILL(notices, 0)' }),
          metric('sent', 'OtpSent'),
          metric('notices', 'NumberChangedNoticeSent'),
        ]),
      });
    });

    it('alarms when few sent codes get verified', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 0.2,
        Metrics: Match.arrayWith([
          Match.objectLike({
            Id: 'sent',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'OtpSent' }) }),
          }),
          Match.objectLike({
            Id: 'verified',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'OtpVerified' }) }),
          }),
        ]),
      });
    });

    it('alarms on 5xx from the API', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(stack.api.httpApi) } }],
      });
    });

    it('alarms on the first reused refresh token within 5 minutes: the one sign of a stolen token', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'OtpLogin',
        MetricName: 'RefreshTokenReuse',
        Dimensions: [{ Name: 'service', Value: 'otp-login' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms on the first session cleanup that failed within 5 minutes: a deletion left families behind', () => {
      const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
        .map((resource) => resource.Properties)
        .filter((properties) => properties.MetricName === 'SessionCleanupFailed');

      expect(alarm).toEqual([
        expect.objectContaining({
          Namespace: 'OtpLogin',
          Dimensions: [{ Name: 'service', Value: 'otp-login' }],
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        }),
      ]);
    });

    it('alarms on the first passkey item a deletion left behind within 5 minutes: nothing expires it', () => {
      const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
        .map((resource) => resource.Properties)
        .filter((properties) => properties.MetricName === 'PasskeyCleanupFailed');

      expect(alarm).toEqual([
        expect.objectContaining({
          Namespace: 'OtpLogin',
          Dimensions: [{ Name: 'service', Value: 'otp-login' }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmDescription: expect.stringContaining('passkeys remove <user id> --all'),
        }),
      ]);
    });

    it('takes thresholds from props', () => {
      const { template: custom } = synthStack({
        alarmThresholds: { otpSentPerHour: 42, refreshTokenReusePer5Minutes: 3 },
      });
      expect(smsVolumeThresholds(custom)).toEqual([42]);
      custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RefreshTokenReuse', Threshold: 3 });
    });

    it('takes the SMS-volume threshold from SMS_VOLUME_ALARM_PER_HOUR, and props over it', () => {
      const fromSetting = synthStack({ config: { SMS_VOLUME_ALARM_PER_HOUR: '1200' } }).template;
      const volume = smsVolumeThresholds;
      expect(volume(template)).toEqual([500]);
      expect(volume(fromSetting)).toEqual([1200]);
      const both = synthStack({
        config: { SMS_VOLUME_ALARM_PER_HOUR: '1200' },
        alarmThresholds: { otpSentPerHour: 42 },
      }).template;
      expect(volume(both)).toEqual([42]);
    });

    it('notifies alarmTopicArn from every alarm, the reused-token alarm included', () => {
      const topicArn = 'arn:aws:sns:eu-west-1:123456789012:alarms';
      const alarms = Object.values(
        synthStack({ alarmTopicArn: topicArn }).template.findResources('AWS::CloudWatch::Alarm'),
      );

      // Two of them on the account events pipe: its dead letters and its enrichment's errors.
      expect(alarms).toHaveLength(11);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
    });

    it('alarms at 80% of smsMonthlyBudgetUsd on the SNS month-to-date spend, and has no spend alarm without a budget', () => {
      const spendAlarms = (t: typeof template) =>
        Object.values(t.findResources('AWS::CloudWatch::Alarm'))
          .map((alarm) => alarm.Properties)
          .filter((alarm) => /Spen[dt]/.test(String(alarm.MetricName)) && alarm.Namespace !== 'OtpLogin');
      expect(spendAlarms(template)).toEqual([]);

      expect(spendAlarms(synthStack({ smsMonthlyBudgetUsd: 500 }).template)).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/SNS',
          MetricName: 'SMSMonthToDateSpentUSD',
          Statistic: 'Maximum',
          Period: 3600,
          EvaluationPeriods: 1,
          Threshold: 400,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'missing',
        }),
      ]);
      expect(spendAlarms(synthStack({ smsMonthlyBudgetUsd: 99.99 }).template)[0]?.Threshold).toBe(79.99);
    });

    it("watches End User Messaging's TextMessageMonthlySpend when that is the provider, never both", () => {
      const { template: eum } = synthStack({
        smsMonthlyBudgetUsd: 1000,
        config: { SMS_PROVIDER: 'end-user-messaging' },
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      });
      const spend = Object.values(eum.findResources('AWS::CloudWatch::Alarm'))
        .map((alarm) => alarm.Properties)
        .filter((alarm) => /Spen[dt]/.test(String(alarm.MetricName)) && alarm.Namespace !== 'OtpLogin');

      expect(spend).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/SMSVoice',
          MetricName: 'TextMessageMonthlySpend',
          Statistic: 'Maximum',
          Threshold: 800,
          AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
          // Without the AWSServiceRoleForSMSVoice role the metric never appears: INSUFFICIENT_DATA, never OK.
          TreatMissingData: 'missing',
        }),
      ]);
      expect(spend[0]).not.toHaveProperty('Dimensions');
    });

    const budgetAlarm = (dimensions: { Name: string; Value: string }[]) => ({
      Namespace: 'OtpLogin',
      MetricName: 'CountryBudgetSpent',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });

    it('alarms on any spent country budget, and on each country SEND_MAX_PER_COUNTRY_PER_HOUR names', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', budgetAlarm([{ Name: 'service', Value: 'otp-login' }]));
      const budgeted = synthStack({
        config: {
          SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=5000,US=2000,+881=20,*=200',
          ALLOWED_GLOBAL_CALLING_CODES: '+881',
        },
      }).template;

      const perCountry = Object.values(budgeted.findResources('AWS::CloudWatch::Alarm'))
        .map((alarm) => alarm.Properties)
        .filter((alarm) => alarm.MetricName === 'CountryBudgetSpent' && alarm.Dimensions.length === 2);
      expect(perCountry).toEqual(
        // A non-geographic plan is named as its numbers count: `+881`, the metric's country dimension.
        ['IN', 'US', '+881'].map((country) =>
          expect.objectContaining(
            budgetAlarm([
              { Name: 'country', Value: country },
              { Name: 'service', Value: 'otp-login' },
            ]),
          ),
        ),
      );
    });
  });

  it('outputs the API URL, issuer, JWKS URL, table name and secret ARN', () => {
    const apiEndpoint = { 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] };
    template.hasOutput('ApiUrl', { Value: apiEndpoint });
    template.hasOutput('Issuer', { Value: apiEndpoint });
    template.hasOutput('JwksUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/.well-known/jwks.json']] } });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table.table) } });
    template.hasOutput('SigningKeySecretArn', { Value: { Ref: logicalId(stack.signingKey.secret) } });
  });

  describe('configuration', () => {
    it('refuses test phone numbers in production', () => {
      expect(() => synthStack({ production: true, config: { TEST_PHONE_NUMBERS: '+12015550123:424242' } })).toThrow(
        /TEST_PHONE_NUMBERS must be empty in production/,
      );
    });

    it('refuses ALLOWED_ORIGINS=* in production', () => {
      expect(() => synthStack({ production: true, config: { ALLOWED_ORIGINS: '*' } })).toThrow(
        /allowedOrigins must not be "\*" in production/,
      );
    });

    it('configures the HTTP API CORS from ALLOWED_ORIGINS, and none without it', () => {
      const { template: withCors } = synthStack({ config: { ALLOWED_ORIGINS: 'https://app.example.com' } });
      withCors.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'] }),
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
    });

    it('accepts test phone numbers outside production', () => {
      expect(() => synthStack({ config: { TEST_PHONE_NUMBERS: '+12015550123:424242' } })).not.toThrow();
    });

    it.each([
      ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'UK=100,EL=50', /SEND_MAX_PER_COUNTRY_PER_HOUR names UK, .*did you mean GB\?/],
      ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'GB=100,EL=50', /SEND_MAX_PER_COUNTRY_PER_HOUR names EL, .*did you mean GR\?/],
      ['SMS_TEMPLATES', '{"UK":"Code {code}"}', /SMS_TEMPLATES names UK, .*did you mean GB\?/],
      ['SMS_TEMPLATES', '{"ZZ":"Code {code}"}', /SMS_TEMPLATES names ZZ, a country code the phone library/],
      ['ALLOWED_COUNTRIES', 'IN,UK', /ALLOWED_COUNTRIES names UK, .*did you mean GB\?/],
    ])('fails the synth on %s=%s: a code the phone library does not know matches no number', (name, value, message) => {
      expect(() => synthStack({ config: { [name]: value } })).toThrow(message);
    });

    it('fails the synth on a value the functions would reject', () => {
      expect(() => synthStack({ config: { SIGNUP_MODE: 'maybe' } })).toThrow(ConfigError);
      expect(() => synthStack({ config: { SEND_MAX_PER_HOUR: 'lots' } })).toThrow(/SEND_MAX_PER_HOUR/);
    });
  });
});
