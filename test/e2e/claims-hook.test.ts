import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../contract/openapi-contract.js';

/**
 * The claims hook through `npm start`, exactly as a developer runs it: CLAIMS_HOOK names the
 * fixture module (test/fixtures/claims-hook.mjs), whose answer the test scripts through a file. Every
 * response is checked against docs/openapi.yaml.
 */
const contract = loadContract();
const FIXTURE = fileURLToPath(new URL('../fixtures/claims-hook.mjs', import.meta.url));
const NO_DEFAULT = fileURLToPath(new URL('../fixtures/claims-hook-no-default.mjs', import.meta.url));

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
  readonly child: ChildProcess;
  readonly url: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

function spawnServer(env: Record<string, string>, port: number, dataDir: string): Started {
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, dataDir, output: () => output, exited };
}

async function startServer(env: Record<string, string>): Promise<Started> {
  const dataDir = await mkdtemp(join(tmpdir(), 'otp-login-claims-'));
  const started = spawnServer(env, await freePort(), dataDir);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not come up in time:\n${started.output()}`)),
      60_000,
    );
    started.child.stdout?.on('data', () => {
      if (started.output().includes(`running at ${started.url}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void started.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${started.output()}`));
    });
  });
  return started;
}

/** Ctrl-C to the whole process group, then waits until the embedded engine is gone too. */
async function stopServer(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode === null && child.signalCode === null) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    } catch {
      // the group is already gone
    }
    await started.exited;
  }
  for (let i = 0; i < 100 && (await processesMentioning(started.dataDir)) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function processesMentioning(text: string): Promise<number> {
  let count = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text) && !cmdline.includes('vitest')) count++;
  }
  return count;
}

function post(url: string, body: unknown) {
  return contract.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function latestCode(dataDir: string, phone: string): Promise<string> {
  const lines = (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8')).trim().split('\n');
  const entry = lines
    .map((l) => JSON.parse(l) as { phone_number: string; message: string })
    .filter((e) => e.phone_number === phone)
    .at(-1);
  return /\d{6}/.exec(entry?.message ?? '')?.[0] ?? '';
}

describe('npm start with CLAIMS_HOOK', () => {
  let server: Started;
  let answerFile: string;
  const script = (value: unknown) => writeFile(answerFile, JSON.stringify(value));
  beforeAll(async () => {
    answerFile = join(await mkdtemp(join(tmpdir(), 'otp-login-claims-answer-')), 'answer.json');
    await script({ mode: 'echo' });
    server = await startServer({
      CLAIMS_HOOK: FIXTURE,
      CLAIMS_HOOK_TIMEOUT_MS: '100',
      CLAIMS_FIXTURE_ANSWER_FILE: answerFile,
    });
  }, 90_000);
  afterAll(async () => {
    if (server) await stopServer(server);
  }, 30_000);

  it('says at start which module answers, and within what deadline', () => {
    expect(server.output()).toContain(`claims hook: ${FIXTURE} (CLAIMS_HOOK), deadline 100 ms`);
  });

  it('adds the claims to the login and the refresh, asking with the documented input each time', async () => {
    const phone = '+919876543210';
    expect((await post(`${server.url}/send-otp`, { phone_number: phone })).status).toBe(200);
    const verified = await post(`${server.url}/verify-otp`, {
      phone_number: phone,
      otp: await latestCode(server.dataDir, phone),
    });
    expect(verified.status).toBe(200);
    const login = decodeJwt(String(verified.body.access));
    expect(login).toMatchObject({ tenant: 'fixture', phone_number: phone });
    expect(login.seen).toStrictEqual({
      sub: login.sub,
      phone_number: phone,
      country: 'IN',
      amr: ['sms'],
      auth_time: login.auth_time,
      event: 'login',
    });

    await script({ mode: 'answer', answer: { claims: { tenant: 'fixture', role: 'admin' } } });
    const refreshed = await post(`${server.url}/token/refresh`, { refresh: verified.body.refresh });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access))).toMatchObject({ tenant: 'fixture', role: 'admin' });
  });

  it('answers 503 with Retry-After for a hook that fails, is late or sets a reserved claim; the code and the refresh token still work', async () => {
    const phone = '+919876543211';
    const other = '+919876543212';
    await script({ mode: 'echo' });
    await post(`${server.url}/send-otp`, { phone_number: phone });
    const code = await latestCode(server.dataDir, phone);
    const first = await post(`${server.url}/verify-otp`, { phone_number: phone, otp: code });
    expect(first.status).toBe(200);
    // Another number's code: a second code to the first number would wait out its send cooldown.
    expect((await post(`${server.url}/send-otp`, { phone_number: other })).status).toBe(200);
    const second = await latestCode(server.dataDir, other);

    for (const answer of [
      { mode: 'throw' },
      { mode: 'hang' },
      { mode: 'answer', answer: { claims: { session_epoch: 9 } } },
      { mode: 'answer', answer: { claims: { pad: 'x'.repeat(2100) } } },
      { mode: 'answer', answer: 'not an object' },
    ]) {
      await script(answer);
      const refused = await post(`${server.url}/verify-otp`, { phone_number: other, otp: second });
      expect(refused.status, JSON.stringify(answer)).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body).toEqual({ error: 'The service is busy. Try again shortly.', code: 'service_unavailable' });
      expect((await post(`${server.url}/token/refresh`, { refresh: first.body.refresh })).status).toBe(503);
    }

    await script({ mode: 'echo' });
    expect((await post(`${server.url}/verify-otp`, { phone_number: other, otp: second })).status).toBe(200);
    expect((await post(`${server.url}/token/refresh`, { refresh: first.body.refresh })).status).toBe(200);
    // The reason is logged; the number is not (the console's SMS outbox lines, not logs, show it).
    const logs = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .join('\n');
    expect(logs).toContain('claims hook set the reserved claim session_epoch');
    expect(logs).toContain('claims hook timed out after 100 ms');
    expect(logs).toContain('"message":"claims hook failed"');
    expect(logs).not.toContain(phone);
    expect(logs).not.toContain(other);
  });
});

describe('npm start with a CLAIMS_HOOK it cannot use', () => {
  it.each([
    ['a path that does not exist', '/nonexistent/claims.mjs', /CLAIMS_HOOK: cannot load \/nonexistent\/claims\.mjs: /],
    [
      'a module without a default function',
      NO_DEFAULT,
      new RegExp(
        `CLAIMS_HOOK: ${NO_DEFAULT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no default export that is a function`,
      ),
    ],
  ])(
    'stops at once for %s, saying so',
    async (_, path, message) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'otp-login-claims-bad-'));
      const started = spawnServer({ CLAIMS_HOOK: path }, await freePort(), dataDir);
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain('otp-login local server failed to start: ');
      expect(started.output()).toMatch(message);
      // Nothing was started: no engine left running on the data directory.
      expect(await processesMentioning(dataDir)).toBe(0);
    },
    60_000,
  );
});
