import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { describe, expect, it, vi } from 'vitest';
import { FUNCTION_NAMES } from '../../lambdas/registry.js';
import { OtpLogin, type OtpLoginProps } from '../../lib/otp-login.js';
import { findings, roleStatements } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const REGION = 'eu-west-1';
const CERTIFICATE_ARN = `arn:aws:acm:${REGION}:123456789012:certificate/1`;

function stackInApp(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Team', {
    env: { account: '123456789012', region: REGION },
  });
}

function withDomain(
  stack: Stack,
  domain: Partial<NonNullable<OtpLoginProps['domain']>> & { zone?: string } = {},
): OtpLogin {
  const { zone, ...rest } = domain;
  return new OtpLogin(stack, 'Auth', {
    production: true,
    domain: {
      name: 'auth.example.com',
      certificate: Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
      ...(zone
        ? { hostedZone: HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: zone }) }
        : {}),
      ...rest,
    },
  });
}

function functionEnvironments(template: Template): Record<string, string>[] {
  return Object.values(template.findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Environment?.Variables as Record<string, string> | undefined)
    .filter((variables): variables is Record<string, string> => variables?.ISSUER !== undefined);
}

describe('OtpLogin', () => {
  describe('on a custom domain', () => {
    const stack = stackInApp();
    const auth = withDomain(stack, { zone: 'example.com' });
    const template = Template.fromStack(stack);

    it('issues tokens as https://<domain>, in every function and in its own JWT authorizer', () => {
      expect(auth.issuer).toBe('https://auth.example.com');
      expect(auth.url).toBe('https://auth.example.com');
      const issuers = functionEnvironments(template).map((env) => env.ISSUER);
      expect(issuers).toHaveLength(FUNCTION_NAMES.length);
      expect(new Set(issuers)).toEqual(new Set(['https://auth.example.com']));
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        JwtConfiguration: { Issuer: 'https://auth.example.com', Audience: ['otp-login'] },
      });
    });

    it('creates the domain with TLS 1.2, maps the $default stage at its root and aliases it in the zone', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: 'auth.example.com',
        DomainNameConfigurations: [
          { CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
        ],
      });
      const mappings = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
      expect(mappings.map((m) => [m.Properties.Stage, m.Properties.ApiMappingKey])).toEqual([['$default', undefined]]);
      const records = Object.values(template.findResources('AWS::Route53::RecordSet'));
      expect(
        records.map((r) => `${r.Properties.Type} ${r.Properties.Name} ${r.Properties.HostedZoneId}`).sort(),
      ).toEqual(['A auth.example.com. Z1', 'AAAA auth.example.com. Z1']);
    });

    it('disables the execute-api endpoint: no request reaches the API but through the domain', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    });

    it('hands out an authorizer for a team API that checks this issuer and audience', () => {
      const teamStack = stackInApp();
      const teamAuth = withDomain(teamStack);
      const teamApi = new HttpApi(teamStack, 'Orders');
      teamApi.addRoutes({
        path: '/orders',
        methods: [HttpMethod.GET],
        integration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
        authorizer: teamAuth.authorizer(teamStack, 'OtpAuthorizer'),
      });
      const authorizers = Object.values(Template.fromStack(teamStack).findResources('AWS::ApiGatewayV2::Authorizer'));
      expect(authorizers.map((a) => a.Properties.JwtConfiguration)).toEqual([
        { Issuer: 'https://auth.example.com', Audience: ['otp-login'] },
        { Issuer: 'https://auth.example.com', Audience: ['otp-login'] },
      ]);
    });

    it('raises no cdk-nag finding', () => {
      expect(findings(stackInAppWithDomainOnly())).toEqual([]);
    });
  });

  it('serves under a base path, which is then part of the issuer and the mapping key', () => {
    const stack = stackInApp();
    const auth = withDomain(stack, { basePath: 'login' });
    const template = Template.fromStack(stack);
    expect(auth.issuer).toBe('https://auth.example.com/login');
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiMappingKey: 'login', Stage: '$default' });
    expect(new Set(functionEnvironments(template).map((env) => env.ISSUER))).toEqual(
      new Set(['https://auth.example.com/login']),
    );
    // No zone, no record: the operator points the name at the domain's target.
    expect(template.findResources('AWS::Route53::RecordSet')).toEqual({});
  });

  it.each([
    [{ name: 'Auth.Example.com' }, /domain.name must be a lower-case host name/],
    [{ name: 'https://auth.example.com' }, /domain.name must be a lower-case host name/],
    [{ name: 'auth.example.com/login' }, /domain.name must be a lower-case host name/],
    [{ name: 'localhost' }, /domain.name must be a lower-case host name/],
    [{ basePath: 'v1/login' }, /domain.basePath must be one path segment/],
    [{ basePath: '' }, /domain.basePath must be one path segment/],
    [{ zone: 'example.org' }, /domain.name auth.example.com is not in the hosted zone example.org/],
    [{ basePath: '.' }, /domain.basePath must be one path segment/],
    [{ basePath: '..' }, /domain.basePath must be one path segment/],
    [{ basePath: 'me' }, /domain.basePath must not be the first segment of a route/],
    [{ basePath: 'send-otp' }, /domain.basePath must not be the first segment of a route/],
    [{ basePath: '.well-known' }, /domain.basePath must not be the first segment of a route/],
  ])('refuses the domain %j at synth', (domain, message) => {
    expect(() => withDomain(stackInApp(), domain)).toThrow(message);
  });

  it('refuses app association settings under a base path, where Apple and Google would not find them', () => {
    const stack = stackInApp();
    expect(
      () =>
        new OtpLogin(stack, 'Auth', {
          production: true,
          domain: {
            name: 'auth.example.com',
            basePath: 'login',
            certificate: Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
          },
          passkeys: { iosAppIds: ['ABCDE12345.com.example.app'] },
        }),
    ).toThrow(/passkeys.iosAppIds and passkeys.androidApps need the API at the root of its domain/);
  });

  it('gives the JWKS function the app association settings, and no other function', () => {
    const stack = stackInApp();
    new OtpLogin(stack, 'Auth', {
      production: false,
      passkeys: {
        iosAppIds: ['ABCDE12345.com.example.app'],
        androidApps: { 'com.example.app': [`${'AB:'.repeat(31)}CD`] },
      },
    });
    const holders = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.IOS_APP_IDS !== undefined)
      .map(([id, fn]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        fn.Properties.Environment.Variables.IOS_APP_IDS,
        fn.Properties.Environment.Variables.ANDROID_APPS,
      ]);
    expect(holders).toEqual([['AuthWellKnown', 'ABCDE12345.com.example.app', `com.example.app=${'AB:'.repeat(31)}CD`]]);
  });

  it('refuses a certificate from another region, which a regional API cannot use', () => {
    const stack = stackInApp();
    expect(
      () =>
        new OtpLogin(stack, 'Auth', {
          production: true,
          domain: {
            name: 'auth.example.com',
            certificate: Certificate.fromCertificateArn(
              stack,
              'Cert',
              'arn:aws:acm:us-east-1:123456789012:certificate/1',
            ),
          },
        }),
    ).toThrow(/domain.certificate is in us-east-1, but the API is in eu-west-1/);
  });

  it('keeps the execute-api endpoint, and its URL as the issuer, without a domain', () => {
    const stack = stackInApp();
    const auth = new OtpLogin(stack, 'Auth', { production: false });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: Match.absent() });
    expect(stack.resolve(auth.issuer)).toEqual(stack.resolve(auth.httpApi.apiEndpoint));
    expect(template.findResources('AWS::ApiGatewayV2::DomainName')).toEqual({});
  });

  it('synthesizes two instances in one stack without a clash, sharing only CDK’s trigger provider', () => {
    const stack = stackInApp();
    const one = new OtpLogin(stack, 'Customers', { production: false });
    const two = new OtpLogin(stack, 'Staff', { production: false, audience: 'staff' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 2);
    // The route functions, a rotation and an events enrichment each, and the one trigger provider of the stack.
    template.resourceCountIs('AWS::Lambda::Function', 2 * (FUNCTION_NAMES.length + 2) + 1);
    template.resourceCountIs('AWS::Pipes::Pipe', 2);
    expect(stack.resolve(one.table.tableName)).not.toEqual(stack.resolve(two.table.tableName));
    expect(two.audience).toBe('staff');

    // Each publishes and alarms under its own service, so neither alarms on the other's traffic.
    expect([one.serviceName, two.serviceName]).toEqual(['otp-login-Team-Customers', 'otp-login-Team-Staff']);
    const services = (prefix: string) =>
      new Set(
        Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
          .filter(([id]) => id.startsWith(prefix))
          .flatMap(([, alarm]) => JSON.stringify(alarm.Properties).match(/"Name":"service","Value":"[^"]+"/g) ?? []),
      );
    expect(services('Customers')).toEqual(new Set(['"Name":"service","Value":"otp-login-Team-Customers"']));
    expect(services('Staff')).toEqual(new Set(['"Name":"service","Value":"otp-login-Team-Staff"']));
    const functionServices = (prefix: string) =>
      new Set(
        Object.entries(template.findResources('AWS::Lambda::Function'))
          .filter(([id]) => id.startsWith(prefix))
          .map(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME)
          .filter(Boolean),
      );
    expect(functionServices('Customers')).toEqual(new Set(['otp-login-Team-Customers']));
    expect(functionServices('Staff')).toEqual(new Set(['otp-login-Team-Staff']));
    // `sam local invoke StaffSendOtp`: SAM cannot take the id from a path this deep.
    const samIds = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Metadata?.SamResourceId)
      .filter(Boolean);
    expect(samIds).toContain('CustomersSendOtp');
    expect(samIds).toContain('StaffSendOtp');
    expect(new Set(samIds).size).toBe(samIds.length);
  });

  it('refuses props it does not know, which TypeScript cannot catch in a JavaScript app', () => {
    const props = { production: false, otp: { ttlSecond: 120 }, prod: true } as unknown as OtpLoginProps;
    expect(() => new OtpLogin(stackInApp(), 'Auth', props)).toThrow('Team/Auth: unknown props otp.ttlSecond, prod');
  });

  it('refuses a missing production, so no deployment is outside production by a missing key', () => {
    const props = { otp: { testPhoneNumbers: { '+12015550123': '424242' } } } as unknown as OtpLoginProps;
    expect(() => new OtpLogin(stackInApp(), 'Auth', props)).toThrow('Team/Auth: production must be true or false');
  });

  it.each([
    [{ thresholds: { refreshTokenReusePer5Minutes: Number.NaN } }, /alarms.thresholds.refreshTokenReusePer5Minutes/],
    [{ thresholds: { minVerifiedShare: -1 } }, /alarms.thresholds.minVerifiedShare must be a share from 0 to 1/],
    [{ thresholds: { minVerifiedShare: 1.5 } }, /alarms.thresholds.minVerifiedShare must be a share from 0 to 1/],
    [{ smsMonthlyBudgetUsd: -5 }, /alarms.smsMonthlyBudgetUsd must be a positive amount/],
    [{ smsMonthlyBudgetUsd: Number.POSITIVE_INFINITY }, /alarms.smsMonthlyBudgetUsd must be a positive amount/],
  ])('refuses the alarm props %j, which would fail the deploy or never fire', (alarms, message) => {
    expect(() => new OtpLogin(stackInApp(), 'Auth', { production: false, alarms })).toThrow(message);
  });

  it('keeps alarms.smsVolumePerHour when thresholds name otpSentPerHour without a value', () => {
    const stack = stackInApp();
    new OtpLogin(stack, 'Auth', {
      production: false,
      alarms: { smsVolumePerHour: 100, thresholds: { otpSentPerHour: undefined } },
    });
    const volume = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).find(([id]) =>
      id.includes('SmsPumpingVolume'),
    );
    expect(volume?.[1].Properties.Threshold).toBe(100);
  });

  it('warns at synth of production without a domain, and of a kept execute-api endpoint', () => {
    const bare = stackInApp();
    new OtpLogin(bare, 'Auth', { production: true });
    Annotations.fromStack(bare).hasWarning('/Team/Auth', Match.stringLikeRegexp('production without a domain'));
    const kept = stackInApp();
    withDomain(kept, { keepExecuteApiEndpoint: true });
    Annotations.fromStack(kept).hasWarning('/Team/Auth', Match.stringLikeRegexp('keepExecuteApiEndpoint is on'));
    Template.fromStack(kept).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      DisableExecuteApiEndpoint: Match.absent(),
    });
    const quiet = stackInApp();
    withDomain(quiet);
    expect(Annotations.fromStack(quiet).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('exposes every function by name and every alarm', () => {
    const auth = new OtpLogin(stackInApp(), 'Auth', { production: false, alarms: { smsMonthlyBudgetUsd: 100 } });
    expect(Object.keys(auth.functions).sort()).toEqual([...FUNCTION_NAMES].sort());
    expect(auth.functions['send-otp'].node.path).toBe('Team/Auth/SendOtp');
    // One per alarm of OtpAlarms: SMS failed, volume, verified share, 5xx, rotation, reuse, country
    // budget, session cleanup and the spend alarm asked for here.
    expect(auth.alarms.map((alarm) => alarm.node.id).sort()).toEqual(
      Object.values(auth.parts.alarms)
        .filter((value) => value !== undefined && typeof value === 'object' && 'alarmArn' in value)
        .map((alarm) => (alarm as { node: { id: string } }).node.id)
        .sort(),
    );
    expect(auth.alarms.length).toBeGreaterThanOrEqual(9);
  });

  it("lets a neighbour read the public keys' item, and nothing else of the table", () => {
    const stack = stackInApp();
    const auth = new OtpLogin(stack, 'Auth', { production: false });
    const reader = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    auth.grantReadPublicKeys(reader);
    const statements = roleStatements(Template.fromStack(stack), stack.getLogicalId(reader.node.defaultChild as never));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AuthTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JWKS#*'] } },
      },
    ]);
  });

  it('fails the synth on a bad setting with the message the local server prints', () => {
    expect(() => new OtpLogin(stackInApp(), 'Auth', { production: false, otp: { ttlSeconds: 5 } })).toThrow(
      'Environment variable OTP_TTL_SECONDS must be between 30 and 3600, got 5',
    );
  });

  it('refuses test numbers in production', () => {
    expect(
      () =>
        new OtpLogin(stackInApp(), 'Auth', {
          production: true,
          otp: { testPhoneNumbers: { '+12015550123': '424242' } },
        }),
    ).toThrow(/TEST_PHONE_NUMBERS must be empty in production/);
  });

  it.each([0, 366, 1.5])('refuses keys.rotationDays %s', (rotationDays) => {
    expect(() => new OtpLogin(stackInApp(), 'Auth', { production: false, keys: { rotationDays } })).toThrow(
      /keys.rotationDays must be a whole number of days from 1 to 365/,
    );
  });
});

/** A stack holding the construct with a domain and zone alone, as cdk-nag would see a team's. */
function stackInAppWithDomainOnly(): Stack {
  const stack = stackInApp();
  withDomain(stack, { zone: 'example.com' });
  return stack;
}
