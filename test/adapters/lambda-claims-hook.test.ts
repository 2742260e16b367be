import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaClaimsHook } from '../../lambdas/adapters/lambda-claims-hook.js';
import { askClaimsHook, type ClaimsHookInput } from '../../lambdas/core/claims-hook.js';
import { LAMBDA_CLIENT_CONFIG, lambdaClaims } from '../../lambdas/functions/lambda-runtime.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:claims';
const INPUT: ClaimsHookInput = {
  sub: 'user-1',
  phone_number: '+919876543210',
  country: 'IN',
  amr: ['sms'],
  auth_time: 1_800_000_000,
  event: 'login',
};
const lambda = mockClient(LambdaClient);
// The SDK's blob adapter is a Uint8Array with helpers the adapter does not use.
const payload = (value: string) =>
  new TextEncoder().encode(value) as unknown as NonNullable<InvokeCommandOutput['Payload']>;

afterAll(() => lambda.restore());

describe('lambdaClaimsHook', () => {
  beforeEach(() => lambda.reset());

  it('invokes the function synchronously with the input as its JSON event, passing the deadline signal', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"claims":{"role":"admin"}}') });
    const signal = new AbortController().signal;

    const answer = await lambdaClaimsHook(new LambdaClient({}), ARN)(INPUT, signal);

    expect(answer).toEqual({ claims: { role: 'admin' } });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    const call = lambda.commandCalls(InvokeCommand)[0];
    expect(call?.args[0].input).toEqual({
      FunctionName: ARN,
      InvocationType: 'RequestResponse',
      Payload: JSON.stringify(INPUT),
    });
    // The options `send` was given: the deadline's signal aborts the invoke.
    expect((call?.args as unknown[] | undefined)?.[1]).toEqual({ abortSignal: signal });
  });

  it('fails on a function error without quoting its payload', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload('{"errorMessage":"user +919876543210 has role admin"}'),
    });
    await expect(lambdaClaimsHook(new LambdaClient({}), ARN)(INPUT, new AbortController().signal)).rejects.toThrow(
      /^The claims function failed \(FunctionError Unhandled\)$/,
    );
  });

  it('fails on a result that is not JSON, or none, saying only its length', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, Payload: payload('role=admin') })
      .resolvesOnce({
        StatusCode: 200,
      });
    const hook = lambdaClaimsHook(new LambdaClient({}), ARN);
    await expect(hook(INPUT, new AbortController().signal)).rejects.toThrow(
      "The claims function's result is not JSON (10 characters)",
    );
    await expect(hook(INPUT, new AbortController().signal)).rejects.toThrow(
      "The claims function's result is not JSON (0 characters)",
    );
  });

  it('passes on the SDK error of a refused invoke (throttled, denied)', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {}, Type: 'User' }));
    await expect(lambdaClaimsHook(new LambdaClient({}), ARN)(INPUT, new AbortController().signal)).rejects.toThrow(
      TooManyRequestsException,
    );
  });

  it('answers JSON null as null, for the core to refuse', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('null') });
    expect(await lambdaClaimsHook(new LambdaClient({}), ARN)(INPUT, new AbortController().signal)).toBeNull();
  });
});

describe('lambdaClaims', () => {
  beforeEach(() => lambda.reset());

  it('invokes the function CLAIMS_HOOK_FUNCTION_ARN names, with two attempts at most', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{}') });
    expect(await lambdaClaims({ CLAIMS_HOOK_FUNCTION_ARN: ARN })(INPUT, new AbortController().signal)).toEqual({});
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: ARN });
    expect(LAMBDA_CLIENT_CONFIG.maxAttempts).toBe(2);
  });

  it('refuses to start without CLAIMS_HOOK_FUNCTION_ARN', () => {
    expect(() => lambdaClaims({})).toThrow('Environment variable CLAIMS_HOOK_FUNCTION_ARN is required');
  });
});

describe('the deadline, through a real LambdaClient', () => {
  it('aborts an invoke that never answers: the connection is closed at the deadline', async () => {
    lambda.restore();
    const requests: IncomingMessage[] = [];
    const closed = new Promise<void>((resolve) => {
      const server = createServer((request) => {
        requests.push(request);
        // Never answers; the client's abort is what ends the request.
        request.socket.on('close', () => {
          server.close();
          resolve();
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const client = new LambdaClient({
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
        });
        started = askClaimsHook(lambdaClaimsHook(client, ARN), INPUT, 100);
      });
    });
    let started: ReturnType<typeof askClaimsHook> | undefined;
    await closed;
    expect(await started).toEqual({ ok: false, failure: { reason: 'timeout', timeoutMs: 100 } });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(`/2015-03-31/functions/${encodeURIComponent(ARN)}/invocations`);
  });
});
