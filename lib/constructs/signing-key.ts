import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config.js';
import { NodeFunction } from './node-function.js';
import type { OtpTable } from './otp-table.js';

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
}

/**
 * The JWT signing keys: a Secrets Manager secret holding a JWK set, and the rotation function that
 * writes it and publishes its public keys to the table. The template carries no key: CloudFormation
 * fills the secret with a random placeholder, and the rotation that runs as soon as the schedule is
 * created replaces it with the first RSA key, generated inside the rotation function. No private key
 * ever exists on a deployer's machine.
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

    this.rotationFunction = new NodeFunction(this, 'Rotation', {
      entryName: 'rotate-signing-key',
      description: 'Secrets Manager rotation of the otp-login JWT signing key',
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

    // Every deploy that changes the rotation code republishes the current public keys: a stack
    // upgraded from a version that served the JWKS from the secret has no JWKS item until then.
    this.publishOnDeploy = new Trigger(this, 'PublishOnDeploy', {
      handler: this.rotationFunction,
      executeOnHandlerChange: true,
      timeout: Duration.minutes(2),
    });
    this.publishOnDeploy.executeAfter(this.rotationFunction.role ?? this.rotationFunction);
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

  /** GetSecretValue on this secret, which is all a token signer needs. */
  grantRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.secret.secretArn],
    });
  }
}

function rateExpression(every: Duration): string {
  const days = every.toDays({ integral: false });
  if (Number.isInteger(days)) return `rate(${days} ${days === 1 ? 'day' : 'days'})`;
  const hours = every.toHours({ integral: true });
  return `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`;
}
