import { Annotations, ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { type Alarm, Alarm as AlarmClass } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type Grant, type IGrantable, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  type ConfigName,
  configNamesOf,
  ENV,
  type Env,
  parseClaimsHookTimeout,
  parseHttpApiConfig,
  parseOtpConfig,
  parseRotationTiming,
  parseSettings,
  parseSmsConfig,
  parseStackConfig,
  type SmsConfig,
} from '../lambdas/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/http/metric-names.js';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, type FunctionSpec } from '../lambdas/registry.js';
import { AccountEvents } from './constructs/account-events.js';
import type { OtpAlarmThresholds } from './constructs/alarm-thresholds.js';
import { otpJwtAuthorizer } from './constructs/jwt-authorizer.js';
import { NodeFunction } from './constructs/node-function.js';
import { OtpAlarms } from './constructs/otp-alarms.js';
import type { OtpApiDomain } from './constructs/otp-api-domain.js';
import { OtpHttpApi } from './constructs/otp-http-api.js';
import { OtpTable } from './constructs/otp-table.js';
import { SigningKey } from './constructs/signing-key.js';
import { ENDPOINT_URL_VARIABLES, endpointUrlVariables, lambdaEntryName } from './function-environment.js';
import { functionConstructId } from './function-ids.js';
import type { AlarmSettings, KeySettings, OtpLoginSettings } from './otp-login-settings.js';
import { SETTING_PROP_PATHS, settingsFromProps } from './settings-from-props.js';

export type { OtpApiDomain } from './constructs/otp-api-domain.js';

/**
 * The functions, by the names `OtpLogin.functions` takes: one per route group, as lambdas/registry.ts
 * declares them (a compile-time check below keeps the two lists the same).
 */
export type OtpLoginFunctionName =
  | 'send-otp'
  | 'verify-otp'
  | 'refresh-token'
  | 'logout'
  | 'me'
  | 'delete-account'
  | 'change-phone-number'
  | 'verify-phone-number'
  | 'passkey-sign-in'
  | 'passkeys'
  | 'well-known'
  | 'not-found';
type SameNames = [FunctionName] extends [OtpLoginFunctionName]
  ? [OtpLoginFunctionName] extends [FunctionName]
    ? true
    : never
  : never;
const sameNames: SameNames = true;
void sameNames;

/** The `aud` of every access token unless `audience` says otherwise. */
export const DEFAULT_AUDIENCE = 'otp-login';

/** The signing key's settings, and how often it rotates. */
export interface OtpLoginKeys extends KeySettings {
  /**
   * Days between two rotations of the signing key (Secrets Manager's schedule). A new key is
   * published `publishLeadSeconds` before it signs, so no verifier ever meets an unknown `kid`.
   * @default 90
   */
  readonly rotationDays?: number;
}

/** The alarms' thresholds, and where they go. */
export interface OtpLoginAlarms extends AlarmSettings {
  /** The topic every alarm notifies. @default - no notification: the alarms only change state */
  readonly topic?: ITopic;
  /**
   * Monthly SMS budget in US dollars: an alarm fires at 80% of it, on the provider's month-to-date spend.
   * @default - no spend alarm
   */
  readonly smsMonthlyBudgetUsd?: number;
  /**
   * The other thresholds; given here, `otpSentPerHour` wins over `smsVolumePerHour`.
   * @default - see OtpAlarmThresholds
   */
  readonly thresholds?: OtpAlarmThresholds;
}

