import { describe, expect, it, vi } from 'vitest';
import {
  type CfnResource,
  type CfnTemplate,
  samEnvironment,
  samFunction,
  samFunctions,
  samResourceId,
} from '../helpers/sam-env.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

/**
 * The rules test/helpers/sam-env.ts takes from SAM CLI's code, on templates small enough to read.
 * sam-local.test.ts trusts them, so each is pinned here.
 */
function fn(variables: Record<string, unknown>, extra: Partial<CfnResource> = {}): CfnResource {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 10,
      // CloudFormation's own placeholder syntax, which SAM never reaches: the asset path replaces Code first.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template
      Code: { S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: 'abc.zip' },
      Environment: { Variables: variables },
      ...extra.Properties,
    },
    Metadata: { 'aws:cdk:path': 'Stack/Fn/Resource', 'aws:asset:path': 'asset.abc', 'aws:asset:property': 'Code' },
    ...(extra.Metadata ? { Metadata: extra.Metadata } : {}),
  };
}

function templateWith(variables: Record<string, unknown>): CfnTemplate {
  return {
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Resources: {
      FnAAAA1111: fn(variables),
      Table1: { Type: 'AWS::DynamoDB::Table' },
      Api1: { Type: 'AWS::ApiGatewayV2::Api' },
    },
  };
}

const envOf = (variables: Record<string, unknown>, options: Parameters<typeof samEnvironment>[1] = {}) =>
  samEnvironment(samFunction(templateWith(variables), 'Fn'), options);

describe('the SAM model: template values (SamBaseProvider.get_template, IntrinsicResolver with ignore_errors)', () => {
  it('makes a Ref to a resource its logical id, to a pseudo parameter SAM default, to a parameter its default', () => {
    const env = envOf({
      TABLE: { Ref: 'Table1' },
      REGION: { Ref: 'AWS::Region' },
      ACCOUNT: { Ref: 'AWS::AccountId' },
      SUFFIX: { Ref: 'AWS::URLSuffix' },
      STAGE: { Ref: 'Stage' },
    });
    expect(env).toMatchObject({
      TABLE: 'Table1',
      REGION: 'us-east-1',
      ACCOUNT: '123456789012',
      SUFFIX: 'localhost',
      STAGE: 'dev',
    });
  });

  it('makes Fn::GetAtt Arn a Lambda ARN whatever the resource, and leaves any other attribute unresolved: ""', () => {
    const env = envOf({
      ARN: { 'Fn::GetAtt': ['Table1', 'Arn'] },
      ENDPOINT: { 'Fn::GetAtt': ['Api1', 'ApiEndpoint'] },
      JOINED: { 'Fn::Join': ['', ['https://', { Ref: 'Api1' }, '.example']] },
      BROKEN_JOIN: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Api1', 'ApiEndpoint'] }]] },
    });
    expect(env).toMatchObject({
      ARN: 'arn:aws:lambda:us-east-1:123456789012:function:Table1',
      ENDPOINT: '',
      JOINED: 'https://Api1.example',
      BROKEN_JOIN: '',
    });
  });

  it('stringifies as SAM does: booleans lower case, numbers as text, null and objects empty', () => {
    expect(envOf({ T: true, F: false, N: 5, Z: null, O: { a: 1 }, S: '' })).toMatchObject({
      T: 'true',
      F: 'false',
      N: '5',
      Z: '',
      O: '',
      S: '',
    });
  });
});

