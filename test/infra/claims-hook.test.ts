import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../../lambdas/registry.js';
import { esbuildBuildOptions, lambdaEntry } from '../../lib/constructs/bundling.js';
import { endpointUrlVariables, lambdaEntryName } from '../../lib/function-environment.js';
import { OtpLogin, type OtpLoginProps } from '../../lib/otp-login.js';
import { findings, roleStatements, type Statement } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const CLAIMS_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:app-claims';
const HOOKED: readonly FunctionName[] = ['verify-otp', 'refresh-token', 'verify-phone-number', 'passkey-sign-in'];

function synth(props: Partial<OtpLoginProps> & { withClaims?: boolean } = {}) {
  const { withClaims = true, ...rest } = props;
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Team', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const claims = withClaims ? LambdaFunction.fromFunctionArn(stack, 'Claims', CLAIMS_ARN) : undefined;
  const auth = new OtpLogin(stack, 'Auth', { production: false, ...(claims ? { claims } : {}), ...rest });
  return { stack, auth, template: Template.fromStack(stack) };
}

function statementsOf(s: ReturnType<typeof synth>, name: FunctionName): Statement[] {
  const role = s.auth.functions[name].role?.node.defaultChild as CfnElement;
  return roleStatements(s.template, s.stack.getLogicalId(role));
}

function environmentOf(s: ReturnType<typeof synth>, name: FunctionName): Record<string, string> {
  const fn = s.auth.functions[name].node.defaultChild as CfnElement;
  return s.template.toJSON().Resources[s.stack.getLogicalId(fn)].Properties.Environment.Variables;
}

function timeoutOf(s: ReturnType<typeof synth>, name: FunctionName): number {
  const fn = s.auth.functions[name].node.defaultChild as CfnElement;
  return s.template.toJSON().Resources[s.stack.getLogicalId(fn)].Properties.Timeout;
}

const invokes = (statements: readonly Statement[]) =>
  statements.filter((s) => [s.Action].flat().some((action) => String(action).startsWith('lambda:')));

