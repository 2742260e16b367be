import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { unknownSettingsProblem } from '../lib/context-settings.js';
import { CONFIG_NAMES, type OtpAuthConfig, OtpAuthStack } from '../lib/otp-auth-stack.js';

// The only place that reads context (and, when asked to, the environment).
const app = new App();

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null ? undefined : String(value);
}

function flag(name: string, fallback: boolean): boolean {
  const value = context(name);
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`Context ${name} must be true or false, got "${value}"`);
}

function wholeNumber(name: string): number | undefined {
  const value = context(name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`Context ${name} must be a whole number, got "${value}"`);
  return Number(value);
}

function positiveAmount(name: string): number | undefined {
  const value = context(name);
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d{1,2})?$/.test(value) || Number(value) <= 0) {
    throw new Error(`Context ${name} must be an amount in US dollars such as 500 or 99.50, got "${value}"`);
  }
  return Number(value);
}

// A mistyped setting (`-c ALLOWED_COUNTRY=IN`) must stop the synth, not deploy without the limit.
const unknownSettings = unknownSettingsProblem(Object.keys(app.node.getAllContext() as Record<string, unknown>));
if (unknownSettings) throw new Error(unknownSettings);

// Environment variables are opt-in: a shell set up for the local server must not leak into a deployment.
const configFromEnv = flag('configFromEnv', false);
const config: OtpAuthConfig = {};
for (const name of CONFIG_NAMES) {
  const value = context(name) ?? (configFromEnv ? process.env[name] : undefined);
  if (value !== undefined) config[name] = value;
}

const keyRotationDays = wholeNumber('keyRotationDays');
const alarmTopicArn = context('alarmTopicArn');
const smsMonthlyBudgetUsd = positiveAmount('smsMonthlyBudgetUsd');

// The custom domain: the issuer becomes https://<domainName>[/<basePath>] (README: "Why production needs a custom domain").
const domainName = context('domainName');
const certificateArn = context('certificateArn');
const hostedZoneId = context('hostedZoneId');
const hostedZoneName = context('hostedZoneName');
const basePath = context('basePath');
if ((domainName === undefined) !== (certificateArn === undefined)) {
  throw new Error(
    'Context domainName and certificateArn go together: the domain needs its certificate, and a certificate its domain',
  );
}
if ((hostedZoneId === undefined) !== (hostedZoneName === undefined)) {
  throw new Error(
    'Context hostedZoneId and hostedZoneName go together: Route 53 names the zone by id, the alias needs its name',
  );
}
if (!domainName && (hostedZoneId || basePath || context('keepExecuteApiEndpoint') !== undefined)) {
  throw new Error(
    'Context hostedZoneId, hostedZoneName, basePath and keepExecuteApiEndpoint need domainName and certificateArn',
  );
}

new OtpAuthStack(app, context('stackName') ?? 'OtpLogin', {
  production: flag('production', false),
  config,
  ...(domainName && certificateArn
    ? {
        domain: {
          name: domainName,
          certificateArn,
          ...(hostedZoneId && hostedZoneName ? { hostedZone: { id: hostedZoneId, name: hostedZoneName } } : {}),
          ...(basePath ? { basePath } : {}),
          ...(flag('keepExecuteApiEndpoint', false) ? { keepExecuteApiEndpoint: true } : {}),
        },
      }
    : {}),
  ...(keyRotationDays !== undefined ? { keyRotationDays } : {}),
  ...(alarmTopicArn ? { alarmTopicArn } : {}),
  ...(smsMonthlyBudgetUsd !== undefined ? { smsMonthlyBudgetUsd } : {}),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