describe('the SAM model: overrides (LocalLambdaRunner._make_env_vars, EnvironmentVariables.resolve)', () => {
  it('ranks the function section over Parameters, Parameters over the shell, the shell over the template', () => {
    const env = envOf(
      { A: 'template', B: 'template', C: 'template', D: 'template' },
      {
        shell: { B: 'shell', C: 'shell', D: 'shell' },
        envFile: { Parameters: { C: 'parameters', D: 'parameters' }, Fn: { D: 'function' } },
      },
    );
    expect(env).toMatchObject({ A: 'template', B: 'shell', C: 'parameters', D: 'function' });
  });

  it('passes only what the template declares, whatever the env file or the shell set', () => {
    const env = envOf(
      { DECLARED: '' },
      { shell: { FROM_SHELL: 'x' }, envFile: { Parameters: { DECLARED: 'set', UNDECLARED: 'x' }, Fn: { ALSO: 'x' } } },
    );
    expect(env.DECLARED).toBe('set');
    expect(env).not.toHaveProperty('UNDECLARED');
    expect(env).not.toHaveProperty('ALSO');
    expect(env).not.toHaveProperty('FROM_SHELL');
  });

  it('applies one function section: logical id first, then function id; an empty section does not count', () => {
    const variables = { V: 'template' };
    expect(envOf(variables, { envFile: { FnAAAA1111: { V: 'logical' }, Fn: { V: 'function id' } } }).V).toBe('logical');
    expect(envOf(variables, { envFile: { FnAAAA1111: {}, Fn: { V: 'function id' } } }).V).toBe('function id');
  });

  it('refuses an env file with a section that is not an object', () => {
    expect(() => envOf({}, { envFile: { Parameters: { V: 'x' }, Fn: 'x' } })).toThrow(/in incorrect format/);
  });

  it("starts from SAM's own AWS_* variables: the caller's credentials or SAM's placeholders, and the log group", () => {
    const template = templateWith({ V: 'x' });
    const withLogs = {
      ...template,
      Resources: {
        ...template.Resources,
        FnAAAA1111: fn({}, { Properties: { LoggingConfig: { LogGroup: { Ref: 'FnLogs1' } } } }),
      },
    };
    expect(samEnvironment(samFunction(withLogs, 'Fn'))).toMatchObject({
      AWS_SAM_LOCAL: 'true',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'defaultkey',
      AWS_SECRET_ACCESS_KEY: 'defaultsecret',
      AWS_ACCOUNT_ID: '123456789012',
      AWS_LAMBDA_FUNCTION_NAME: 'FnAAAA1111',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_FUNCTION_TIMEOUT: '10',
      AWS_LAMBDA_FUNCTION_HANDLER: 'index.handler',
      AWS_LAMBDA_LOG_GROUP_NAME: 'FnLogs1',
    });
    const env = envOf({}, { credentials: { region: 'eu-west-1', key: 'AKID', secret: 's', sessiontoken: 't' } });
    expect(env).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKID', AWS_SESSION_TOKEN: 't' });
  });
});

describe('the SAM model: which functions, under which names (SamFunctionProvider, ResourceMetadataNormalizer)', () => {
  it('takes the function id from aws:cdk:path of two or three parts, else the logical id; SamResourceId wins', () => {
    const withPath = (path: string, own?: string): CfnResource => ({
      Type: 'AWS::Lambda::Function',
      Metadata: { 'aws:cdk:path': path, ...(own ? { SamResourceId: own } : {}) },
    });
    expect(samResourceId(withPath('OtpLogin/SendOtp/Resource'), 'SendOtpA4909412')).toBe('SendOtp');
    expect(samResourceId(withPath('OtpLogin/SendOtp'), 'SendOtpA4909412')).toBe('SendOtp');
    expect(samResourceId(withPath('OtpLogin/SigningKey/Rotation/Resource'), 'SigningKeyRotationF409ADBF')).toBe(
      'SigningKeyRotationF409ADBF',
    );
    expect(samResourceId(withPath('OtpLogin/SendOtp/Resource', 'Mine'), 'SendOtpA4909412')).toBe('Mine');
  });

  it('runs only functions whose code is a local asset, found by function id, logical id or name', () => {
    const template = templateWith({});
    const remote = { ...fn({}), Metadata: { 'aws:cdk:path': 'Stack/Remote/Resource' } };
    const both = { ...template, Resources: { ...template.Resources, Remote1: remote } };
    expect(samFunctions(both).map((f) => f.logicalId)).toEqual(['FnAAAA1111']);
    expect(samFunction(both, 'FnAAAA1111').codeUri).toBe('asset.abc');
    expect(() => samFunction(both, 'Remote')).toThrow(/would not find/);
  });
});
