import { Arn, ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  CorsHttpMethod,
  type CorsPreflightOptions,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  SecurityPolicy,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { ANY_ORIGIN, allowedOriginsProblem, CORS_POLICY, parseStackConfig } from '../../lambdas/config.js';
import { type OtpJwtAuthorizerProps, otpJwtAuthorizer } from './jwt-authorizer.js';
import { apiDomainProblem, domainIssuer, type OtpApiDomain } from './otp-api-domain.js';

export { apiDomainProblem, domainIssuer, type OtpApiDomain, type OtpJwtAuthorizerProps, otpJwtAuthorizer };

import { ROUTES, type Route } from '../../lambdas/http/routes.js';
import { FUNCTIONS, type FunctionName } from '../../lambdas/registry.js';

/**
 * The route key path for a route-table path. HTTP API route keys cannot end in "/": the service rejects
 * `POST /send-otp/` at deploy time, and CDK's HttpRouteKey refuses it at synth. Public reports disagree on
 * whether HTTP APIs route a request for `/send-otp/` to `POST /send-otp` (REST APIs do), so shipped
 * clients calling `/send-otp/` are covered three ways: the slash-free route itself, a greedy
 * `POST /send-otp/{proxy+}` on the same function (deeper paths such as `/send-otp/x` get a 404 from the
 * function), and the `$default` function, which answers a trailing-slash spelling of a known route with a
 * 308 to the slash-free path (method and body kept). Smoke-test `POST $ApiUrl/send-otp/` after the first
 * deploy: none of this is spelled out in the API Gateway documentation.
 */
export function routeKeyPath(path: string): string {
  return path !== '/' && path.endsWith('/') ? `${path}{proxy+}` : path;
}

/** `GET /.well-known/jwks.json` -> `GetWellKnownJwksJson`: construct ids without the `--` CDK makes of "/". */
function routeId(method: Route['method'], path: string): string {
  const words = [method.toLowerCase(), ...path.split(/[^A-Za-z0-9]+/)].filter(Boolean);
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** The settings' defaults, so that the construct used on its own throttles as the stack does. */
const DEFAULT_LIMITS = parseStackConfig({});

const METHODS: Readonly<Record<Route['method'], HttpMethod>> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  DELETE: HttpMethod.DELETE,
};

export interface OtpHttpApiProps {
  /**
   * Serve the API on this domain: the issuer is `https://<name>[/<basePath>]` and the default
   * `execute-api` endpoint is disabled, so no token check can be reached around the domain.
   * @default - the `execute-api` endpoint, which is also the issuer
   */
  readonly domain?: OtpApiDomain;
  /** The `aud` our access tokens carry and the JWT authorizer requires. */
  readonly audience: string;
  /**
   * Stage-wide throttling (requests per second, and burst).
   * @default - the defaults of `API_THROTTLE_PER_SECOND` and `API_THROTTLE_BURST`: 50, burst 100
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Tighter throttling for the routes of particular functions.
   * @default - send-otp at the defaults of `SEND_OTP_THROTTLE_PER_SECOND` and `SEND_OTP_THROTTLE_BURST`:
   * 10 per second, burst 20, as every call may cost an SMS.
   */
  readonly functionThrottles?: Partial<Record<FunctionName, ThrottleSettings>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
  /** @default ROUTES from lambdas/http/routes.ts */
  readonly routes?: readonly Route[];
  /**
   * Origins whose browser apps may call the API (`ALLOWED_ORIGINS`): exact `scheme://host[:port]`
   * as browsers send them, or `*` alone outside production. API Gateway then answers every preflight
   * itself and adds `Access-Control-Allow-Origin` to the answers for these origins only; the methods,
   * headers and max age are CORS_POLICY's.
   * @default [] - no CORS configuration: browsers refuse cross-origin calls
   */
  readonly allowedOrigins?: readonly string[];
  /** Refuses `allowedOrigins: ['*']`. @default false */
  readonly production?: boolean;
}

/**
 * A regional API endpoint takes a certificate of its own region only; CloudFormation would fail the
 * deploy half-way, so a certificate ARN naming another region fails the synth.
 */
function refuseCertificateOfAnotherRegion(scope: Construct, certificate: ICertificate): void {
  const arn = certificate.certificateArn;
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(arn) || Token.isUnresolved(region)) return;
  const certificateRegion = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region;
  if (certificateRegion && certificateRegion !== region) {
    throw new Error(
      `${scope.node.path}: domain.certificate is in ${certificateRegion}, but the API is in ${region}: a regional API Gateway domain needs a certificate from ACM in its own region`,
    );
  }
}

