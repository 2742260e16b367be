import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  CONFIG_NAMES,
  type ConfigName,
  configNamesOf,
  ENV,
  type Env,
  parseHttpApiConfig,
  parseKeyCacheSeconds,
  parseOtpConfig,
  parseRotationTiming,
  parseSmsConfig,
  parseStackConfig,
  parseTokenConfig,
  type SmsConfig,
  type SmsProvider,
} from '../lambdas/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/http/metric-names.js';
import { JWKS_PATH } from '../lambdas/http/routes.js';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, type FunctionSpec } from '../lambdas/registry.js';
import { NodeFunction } from './constructs/node-function.js';
import { OtpAlarms, type OtpAlarmThresholds } from './constructs/otp-alarms.js';
import { OtpHttpApi } from './constructs/otp-http-api.js';
import { OtpTable } from './constructs/otp-table.js';
import { SigningKey } from './constructs/signing-key.js';
import { functionConstructId } from './function-ids.js';

export type OtpAuthConfigName = ConfigName;

/** Deploy-time configuration, keyed by the environment variable names the functions read. */
export type OtpAuthConfig = Partial<Record<OtpAuthConfigName, string>>;

export { CONFIG_NAMES };

export const DEFAULT_AUDIENCE = 'otp-login';

/**
 * The AWS SDK's per-service endpoint variables, by what a function uses. Declared empty on every
 * function that calls the service: the SDK treats an empty one as unset (each client keeps its
 * regional endpoint in AWS), and `sam local` passes a function only the variables its template
 * declares, so only a declared one lets `--env-vars` point it at DynamoDB Local or an emulator.
 */
export const ENDPOINT_URL_VARIABLES = {
  table: 'AWS_ENDPOINT_URL_DYNAMODB',
  signingKey: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  sms: 'AWS_ENDPOINT_URL_SNS',
  endUserMessaging: 'AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2',
} as const;

/**
 * The entry a function is bundled from: `lambdas/functions/<name>.ts`, or for a function that sends
 * SMS through End User Messaging `<name>-end-user-messaging.ts`, so that each bundle imports only
 * the SMS client it calls. Importing the other client lazily was measured: still inlined in the
 * bundle, it added 11% to send-otp's import.
 */
export function lambdaEntryName(
  name: FunctionName,
  needs: Pick<FunctionSpec, 'sms'>,
  smsProvider: SmsProvider,
): string {
  return needs.sms && smsProvider === 'end-user-messaging' ? `${name}-end-user-messaging` : name;
}

/** The endpoint variables a function with these needs declares (see {@link ENDPOINT_URL_VARIABLES}). */
export function endpointUrlVariables(
  needs: Pick<FunctionSpec, 'table' | 'signingKey' | 'sms'>,
  smsProvider: SmsProvider = 'sns',
): string[] {
  const sms = smsProvider === 'sns' ? ENDPOINT_URL_VARIABLES.sms : ENDPOINT_URL_VARIABLES.endUserMessaging;
  return [
    ...(needs.table !== null ? [ENDPOINT_URL_VARIABLES.table] : []),
    ...(needs.signingKey ? [ENDPOINT_URL_VARIABLES.signingKey] : []),
    ...(needs.sms ? [sms] : []),
  ];
}

export interface OtpAuthStackProps extends StackProps {
  /**
   * Production refuses test phone numbers, protects the table from deletion and retains the signing
   * key's secret when the stack is deleted (outside production the secret goes with the stack).
   */
  readonly production: boolean;
  readonly config?: OtpAuthConfig;
  /** @default 90 */
  readonly keyRotationDays?: number;
  /** Thresholds given here win over the settings (`SMS_VOLUME_ALARM_PER_HOUR`). @default - from the settings */
  readonly alarmThresholds?: OtpAlarmThresholds;
  /**
   * Monthly SMS budget in US dollars (`-c smsMonthlyBudgetUsd`): an alarm fires at 80% of it.
   * @default - no spend alarm
   */
  readonly smsMonthlyBudgetUsd?: number;
  /** An SNS topic every alarm notifies. @default - no notification */
  readonly alarmTopicArn?: string;
  /**
   * Stage-wide API throttling; given here, it wins over the settings.
   * @default - `API_THROTTLE_PER_SECOND` (50) and `API_THROTTLE_BURST` (100)
   */
  readonly throttle?: ThrottleSettings;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/**
 * The whole service in one stack: HTTP API, one function per route-table entry, the table, the
 * signing key with its rotation, and alarms. The issuer is the API's own URL.
 */
export class OtpAuthStack extends Stack {
  readonly api: OtpHttpApi;
  readonly table: OtpTable;
  readonly signingKey: SigningKey;
  readonly functions: Readonly<Record<FunctionName, NodeFunction>>;
  readonly alarms: OtpAlarms;
  readonly issuer: string;
  readonly audience: string;

