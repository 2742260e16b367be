import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { OtpAuthStack } from '../../lib/otp-auth-stack.js';
import type { CfnTemplate } from './sam-env.js';

/** The stack name `npm run synth` gives it (bin/app.ts without -c stackName). */
export const STACK_NAME = 'OtpLogin';

/**
 * What `npm run synth` writes for `sam local`, bundles included: the stack as bin/app.ts builds it
 * without context, under the context the CDK CLI adds by default. SAM needs two of those: the asset
 * metadata (`aws:asset:path`, where it finds each function's code) and the path metadata (`aws:cdk:path`,
 * from which it takes the ids `sam local invoke SendOtp` accepts). Slow: it runs esbuild for every function.
 */
export function synthLikeTheCli(outdir: string): { template: CfnTemplate; templateFile: string } {
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
  });
  new OtpAuthStack(app, STACK_NAME, { production: false });
  const templateFile = app.synth().getStackByName(STACK_NAME).templateFullPath;
  return { template: JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate, templateFile };
}