/** The HTTP API's CORS configuration for some origins, or none when there are none. */
function corsPreflight(scope: Construct, props: OtpHttpApiProps): CorsPreflightOptions | undefined {
  const origins = props.allowedOrigins ?? [];
  const problem = allowedOriginsProblem(origins);
  if (problem) throw new Error(`${scope.node.path}: allowedOrigins ${problem}`);
  if (props.production && origins.includes(ANY_ORIGIN)) {
    throw new Error(
      `${scope.node.path}: allowedOrigins must not be "*" in production: it lets a page on any site call the API from its visitors' browsers. ` +
        'List the exact origins of your web apps in ALLOWED_ORIGINS instead.',
    );
  }
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: [...origins],
    allowMethods: CORS_POLICY.allowMethods.map((method) => CorsHttpMethod[method]),
    allowHeaders: [...CORS_POLICY.allowHeaders],
    exposeHeaders: [...CORS_POLICY.exposeHeaders],
    maxAge: Duration.seconds(CORS_POLICY.maxAgeSeconds),
    allowCredentials: CORS_POLICY.allowCredentials,
  };
}

/**
 * The public HTTP API: one route per entry of the shared route table (Lambda proxy, payload 2.0),
 * `/me` behind the native JWT authorizer for our own issuer, and a `$default` route to the not-found
 * function so unknown paths get our JSON 404/405 instead of API Gateway's. With allowed origins,
 * API Gateway answers CORS preflights before any route, so the functions never see them.
 */