describe('OtpLogin with claims', () => {
  const s = synth();

  it('lets exactly the four token-issuing functions invoke exactly the claims function', () => {
    expect(FUNCTION_NAMES.filter((name) => FUNCTIONS[name].claimsHook)).toEqual(
      [...HOOKED].sort((a, b) => FUNCTION_NAMES.indexOf(a) - FUNCTION_NAMES.indexOf(b)),
    );
    for (const name of FUNCTION_NAMES) {
      const expected = HOOKED.includes(name)
        ? [{ Sid: 'InvokeClaimsHook', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: CLAIMS_ARN }]
        : [];
      expect(invokes(statementsOf(s, name)), name).toEqual(expected);
    }
  });

  it("gives those four the function's ARN, the deadline and the Lambda endpoint variable; no other function any", () => {
    for (const name of FUNCTION_NAMES) {
      const env = environmentOf(s, name);
      const claimsKeys = Object.keys(env).filter((key) => key.startsWith('CLAIMS_HOOK') || key.endsWith('_LAMBDA'));
      if (HOOKED.includes(name)) {
        expect(env, name).toMatchObject({
          CLAIMS_HOOK_FUNCTION_ARN: CLAIMS_ARN,
          CLAIMS_HOOK_TIMEOUT_MS: '',
          AWS_ENDPOINT_URL_LAMBDA: '',
        });
        expect(claimsKeys.sort(), name).toEqual([
          'AWS_ENDPOINT_URL_LAMBDA',
          'CLAIMS_HOOK_FUNCTION_ARN',
          'CLAIMS_HOOK_TIMEOUT_MS',
        ]);
        // 10 s, and the default deadline (1 s) on top: a slow hook is a 503, never a timed-out function.
        expect(timeoutOf(s, name), name).toBe(11);
      } else {
        expect(claimsKeys, name).toEqual([]);
        expect(timeoutOf(s, name), name).toBe(10);
      }
    }
  });

  it('alarms on ClaimsHookFailed, 5 in 5 minutes by default', () => {
    expect(s.auth.parts.alarms.claimsHookFailed).toBeDefined();
    expect(s.auth.alarms).toContain(s.auth.parts.alarms.claimsHookFailed);
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ClaimsHookFailed',
      Namespace: 'OtpLogin',
      Dimensions: [{ Name: 'service', Value: s.auth.serviceName }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('takes claimsHookTimeoutMs as the deadline, which the timeout of the four follows', () => {
    const slow = synth({ claimsHookTimeoutMs: 2500, alarms: { thresholds: { claimsHookFailedPer5Minutes: 2 } } });
    expect(environmentOf(slow, 'refresh-token').CLAIMS_HOOK_TIMEOUT_MS).toBe('2500');
    expect(timeoutOf(slow, 'refresh-token')).toBe(13);
    slow.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ClaimsHookFailed', Threshold: 2 });
  });

  it('refuses a deadline out of range, and a deadline without claims', () => {
    expect(() => synth({ claimsHookTimeoutMs: 50 })).toThrow(
      'Environment variable CLAIMS_HOOK_TIMEOUT_MS must be between 100 and 10000, got 50',
    );
    expect(() => synth({ withClaims: false, claimsHookTimeoutMs: 500 })).toThrow(
      'Team/Auth: claimsHookTimeoutMs needs claims, the function it is the deadline of',
    );
  });

  it('raises no cdk-nag finding', () => {
    expect(findings(synth().stack)).toEqual([]);
  });
});

describe('OtpLogin without claims', () => {
  const s = synth({ withClaims: false });

  it('lets no function invoke any Lambda function, and gives none a claims setting', () => {
    for (const name of FUNCTION_NAMES) {
      expect(invokes(statementsOf(s, name)), name).toEqual([]);
      expect(
        Object.keys(environmentOf(s, name)).filter((key) => key.startsWith('CLAIMS_HOOK') || key.endsWith('_LAMBDA')),
        name,
      ).toEqual([]);
    }
    expect(s.auth.parts.alarms.claimsHookFailed).toBeUndefined();
    expect(
      Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => alarm.Properties.MetricName === 'ClaimsHookFailed',
      ),
    ).toEqual([]);
  });
});

describe('the claims entries', () => {
  it('are <name>[-end-user-messaging]-claims for the four with a hook, and exist; the others keep theirs', () => {
    const chosen: Record<string, string[]> = {};
    for (const name of FUNCTION_NAMES) {
      chosen[name] = [
        lambdaEntryName(name, FUNCTIONS[name], 'sns', true),
        lambdaEntryName(name, FUNCTIONS[name], 'end-user-messaging', true),
      ];
      expect(lambdaEntryName(name, FUNCTIONS[name], 'sns'), name).toBe(name);
      for (const entry of chosen[name] ?? []) expect(existsSync(lambdaEntry(entry)), entry).toBe(true);
    }
    expect(chosen).toMatchObject({
      'verify-otp': ['verify-otp-claims', 'verify-otp-claims'],
      'refresh-token': ['refresh-token-claims', 'refresh-token-claims'],
      'passkey-sign-in': ['passkey-sign-in-claims', 'passkey-sign-in-claims'],
      'verify-phone-number': ['verify-phone-number-claims', 'verify-phone-number-end-user-messaging-claims'],
      'send-otp': ['send-otp', 'send-otp-end-user-messaging'],
      me: ['me', 'me'],
    });
  });

  it('declare the Lambda endpoint variable only with a hook', () => {
    expect(endpointUrlVariables(FUNCTIONS['refresh-token'], 'sns', true)).toContain('AWS_ENDPOINT_URL_LAMBDA');
    expect(endpointUrlVariables(FUNCTIONS['refresh-token'], 'sns')).not.toContain('AWS_ENDPOINT_URL_LAMBDA');
    expect(endpointUrlVariables(FUNCTIONS.me, 'sns', true)).not.toContain('AWS_ENDPOINT_URL_LAMBDA');
  });
});

describe('the bundles', () => {
  /** The source files and packages with code in an entry's bundle, built with the stack's settings. */
  async function bundledInputs(entry: string): Promise<string[]> {
    const result = await build({
      ...esbuildBuildOptions(lambdaEntry(entry), join(tmpdir(), 'otp-claims-bundle', entry, 'index.mjs')),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // Parsed is not bundled: esbuild follows every import, then tree-shaking drops what no code uses.
    return Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file),
    );
  }
  const lambdaClient = (inputs: readonly string[]) => inputs.filter((i) => i.includes('@aws-sdk/client-lambda/'));
  const claimsCode = (inputs: readonly string[]) =>
    inputs.filter((i) => /lambdas\/(core\/claims-hook|adapters\/lambda-claims-hook)\.ts$/.test(i));

  it.each(HOOKED)(
    '%s, as deployed without claims, holds neither the Lambda client nor the claims code',
    async (name) => {
      const inputs = await bundledInputs(name);
      expect(lambdaClient(inputs)).toEqual([]);
      expect(claimsCode(inputs)).toEqual([]);
    },
  );

  it('refresh-token-claims holds both', async () => {
    const inputs = await bundledInputs('refresh-token-claims');
    expect(lambdaClient(inputs).length).toBeGreaterThan(0);
    expect(claimsCode(inputs).sort()).toEqual([
      'lambdas/adapters/lambda-claims-hook.ts',
      'lambdas/core/claims-hook.ts',
    ]);
  });
});
