import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { OtpAuthStack, type OtpAuthStackProps } from '../../lib/otp-auth-stack.js';

/** An app that skips esbuild: these tests read the template, not the bundles. */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function synthStack(props: Partial<OtpAuthStackProps> = {}): { stack: OtpAuthStack; template: Template } {
  const stack = new OtpAuthStack(appWithoutBundling(), 'OtpLoginTest', { production: false, ...props });
  return { stack, template: Template.fromStack(stack) };
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
