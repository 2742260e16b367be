import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileKeySource } from '../../lambdas/adapters/file-key-source.js';
import type { KeySet } from '../../lambdas/core/signing-keys.js';
import { redact } from '../../lambdas/http/telemetry.js';
import { startDynamoDbEngine } from '../../scripts/dynamodb-engine.js';
import { readLocalEndpoint } from '../../scripts/local-endpoint.js';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { main } from '../../scripts/users.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

/** The local server in this process, against the test run's DynamoDB, with its own data directory. */
const PROBE_DEADLINE_MS = 5_000;
const PROBE_INTERVAL_MS = 20;
const PHONE = '+919876543210';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function localEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, ...extra };
}

type Probe =
  | { kind: 'refused' }
  | { kind: 'hung' }
  | { kind: 'answered'; status: number; code: unknown; retryAfter: string | null };

/** One GET with a deadline: a request the server accepts and never answers shows up as `hung`. */
async function probe(url: string): Promise<Probe> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_DEADLINE_MS) });
    const body = (await response.json()) as { code?: unknown };
    return {
      kind: 'answered',
      status: response.status,
      code: body.code,
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { kind: 'hung' };
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return { kind: 'refused' };
    throw error;
  }
}

describe('startLocalServer while it starts', () => {
  let dataDir: string;
  let server: LocalServer | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-local-start-'));
  });
  afterEach(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every request from the first millisecond: 503 service_unavailable with Retry-After, then 200', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    // Seeded users and a first-run key make start-up long enough for many probes to land in it.
    const seed = Array.from({ length: 30 }, (_, i) => `+1201555${String(1000 + i)}`).join(',');
    let ready = false;
    const starting = startLocalServer({ env: localEnv(dataDir, { SEED_USERS: seed }), port, log: () => {} });
    void starting.then(() => {
      ready = true;
    });

    const probes: Promise<Probe>[] = [];
    while (!ready) {
      probes.push(probe(url));
      await sleep(PROBE_INTERVAL_MS);
    }
    server = await starting;
    probes.push(probe(url));
    const outcomes = await Promise.all(probes);

    const starting503 = { kind: 'answered', status: 503, code: 'service_unavailable', retryAfter: '1' };
    const ok = { kind: 'answered', status: 200, code: undefined, retryAfter: null };
    expect(outcomes.filter((o) => o.kind === 'hung')).toEqual([]);
    for (const outcome of outcomes) expect([{ kind: 'refused' }, starting503, ok]).toContainEqual(outcome);
    expect(outcomes).toContainEqual(starting503);
    expect(outcomes.at(-1)).toEqual(ok);
  });
});

describe('startLocalServer with a country code the phone library does not know', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-local-config-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['SEND_MAX_PER_COUNTRY_PER_HOUR', 'UK=100,EL=50', /SEND_MAX_PER_COUNTRY_PER_HOUR names UK, .*did you mean GB\?/],
    ['SMS_TEMPLATES', '{"ZZ":"Code {code}"}', /SMS_TEMPLATES names ZZ, a country code the phone library/],
    ['ALLOWED_COUNTRIES', 'IN,EL', /ALLOWED_COUNTRIES names EL, .*did you mean GR\?/],
  ])('refuses to start with %s=%s, naming the setting and the code', async (name, value, message) => {
    const starting = startLocalServer({
      env: localEnv(dataDir, { [name]: value }),
      port: await freePort(),
      log: () => {},
    });

    await expect(starting).rejects.toThrow(message);
  });
});

