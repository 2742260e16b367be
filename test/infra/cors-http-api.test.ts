import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { CORS_POLICY } from '../../lambdas/config.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { OtpHttpApi, type OtpHttpApiProps } from '../../lib/constructs/otp-http-api.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

/** The API construct alone: its CORS configuration does not depend on the functions behind it. */
function synthApi(props: Partial<OtpHttpApiProps> = {}): Template {
  const stack = new Stack(new App(), 'CorsTest');
  new OtpHttpApi(stack, 'Http', { audience: 'otp-login', ...props });
  return Template.fromStack(stack);
}

function apiProperties(template: Template): Record<string, unknown> {
  const apis = Object.values(template.findResources('AWS::ApiGatewayV2::Api'));
  expect(apis).toHaveLength(1);
  return apis[0]?.Properties as Record<string, unknown>;
}

describe('OtpHttpApi CORS', () => {
  it('configures the HTTP API for exactly the allowed origins, with the methods and headers of the API', () => {
    const template = synthApi({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });

    expect(apiProperties(template).CorsConfiguration).toEqual({
      AllowOrigins: ['https://app.example.com', 'http://localhost:5173'],
      AllowMethods: ['GET', 'POST', 'DELETE'],
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: ['retry-after', 'www-authenticate'],
      MaxAge: 7200,
      AllowCredentials: false,
    });
  });

  it('has no CORS configuration by default, nor for an empty list', () => {
    synthApi().hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
    synthApi({ allowedOrigins: [] }).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.absent(),
    });
  });

  it('allows every method of the route table, so no route is refused at preflight', () => {
    const methods = new Set(ROUTES.map((route) => route.method));

    expect([...methods].filter((method) => !CORS_POLICY.allowMethods.includes(method))).toEqual([]);
    expect([...CORS_POLICY.allowMethods].sort()).toEqual([...methods].sort());
  });

  it('allows any origin with * outside production', () => {
    const template = synthApi({ allowedOrigins: ['*'], production: false });

    expect(apiProperties(template).CorsConfiguration).toMatchObject({ AllowOrigins: ['*'], AllowCredentials: false });
  });

  it('refuses * in production at synth', () => {
    expect(() => synthApi({ allowedOrigins: ['*'], production: true })).toThrow(
      /CorsTest\/Http: allowedOrigins must not be "\*" in production/,
    );
  });

  it('accepts exact origins in production', () => {
    const template = synthApi({ allowedOrigins: ['https://app.example.com'], production: true });

    expect(apiProperties(template).CorsConfiguration).toMatchObject({ AllowOrigins: ['https://app.example.com'] });
  });

  it.each([
    ['a trailing slash', ['https://app.example.com/'], /"https:\/\/app\.example\.com\/", not an origin/],
    ['no scheme', ['app.example.com'], /"app\.example\.com", not an origin/],
    ['* next to an origin', ['*', 'https://app.example.com'], /"\*" next to other origins/],
  ])('refuses an origin list with %s at synth, as it could never match', (_why, allowedOrigins, message) => {
    expect(() => synthApi({ allowedOrigins })).toThrow(message);
  });
});
