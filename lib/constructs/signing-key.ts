import { Annotations, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config.js';
import { DEFAULT_LOG_RETENTION, NodeFunction } from './node-function.js';
import type { OtpTable } from './otp-table.js';

/**
 * How long the rotation function may run. A rotation step takes seconds; the deploy trigger's call
 * waits up to two minutes for the first key set (`KEY_SET_WAIT` in
 * lambdas/adapters/secrets-manager-key-rotation.ts) and then publishes, so this must exceed that
 * wait, or the deploy would fail with a bare Lambda timeout instead of the recovery commands.
 */
export const ROTATION_FUNCTION_TIMEOUT = Duration.minutes(3);

/** Where `Trigger` puts CDK's one trigger provider per stack (aws-cdk-lib/triggers). */
const TRIGGER_PROVIDER_ID = 'AWSCDK.TriggerCustomResourceProviderCustomResourceProvider';

/** When keys appear in and leave the JWKS, in seconds (see `parseRotationTiming` in lambdas/config.ts). */
export interface KeyRotationTiming {
  /** How long a new key is published before it signs: covers every cache of the JWKS. */
  readonly publishLeadSeconds: number;
  /** How long a superseded key stays published: covers every token it signed. */
  readonly retainSeconds: number;
}

export interface SigningKeyProps {
  readonly timing: KeyRotationTiming;
  /**
   * Where the rotation publishes the public keys (the `JWKS#` item), for the JWKS endpoint to serve
   * without access to the secret.
   */
  readonly publicKeysTable: OtpTable;
  /**
   * Time between rotations. Secrets Manager accepts 4 hours to 1000 days.
   * @default Duration.days(90)
   */
  readonly rotateAfter?: Duration;
  /**
   * What happens to the secret when it leaves the stack. Left to the Secret, it would be deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What happens to the log groups of the rotation function and of CDK's trigger provider when they
   * leave the stack, `cdk destroy` included. Production keeps them; other stacks should let them go.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The JWT signing keys: a Secrets Manager secret holding a JWK set, and the rotation function that
 * writes it and publishes its public keys to the table. The template carries no key: CloudFormation
 * fills the secret with a random placeholder, and the rotation that runs as soon as the schedule is
 * created replaces it with the first RSA key, generated inside the rotation function. No private key
 * ever exists on a deployer's machine.
 *
 * That first rotation is asynchronous, so the deploy trigger, ordered after the rotation schedule,
 * waits for it and fails the deploy if no key set comes: a stack never reports success while every
 * token and JWKS request answers 503.
 */
export class SigningKey extends Construct {
  /** The only actions the four rotation steps call. */
  static readonly ROTATION_ACTIONS = [
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ] as const;

  readonly secret: Secret;
  readonly rotationFunction: NodeFunction;
  readonly rotationSchedule: CfnRotationSchedule;
  readonly publishOnDeploy: Trigger;
  /** Where CDK's trigger provider (one per stack) logs; without it, a log group that never expires. */
  readonly triggerProviderLogs: LogGroup;

  constructor(scope: Construct, id: string, props: SigningKeyProps) {
    super(scope, id);
    const rotateAfter = props.rotateAfter ?? Duration.days(90);
    const hours = rotateAfter.toHours({ integral: false });
    if (hours < 4 || hours > 1000 * 24) {
      throw new Error(`${this.node.path}: key rotation must be every 4 hours to 1000 days, got ${hours} hours`);
    }

    this.secret = new Secret(this, 'Secret', {
      description: 'otp-login JWT signing keys (JWK set); written only by its rotation function',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    this.rotationFunction = new NodeFunction(this, 'Rotation', {
      entryName: 'rotate-signing-key',
      description: 'Secrets Manager rotation of the otp-login JWT signing key',
      timeout: ROTATION_FUNCTION_TIMEOUT,
      logRetention,
      logRemovalPolicy,
      environment: {
        [ENV.keyPublishLeadSeconds]: String(props.timing.publishLeadSeconds),
        [ENV.keyRetainSeconds]: String(props.timing.retainSeconds),
        [ENV.tableName]: props.publicKeysTable.tableName,
        [ENV.signingKeySecretId]: this.secret.secretArn,
      },
    });
    // The public keys item only (the read checks a refused write): no user or session is in reach.
    props.publicKeysTable.grantItemAccess(this.rotationFunction, { jwks: ['GetItem', 'PutItem'] });
    this.rotationFunction.addToRolePolicy(
      new PolicyStatement({ actions: [...SigningKey.ROTATION_ACTIONS], resources: [this.secret.secretArn] }),
    );
    // Only Secrets Manager in this account, rotating this secret, may invoke the rotation function.
    this.rotationFunction.addPermission('InvokedBySecretsManager', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
      sourceArn: this.secret.secretArn,
    });

    // The L1 on purpose: the L2 RotationSchedule also grants secretsmanager:GetRandomPassword on "*",
    // which a function that generates RSA keys never calls.
    this.rotationSchedule = new CfnRotationSchedule(this, 'Schedule', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: this.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: rateExpression(rotateAfter) },
      // The first rotation is what creates the first key.
      rotateImmediatelyOnUpdate: true,
    });
    // The immediate rotation invokes the function during the deployment: permission and role policy
    // (the secret and the table grants) first.
    this.rotationSchedule.node.addDependency(
      this.rotationFunction.node.findChild('InvokedBySecretsManager'),
      this.rotationFunction.role ?? this.rotationFunction,
    );

    // On the first deploy, waits for the first key set and fails the deploy without one; on every
    // deploy that changes the rotation code, republishes the current public keys (a stack upgraded
    // from a version that served the JWKS from the secret has no JWKS item until then). After the
    // schedule, whose creation starts the first rotation, and after the role's grants.
    this.publishOnDeploy = new Trigger(this, 'PublishOnDeploy', {
      handler: this.rotationFunction,
      executeOnHandlerChange: true,
      // How long the provider waits for the synchronous invoke: longer than the function may run,
      // so that a failed wait reaches CloudFormation as the function's error, not a socket timeout.
      timeout: ROTATION_FUNCTION_TIMEOUT.plus(Duration.minutes(1)),
      executeAfter: [this.rotationFunction.role ?? this.rotationFunction, this.rotationSchedule],
    });
    this.triggerProviderLogs = triggerProviderLogGroup(this, logRetention, logRemovalPolicy);
    // The trigger needs a version of the function; Secrets Manager still invokes the unqualified ARN,
    // which is what the invoke permission above names.
    Annotations.of(this.rotationFunction).acknowledgeWarning(
      '@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias',
      'Secrets Manager invokes the unqualified function ARN; the version exists only for the deploy trigger',
    );
  }

  get secretArn(): string {
    return this.secret.secretArn;
  }

  /**
   * Has CloudFormation create or update `scopes` only once the deploy trigger has published the
   * current public keys. For the JWKS function: on an upgrade, its new code reads the `JWKS#current`
   * item, and if it went live before the trigger wrote that item the JWKS would answer 503 in
   * between. On a first deploy it then also goes live only with a key to serve.
   */
  publishBefore(...scopes: Construct[]): void {
    this.publishOnDeploy.executeBefore(...scopes);
  }

  /** GetSecretValue on this secret, which is all a token signer needs. */
  grantRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.secret.secretArn],
    });
  }
}

