import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { KEY_SET_WAIT } from '../../lambdas/adapters/secrets-manager-key-rotation.js';
import { NodeFunction } from '../../lib/constructs/node-function.js';
import { OtpTable } from '../../lib/constructs/otp-table.js';
import { SigningKey, type SigningKeyProps } from '../../lib/constructs/signing-key.js';
import { appWithoutBundling, logicalId, synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

type Resource = {
  Type: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  Properties?: Record<string, unknown>;
};
type Resources = Record<string, Resource>;

const TIMING = { publishLeadSeconds: 7_800, retainSeconds: 8_400 };

/**
 * The signing key and a JWKS function wired as the stack wires them, with the signing key's API:
 * the same constructs, without the other nine functions and the HTTP API.
 */
function signingKeyStack(props: Partial<SigningKeyProps> = {}) {
  const stack = new Stack(appWithoutBundling(), 'Deploy');
  const table = new OtpTable(stack, 'Table');
  const signingKey = new SigningKey(stack, 'SigningKey', { timing: TIMING, publicKeysTable: table, ...props });
  const wellKnown = new NodeFunction(stack, 'WellKnown', {
    entryName: 'well-known',
    ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
  });
  signingKey.publishBefore(wellKnown);
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return { signingKey, wellKnown, resources };
}

function idsOfType(resources: Resources, type: string): string[] {
  return Object.keys(resources).filter((id) => resources[id]?.Type === type);
}

function onlyIdOfType(resources: Resources, type: string): string {
  const ids = idsOfType(resources, type);
  expect(ids, type).toHaveLength(1);
  return ids[0] ?? '';
}

/** What CloudFormation must finish before it touches `id`: DependsOn, and every Ref and Fn::GetAtt. */
function directDependencies(resources: Resources, id: string): Set<string> {
  const found = new Set<string>([resources[id]?.DependsOn ?? []].flat());
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string' && object.Ref in resources) found.add(object.Ref);
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && getAtt[0] in resources) found.add(getAtt[0]);
    for (const child of Object.values(object)) visit(child);
  };
  visit(resources[id]?.Properties);
  return found;
}

/** Whether CloudFormation can only create or update `from` after `to`, directly or through others. */
function waitsFor(resources: Resources, from: string, to: string): boolean {
  const seen = new Set<string>();
  const pending = [from];
  while (pending.length > 0) {
    const id = pending.pop() ?? '';
    for (const next of directDependencies(resources, id)) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(next);
      }
    }
  }
  return false;
}

function logGroupOf(resources: Resources, functionId: string): Resource | undefined {
  const loggingConfig = resources[functionId]?.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined;
  const ref = loggingConfig?.LogGroup?.Ref;
  return ref === undefined ? undefined : resources[ref];
}

describe('the deploy trigger', () => {
  it('runs after the rotation schedule, whose creation starts the first rotation, and after its grants', () => {
    const { signingKey, resources } = signingKeyStack();
    const trigger = onlyIdOfType(resources, 'Custom::Trigger');
    const schedule = logicalId(signingKey.rotationSchedule);

    expect(resources[trigger]?.DependsOn).toEqual(expect.arrayContaining([schedule]));
    const role = signingKey.rotationFunction.role;
    if (!role) throw new Error('rotation function has no role');
    const policy = logicalId(role.node.findChild('DefaultPolicy').node.defaultChild as never);
    expect(waitsFor(resources, trigger, policy)).toBe(true);
    // And nothing the schedule needs waits for the trigger, which would be a cycle.
    expect(waitsFor(resources, schedule, trigger)).toBe(false);
  });

  it('may run longer than the wait for the first key set, and the provider waits longer still', () => {
    const { signingKey, resources } = signingKeyStack();
    const functionTimeout = resources[logicalId(signingKey.rotationFunction)]?.Properties?.Timeout as number;
    const providerTimeoutMs = Number(resources[onlyIdOfType(resources, 'Custom::Trigger')]?.Properties?.Timeout);

    expect(functionTimeout).toBe(180);
    expect(functionTimeout * 1000).toBeGreaterThanOrEqual(KEY_SET_WAIT.timeoutMs + 30_000);
    expect(providerTimeoutMs).toBe(240_000);
    expect(providerTimeoutMs).toBeGreaterThan(functionTimeout * 1000);
  });

  it('runs before the function publishBefore names is created or updated, so the JWKS never goes live without its item', () => {
    const { wellKnown, resources } = signingKeyStack();
    const trigger = onlyIdOfType(resources, 'Custom::Trigger');
    const fn = logicalId(wellKnown);

    expect(resources[fn]?.DependsOn).toEqual(expect.arrayContaining([trigger]));
    expect(waitsFor(resources, trigger, fn)).toBe(false);
    // The function's log group and role do not wait: only the code that serves the JWKS does.
    expect(waitsFor(resources, logicalId(wellKnown.logGroup), trigger)).toBe(false);
  });
});

