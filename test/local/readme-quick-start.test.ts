import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { loadContract } from '../contract/openapi-contract.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const START = '<!-- quick-start';
const END = '<!-- /quick-start -->';
const PHONE = '+919876543210';
const contract = loadContract();

/** The one shell block between the README's quick-start markers, as a reader copies it. */
function quickStartBlock(markdown: string): string {
  const starts = markdown.split(START).length - 1;
  const ends = markdown.split(END).length - 1;
  if (starts !== 1 || ends !== 1) {
    throw new Error(`the README must mark exactly one quick start, found ${starts} start and ${ends} end markers`);
  }
  const marked = markdown.slice(markdown.indexOf(START), markdown.indexOf(END));
  const fenced = /\n```sh\n([\s\S]*?)\n```\n/g;
  const blocks = [...marked.matchAll(fenced)].map((m) => m[1] ?? '');
  if (blocks.length !== 1) throw new Error(`the quick-start markers must hold one sh block, found ${blocks.length}`);
  return `${blocks[0]}\n`;
}

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly requestBody: string;
  readonly status: number;
  readonly body: string;
}

/** Forwards to the local server and records every exchange, each answer checked against the contract. */
async function recordingProxy(target: string, exchanges: Exchange[]): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestBody = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host'),
    );
    const answer = await fetch(`${target}${req.url}`, {
      method,
      headers,
      ...(requestBody ? { body: requestBody } : {}),
    });
    const body = await answer.text();
    const path = new URL(req.url ?? '/', target).pathname;
    contract.check({ method, path, status: answer.status, headers: answer.headers, body });
    exchanges.push({
      method,
      path,
      authorization: req.headers.authorization,
      requestBody,
      status: answer.status,
      body,
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    res.end(body);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the README quick start', () => {
  let dataDir: string;
  let local: LocalServer;
  let proxy: { url: string; server: Server };
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-quick-start-'));
    // A fresh data directory and table, with npm start's settings: the send cooldown included.
    local = await startLocalServer({
      env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, TABLE_NAME: `otp-quick-start-${randomUUID()}` },
      port: 0,
      log: () => {},
    });
    proxy = await recordingProxy(local.url, exchanges);
  });
  afterAll(async () => {
    proxy?.server.close();
    await local?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds exactly one marked shell block', () => {
    expect(quickStartBlock(readFileSync(README, 'utf8'))).toMatch(/^API=\$\{API:-http:\/\/127\.0\.0\.1:3000\}/);
    expect(() => quickStartBlock('```sh\necho\n```\n')).toThrow(/exactly one quick start, found 0 start/);
  });

  it('runs as pasted in bash: send 200, verify gives tokens, /me the number, refresh a new pair, logout 204', async () => {
    const { stdout, stderr, exitCode } = await pasteIntoBash(quickStartBlock(readFileSync(README, 'utf8')), {
      API: proxy.url,
      LOCAL_DATA_DIR: dataDir,
    });
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });

    expect(exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /send-otp 200',
      'POST /verify-otp 200',
      'GET /me 200',
      'POST /token/refresh 200',
      'POST /logout 204',
    ]);
    const [sent, verified, me, refreshed, loggedOut] = exchanges as [Exchange, Exchange, Exchange, Exchange, Exchange];
    expect(JSON.parse(sent.body)).toEqual({ message: 'OTP sent', expires_in: 300 });
    // The code the block read from the outbox is the one the server sent.
    const sms = readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n');
    expect(sms).toHaveLength(1);
    const code = /\b\d{6}\b/.exec(JSON.parse(sms[0] ?? '{}').message)?.[0];
    expect(JSON.parse(verified.requestBody)).toEqual({ phone_number: PHONE, otp: code });

    const tokens = JSON.parse(verified.body);
    expect(tokens).toEqual({
      access: expect.any(String),
      refresh: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
    });
    expect(me.authorization).toBe(`Bearer ${tokens.access}`);
    expect(JSON.parse(me.body)).toEqual({
      sub: decodeJwt(tokens.access).sub,
      phone_number: PHONE,
      phone_number_verified: true,
    });

    expect(JSON.parse(refreshed.requestBody)).toEqual({ refresh: tokens.refresh });
    const rotated = JSON.parse(refreshed.body);
    expect(rotated).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(rotated.refresh).not.toBe(tokens.refresh);
    expect(decodeJwt(rotated.access).sub).toBe(decodeJwt(tokens.access).sub);
    expect(JSON.parse(loggedOut.requestBody)).toEqual({ refresh: rotated.refresh });

    // What the reader sees: every answer, and the logout's status.
    expect(stdout.split('\n')).toEqual([sent.body, verified.body, me.body, refreshed.body, '204', '']);
    // The session is over.
    const after = await fetch(`${local.url}/token/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: rotated.refresh }),
    });
    expect(after.status).toBe(401);
  });
});

/**
 * The block on bash's standard input, as a paste into a terminal runs it, with only what a fresh
 * terminal has: curl and node on the PATH (no jq). `-eu -o pipefail` so that a failing step stops it.
 */
async function pasteIntoBash(
  block: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eu', '-o', 'pipefail', '-s'], {
    env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: env.LOCAL_DATA_DIR, ...env },
    cwd: env.LOCAL_DATA_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  child.stdin.end(block);
  const exitCode = await new Promise<number | null>((done) => child.once('close', done));
  return { stdout, stderr, exitCode };
}
