import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { OtpAuthStack, type OtpAuthStackProps } from '../../lib/otp-auth-stack.js';

/** An app that skips esbuild: these tests read the template, not the bundles. */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

const synthesized = new Map<string, { stack: OtpAuthStack; template: Template }>();

/** The props as a key: the same configuration, whatever the order its keys were written in. */
function keyOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(keyOf).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${JSON.stringify(k)}:${keyOf(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The example stack for these props, synthesized once per configuration per test file (each file
 * runs in its own process): a synth is the slow part of these tests, and they only read the result.
 * Do not add constructs to the stack returned; a configuration that fails to synth is not cached.
 */
export function synthStack(props: Partial<OtpAuthStackProps> = {}): { stack: OtpAuthStack; template: Template } {
  const key = keyOf(props);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const stack = new OtpAuthStack(appWithoutBundling(), 'OtpLoginTest', { production: false, ...props });
  const result = { stack, template: Template.fromStack(stack) };
  synthesized.set(key, result);
  return result;
}

export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as CfnElement);
}

export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement of every policy attached to the role. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}

// cdk-nag 3 is a CDK policy-validation plugin: findings surface in the validation report rather than
// as annotations, so the test runs the pack over the construct tree directly.
export function findings(scope: Parameters<AwsSolutionsChecks['validateScope']>[0]) {
  return new AwsSolutionsChecks(undefined, { verbose: true })
    .validateScope(scope)
    .violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
}