export interface OtpLoginProps extends OtpLoginSettings {
  /**
   * Production refuses test phone numbers and `allowedOrigins: ['*']`, protects the table from
   * deletion, and retains the signing key's secret and every log group when the stack is deleted
   * (outside production they go with the stack; the table is retained either way). Required, so
   * that no deployment is production by accident, or not production by accident.
   */
  readonly production: boolean;
  /**
   * Serve the API on your own domain. The issuer of every token is then `https://<name>` (plus
   * `/<basePath>`), which survives replacing the stack or moving region; the `execute-api` endpoint
   * is disabled. Without it, the issuer is the API's `execute-api` URL, which changes with the API:
   * every session ends and every app must be rebuilt. Production deployments should have one.
   * @default - the `execute-api` endpoint
   */
  readonly domain?: OtpApiDomain;
  readonly keys?: OtpLoginKeys;
  readonly alarms?: OtpLoginAlarms;
  /** How long every log group keeps its events (functions, rotation, access logs). @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * The bus the account events go to (`UserCreated`, `PhoneNumberChanged`, ...; docs/events.md),
   * for example one shared by your services. The construct may only put events on it.
   * @default - the account's default event bus in the stack's region
   */
  readonly eventBus?: IEventBus;
  /**
   * Your claims function: extra claims in the access token (a tenant, a role, a plan). Invoked
   * synchronously at every login (SMS code or passkey), number change and refresh, after the proof
   * is checked and before anything is spent, with `{sub, phone_number, country, amr, auth_time,
   * event}` (`event`: `login`, `number_change` or `refresh`); it answers `{"claims": {...}}`. A
   * reserved claim (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `token_use`, `phone_number`,
   * `session_epoch`, `auth_time`, `amr`, `kid`), more than 2048 bytes of claims as JSON, an error or
   * no answer within `claimsHookTimeoutMs` fails the request closed: `503 service_unavailable` with
   * `Retry-After: 5`, nothing issued or spent. The four functions that issue tokens may invoke
   * exactly this function, and their timeout grows by the hook's deadline; the others never load the
   * Lambda client. An alarm watches the failures.
   * @default - no claims hook: the access token carries the fixed claims only
   */
  readonly claims?: IFunction;
}

/**
 * Phone-number login in one construct: an HTTP API with one function per route, the table, the
 * signing key with its rotation, alarms, and the account events pipe from the table's stream to
 * EventBridge (docs/events.md). Tokens are JWTs any HTTP API can check with
 * {@link OtpLogin.authorizer}, with no code.
 *
 * ```ts
 * const auth = new OtpLogin(this, 'Auth', {
 *   production: true,
 *   domain: { name: 'auth.example.com', certificate, hostedZone },
 *   otp: { allowedCountries: ['IN', 'US'] },
 * });
 * myApi.addRoutes({ path: '/orders', methods: [HttpMethod.GET], integration, authorizer: auth.authorizer(this, 'Auth') });
 * ```
 */
export class OtpLogin extends Construct {
  /** The API's base URL, without a trailing slash: the custom domain's when there is one. */
  readonly url: string;
  /** The `iss` of every token: the same as {@link url}. */
  readonly issuer: string;
  /** The `aud` of every access token. */
  readonly audience: string;
  /** The HTTP API; its stage is `$default`. */
  readonly httpApi: HttpApi;
  /**
   * The table: users, codes, limits, sessions and the public keys. Read it through the grants below;
   * its items are this service's internals.
   */
  readonly table: Table;
  /**
   * The `service` of its logs and metrics (`POWERTOOLS_SERVICE_NAME`), and so the dimension its
   * alarms watch: `otp-login` for this repository's stack, `otp-login-<path>` for any other
   * instance, so that two instances in one account never alarm on each other's traffic.
   */
  readonly serviceName: string;
  /** The functions, by name. */
  readonly functions: Readonly<Record<OtpLoginFunctionName, LambdaFunction>>;
  /** Every alarm, to put on a dashboard or give more actions. */
  readonly alarms: readonly Alarm[];
  /**
   * The constructs themselves, for this repository's example stack and tests.
   * @internal
   */
  readonly parts: {
    readonly api: OtpHttpApi;
    readonly table: OtpTable;
    readonly signingKey: SigningKey;
    readonly alarms: OtpAlarms;
    readonly accountEvents: AccountEvents;
  };
  /** The settings as the functions read them, by their environment names. */
  private readonly settings: Partial<Record<ConfigName, string>>;