export class OtpHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  /**
   * The API's base URL, no trailing slash: the `iss` of our tokens and the base of the JWKS URL.
   * The custom domain's when there is one, else the `execute-api` endpoint.
   */
  readonly issuer: string;
  /** The custom domain, when there is one. */
  readonly domainName: DomainName | undefined;
  readonly audience: string;
  private readonly props: OtpHttpApiProps;
  private connected = false;

  constructor(scope: Construct, id: string, props: OtpHttpApiProps) {
    super(scope, id);
    this.props = props;
    this.audience = props.audience;
    const cors = corsPreflight(this, props);
    const { domain } = props;
    if (domain) {
      const problem = apiDomainProblem(domain);
      if (problem) throw new Error(`${this.node.path}: ${problem}`);
    }
    this.httpApi = new HttpApi(this, 'Api', {
      description: 'otp-login: phone-number OTP login',
      ...(cors ? { corsPreflight: cors } : {}),
      // The stage is made below, with access logs and throttling the default stage cannot take.
      createDefaultStage: false,
      // With a domain, the issuer is the domain: the execute-api URL would serve the same API under
      // another name, which no token names and no client should learn.
      ...(domain && !domain.keepExecuteApiEndpoint ? { disableExecuteApiEndpoint: true } : {}),
    });
    this.issuer = domain ? domainIssuer(domain) : this.httpApi.apiEndpoint;
    this.authorizer = otpJwtAuthorizer(this, 'OtpJwtAuthorizer', { issuer: this.issuer, audience: props.audience });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? {
        rateLimit: DEFAULT_LIMITS.apiThrottlePerSecond,
        burstLimit: DEFAULT_LIMITS.apiThrottleBurst,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        // Request metadata only: the bodies carry phone numbers, codes and tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
    this.domainName = domain ? this.serveOn(domain) : undefined;
  }

  /** The `https://…` base URL of the API, without a trailing slash: the issuer. */
  get url(): string {
    return this.issuer;
  }

  private serveOn(domain: OtpApiDomain): DomainName {
    refuseCertificateOfAnotherRegion(this, domain.certificate);
    const domainName = new DomainName(this, 'Domain', {
      domainName: domain.name,
      certificate: domain.certificate,
      // Said, not left to the default: TLS 1.0 and 1.1 never reach a service that hands out tokens.
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    new ApiMapping(this, 'DomainMapping', {
      api: this.httpApi,
      domainName,
      stage: this.stage,
      ...(domain.basePath ? { apiMappingKey: domain.basePath } : {}),
    });
    const zone = domain.hostedZone;
    if (zone) {
      const zoneName = Token.isUnresolved(zone.zoneName) ? undefined : zone.zoneName.replace(/\.$/, '');
      if (zoneName !== undefined && domain.name !== zoneName && !domain.name.endsWith(`.${zoneName}`)) {
        throw new Error(`${this.node.path}: domain.name ${domain.name} is not in the hosted zone ${zoneName}`);
      }
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId),
      );
      new ARecord(this, 'DomainAlias', { zone, recordName: `${domain.name}.`, target });
      new AaaaRecord(this, 'DomainAliasIpv6', { zone, recordName: `${domain.name}.`, target });
    }
    return domainName;
  }

  /** Routes every route-table entry to its function and everything else to `not-found`. Call once. */
  connect(functions: Readonly<Record<FunctionName, IFunction>>): void {
    if (this.connected) throw new Error(`${this.node.path}: connect() was already called`);
    this.connected = true;

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: FunctionName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}-integration`, functions[name], {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, integration);
      }
      return integration;
    };

    const routes = new Map<string, { route: Route; construct: HttpRoute; key: string }>();
    for (const route of this.props.routes ?? ROUTES) {
      const path = routeKeyPath(route.path);
      const key = `${route.method} ${path}`;
      if (routes.has(key)) throw new Error(`${this.node.path}: the route table lists ${key} twice`);
      const construct = new HttpRoute(this, routeId(route.method, path), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, METHODS[route.method]),
        integration: integrationFor(route.fn),
        ...(route.authorized ? { authorizer: this.authorizer } : {}),
      });
      if (!route.authorized) this.acknowledgePublic(construct, route.fn, key);
      routes.set(key, { route, construct, key });
    }

    const fallback = new HttpRoute(this, 'Default', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrationFor('not-found'),
    });
    this.acknowledgePublic(fallback, 'not-found', '$default');

    this.throttleRoutes([...routes.values()]);
  }

  /** Records for cdk-nag why a route has no authorizer; a route without a documented reason fails the synth. */
  private acknowledgePublic(route: HttpRoute, fn: FunctionName, key: string): void {
    const reason = FUNCTIONS[fn].publicReason;
    if (!reason) throw new Error(`${this.node.path}: ${key} has no authorizer and no documented reason to be public`);
    Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
  }

  private throttleRoutes(routes: readonly { route: Route; construct: HttpRoute; key: string }[]): void {
    const throttles = this.props.functionThrottles ?? {
      'send-otp': {
        rateLimit: DEFAULT_LIMITS.sendOtpThrottlePerSecond,
        burstLimit: DEFAULT_LIMITS.sendOtpThrottleBurst,
      },
    };
    const settings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};
    for (const { route, construct, key } of routes) {
      const throttle = throttles[route.fn];
      if (!throttle) continue;
      settings[key] = {
        ...(throttle.rateLimit !== undefined ? { ThrottlingRateLimit: throttle.rateLimit } : {}),
        ...(throttle.burstLimit !== undefined ? { ThrottlingBurstLimit: throttle.burstLimit } : {}),
      };
      // Route settings name routes by key; CloudFormation rejects the stage if a route does not exist yet.
      this.stage.node.addDependency(construct);
    }
    if (Object.keys(settings).length > 0) {
      (this.stage.node.defaultChild as CfnStage).routeSettings = settings;
    }
  }
}
