import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStack } from './synth.js';

// cdk-nag 3 is a CDK policy-validation plugin: findings surface in the validation report rather than
// as annotations, so the test runs the pack over the construct tree directly.
function findings(scope: Parameters<AwsSolutionsChecks['validateScope']>[0]) {
  return new AwsSolutionsChecks(undefined, { verbose: true })
    .validateScope(scope)
    .violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
}

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
  it('acknowledge only the public routes, each with a reason', () => {
    const { stack } = synthStack();
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => {
        expect(reason.length, id).toBeGreaterThan(40);
        return id.replace(/^annotation::/i, '');
      });
    expect(new Set(acknowledged)).toEqual(new Set(['AwsSolutions-APIG4']));
  });
});
