import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeAws } from '../../bench/fake-aws.js';
import { configNamesOf, ENV } from '../../lambdas/config.js';
import { type KeySetDocument, publicJwksOf } from '../../lambdas/core/signing-keys.js';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { FUNCTION_NAMES, FUNCTIONS } from '../../lambdas/registry.js';
import { functionConstructId, functionLogicalId } from '../../lib/function-ids.js';
import { ENDPOINT_URL_VARIABLES, endpointUrlVariables } from '../../lib/otp-auth-stack.js';
import { renderEvents } from '../../scripts/generate-events.js';
import { createTestTable, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type TestTable } from '../helpers/dynamodb.js';
import {
  type CfnTemplate,
  type SamEnvFile,
  type SamFunction,
  samEnvironment,
  samFunction,
} from '../helpers/sam-env.js';
import {
  apiEventFiles,
  functionOf,
  REPUBLISH_KEYS_EVENT,
  readEvent,
  readSamEnvFile,
  withTokens,
} from '../helpers/sam-events.js';
import { type InvokeOutcome, invokeBundle } from '../helpers/sam-invoke.js';
import { synthLikeTheCli } from '../helpers/sam-synth.js';
import { testKeySetDocument } from '../helpers/test-app.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const ROTATION_CDK_PATH = 'OtpLogin/Default/SigningKey/Rotation/Resource';
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login-deployed-AbCdEf';
const OTHER_PHONE = '+12015550199';

/** The credentials SAM takes from the caller's profile; DynamoDB Local accepts any. */
const CREDENTIALS = {
  region: TEST_AWS_REGION,
  key: TEST_AWS_CREDENTIALS.accessKeyId,
  secret: TEST_AWS_CREDENTIALS.secretAccessKey,
};

let workDir: string;
let template: CfnTemplate;
let templateDir: string;
let table: TestTable;
let doc: KeySetDocument;
let fake: Awaited<ReturnType<typeof startFakeAws>>;
let shipped: SamEnvFile;
let envFile: SamEnvFile;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'otp-sam-'));
  const synth = synthLikeTheCli(join(workDir, 'cdk.out'));
  template = synth.template;
  templateDir = dirname(synth.templateFile);
  table = await createTestTable();
  doc = await testKeySetDocument();
  // Stands in for Secrets Manager holding a deployed stack's key set, and for SNS.
  fake = await startFakeAws({ secretString: JSON.stringify(doc), pendingVersionId: 'unused' });
  shipped = readSamEnvFile();
  envFile = onThisMachine(shipped, {
    // DynamoDB Local on the Docker host (host.docker.internal:8000) is the test engine here.
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    // A table of its own: every test file shares the engine, and npm start defaults to otp-login-local too.
    TABLE_NAME: table.tableName,
    // The user pastes the SigningKeySecretArn output of a deployed stack; the fake serves its key set.
    SIGNING_KEY_SECRET_ID: SECRET_ID,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint,
    // Empty in the file (real SNS); the fake here, for the one send to a number that is not a test number.
    AWS_ENDPOINT_URL_SNS: fake.endpoint,
  });
}, 600_000);