describe('the local server', () => {
  let dataDir: string;
  let server: LocalServer;
  let keys: KeySet;
  /** The user of PHONE, logged in once with its fixed test code: /me answers only for a user that exists. */
  let sub: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-local-server-'));
    server = await startLocalServer({
      env: localEnv(dataDir, { TEST_PHONE_NUMBERS: `${PHONE}:123456` }),
      port: 0,
      log: (line) => lines.push(line),
      handlers: {
        'well-known': async () => {
          throw new Error(`SMS to ${PHONE} failed`);
        },
      },
    });
    keys = await new FileKeySource(join(dataDir, 'signing-keys.json')).load();
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/send-otp', { phone_number: PHONE })).status).toBe(200);
    const verified = (await (await post('/verify-otp', { phone_number: PHONE, otp: '123456' })).json()) as {
      access: string;
    };
    sub = String(decodeJwt(verified.access).sub);
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('/me, behind the local stand-in for API Gateway JWT authorizer', () => {
    const now = () => Math.floor(Date.now() / 1000);

    function accessToken(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
      return new SignJWT({ token_use: 'access', phone_number: PHONE, sub, ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.signing.kid, ...header })
        .sign(keys.signing.key);
    }

    function validClaims(): Record<string, unknown> {
      return { iss: server.url, aud: 'otp-login', iat: now(), exp: now() + 300 };
    }

    async function me(
      authorization: string,
    ): Promise<{ status: number; body: unknown; challenge: string | null; nosniff: string | null }> {
      const response = await fetch(`${server.url}/me`, {
        headers: { authorization },
        signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
      });
      return {
        status: response.status,
        body: await response.json(),
        challenge: response.headers.get('www-authenticate'),
        nosniff: response.headers.get('x-content-type-options'),
      };
    }

    it('accepts a token that passes every documented check', async () => {
      const token = await accessToken({}, validClaims());

      expect(await me(`Bearer ${token}`)).toEqual({
        status: 200,
        body: { sub, phone_number: PHONE, phone_number_verified: true },
        challenge: null,
        nosniff: 'nosniff',
      });
    });

    it.each([
      ['without a kid', { kid: undefined }, {}],
      ['issued ten hours in the future', {}, { iat: now() + 36_000 }],
    ])('refuses a token %s, as API Gateway does', async (_, header, claims) => {
      const token = await accessToken(header, { ...validClaims(), ...claims });

      expect(await me(`Bearer ${token}`)).toEqual({
        status: 401,
        body: expect.objectContaining({ code: 'invalid_token' }),
        challenge: 'Bearer error="invalid_token"',
        // A refusal keeps every error's own headers, the challenge added on top.
        nosniff: 'nosniff',
      });
    });
    it('hands auth_time to the recent-login routes as API Gateway does: an old login is 403, a fresh one gets through', async () => {
      const call = async (method: string, path: string, authTime: number, body?: unknown) => {
        const token = await accessToken({}, { ...validClaims(), auth_time: authTime });
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
        });
        return { status: response.status, body: await response.json() };
      };

      expect(await call('DELETE', '/me', now() - 3600)).toMatchObject({
        status: 403,
        body: { code: 'recent_login_required' },
      });
      // A fresh login reaches the use case, which refuses the user's own number before any write.
      expect(await call('POST', '/me/phone-number', now(), { phone_number: PHONE })).toMatchObject({
        status: 400,
        body: { code: 'invalid_request' },
      });
    });
  });

  describe('on an error no handler caught', () => {
    it('answers 500 and logs the cause with phone numbers masked', async () => {
      const response = await fetch(`${server.url}/.well-known/jwks.json`, {
        signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
      });

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'Internal error.', code: 'internal_error' });
      const logged = lines.filter((line) => line.startsWith('local server error:'));
      expect(logged).toEqual([expect.stringContaining(redact(`Error: SMS to ${PHONE} failed`))]);
      expect(logged[0]).toMatch(/^local server error: Error: SMS to \S+3210 failed\n\s+at /);
      expect(lines.join('\n')).not.toContain(PHONE.slice(1));
    });
  });
});

describe('/me when the published keys cannot be read', () => {
  it('answers 503 service_unavailable with Retry-After, as every route does when DynamoDB is unreachable', async () => {
    // An engine of its own, stopped under the running server; no key cache, so /me must read it.
    const engine = await startDynamoDbEngine({ engine: 'dynalite' });
    const dataDir = await mkdtemp(join(tmpdir(), 'otp-local-'));
    const server = await startLocalServer({
      env: {
        ...testDynamoDbEnv(),
        AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
        LOCAL_DATA_DIR: dataDir,
        KEY_CACHE_SECONDS: '0',
      },
      port: 0,
      log: () => {},
    });
    try {
      const me = () =>
        fetch(`${server.url}/me`, {
          headers: { authorization: 'Bearer x.y.z' },
          signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
        });
      expect((await me()).status).toBe(401);

      await engine.stop();
      const response = await me();

      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'service_unavailable' });
      expect(response.headers.get('retry-after')).toBe('1');
    } finally {
      await server.close();
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the local server and npm run users on one data directory', () => {
  it('announces its engine, so the CLI works through it; refuses a second server; removes the file at stop', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'otp-local-users-'));
    // Its own engine (no AWS_ENDPOINT_URL_DYNAMODB): the case where two engines could open one directory.
    const server = await startLocalServer({ env: { LOCAL_DATA_DIR: dataDir }, port: 0, log: () => {} });
    try {
      const announced = await readLocalEndpoint(dataDir);
      expect(announced).toMatchObject({ pid: process.pid, endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) });

      const out: string[] = [];
      const io = { stdout: (text: string) => out.push(text), stderr: (text: string) => out.push(text) };
      expect(await main(['add', PHONE], { LOCAL_DATA_DIR: dataDir }, io)).toBe(0);
      expect(await main(['show', PHONE, '--json'], { LOCAL_DATA_DIR: dataDir }, io)).toBe(0);
      expect(JSON.parse(out.at(-1) ?? '{}')).toMatchObject({ status: 'active' });
      // The user the CLI added is the server's: it logs in through the API.
      const sent = await fetch(`${server.url}/send-otp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: PHONE }),
      });
      expect(sent.status).toBe(200);

      await expect(startLocalServer({ env: { LOCAL_DATA_DIR: dataDir }, port: 0, log: () => {} })).rejects.toThrow(
        /another npm start \(pid \d+\) is serving/,
      );
    } finally {
      await server.close();
    }
    expect(await readLocalEndpoint(dataDir)).toBeUndefined();
    await rm(dataDir, { recursive: true, force: true });
  });
});
