import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { describe, expect, it, vi } from 'vitest';
import { otpJwtAuthorizer, routeKeyPath } from '../../lib/constructs/otp-http-api.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

describe('routeKeyPath', () => {
  it('turns a trailing-slash path into a greedy route, as route keys cannot end in a slash', () => {
    expect(routeKeyPath('/send-otp/')).toBe('/send-otp/{proxy+}');
    expect(routeKeyPath('/token/refresh/')).toBe('/token/refresh/{proxy+}');
  });

  it('leaves other paths and the root alone', () => {
    expect(routeKeyPath('/send-otp')).toBe('/send-otp');
    expect(routeKeyPath('/.well-known/jwks.json')).toBe('/.well-known/jwks.json');
    expect(routeKeyPath('/')).toBe('/');
  });
});

describe('otpJwtAuthorizer', () => {
  const issuer = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

  it("protects another team's HTTP API route with our issuer and audience", () => {
    const stack = new Stack(new App(), 'OtherTeam');
    const api = new HttpApi(stack, 'Api');
    api.addRoutes({
      path: '/orders',
      methods: [HttpMethod.GET],
      integration: new HttpUrlIntegration('Orders', 'https://orders.example.com'),
      authorizer: otpJwtAuthorizer(stack, 'OtpLogin', { issuer, audience: 'otp-login' }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: issuer, Audience: ['otp-login'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /orders', AuthorizationType: 'JWT' });
  });

  it('accepts several audiences', () => {
    const stack = new Stack(new App(), 'OtherTeam');
    const api = new HttpApi(stack, 'Api');
    api.addRoutes({
      path: '/orders',
      integration: new HttpUrlIntegration('Orders', 'https://orders.example.com'),
      authorizer: otpJwtAuthorizer(stack, 'OtpLogin', { issuer, audience: ['web', 'ios'] }),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Audience: ['web', 'ios'] },
    });
  });

  it('rejects an issuer that could never match our tokens', () => {
    const stack = new Stack(new App(), 'OtherTeam');
    expect(() => otpJwtAuthorizer(stack, 'A', { issuer: `${issuer}/`, audience: 'otp-login' })).toThrow(
      /trailing slash/,
    );
    expect(() => otpJwtAuthorizer(stack, 'B', { issuer: 'http://localhost:3000', audience: 'otp-login' })).toThrow(
      /https/,
    );
    expect(() => otpJwtAuthorizer(stack, 'C', { issuer, audience: [] })).toThrow(/audience/);
  });
});
