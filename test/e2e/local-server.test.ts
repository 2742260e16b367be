import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runChangeNumberFlow } from '../../examples/client/change-number.js';
import { codeFromOutbox } from '../../examples/client/cli.js';
import { runDeleteAccountFlow } from '../../examples/client/delete-account.js';
import { runLoginFlow } from '../../examples/client/login.js';
import {
  confirmNumberChange,
  createOtpLoginClient,
  deleteAccount,
  getMe,
  logoutEverywhere,
  OtpLoginError,
  refreshTokens,
  requestNumberChange,
  sendOtp,
  verifyOtp,
} from '../../examples/client/otp-login-client.js';
import { readLocalEndpoint } from '../../scripts/local-endpoint.js';
import { loadContract, OPENAPI_FILE } from '../contract/openapi-contract.js';
import { streamEventsOf } from '../helpers/stream-events.js';
import { isLoopback, listeningSockets } from './listening-sockets.js';

/**
 * Every response these tests receive is checked against docs/openapi.yaml (status, headers, body):
 * a status the document does not list for the operation fails the test, so the contract clients
 * generate their code from cannot drift from what the server does.
 */
const contract = loadContract();
/** DynamoDB Local takes any credentials. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const run = promisify(execFile);

/** `npm start` exactly as a developer runs it, on a free port, with its own data directory. */
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

interface Started {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
}

async function startServer(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const dataDir = env.LOCAL_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'otp-login-e2e-')));
  const child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(port), LOCAL_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in time:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes(`running at ${url}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, url, dataDir, output: () => output };
}

/** Ctrl-C, as a terminal sends it: to the whole process group. Resolves once the embedded engine is gone too. */
async function stopServer(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    } catch {
      // the group is already gone
    }
    await exited;
  }
  for (let i = 0; i < 100 && (await processesMentioning(started.dataDir)) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes whose command line names the data directory: the server and its DynamoDB Local JVM. */
async function processesMentioning(text: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let count = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text) && !cmdline.includes('vitest')) count++;
  }
  return count;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return contract.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(url: string, headers: Record<string, string> = {}) {
  return contract.fetch(url, { headers });
}

async function latestCode(dataDir: string, phone: string): Promise<string> {
  const lines = (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8')).trim().split('\n');
  const entries = lines.map((l) => JSON.parse(l) as { phone_number: string; message: string; sent_at: string });
  const entry = entries.filter((e) => e.phone_number === phone).at(-1);
  expect(entry?.sent_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  return /\d{6}/.exec(entry?.message ?? '')?.[0] ?? '';
}

interface Envelope {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: { readonly event_id: string; readonly sub: string } & Record<string, unknown>;
}

/** The account events the server has appended, once `ready` holds of them (the poller runs every 250 ms). */
async function eventsOnceThere(dataDir: string, ready: (events: Envelope[]) => boolean): Promise<Envelope[]> {
  let events: Envelope[] = [];
  for (let i = 0; i < 100; i++) {
    const text = await readFile(join(dataDir, 'events.jsonl'), 'utf8').catch(() => '');
    events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Envelope);
    if (ready(events)) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the expected events never came: ${JSON.stringify(events)}`);
}

/**
 * Every socket `npm start` and its children listen on: the server's own, then its engine's. Anyone on
 * the network could otherwise reach DynamoDB (TOTP secrets, any credentials accepted) or the API.
 */
async function expectLoopbackOnly(started: Started): Promise<void> {
  const sockets = await listeningSockets(started.child.pid as number);
  const port = Number(new URL(started.url).port);

  expect(sockets).toContainEqual(expect.objectContaining({ address: '127.0.0.1', port }));
  // The engine listens too; one socket alone would mean the process tree was not seen.
  expect(sockets.filter((s) => s.port !== port).length).toBeGreaterThan(0);
  expect(sockets.filter((s) => !isLoopback(s.address))).toEqual([]);
}

/** Status, headers and body of an HTTP/1.1 response read off a socket, its chunked body joined. */
function parseRawResponse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', payload = ''] = raw.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  let body = payload;
  if (headers['transfer-encoding'] === 'chunked') {
    body = '';
    for (let rest = payload; ; ) {
      const lineEnd = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.slice(0, lineEnd), 16);
      if (!size) break;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      rest = rest.slice(lineEnd + 2 + size + 2);
    }
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
  claims.sub = 'someone-else';
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

