import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ClaimsHook } from '../core/claims-hook.js';

/**
 * The claims hook as a Lambda function (the construct's `claims`), invoked synchronously with the
 * hook's input as its JSON event; its JSON result is the answer. The deadline's signal aborts the
 * invoke, so a slow function costs no more than the deadline. A function error (`FunctionError`:
 * the function threw, timed out or ran out of memory) fails the hook; so does a result that is not
 * JSON. Neither message quotes the payload, which is the app's and may hold anything.
 */
export function lambdaClaimsHook(client: LambdaClient, functionArn: string): ClaimsHook {
  return async (input, signal) => {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(input),
      }),
      { abortSignal: signal },
    );
    if (output.FunctionError !== undefined) {
      throw new Error(`The claims function failed (FunctionError ${output.FunctionError})`);
    }
    const text = output.Payload === undefined ? '' : new TextDecoder().decode(output.Payload);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`The claims function's result is not JSON (${text.length} characters)`);
    }
  };
}