  constructor(scope: Construct, id: string, props: OtpAuthStackProps) {
    super(scope, id, {
      ...props,
      description: props.description ?? 'otp-login: phone-number OTP login (HTTP API, Lambda, DynamoDB, SNS)',
    });
    const config = props.config ?? {};
    refuseTestNumbersInProduction(config, props.production);
    this.audience = config.AUDIENCE?.trim() || DEFAULT_AUDIENCE;
    // Parse now with the functions' own parsers: a bad value fails the synth, not the first cold start.
    const timing = validateConfig(config, this.audience);
    const countryBudgets = parseOtpConfig(config).sendMaxPerCountryPerHour;
    const { allowedOrigins } = parseHttpApiConfig(config);
    const limits = parseStackConfig(config);
    // Logs go with a stack that is not production; production keeps them past `cdk destroy`.
    const logRemovalPolicy = props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = new OtpTable(this, 'Table', {
      deletionProtection: props.production,
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });
    this.signingKey = new SigningKey(this, 'SigningKey', {
      timing,
      publicKeysTable: this.table,
      rotateAfter: Duration.days(props.keyRotationDays ?? 90),
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      logRemovalPolicy,
    });
    this.api = new OtpHttpApi(this, 'Http', {
      audience: this.audience,
      allowedOrigins,
      production: props.production,
      throttle: props.throttle ?? { rateLimit: limits.apiThrottlePerSecond, burstLimit: limits.apiThrottleBurst },
      // Every call may cost an SMS: this route's own, tighter throttle caps what a flood can spend.
      functionThrottles: {
        'send-otp': { rateLimit: limits.sendOtpThrottlePerSecond, burstLimit: limits.sendOtpThrottleBurst },
      },
    });
    this.issuer = this.api.issuer;
    // Invoked with `{}` under `sam local`, the rotation copies a deployed key set's public keys to DynamoDB Local.
    for (const name of [ENDPOINT_URL_VARIABLES.table, ENDPOINT_URL_VARIABLES.signingKey]) {
      this.signingKey.rotationFunction.addEnvironment(name, '');
    }

    const functions = {} as Record<FunctionName, NodeFunction>;
    for (const name of FUNCTION_NAMES) {
      functions[name] = this.createFunction(name, FUNCTIONS[name], config, props.production, logRemovalPolicy);
    }
    this.functions = functions;
    this.api.connect(functions);
    // On an upgrade the JWKS function's new code must not go live before the deploy has republished the keys.
    this.signingKey.publishBefore(functions['well-known']);
    this.api.accessLogs.applyRemovalPolicy(logRemovalPolicy);

    this.alarms = new OtpAlarms(this, 'Alarms', {
      httpApi: this.api.httpApi,
      rotationFunction: this.signingKey.rotationFunction,
      budgetedCountries: [...(countryBudgets?.byCountry.keys() ?? [])],
      ...(props.smsMonthlyBudgetUsd !== undefined
        ? { smsSpend: { monthlyBudgetUsd: props.smsMonthlyBudgetUsd, provider: parseSmsConfig(config).smsProvider } }
        : {}),
      thresholds: { otpSentPerHour: limits.smsVolumeAlarmPerHour, ...props.alarmThresholds },
      ...(props.alarmTopicArn
        ? { alarmActions: [new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))] }
        : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the login API' });
    new CfnOutput(this, 'Issuer', { value: this.issuer, description: 'JWT iss, for otpJwtAuthorizer()' });
    new CfnOutput(this, 'JwksUrl', { value: `${this.issuer}${JWKS_PATH}`, description: 'Public signing keys' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'SigningKeySecretArn', { value: this.signingKey.secretArn });
  }

  private createFunction(
    name: FunctionName,
    needs: FunctionSpec,
    config: OtpAuthConfig,
    production: boolean,
    logRemovalPolicy: RemovalPolicy,
  ): NodeFunction {
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      [ENV.issuer]: this.api.issuer,
      [ENV.audience]: this.audience,
    };
    if (needs.table !== null) environment[ENV.tableName] = this.table.tableName;
    if (needs.signingKey) environment[ENV.signingKeySecretId] = this.signingKey.secretArn;
    const sms = parseSmsConfig(config);
    for (const key of endpointUrlVariables(needs, sms.smsProvider)) environment[key] = '';
    // Every setting the function reads is declared, blank when unset (blank takes the default in
    // lambdas/config.ts), so `sam local --env-vars` can set it. Production refuses test numbers, so
    // there a function has no TEST_PHONE_NUMBERS to fill in, not even an empty one.
    for (const key of configNamesOf(needs.settings)) {
      if (production && key === ENV.testPhoneNumbers) continue;
      const value = config[key];
      environment[key] = value !== undefined && value.trim() !== '' ? value : '';
    }

    const fn = new NodeFunction(this, functionConstructId(name), {
      entryName: lambdaEntryName(name, needs, sms.smsProvider),
      description: needs.description,
      environment,
      logRemovalPolicy,
    });
    if (needs.table !== null) this.table.grantItemAccess(fn, needs.table, needs.readable);
    if (needs.signingKey) this.signingKey.grantRead(fn);
    // Exactly the chosen provider's action, never both.
    if (needs.sms && sms.smsProvider === 'sns') {
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'SmsToPhoneNumbers',
          actions: ['sns:Publish'],
          // Publishing straight to a phone number has no resource ARN, so it cannot be named. Every topic
          // and platform endpoint has an SNS ARN: excluding them all leaves phone numbers only.
          // Every partition's topic ARNs: a phone number has no ARN, so only direct SMS stays allowed.
          notResources: ['arn:*:sns:*:*:*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': this.region } },
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
    const arn = (type: string, name: string) => {
      if (name.endsWith('*')) byType.push(`${type}/${name}`);
      return this.formatArn({
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

function refuseTestNumbersInProduction(config: OtpAuthConfig, production: boolean): void {
  if (production && (config.TEST_PHONE_NUMBERS ?? '').trim() !== '') {
    throw new Error(
      `${ENV.testPhoneNumbers} must be empty in production: those numbers log in with a fixed code and never get an SMS. ` +
        `Drop -c ${ENV.testPhoneNumbers}=… (and, with -c configFromEnv=true, the environment variable) for this deployment.`,
    );
  }
}

function validateConfig(config: OtpAuthConfig, audience: string): ReturnType<typeof parseRotationTiming> {
  const env: Env = config;
  parseOtpConfig(env);
  parseSmsConfig(env);
  parseKeyCacheSeconds(env);
  parseTokenConfig({ ...env, [ENV.issuer]: 'https://issuer.invalid', [ENV.audience]: audience });
  return parseRotationTiming(env);
}
