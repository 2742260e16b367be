import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CONFIG_NAMES, type ConfigName } from '../lambdas/config.js';
import { JWKS_PATH } from '../lambdas/http/routes.js';
import type { OtpAlarmThresholds } from './constructs/alarm-thresholds.js';
import type { OtpAlarms } from './constructs/otp-alarms.js';
import type { OtpHttpApi } from './constructs/otp-http-api.js';
import type { OtpTable } from './constructs/otp-table.js';
import type { SigningKey } from './constructs/signing-key.js';
import { type OtpApiDomain, OtpLogin } from './otp-login.js';
import { propsFromSettings } from './settings-from-props.js';

export type OtpAuthConfigName = ConfigName;

/** Deploy-time configuration as `-c NAME=value` gives it: keyed by the environment variable names the functions read. */
export type OtpAuthConfig = Partial<Record<OtpAuthConfigName, string>>;

export { ENDPOINT_URL_VARIABLES, endpointUrlVariables, lambdaEntryName } from './function-environment.js';
export { DEFAULT_AUDIENCE } from './otp-login.js';
export { CONFIG_NAMES };

/** The custom domain as context names it: the certificate and the zone by their ids. */
export interface ContextDomain {
  readonly name: string;
  /** An ACM certificate for the name, in the stack's region. */
  readonly certificateArn: string;
  /** The Route 53 zone to create the alias records in. @default - none: point the name at output DomainTarget */
  readonly hostedZone?: { readonly id: string; readonly name: string };
  readonly basePath?: string;
  readonly keepExecuteApiEndpoint?: boolean;
}

export interface OtpAuthStackProps extends StackProps {
  /** See {@link OtpLoginProps.production}. */
  readonly production: boolean;
  /** The settings as context strings (`-c SIGNUP_MODE=closed`), turned into the construct's typed props. */
  readonly config?: OtpAuthConfig;
  /** @default 90 */
  readonly keyRotationDays?: number;
  /** Thresholds given here win over the settings (`SMS_VOLUME_ALARM_PER_HOUR`). @default - from the settings */
  readonly alarmThresholds?: OtpAlarmThresholds;
  /** Monthly SMS budget in US dollars (`-c smsMonthlyBudgetUsd`): an alarm fires at 80% of it. @default - no spend alarm */
  readonly smsMonthlyBudgetUsd?: number;
  /** An SNS topic every alarm notifies. @default - no notification */
  readonly alarmTopicArn?: string;
  /** The custom domain (`-c domainName=… -c certificateArn=…`). @default - the execute-api endpoint */
  readonly domain?: ContextDomain;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/**
 * This repository's own app: the {@link OtpLogin} construct alone in a stack, configured from context,
 * with outputs. The construct's id is `Default`, which CDK leaves out of logical ids, so the table,
 * the secret and every other resource keep the logical ids they had when the stack held them itself:
 * upgrading a deployment replaces nothing.
 */
export class OtpAuthStack extends Stack {
  readonly auth: OtpLogin;

  constructor(scope: Construct, id: string, props: OtpAuthStackProps) {
    super(scope, id, {
      ...props,
      description: props.description ?? 'otp-login: phone-number OTP login (HTTP API, Lambda, DynamoDB, SNS)',
    });
    const settings = propsFromSettings(props.config ?? {});
    this.auth = new OtpLogin(this, 'Default', {
      ...settings,
      production: props.production,
      ...(props.domain ? { domain: this.importDomain(props.domain) } : {}),
      ...(props.tableRemovalPolicy ? { tableRemovalPolicy: props.tableRemovalPolicy } : {}),
      keys: {
        ...settings.keys,
        ...(props.keyRotationDays !== undefined ? { rotationDays: props.keyRotationDays } : {}),
      },
      alarms: {
        ...settings.alarms,
        ...(props.alarmTopicArn ? { topic: Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) } : {}),
        ...(props.smsMonthlyBudgetUsd !== undefined ? { smsMonthlyBudgetUsd: props.smsMonthlyBudgetUsd } : {}),
        ...(props.alarmThresholds ? { thresholds: props.alarmThresholds } : {}),
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.auth.url, description: 'Base URL of the login API' });
    new CfnOutput(this, 'Issuer', { value: this.issuer, description: 'JWT iss, for otpJwtAuthorizer()' });
    new CfnOutput(this, 'JwksUrl', { value: `${this.issuer}${JWKS_PATH}`, description: 'Public signing keys' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'SigningKeySecretArn', { value: this.signingKey.secretArn });
    const domain = this.api.domainName;
    if (domain && !props.domain?.hostedZone) {
      new CfnOutput(this, 'DomainTarget', {
        value: domain.regionalDomainName,
        description: `Point ${props.domain?.name} here (CNAME, or an alias to this target in Route 53)`,
      });
    }
  }

  private importDomain(domain: ContextDomain): OtpApiDomain {
    return {
      name: domain.name,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      ...(domain.hostedZone
        ? {
            hostedZone: HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
              hostedZoneId: domain.hostedZone.id,
              zoneName: domain.hostedZone.name,
            }),
          }
        : {}),
      ...(domain.basePath ? { basePath: domain.basePath } : {}),
      ...(domain.keepExecuteApiEndpoint ? { keepExecuteApiEndpoint: true } : {}),
    };
  }

  get api(): OtpHttpApi {
    return this.auth.parts.api;
  }
  get table(): OtpTable {
    return this.auth.parts.table;
  }
  get signingKey(): SigningKey {
    return this.auth.parts.signingKey;
  }
  get functions(): OtpLogin['functions'] {
    return this.auth.functions;
  }
  get alarms(): OtpAlarms {
    return this.auth.parts.alarms;
  }
  get issuer(): string {
    return this.auth.issuer;
  }
  get audience(): string {
    return this.auth.audience;
  }
}
