import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionCode } from './bundling.js';

/** The newest Node.js runtime aws-cdk-lib offers; bundles still target Node.js 22 (see bundling.ts). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** How long every log group of the stack keeps its events, unless a construct is told otherwise. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;

export interface NodeFunctionProps {
  /** The entry's name: `lambdas/functions/<entryName>.ts`, exporting `handler`; its bundle's folder in the package. */
  readonly entryName: string;
  /** Environment variables of the function. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly description?: string;
  /**
   * Lambda allots CPU in proportion to memory, and cold-start init plus RS256 signing are CPU-bound;
   * at login volumes the extra memory costs little next to the latency it saves.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Long enough for an SMS provider round trip with one retry, short enough that a hung call
   * fails well within API Gateway's 30 s integration timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the function's log group when it leaves the stack, `cdk destroy` included.
   * Production keeps it; a stack for development or a pull request should let it go.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Lambda function with the project's shared defaults, written once: Node.js on arm64, the shared
 * bundle ({@link functionCode}: built by the package, or at synth in this repository), its own log
 * group with retention, and a role with no managed policy (only the right to write to that log
 * group; callers grant the rest).
 */
export class NodeFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    // Created beside the function rather than inside it, because the function needs both at construction.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An explicit role keeps AWSLambdaBasicExecutionRole (logs:CreateLogGroup on every log group) off the function.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.entryName} function`,
    });
    super(scope, id, {
      code: functionCode(props.entryName),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      ...(props.description ? { description: props.description } : {}),
      environment: { ...props.environment },
    });
    logGroup.grantWrite(role);
  }
}
