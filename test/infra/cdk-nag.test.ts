import { Validations } from 'aws-cdk-lib';
import { describe, expect, it, vi } from 'vitest';
import { findings, synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

describe('AwsSolutions checks', () => {
  it('leave no unacknowledged error or warning', () => {
    expect(findings(synthStack().stack)).toEqual([]);
  });

  it('stay clean in production with alarms wired to a topic', () => {
    const { stack } = synthStack({
      production: true,
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      config: { SIGNUP_MODE: 'closed' },
    });
    expect(findings(stack)).toEqual([]);
  });

  // sns:Publish is scoped with NotResource, so IAM5 has no wildcard resource to report and needs no acknowledgement.
  it('acknowledge only the public routes and the dead-letter queue having none of its own, each with a reason', () => {
    const { stack } = synthStack();
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => {
        expect(reason.length, id).toBeGreaterThan(40);
        return id.replace(/^annotation::/i, '');
      });
    expect(new Set(acknowledged)).toEqual(new Set(['AwsSolutions-APIG4', 'AwsSolutions-SQS3']));
  });
});