describe('log groups', () => {
  it("send CDK's trigger provider's logs to a log group that expires after a month", () => {
    const { signingKey, resources } = signingKeyStack();
    const provider = idsOfType(resources, 'AWS::Lambda::Function').filter((id) =>
      id.startsWith('AWSCDKTriggerCustomResourceProvider'),
    );
    expect(provider).toHaveLength(1);

    const logGroup = logGroupOf(resources, provider[0] ?? '');
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.RetentionInDays).toBe(30);
    expect(resources[logicalId(signingKey.triggerProviderLogs)]).toBe(logGroup);
  });

  it('gives the trigger provider one log group however many signing keys the stack has', () => {
    const stack = new Stack(appWithoutBundling(), 'TwoKeys');
    const table = new OtpTable(stack, 'Table');
    const first = new SigningKey(stack, 'First', { timing: TIMING, publicKeysTable: table });
    const second = new SigningKey(stack, 'Second', { timing: TIMING, publicKeysTable: table });

    expect(second.triggerProviderLogs).toBe(first.triggerProviderLogs);
    const template = Template.fromStack(stack);
    // Two rotation functions' log groups and the provider's.
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
  });

  it('are kept when they leave the stack unless told otherwise', () => {
    const { resources } = signingKeyStack();
    const logGroups = idsOfType(resources, 'AWS::Logs::LogGroup');

    // The rotation function's, the JWKS function's and the trigger provider's.
    expect(logGroups).toHaveLength(3);
    for (const id of logGroups) {
      expect(resources[id], id).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('all go with the stack when the signing key and the functions are told so (a stack outside production)', () => {
    const { resources } = signingKeyStack({ logRemovalPolicy: RemovalPolicy.DESTROY });
    const logGroups = idsOfType(resources, 'AWS::Logs::LogGroup');

    expect(logGroups).toHaveLength(3);
    for (const id of logGroups) {
      expect(resources[id], id).toMatchObject({
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: { RetentionInDays: 30 },
      });
    }
  });
});

describe('the whole stack', () => {
  const synthesized = synthStack();
  const resources = synthesized.template.toJSON().Resources as Resources;

  it("holds the JWKS function's code back until the deploy trigger has republished the keys", () => {
    const trigger = onlyIdOfType(resources, 'Custom::Trigger');
    const wellKnown = logicalId(synthesized.stack.functions['well-known']);

    expect(waitsFor(resources, wellKnown, trigger)).toBe(true);
    expect(waitsFor(resources, trigger, wellKnown)).toBe(false);
  });

  it('deletes every log group with a stack that is not production, and keeps them all in production', () => {
    const production = synthStack({ production: true }).template.toJSON().Resources as Resources;
    for (const [stackResources, policy] of [
      [resources, 'Delete'],
      [production, 'Retain'],
    ] as const) {
      for (const id of idsOfType(stackResources, 'AWS::Logs::LogGroup')) {
        expect(stackResources[id]?.DeletionPolicy, `${policy} ${id}`).toBe(policy);
      }
    }
  });

  it('lets every log group expire, and has every function, CDK trigger provider included, log to one of them', () => {
    const logGroups = idsOfType(resources, 'AWS::Logs::LogGroup');
    const functions = idsOfType(resources, 'AWS::Lambda::Function');

    // One per function, the HTTP API's access logs and the account events pipe's.
    expect(logGroups).toHaveLength(functions.length + 2);
    for (const id of logGroups) {
      expect(resources[id]?.Properties?.RetentionInDays, id).toEqual(expect.any(Number));
    }
    for (const id of functions) {
      // A function without its own log group logs to one Lambda creates: never expiring, never deleted.
      expect(logGroupOf(resources, id)?.Type, id).toBe('AWS::Logs::LogGroup');
    }
  });

  it('runs the deploy trigger only after the rotation schedule', () => {
    const trigger = onlyIdOfType(resources, 'Custom::Trigger');
    const schedule = onlyIdOfType(resources, 'AWS::SecretsManager::RotationSchedule');

    expect(waitsFor(resources, trigger, schedule)).toBe(true);
    expect(waitsFor(resources, schedule, trigger)).toBe(false);
  });
});
