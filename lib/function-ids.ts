/**
 * The ids an API function gets in the stack, derived from its registry name so that nothing repeats
 * them by hand: the construct id (`send-otp` -> `SendOtp`), which `sam local invoke SendOtp` accepts
 * (SAM reads it from `aws:cdk:path`), and the CloudFormation logical id CDK makes from its path.
 */
import { createHash } from 'node:crypto';
import type { FunctionName } from '../lambdas/registry.js';

/** The construct id of a function: its registry name in PascalCase (`change-phone-number` -> `ChangePhoneNumber`). */
export function functionConstructId(name: FunctionName): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/**
 * The logical id CDK gives the function's `AWS::Lambda::Function`: its path below the stack (`scope`,
 * then its construct id, then `Resource`) as aws-cdk-lib's `makeUniqueId` makes it: the path's parts
 * with `Resource` left out of the readable part, then the first 8 hex digits of the path's MD5, upper
 * case. `scope` is empty when the function is a direct child of the stack.
 */
export function functionLogicalId(name: FunctionName, scope: readonly string[] = []): string {
  const path = [...scope, functionConstructId(name), 'Resource'].filter((part) => part !== 'Default');
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  // A part that ends the previous one is dropped (makeUniqueId's removeDupes).
  const parts: string[] = [];
  for (const part of path) if (!parts.at(-1)?.endsWith(part)) parts.push(part);
  const readable = parts
    .filter((part) => part !== 'Resource')
    .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
    .join('')
    .slice(0, 240);
  return `${readable}${hash}`;
}
