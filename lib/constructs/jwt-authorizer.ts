import { Token } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { Construct } from 'constructs';

export interface OtpJwtAuthorizerProps {
  /** The otp-login issuer: the API's URL without a trailing slash (stack output `Issuer`). */
  readonly issuer: string;
  /** Accepted `aud` values; a token must carry at least one. */
  readonly audience: string | readonly string[];
}

/**
 * A native HTTP API JWT authorizer that trusts otp-login access tokens: API Gateway reads the issuer's
 * OpenID configuration, caches its JWKS and checks signature, `iss`, `aud` and `exp` without running
 * any code. Other teams' HTTP APIs can protect routes with it as they are.
 */
export function otpJwtAuthorizer(scope: Construct, id: string, props: OtpJwtAuthorizerProps): HttpJwtAuthorizer {
  const { issuer } = props;
  // API Gateway compares `iss` byte for byte, so a stray trailing slash would reject every token.
  if (!Token.isUnresolved(issuer) && (!issuer.startsWith('https://') || issuer.endsWith('/'))) {
    throw new Error(
      `${scope.node.path}/${id}: issuer must be the https URL of the otp-login API without a trailing slash, got "${issuer}"`,
    );
  }
  const audiences = typeof props.audience === 'string' ? [props.audience] : [...props.audience];
  if (audiences.length === 0) throw new Error(`${scope.node.path}/${id}: at least one audience is required`);
  return new HttpJwtAuthorizer(id, issuer, {
    jwtAudience: audiences,
    identitySource: ['$request.header.Authorization'],
  });
}