afterAll(async () => {
  await fake?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** events/sam-env.json as shipped, with the entries that name this machine's services replaced; each must be in it. */
function onThisMachine(file: SamEnvFile, values: Record<string, string>): SamEnvFile {
  const parameters = { ...(file.Parameters as Record<string, unknown>) };
  for (const [name, value] of Object.entries(values)) {
    if (!Object.hasOwn(parameters, name)) throw new Error(`events/sam-env.json has no ${name}`);
    parameters[name] = value;
  }
  return { ...file, Parameters: parameters };
}

function rotationFunction(): SamFunction {
  const [logicalId] = Object.entries(template.Resources).find(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === ROTATION_CDK_PATH,
  ) ?? [''];
  return samFunction(template, logicalId);
}

function logicalIdOf(type: string): string {
  const ids = Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === type);
  expect(ids, type).toHaveLength(1);
  return ids[0] ?? '';
}

/** `sam local invoke <id> --event <event> --env-vars <file>`; `{}` for no `--env-vars`. */
function samInvoke(fn: SamFunction, event: unknown, file: SamEnvFile = envFile): Promise<InvokeOutcome> {
  const env = samEnvironment(fn, { envFile: file, credentials: CREDENTIALS, shell: {} });
  return invokeBundle(join(templateDir, fn.codeUri ?? ''), fn.handler, env, event);
}

/** An API event through its own function, answered with status and parsed body. */
async function samInvokeApi(event: ApiEvent): Promise<{ status: number; body: Record<string, unknown> }> {
  const outcome = await samInvoke(samFunction(template, functionConstructId(functionOf(event))), event);
  if (!('result' in outcome))
    throw new Error(`${outcome.phase} ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);
  const result = outcome.result as { statusCode: number; body?: string };
  return { status: result.statusCode, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
}

const api = (name: string, tokens: { refresh?: string; sub?: string; authTime?: number } = {}) =>
  samInvokeApi(withTokens(readEvent(name), tokens));

describe('sam local with the template npm run synth writes', () => {
  it('finds each API function by its construct id, and the rotation by its logical id', () => {
    for (const name of FUNCTION_NAMES) {
      // `sam local invoke <id>`: the construct id (aws:cdk:path OtpLogin/<id>/Resource).
      const fn = samFunction(template, functionConstructId(name));
      expect(fn.logicalId).toBe(functionLogicalId(name));
      expect(fn.codeUri, name).toMatch(/^asset\./);
    }
    // Its aws:cdk:path has four parts, so SAM names it by its logical id only.
    const rotation = rotationFunction();
    expect(rotation.functionId).toBe(rotation.logicalId);
    expect(rotation.logicalId).toMatch(/^SigningKeyRotation[0-9A-F]{8}$/);
  });

  it('from the template alone: ISSUER empty, TABLE_NAME and SIGNING_KEY_SECRET_ID logical ids, endpoints empty', async () => {
    const tableId = logicalIdOf('AWS::DynamoDB::Table');
    const secretId = logicalIdOf('AWS::SecretsManager::Secret');
    for (const name of FUNCTION_NAMES) {
      const env = samEnvironment(samFunction(template, functionConstructId(name)), { credentials: CREDENTIALS });
      // Fn::GetAtt ApiEndpoint is beyond SAM's resolver: the intrinsic stays, and becomes "".
      expect(env.ISSUER, name).toBe('');
      if (FUNCTIONS[name].table) {
        expect(env.TABLE_NAME, name).toBe(tableId);
        expect(env.AWS_ENDPOINT_URL_DYNAMODB, name).toBe('');
      }
      if (FUNCTIONS[name].signingKey) expect(env.SIGNING_KEY_SECRET_ID, name).toBe(secretId);
    }

    // Which is why the env file must set ISSUER: without it verify-otp dies at init.
    const outcome = await samInvoke(samFunction(template, 'VerifyOtp'), readEvent('verify-otp.json'), {});
    expect(outcome).toMatchObject({
      phase: 'init',
      errorType: 'ConfigError',
      errorMessage: 'Environment variable ISSUER is required',
    });
  }, 120_000);

  it('declares on each function every variable sam-env.json sets for it, and the file reaches it whole', () => {
    const parameters = shipped.Parameters as Record<string, string>;
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const fn = samFunction(template, functionConstructId(name));
      const needed = [
        ENV.issuer,
        ...(spec.table ? [ENV.tableName] : []),
        ...(spec.signingKey ? [ENV.signingKeySecretId] : []),
        ...endpointUrlVariables(spec),
        ...configNamesOf(spec.settings),
      ];
      const env = samEnvironment(fn, { envFile: shipped, credentials: CREDENTIALS });
      for (const [variable, value] of Object.entries(parameters)) {
        // SAM drops what a function does not declare, so each function gets exactly what it needs.
        expect(env[variable], `${name} ${variable}`).toBe(needed.includes(variable) ? value : undefined);
      }
    }
    const rotation = samEnvironment(rotationFunction(), { envFile: shipped, credentials: CREDENTIALS });
    for (const variable of [
      ENV.tableName,
      ENV.signingKeySecretId,
      ENDPOINT_URL_VARIABLES.table,
      ENDPOINT_URL_VARIABLES.signingKey,
    ]) {
      expect(rotation[variable], variable).toBe(parameters[variable]);
    }
  });

  it('runs every API event in events/, those npm run generate:events writes, each in its own function: no 5xx', async () => {
    const names = [...renderEvents().keys()].sort();
    expect(apiEventFiles()).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['send-otp.json', 'me.json', 'not-found.json']));
    // The JWKS route answers 503 until the rotation has copied the public keys.
    expect(await samInvoke(rotationFunction(), readEvent(REPUBLISH_KEYS_EVENT))).toMatchObject({ result: null });
    for (const name of names) {
      // As shipped, before a login's tokens are pasted in: an answer of the route, never a failure.
      const { status } = await api(name);
      expect(status, name).toBeGreaterThanOrEqual(200);
      expect(status, name).toBeLessThan(500);
    }
  }, 300_000);

  it('copies the keys, logs in, refreshes, logs out and serves the JWKS: each a fresh process, on DynamoDB Local', async () => {
    // CONTRIBUTING.md's first `sam local` step: the rotation copies the deployed key set's public keys to the table.
    expect(await samInvoke(rotationFunction(), readEvent(REPUBLISH_KEYS_EVENT))).toMatchObject({ result: null });

    expect(await api('send-otp.json')).toMatchObject({ status: 200, body: { message: 'OTP sent' } });
    const verified = await api('verify-otp.json');
    expect(verified.status).toBe(200);
    const issuer = String((shipped.Parameters as Record<string, string>).ISSUER);
    const { payload } = await jwtVerify(String(verified.body.access), createLocalJWKSet({ keys: publicJwksOf(doc) }), {
      issuer,
      audience: 'otp-login',
    });
    expect(payload).toMatchObject({ token_use: 'access', phone_number: '+919876543210' });

    const refreshed = await api('refresh-token.json', { refresh: String(verified.body.refresh) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh).not.toBe(verified.body.refresh);
    expect((await api('logout.json', { refresh: String(refreshed.body.refresh) })).status).toBe(204);

    // A number that is not a test number gets its SMS through AWS_ENDPOINT_URL_SNS.
    const event = readEvent('send-otp.json');
    const toOther = { ...event, body: JSON.stringify({ phone_number: OTHER_PHONE }) };
    expect(await samInvokeApi(toOther)).toMatchObject({ status: 200, body: { message: 'OTP sent' } });

    // The JWKS route serves what the rotation copied: the keys that signed the token above.
    expect(await api('jwks.json')).toEqual({ status: 200, body: { keys: publicJwksOf(doc) } });
  }, 300_000);

  it('serves the discovery document under the env file issuer, and the contract', async () => {
    const issuer = String((shipped.Parameters as Record<string, string>).ISSUER);
    expect(await api('openid-configuration.json')).toMatchObject({
      status: 200,
      body: { issuer, jwks_uri: `${issuer}/.well-known/jwks.json` },
    });
    const contract = await api('openapi.json');
    expect(contract.status).toBe(200);
    expect(contract.body.openapi).toMatch(/^3\.1\./);
  }, 300_000);

  it('me answers the claims of events/me.json with the sub of a login; start-api sends none: 401', async () => {
    expect(await samInvoke(rotationFunction(), readEvent(REPUBLISH_KEYS_EVENT))).toMatchObject({ result: null });
    expect((await api('send-otp.json')).status).toBe(200);
    const verified = await api('verify-otp.json');
    const sub = String(decodeJwt(String(verified.body.access)).sub);
    const event = withTokens(readEvent('me.json'), { sub });
    const { authorizer, ...withoutClaims } = event.requestContext as typeof event.requestContext & {
      authorizer: { jwt: { claims: Record<string, string> } };
    };
    expect(await api('me.json', { sub })).toEqual({
      status: 200,
      body: { sub, phone_number: authorizer.jwt.claims.phone_number, phone_number_verified: true },
    });
    expect(await samInvokeApi({ ...event, requestContext: withoutClaims } as ApiEvent)).toMatchObject({
      status: 401,
      body: { code: 'invalid_token' },
    });
  }, 300_000);

  it('changes the number with the second test number, then deletes the account: each a fresh process', async () => {
    expect((await api('send-otp.json')).status).toBe(200);
    const verified = await api('verify-otp.json');
    const { sub: loggedIn, auth_time: authTime } = decodeJwt(String(verified.body.access));
    const sub = String(loggedIn);
    const tokens = { sub, authTime: Number(authTime) };

    expect(await api('change-phone-number.json', tokens)).toMatchObject({
      status: 200,
      body: { message: 'OTP sent' },
    });
    const moved = await api('verify-phone-number.json', tokens);
    expect(moved.status).toBe(200);
    expect(decodeJwt(String(moved.body.access))).toMatchObject({ sub, phone_number: '+919876543211' });

    // The claims of the tokens the move returned: the new number, and the new session epoch.
    const deletion = JSON.parse(
      JSON.stringify(withTokens(readEvent('delete-account.json'), tokens))
        .replaceAll('+919876543210', '+919876543211')
        .replaceAll('"session_epoch":"0"', `"session_epoch":"${decodeJwt(String(moved.body.access)).session_epoch}"`),
    ) as ApiEvent;
    expect(await samInvokeApi(deletion)).toMatchObject({ status: 204 });
    expect((await api('refresh-token.json', { refresh: String(moved.body.refresh) })).status).toBe(401);
  }, 300_000);

  it('$default answers an unknown path with JSON 404', async () => {
    expect(await api('not-found.json')).toMatchObject({ status: 404, body: { code: 'not_found' } });
  }, 120_000);
});