/**
 * CDK's trigger provider is a bare Lambda function, one per stack, that logs to the log group
 * Lambda creates on its first run: kept for ever, and left behind by `cdk destroy`. It is pointed at
 * a log group the stack owns instead. (`CustomResourceConfig.addLogRetentionLifetime` reaches only
 * providers built on SingletonFunction, not this one.) A stack upgraded from an earlier version
 * keeps its old `/aws/lambda/...` group of that function, to delete by hand once.
 */
function triggerProviderLogGroup(scope: Construct, retention: RetentionDays, removalPolicy: RemovalPolicy): LogGroup {
  const provider = Stack.of(scope).node.tryFindChild(TRIGGER_PROVIDER_ID);
  const handler = provider?.node.tryFindChild('Handler');
  if (!provider || !(handler instanceof CfnResource) || handler.cfnResourceType !== 'AWS::Lambda::Function') {
    throw new Error(
      `${scope.node.path}: CDK's trigger provider is no longer at ${TRIGGER_PROVIDER_ID}/Handler, so its log group cannot be set`,
    );
  }
  const existing = provider.node.tryFindChild('Logs');
  if (existing instanceof LogGroup) return existing;
  const logs = new LogGroup(provider, 'Logs', { retention, removalPolicy });
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logs.logGroupName });
  return logs;
}

function rateExpression(every: Duration): string {
  const days = every.toDays({ integral: false });
  if (Number.isInteger(days)) return `rate(${days} ${days === 1 ? 'day' : 'days'})`;
  const hours = every.toHours({ integral: true });
  return `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`;
}
