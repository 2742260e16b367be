/**
 * The enrolment routes as a client calls them, over the test app: options, register, list, remove,
 * each with the claims API Gateway's authorizer would pass for the access token.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { createSoftAuthenticator, type SoftAuthenticator } from './soft-authenticator.js';
import { apiEvent, authorizerClaimsOf, type TestApp, type TestResponse } from './test-app.js';

/** An answer as a client saw it, for a check of the contract (test/contract/openapi-contract.ts). */
export interface SeenAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The test app's issuer (https://auth.test) as WebAuthn sees it: the default RP ID and origin. */
export const TEST_ORIGIN = 'https://auth.test';
export const TEST_RP_ID = 'auth.test';

export interface PasskeyClient {
  options(): Promise<TestResponse>;
  register(credential: unknown, name?: unknown): Promise<TestResponse>;
  list(): Promise<TestResponse>;
  remove(id: string): Promise<TestResponse>;
}

/**
 * The four routes for one access token (or the claims to present instead of its own). `check` sees
 * every answer before the test does (the contract tests check it against docs/openapi.yaml; not
 * imported here, so the mutation runs, which leave test/contract out, can use this helper).
 */
export function passkeyClient(
  app: TestApp,
  token: string | Record<string, string>,
  check: (answer: SeenAnswer) => void = () => {},
): PasskeyClient {
  const claims = typeof token === 'string' ? authorizerClaimsOf(token) : token;
  const invoke = async (event: ApiEvent): Promise<TestResponse> => {
    const result = await app.handlers.passkeys(event);
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
    const text = result.body ?? '';
    const status = result.statusCode ?? 200;
    check({ method: event.requestContext.http.method, path: event.rawPath, status, headers, body: text });
    return { status, headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    options: () => invoke(apiEvent('POST', '/me/passkeys/options', {}, { claims })),
    register: (credential, name) =>
      invoke(apiEvent('POST', '/me/passkeys', { credential, ...(name === undefined ? {} : { name }) }, { claims })),
    list: () => invoke(apiEvent('GET', '/me/passkeys', undefined, { claims })),
    remove: (id) => invoke(apiEvent('DELETE', `/me/passkeys/${id}`, undefined, { claims })),
  };
}

type CreationOptions = Parameters<SoftAuthenticator['createCredential']>[0];

/** Asks for options and answers them with a new software authenticator (not yet registered). */
export async function answeredOptions(
  client: PasskeyClient,
  authenticator: {
    alg?: 'ES256' | 'EdDSA';
    origin?: string;
    rpId?: string;
    flags?: number;
    credentialId?: Uint8Array;
    coseKeyPadding?: Uint8Array;
  } = {},
) {
  const options = await client.options();
  if (options.status !== 200) throw new Error(`options answered ${options.status} ${JSON.stringify(options.body)}`);
  const device = createSoftAuthenticator({ origin: TEST_ORIGIN, ...authenticator });
  const credential = device.createCredential(options.body as unknown as CreationOptions);
  return { options: options.body, device, credential };
}

/** Enrols one passkey end to end; throws unless it is created. */
export async function enrolledPasskey(client: PasskeyClient, alg: 'ES256' | 'EdDSA' = 'ES256', name?: string) {
  const { device, credential } = await answeredOptions(client, { alg });
  const created = await client.register(credential, name);
  if (created.status !== 201) throw new Error(`register answered ${created.status} ${JSON.stringify(created.body)}`);
  return { device, credential, created: created.body };
}

/** Every item of the app's table, sorted: equal before and after means nothing was written. */
export async function allItems(app: TestApp): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await createDocumentClient(app.client).send(new ScanCommand({ TableName: app.tableName }));
  return Items.sort((x, y) => `${x.pk}${x.sk}`.localeCompare(`${y.pk}${y.sk}`));
}

/** The user's passkey item as stored, or undefined. */
export async function passkeyItem(app: TestApp, sub: string): Promise<Record<string, unknown> | undefined> {
  return (await allItems(app)).find((item) => item.pk === `PASSKEYS#${sub}`);
}
