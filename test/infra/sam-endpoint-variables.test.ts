import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINT_URL_VARIABLES } from '../../lib/otp-auth-stack.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Stops a request once it is built, before any network: what remains is where it would have gone. */
class Destination extends Error {
  constructor(readonly url: string) {
    super(url);
  }
}

type Client = DynamoDBClient | SecretsManagerClient | SNSClient;

const SERVICES = {
  [ENDPOINT_URL_VARIABLES.table]: {
    client: () => new DynamoDBClient({ region: REGION, credentials: CREDENTIALS }),
    command: () => new GetItemCommand({ TableName: 't', Key: { pk: { S: 'p' }, sk: { S: 's' } } }),
    regional: `https://dynamodb.${REGION}.amazonaws.com/`,
  },
  [ENDPOINT_URL_VARIABLES.signingKey]: {
    client: () => new SecretsManagerClient({ region: REGION, credentials: CREDENTIALS }),
    command: () => new GetSecretValueCommand({ SecretId: 's' }),
    regional: `https://secretsmanager.${REGION}.amazonaws.com/`,
  },
  [ENDPOINT_URL_VARIABLES.sms]: {
    client: () => new SNSClient({ region: REGION, credentials: CREDENTIALS }),
    command: () => new PublishCommand({ PhoneNumber: '+919876543210', Message: 'm' }),
    regional: `https://sns.${REGION}.amazonaws.com/`,
  },
} as const;

/** The URL a fresh client, built under the current environment, sends the command to. */
async function destination(variable: keyof typeof SERVICES): Promise<string> {
  const service = SERVICES[variable];
  const client: Client = service.client();
  // One middleware signature for the three clients: their stacks' union type has none in common.
  const stack = client.middlewareStack as unknown as {
    add(middleware: () => (args: { request: unknown }) => Promise<never>, options: { step: 'build' }): void;
  };
  stack.add(
    () => async (args) => {
      const request = args.request as { protocol: string; hostname: string; port?: number; path: string };
      const port = request.port ? `:${request.port}` : '';
      throw new Destination(`${request.protocol}//${request.hostname}${port}${request.path}`);
    },
    { step: 'build' },
  );
  try {
    await (client as { send(command: unknown): Promise<unknown> }).send(service.command());
  } catch (error) {
    if (error instanceof Destination) return error.url;
    throw error;
  } finally {
    client.destroy();
  }
  throw new Error('the request was sent');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

// The stack declares these empty on the deployed functions so that `sam local --env-vars` can set them.
describe.each(Object.keys(SERVICES) as (keyof typeof SERVICES)[])(
  '%s declared empty, as the stack deploys it',
  (variable) => {
    it('leaves the client on its regional endpoint, exactly as when the variable is absent', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL', undefined);
      vi.stubEnv(variable, undefined);
      const unset = await destination(variable);

      vi.stubEnv(variable, '');
      const empty = await destination(variable);

      expect(unset).toBe(SERVICES[variable].regional);
      expect(empty).toBe(unset);
    });

    it('is the variable the SDK reads: set, it moves the client (what sam local --env-vars does)', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL', undefined);
      vi.stubEnv(variable, 'http://127.0.0.1:8000');

      expect(await destination(variable)).toBe('http://127.0.0.1:8000/');
    });
  },
);