  constructor(scope: Construct, id: string, props: OtpLoginProps) {
    super(scope, id);
    // Required by the type, and checked here for apps written in JavaScript or props built at run
    // time: a deployment left out of production by a missing key would accept test numbers.
    if (typeof (props as Partial<OtpLoginProps>).production !== 'boolean') {
      throw new Error(`${this.node.path}: production must be true or false`);
    }
    refuseUnknownProps(this, props);
    if (props.claimsHookTimeoutMs !== undefined && !props.claims) {
      throw new Error(`${this.node.path}: claimsHookTimeoutMs needs claims, the function it is the deadline of`);
    }
    validateAlarmProps(this, props.alarms);
    this.serviceName =
      id === 'Default' ? SERVICE_NAME : `${SERVICE_NAME}-${this.node.path.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const config = settingsFromProps(props);
    this.settings = config;
    refuseTestNumbersInProduction(config, props.production);
    this.audience = config.AUDIENCE?.trim() || DEFAULT_AUDIENCE;
    // settingsFromProps has parsed every value with the functions' own parsers: a bad one failed the
    // synth there, not the first cold start.
    const timing = parseRotationTiming(config);
    refuseAppLinksUnderBasePath(this, config, props.domain?.basePath);
    const countryBudgets = parseOtpConfig(config).sendMaxPerCountryPerHour;
    const { allowedOrigins } = parseHttpApiConfig(config);
    const limits = parseStackConfig(config);
    // Logs go with a stack that is not production; production keeps them past `cdk destroy`.
    const logRemovalPolicy = props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const rotationDays = props.keys?.rotationDays ?? 90;
    if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 365) {
      throw new Error(
        `${this.node.path}: keys.rotationDays must be a whole number of days from 1 to 365, got ${rotationDays}`,
      );
    }

    const table = new OtpTable(this, 'Table', {
      deletionProtection: props.production,
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });
    const signingKey = new SigningKey(this, 'SigningKey', {
      timing,
      publicKeysTable: table,
      rotateAfter: Duration.days(rotationDays),
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      logRemovalPolicy,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    const api = new OtpHttpApi(this, 'Http', {
      audience: this.audience,
      allowedOrigins,
      production: props.production,
      throttle: { rateLimit: limits.apiThrottlePerSecond, burstLimit: limits.apiThrottleBurst },
      // Every call may cost an SMS: this route's own, tighter throttle caps what a flood can spend.
      functionThrottles: {
        'send-otp': { rateLimit: limits.sendOtpThrottlePerSecond, burstLimit: limits.sendOtpThrottleBurst },
      },
      ...(props.domain ? { domain: props.domain } : {}),
      ...(props.logRetention ? { accessLogRetention: props.logRetention } : {}),
    });
    this.issuer = api.issuer;
    this.url = api.url;
    this.httpApi = api.httpApi;
    this.table = table.table;
    // Invoked with `{}` under `sam local`, the rotation copies a deployed key set's public keys to DynamoDB Local.
    for (const name of [ENDPOINT_URL_VARIABLES.table, ENDPOINT_URL_VARIABLES.signingKey]) {
      signingKey.rotationFunction.addEnvironment(name, '');
    }

    const functions = {} as Record<FunctionName, NodeFunction>;
    for (const name of FUNCTION_NAMES) {
      functions[name] = this.createFunction(name, FUNCTIONS[name], props, logRemovalPolicy, { table, signingKey });
    }
    this.functions = functions;
    api.connect(functions);
    // On an upgrade the JWKS function's new code must not go live before the deploy has republished the keys.
    signingKey.publishBefore(functions['well-known']);
    api.accessLogs.applyRemovalPolicy(logRemovalPolicy);

    const accountEvents = new AccountEvents(this, 'AccountEvents', {
      table: table.table,
      source: parseSettings(config, 'events').eventsSource,
      includePhoneNumber: config[ENV.eventsIncludePhoneNumber]?.trim() ?? '',
      logRemovalPolicy,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });

    const { alarms: alarmProps } = props;
    const alarms = new OtpAlarms(this, 'Alarms', {
      httpApi: api.httpApi,
      serviceName: this.serviceName,
      rotationFunction: signingKey.rotationFunction,
      accountEvents: {
        deadLetterQueue: accountEvents.deadLetterQueue,
        enrichmentFunction: accountEvents.enrichment,
      },
      budgetedCountries: [...(countryBudgets?.byCountry.keys() ?? [])],
      ...(alarmProps?.smsMonthlyBudgetUsd !== undefined
        ? {
            smsSpend: {
              monthlyBudgetUsd: alarmProps.smsMonthlyBudgetUsd,
              provider: parseSmsConfig(config).smsProvider,
            },
          }
        : {}),
      thresholds: { otpSentPerHour: limits.smsVolumeAlarmPerHour, ...definedOnly(alarmProps?.thresholds ?? {}) },
      ...(alarmProps?.topic ? { alarmActions: [new SnsAction(alarmProps.topic)] } : {}),
      claimsHook: props.claims !== undefined,
    });
    this.alarms = alarms.node.findAll().filter((child): child is Alarm => child instanceof AlarmClass);
    this.parts = { api, table, signingKey, alarms, accountEvents };
    warnOfOpenDoors(this, props);
  }

  /**
   * A JWT authorizer for your own HTTP API routes that accepts this service's access tokens: API
   * Gateway fetches the issuer's OpenID configuration and JWKS itself and checks signature, `iss`,
   * `aud` and `exp` without running any code. Pass it as a route's `authorizer`.
   */
  authorizer(scope: Construct, id: string): HttpJwtAuthorizer {
    return otpJwtAuthorizer(scope, id, { issuer: this.issuer, audience: this.audience });
  }

  /**
   * Lets a neighbour read the published public signing keys (the JWKS item) straight from the table,
   * for a verifier that would rather not fetch `/.well-known/jwks.json`. Nothing else in the table.
   */
  grantReadPublicKeys(grantee: IGrantable): Grant {
    return this.parts.table.grantItemAccess(grantee, { jwks: ['GetItem'] });
  }

  private createFunction(
    name: FunctionName,
    needs: FunctionSpec,
    props: OtpLoginProps,
    logRemovalPolicy: RemovalPolicy,
    { table, signingKey }: { table: OtpTable; signingKey: SigningKey },
  ): NodeFunction {
    const config = this.settings;
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      [ENV.issuer]: this.issuer,
      [ENV.audience]: this.audience,
    };
    if (needs.table !== null) environment[ENV.tableName] = table.tableName;
    if (needs.signingKey) environment[ENV.signingKeySecretId] = signingKey.secretArn;
    const sms = parseSmsConfig(config);
    // Only the functions that issue tokens, and only with a hook, get its settings, grant and entry.
    const claims = needs.claimsHook ? props.claims : undefined;
    for (const key of endpointUrlVariables(needs, sms.smsProvider, claims !== undefined)) environment[key] = '';
    // Every setting the function reads is declared, blank when unset (blank takes the default in
    // lambdas/config.ts), so `sam local --env-vars` can set it. Production refuses test numbers, so
    // there a function has no TEST_PHONE_NUMBERS to fill in, not even an empty one.
    if (claims) environment[ENV.claimsHookFunctionArn] = claims.functionArn;
    for (const key of configNamesOf([...needs.settings, ...(claims ? (['claims'] as const) : [])])) {
      if (props.production && key === ENV.testPhoneNumbers) continue;
      const value = config[key];
      environment[key] = value !== undefined && value.trim() !== '' ? value : '';
    }

    const fn = new NodeFunction(this, functionConstructId(name), {
      entryName: lambdaEntryName(name, needs, sms.smsProvider, claims !== undefined),
      description: needs.description,
      environment,
      // The hook's deadline comes on top of the usual 10 s, so a slow hook answers 503, never a timeout.
      ...(claims ? { timeout: Duration.seconds(10 + Math.ceil(parseClaimsHookTimeout(config) / 1000)) } : {}),
      logRemovalPolicy,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // `sam local invoke SendOtp`: SAM takes a function's id from its `aws:cdk:path` only when the
    // path has two or three parts, and this construct adds one; SamResourceId says it instead.
    const instance = this.node.id === 'Default' ? '' : this.node.id.replace(/[^A-Za-z0-9]/g, '');
    (fn.node.defaultChild as CfnResource).addMetadata('SamResourceId', `${instance}${functionConstructId(name)}`);
    if (needs.table !== null) table.grantItemAccess(fn, needs.table, needs.readable);
    if (needs.signingKey) signingKey.grantRead(fn);
    if (claims) {
      // This function and no qualifier of it (IFunction.grantInvoke would add `:*`, every version).
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'InvokeClaimsHook',
          actions: ['lambda:InvokeFunction'],
          resources: [claims.functionArn],
        }),
      );
    }
    // Exactly the chosen provider's action, never both.
    if (needs.sms && sms.smsProvider === 'sns') {
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'SmsToPhoneNumbers',
          actions: ['sns:Publish'],
          // Publishing straight to a phone number has no resource ARN, so it cannot be named. Every topic
          // and platform endpoint has an SNS ARN (in every partition): excluding them all leaves phone numbers only.
          notResources: ['arn:*:sns:*:*:*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
        }),
      );
    }
    if (needs.sms && sms.smsProvider === 'end-user-messaging') {
      const { resources, byType } = this.endUserMessagingResources(sms);
      fn.addToRolePolicy(
        new PolicyStatement({ sid: 'SmsThroughEndUserMessaging', actions: ['sms-voice:SendTextMessage'], resources }),
      );
      // cdk-nag reports each wildcard resource on the role's default policy, which addToRolePolicy has just created.
      const policy = (fn.role as Role).node.findChild('DefaultPolicy');
      for (const resource of byType) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:${resource}]`,
          reason:
            'sms-voice:SendTextMessage is scoped to this account and region, and by name to every resource the settings name; what they do not name (an identity given as an E.164 number, which has no ARN, or none; the opt-out list) can only be matched by type.',
        });
      }
    }
    return fn;
  }

  /**
   * What `SendTextMessage` may use: the configured resources by name or ARN, and by type (`byType`,
   * `type/*` in this account and region) what the settings do not name.
   */
  private endUserMessagingResources(sms: SmsConfig): { resources: string[]; byType: string[] } {
    const byType: string[] = [];
    const stack = Stack.of(this);
    const arn = (type: string, name: string) => {
      if (name.endsWith('*')) byType.push(`${type}/${name}`);
      return stack.formatArn({
        service: 'sms-voice',
        resource: type,
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    };
    const named = (value: string | undefined, type: string) =>
      value === undefined ? arn(type, '*') : value.startsWith('arn:') ? value : arn(type, value);
    const identity = sms.smsOriginationNumber ?? sms.smsSenderId;
    const identities = (): string[] => {
      if (identity === undefined) return [arn('phone-number', '*'), arn('sender-id', '*'), arn('pool', '*')];
      if (identity.startsWith('arn:')) return [identity];
      if (identity.startsWith('pool-')) return [arn('pool', identity)];
      if (identity.startsWith('phone-')) return [arn('phone-number', identity)];
      // An E.164 number has no ARN; a sender id's ARN ends in its country.
      return sms.smsOriginationNumber !== undefined ? [arn('phone-number', '*')] : [arn('sender-id', `${identity}/*`)];
    };
    const resources = [
      ...identities(),
      named(sms.smsConfigurationSet, 'configuration-set'),
      named(sms.smsProtectConfigurationId, 'protect-configuration'),
      arn('opt-out-list', '*'),
    ];
    return { resources, byType };
  }
}

function refuseTestNumbersInProduction(config: Env, production: boolean): void {
  if (production && (config.TEST_PHONE_NUMBERS ?? '').trim() !== '') {
    throw new Error(
      `${ENV.testPhoneNumbers} must be empty in production: those numbers log in with a fixed code and never get an SMS. ` +
        `Drop otp.testPhoneNumbers (in this repository's app: -c ${ENV.testPhoneNumbers}=…, and with -c configFromEnv=true the environment variable) for this deployment.`,
    );
  }
}

/** The props that are not settings, by group (the settings' own come from SETTING_PROP_PATHS). */
const CONSTRUCT_PROPS: Readonly<Record<string, readonly string[]>> = {
  '': ['production', 'domain', 'keys', 'alarms', 'logRetention', 'tableRemovalPolicy', 'eventBus', 'claims'],
  keys: ['rotationDays'],
  alarms: ['topic', 'smsMonthlyBudgetUsd', 'thresholds'],
};

/**
 * Refuses a prop the construct does not know, naming its path. TypeScript catches a misspelled key
 * in an object literal, but not in props built at run time or in a JavaScript app, where
 * `otp: { ttlSecond: 120 }` would deploy with the default and no word said.
 */
function refuseUnknownProps(scope: Construct, props: OtpLoginProps): void {
  const known = new Map<string, Set<string>>();
  const add = (group: string, key: string) => (known.get(group) ?? known.set(group, new Set()).get(group))?.add(key);
  for (const path of Object.values(SETTING_PROP_PATHS) as string[]) {
    const [group, key] = path.includes('.') ? (path.split('.') as [string, string]) : ['', path];
    add(group, key);
    if (group !== '') add('', group);
  }
  for (const [group, keys] of Object.entries(CONSTRUCT_PROPS)) for (const key of keys) add(group, key);
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (!known.get('')?.has(key)) unknown.push(key);
    else if (known.has(key) && value !== undefined && value !== null && typeof value === 'object') {
      for (const inner of Object.keys(value)) if (!known.get(key)?.has(inner)) unknown.push(`${key}.${inner}`);
    }
  }
  if (unknown.length > 0) throw new Error(`${scope.node.path}: unknown props ${unknown.join(', ')}`);
}