describe('npm start (local mode, embedded DynamoDB Local)', () => {
  let server: Started;
  const phone = '+919876543210';

  beforeAll(async () => {
    server = await startServer({ SEED_USERS: '+12015550123', SEND_COOLDOWN_SECONDS: '0', SEND_MAX_PER_HOUR: '20' });
  }, 90_000);
  afterAll(async () => {
    if (server) await stopServer(server);
  });

  // Linux only: the sockets are read from /proc.
  it.runIf(process.platform === 'linux')('listens on loopback only, DynamoDB Local included', async () => {
    expect(server.output()).toContain('DynamoDB: dynamodb-local');
    await expectLoopbackOnly(server);
  });

  it('prints the browser demo at localhost (passkeys refuse IP addresses) and serves it there', async () => {
    const demo = `http://localhost:${new URL(server.url).port}/demo/`;
    expect(server.output()).toContain(`Or in a browser, with passkeys: ${demo}`);
    const page = await fetch(demo);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');
  });

  it('logs in with send-otp, the outbox code and verify-otp, then calls /me', async () => {
    const sent = await post(`${server.url}/send-otp/`, { phone_number: '+91 98765 43210' });
    expect(sent).toMatchObject({ status: 200, body: { message: 'OTP sent', expires_in: 300 } });

    const code = await latestCode(server.dataDir, phone);
    const verified = await post(`${server.url}/verify-otp/`, { phone_number: phone, otp: code });
    expect(verified.status).toBe(200);
    expect(verified.headers.get('cache-control')).toBe('no-store');

    const me = await get(`${server.url}/me`, { authorization: `Bearer ${verified.body.access}` });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ sub: expect.any(String), phone_number: phone, phone_number_verified: true });
  });

  it("appends each account event to events.jsonl as an EventBridge envelope and prints it: the seed user's and a login's UserCreated", async () => {
    const newcomer = '+919876543201';
    await post(`${server.url}/send-otp`, { phone_number: newcomer });
    const verified = await post(`${server.url}/verify-otp`, {
      phone_number: newcomer,
      otp: await latestCode(server.dataDir, newcomer),
    });
    expect(verified.status).toBe(200);
    const sub = JSON.parse(Buffer.from(String(verified.body.access).split('.')[1] ?? '', 'base64url').toString()).sub;

    const events = await eventsOnceThere(server.dataDir, (all) => all.some((e) => e.detail.sub === sub));
    const seeded = events.find((e) => e.detail.via === 'operator');
    const login = events.find((e) => e.detail.sub === sub);
    expect(seeded).toMatchObject({ source: 'otp-login', 'detail-type': 'UserCreated', detail: { country: 'US' } });
    expect(login).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      source: 'otp-login',
      'detail-type': 'UserCreated',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      detail: {
        event_id: expect.stringMatching(/:UserCreated$/),
        sub,
        time: login?.time,
        country: 'IN',
        via: 'login',
      },
    });
    // The console line says what happened and to whom; no number (EVENTS_INCLUDE_PHONE_NUMBER is off).
    expect(server.output()).toContain(`[account event] UserCreated of user ${sub} (IN)`);
    expect(server.output()).not.toMatch(/\[account event\][^\n]*\+\d/);
  });

  it('runs the example client (examples/client) through the whole flow: send, verify, /me, refresh, logout', async () => {
    const steps: string[] = [];
    const result = await runLoginFlow({
      baseUrl: server.url,
      phoneNumber: '+919876543211',
      readCode: codeFromOutbox(join(server.dataDir, 'outbox.jsonl')),
      fetch: contract.checkingFetch,
      log: (line) => steps.push(line),
    });

    expect(result).toEqual({ sub: expect.any(String), codeExpiresIn: 300, accessExpiresIn: 900 });
    expect(steps).toEqual([
      'code sent, valid for 300 s',
      'signed in, access token valid for 900 s',
      `/me: ${result.sub} +919876543211`,
      'refreshed: new access and refresh token, same user',
      'logged out: the session is revoked',
    ]);
  });

  it('answers malformed and refused requests with the documented status, code and headers', async () => {
    const wrongType = await post(
      `${server.url}/send-otp`,
      { phone_number: '+919876543210' },
      { 'content-type': 'text/plain' },
    );
    expect(wrongType).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    expect((await post(`${server.url}/send-otp`, { phone })).body.code).toBe('invalid_request');
    expect((await post(`${server.url}/send-otp`, { phone_number: '12345' })).body.code).toBe('invalid_phone_number');
    expect((await post(`${server.url}/verify-otp`, { phone_number: phone, otp: '12345' })).body.code).toBe(
      'invalid_request',
    );
    expect((await post(`${server.url}/token/refresh`, { refresh: 'not-a-token' })).status).toBe(401);
    expect((await post(`${server.url}/logout`, { refresh: 'not-a-token' })).body.code).toBe('invalid_token');

    // A number nobody has sent a code to: every guess is wrong, and the fifth locks it.
    const guessed = '+919876543212';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await post(`${server.url}/verify-otp`, { phone_number: guessed, otp: '000000' });
      expect(wrong).toMatchObject({ status: 400, body: { code: 'invalid_otp' } });
    }
    const locked = await post(`${server.url}/verify-otp`, { phone_number: guessed, otp: '000000' });
    expect(locked).toMatchObject({ status: 429, body: { code: 'too_many_attempts' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await post(`${server.url}/send-otp`, { phone_number: guessed })).body.code).toBe('too_many_attempts');
  });

  it('refuses /me without a token, with a tampered token, alg none, or a refresh token', async () => {
    await post(`${server.url}/send-otp`, { phone_number: phone });
    const { body } = await post(`${server.url}/verify-otp`, {
      phone_number: phone,
      otp: await latestCode(server.dataDir, phone),
    });
    const [header, payload] = String(body.access).split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    void header;

    for (const authorization of [
      undefined,
      `Bearer ${tamper(body.access)}`,
      `Bearer ${none}`,
      `Bearer ${body.refresh}`,
      'Basic abc',
    ]) {
      const response = await get(`${server.url}/me`, authorization ? { authorization } : {});
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: 'invalid_token' });
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('rotates refresh tokens, revokes the family on reuse, and logs out', async () => {
    await post(`${server.url}/send-otp`, { phone_number: phone });
    const login = await post(`${server.url}/verify-otp`, {
      phone_number: phone,
      otp: await latestCode(server.dataDir, phone),
    });

    const rotated = await post(`${server.url}/token/refresh`, { refresh: login.body.refresh });
    expect(rotated.status).toBe(200);
    expect((await post(`${server.url}/token/refresh`, { refresh: login.body.refresh })).status).toBe(401);
    expect((await post(`${server.url}/token/refresh`, { refresh: rotated.body.refresh })).status).toBe(401);

    await post(`${server.url}/send-otp`, { phone_number: '+12015550123' });
    const seeded = await post(`${server.url}/verify-otp`, {
      phone_number: '+12015550123',
      otp: await latestCode(server.dataDir, '+12015550123'),
    });
    const logout = await post(`${server.url}/logout/`, { refresh: seeded.body.refresh });
    expect(logout.status).toBe(204);
    expect((await post(`${server.url}/logout`, { refresh: seeded.body.refresh })).status).toBe(204);
    expect((await post(`${server.url}/token/refresh`, { refresh: seeded.body.refresh })).status).toBe(401);
  });

  it('changes the number, signs out everywhere and deletes the account, each answer checked against the contract', async () => {
    const first = '+919876543213';
    const second = '+919876543214';
    await post(`${server.url}/send-otp`, { phone_number: first });
    const login = await post(`${server.url}/verify-otp`, {
      phone_number: first,
      otp: await latestCode(server.dataDir, first),
    });
    const bearer = (access: unknown) => ({ authorization: `Bearer ${access}` });

    const requested = await post(`${server.url}/me/phone-number`, { phone_number: second }, bearer(login.body.access));
    expect(requested).toMatchObject({ status: 200, body: { message: 'OTP sent', expires_in: 300 } });
    const moved = await post(
      `${server.url}/me/phone-number/verify`,
      { phone_number: second, otp: await latestCode(server.dataDir, second) },
      bearer(login.body.access),
    );
    expect(moved.status).toBe(200);
    const me = await get(`${server.url}/me`, bearer(moved.body.access));
    expect(me.body).toMatchObject({ phone_number: second });
    expect((await get(`${server.url}/me`, bearer(login.body.access))).status).toBe(401);
    expect((await post(`${server.url}/token/refresh`, { refresh: login.body.refresh })).status).toBe(401);

    expect((await post(`${server.url}/logout`, { refresh: moved.body.refresh, all: true })).status).toBe(204);
    expect((await post(`${server.url}/token/refresh`, { refresh: moved.body.refresh })).status).toBe(401);

    // The signed-out session's access token can no longer touch the account; a new login can.
    const stale = await contract.fetch(`${server.url}/me`, { method: 'DELETE', headers: bearer(moved.body.access) });
    expect(stale).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    await post(`${server.url}/send-otp`, { phone_number: second });
    const again = await post(`${server.url}/verify-otp`, {
      phone_number: second,
      otp: await latestCode(server.dataDir, second),
    });
    const deleted = await contract.fetch(`${server.url}/me`, { method: 'DELETE', headers: bearer(again.body.access) });
    expect(deleted.status).toBe(204);
    expect((await get(`${server.url}/me`, bearer(again.body.access))).status).toBe(401);
  });

  it('runs the account routes through the example client: change the number, sign out everywhere, delete', async () => {
    const client = createOtpLoginClient(server.url, { fetch: contract.checkingFetch });
    const readCode = codeFromOutbox(join(server.dataDir, 'outbox.jsonl'));
    const [first, second] = ['+919876543215', '+919876543216'];
    await sendOtp(client, first);
    const login = await verifyOtp(client, first, await readCode(first));

    expect(await requestNumberChange(client, login.access, second)).toBe(300);
    const moved = await confirmNumberChange(client, login.access, second, await readCode(second));
    expect(await getMe(client, moved.access)).toMatchObject({ phone_number: second });

    const other = await refreshTokens(client, moved.refresh);
    await logoutEverywhere(client, other.refresh);
    await expect(refreshTokens(client, other.refresh)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    await expect(getMe(client, other.access)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });

    await sendOtp(client, second);
    const again = await verifyOtp(client, second, await readCode(second));
    await deleteAccount(client, again.access);
    const gone = await getMe(client, again.access).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(OtpLoginError);
    expect(gone).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('runs the deletion and number-change examples (examples/client) through the typed client', async () => {
    const readCode = codeFromOutbox(join(server.dataDir, 'outbox.jsonl'));
    const steps: string[] = [];
    const log = (line: string) => steps.push(line);
    const [first, second] = ['+919876543217', '+919876543218'];

    const moved = await runChangeNumberFlow({
      baseUrl: server.url,
      phoneNumber: first,
      newPhoneNumber: second,
      readCode,
      fetch: contract.checkingFetch,
      log,
    });
    expect(moved).toEqual({ sub: expect.any(String), phoneNumber: second });
    const deleted = await runDeleteAccountFlow({
      baseUrl: server.url,
      phoneNumber: second,
      readCode,
      fetch: contract.checkingFetch,
      log,
    });
    // The account deleted is the one the number moved with.
    expect(deleted).toEqual({ deletedSub: moved.sub });
    expect(steps).toEqual([
      `signed in as ${moved.sub} on ${first}`,
      `code sent to ${second}, valid for 300 s`,
      `number changed: ${moved.sub} is now on ${second}`,
      'the tokens from before the change are refused; keep the new pair',
      `signed in as ${moved.sub}`,
      'account deleted',
      'its tokens are refused: /me and /token/refresh answer 401 invalid_token',
    ]);
  });

  it('runs the example scripts as a reader does: npx tsx examples/client/<script>.ts <url> <numbers>', async () => {
    const env = { ...process.env, SMS_OUTBOX_FILE: join(server.dataDir, 'outbox.jsonl') };
    const tsx = (script: string, ...args: string[]) =>
      run('npx', ['tsx', `examples/client/${script}.ts`, server.url, ...args], { env, timeout: 60_000 });

    const login = await tsx('login', '+919876543219');
    expect(login.stdout).toMatch(/^code sent, valid for 300 s\n[\s\S]*\ndone: user \S+\n$/);
    const change = await tsx('change-number', '+919876543219', '+919876543220');
    expect(change.stdout).toMatch(
      /\nnumber changed: \S+ is now on \+919876543220\n[\s\S]*\ndone: user \S+ on \+919876543220\n$/,
    );
    const deletion = await tsx('delete-account', '+919876543220');
    expect(deletion.stdout).toMatch(/\naccount deleted\n[\s\S]*\ndone: user \S+ deleted; \+919876543220 is free\n$/);
  }, 90_000);

  it('publishes JWKS (public parts only) and OpenID discovery pointing at it', async () => {
    const discovery = (await get(`${server.url}/.well-known/openid-configuration`)).body as { jwks_uri: string };
    expect(discovery).toMatchObject({ issuer: server.url, jwks_uri: `${server.url}/.well-known/jwks.json` });

    const jwks = (await get(discovery.jwks_uri)).body as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    }
  });

  it('serves its contract at /openapi.json: docs/openapi.yaml as JSON, publicly cacheable', async () => {
    const served = await get(`${server.url}/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.headers.get('cache-control')).toBe('public, max-age=300');
    expect(served.body).toEqual(parse(readFileSync(OPENAPI_FILE, 'utf8')));
  });

  it('answers unknown routes 404, wrong methods 405, a malformed request target 400, huge bodies 413, all as JSON', async () => {
    const missing = await get(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });

    const wrongMethod = await get(`${server.url}/send-otp`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body).toMatchObject({ code: 'method_not_allowed' });
    expect(wrongMethod.headers.get('allow')).toBe('POST');

    const { connect } = await import('node:net');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.end('GET http://[/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      socket.on('data', (d) => {
        text += String(d);
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('"code":"invalid_request"');
    contract.check({ method: 'GET', path: 'http://[/me', ...parseRawResponse(raw) });

    const huge = await post(`${server.url}/send-otp`, JSON.stringify({ phone_number: phone, pad: 'x'.repeat(70_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
  });

  it("writes no secret of the table's images (TOTP and change secrets, token hashes) into events.jsonl", async () => {
    const running = await readLocalEndpoint(server.dataDir);
    if (!running) throw new Error('npm start wrote no endpoint file');
    const client = new DynamoDBClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const stream = await streamEventsOf({ client, tableName: running.tableName, endpoint: running.endpoint });
    try {
      const secrets = new Set<string>();
      for (const record of await stream.allRecords()) {
        for (const raw of [record.dynamodb?.OldImage, record.dynamodb?.NewImage]) {
          const image = raw ? (unmarshall(raw as never) as Record<string, unknown>) : {};
          for (const name of ['totpSecret', 'changeSecret', 'headHash', 'previousHash']) {
            if (typeof image[name] === 'string') secrets.add(image[name]);
          }
        }
      }
      // Users were created and logged in (the tests above also move numbers and rotate tokens).
      expect(secrets.size).toBeGreaterThan(2);
      const written = await readFile(join(server.dataDir, 'events.jsonl'), 'utf8');
      expect(written.split('\n').filter(Boolean).length).toBeGreaterThan(1);
      expect([...secrets].filter((secret) => written.includes(secret))).toEqual([]);
    } finally {
      stream.close();
      client.destroy();
    }
  });

  it('keeps data across a restart, and stops cleanly on Ctrl-C', async () => {
    await post(`${server.url}/send-otp`, { phone_number: phone });
    const login = await post(`${server.url}/verify-otp`, {
      phone_number: phone,
      otp: await latestCode(server.dataDir, phone),
    });
    const jwksBefore = (await get(`${server.url}/.well-known/jwks.json`)).body;

    await stopServer(server);
    expect(server.output()).toContain('SIGINT: stopping');
    expect(await processesMentioning(server.dataDir)).toBe(0);
    server = await startServer({ LOCAL_DATA_DIR: server.dataDir, SEND_COOLDOWN_SECONDS: '0' });

    expect((await get(`${server.url}/.well-known/jwks.json`)).body).toEqual(jwksBefore);
    expect((await post(`${server.url}/token/refresh`, { refresh: login.body.refresh })).status).toBe(200);

    // The poller goes on from its checkpoint: the next event comes, and none before it comes twice.
    const eventsBefore = await eventsOnceThere(server.dataDir, () => true);
    const later = '+919876543202';
    await post(`${server.url}/send-otp`, { phone_number: later });
    await post(`${server.url}/verify-otp`, { phone_number: later, otp: await latestCode(server.dataDir, later) });
    const events = await eventsOnceThere(server.dataDir, (all) => all.length > eventsBefore.length);
    expect(events.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(new Set(events.map((e) => e.detail.event_id)).size).toBe(events.length);
  }, 90_000);
});

describe('npm start under a process manager', () => {
  it('stops, DynamoDB Local included, when only the npm process gets SIGTERM', async () => {
    const server = await startServer({});
    const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
    server.child.kill('SIGTERM');
    await exited;

    for (let i = 0; i < 100 && (await processesMentioning(server.dataDir)) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await processesMentioning(server.dataDir)).toBe(0);
  }, 90_000);
});

describe('npm start with LOCAL_DYNAMODB_ENGINE=dynalite', () => {
  it('logs in over the pure-JS engine', async () => {
    const server = await startServer({ LOCAL_DYNAMODB_ENGINE: 'dynalite' });
    try {
      expect(server.output()).toContain('DynamoDB: dynalite');
      await post(`${server.url}/send-otp`, { phone_number: '+447911123456' });
      const verified = await post(`${server.url}/verify-otp`, {
        phone_number: '+447911123456',
        otp: await latestCode(server.dataDir, '+447911123456'),
      });
      expect(verified.status).toBe(200);
      // No stream, so no events: said once at the start, and no file.
      expect(server.output().match(/dynalite has no streams/g)).toHaveLength(1);
      await expect(readFile(join(server.dataDir, 'events.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);
      if (process.platform === 'linux') await expectLoopbackOnly(server);
    } finally {
      await stopServer(server);
    }
  }, 90_000);
});