/** The alarm props that are not settings: a NaN or negative threshold would fail the deploy or never fire. */
function validateAlarmProps(scope: Construct, alarms: OtpLoginAlarms | undefined): void {
  const fail = (what: string, value: unknown) => {
    throw new Error(`${scope.node.path}: alarms.${what}, got ${value}`);
  };
  const budget = alarms?.smsMonthlyBudgetUsd;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    fail('smsMonthlyBudgetUsd must be a positive amount of US dollars', budget);
  }
  for (const [name, value] of Object.entries(alarms?.thresholds ?? {})) {
    if (value === undefined) continue;
    const share = name === 'minVerifiedShare';
    const valid = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (!share || value <= 1);
    if (!valid) fail(`thresholds.${name} must be ${share ? 'a share from 0 to 1' : 'a number of 0 or more'}`, value);
  }
}

/** The entries whose value is set: `{ otpSentPerHour: undefined }` must not undo the setting it overrides. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Apple and Google fetch the association files from the root of the relying party's domain; under a
 * base path they would be served where nothing looks, and passkeys in the apps would silently fail.
 */
function refuseAppLinksUnderBasePath(scope: Construct, config: Env, basePath: string | undefined): void {
  if (!basePath || !(config.IOS_APP_IDS || config.ANDROID_APPS)) return;
  throw new Error(
    `${scope.node.path}: passkeys.iosAppIds and passkeys.androidApps need the API at the root of its domain: Apple and Google fetch /.well-known/apple-app-site-association and /.well-known/assetlinks.json there, not under domain.basePath "${basePath}"`,
  );
}

/** Synth warnings for a production deployment that leaves a door open the operator may not mean to. */
function warnOfOpenDoors(scope: Construct, props: OtpLoginProps): void {
  if (!props.production) return;
  if (!props.domain) {
    Annotations.of(scope).addWarningV2(
      'otp-login:productionWithoutDomain',
      "production without a domain: the issuer and the apps' base URL are the execute-api address, which changes when the stack is replaced or moves region (README: Why production needs a custom domain)",
    );
  } else if (props.domain.keepExecuteApiEndpoint) {
    Annotations.of(scope).addWarningV2(
      'otp-login:executeApiEndpointKept',
      'domain.keepExecuteApiEndpoint is on: the API answers on its execute-api address too, around whatever fronts the domain. Turn it off once installed apps use the domain.',
    );
  }
}
