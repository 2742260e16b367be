import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/config.js';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.com';
const DEADLINE_MS = 5_000;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with exactly these headers (fetch would add its own), and the answer's headers by lower-case name. */
function call(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: DEADLINE_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, String(value)])),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} got no answer`)));
    req.on('error', reject);
    req.end();
  });
}

/** The CORS headers of an answer, so a test states all of them at once, absent ones included. */
function corsHeaders(answer: Answer): Record<string, string> {
  return Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  );
}

const PREFLIGHT = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };

async function withDataDir<T>(run: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'otp-local-cors-'));
  try {
    return await run(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('the local server with ALLOWED_ORIGINS, in API Gateway’s place', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-local-cors-'));
    server = await startLocalServer({
      env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, ALLOWED_ORIGINS: `http://localhost:5173,${APP}` },
      port: 0,
      log: () => {},
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a preflight from an allowed origin with 204 and the allow headers, before any route', async () => {
    const answer = await call(`${server.url}/send-otp`, 'OPTIONS', { origin: APP, ...PREFLIGHT });

    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET,POST,DELETE',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '7200',
      vary: 'origin',
    });
  });

  it('answers a preflight for /me too: preflights never reach the JWT authorizer', async () => {
    const answer = await call(`${server.url}/me`, 'OPTIONS', {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });

    expect(answer.status).toBe(204);
    expect(corsHeaders(answer)).toMatchObject({ 'access-control-allow-origin': 'http://localhost:5173' });
  });

  it.each([
    ['another origin', OTHER],
    ['an allowed origin with a trailing slash', `${APP}/`],
    ['an allowed origin on another scheme', 'http://app.example.com'],
  ])('answers a preflight from %s with 204 and no CORS headers, which the browser refuses', async (_, origin) => {
    const answer = await call(`${server.url}/send-otp`, 'OPTIONS', { origin, ...PREFLIGHT });

    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(corsHeaders(answer)).toEqual({});
  });

  it('routes an OPTIONS that is not a preflight like any request: 405 from $default', async () => {
    const answer = await call(`${server.url}/send-otp`, 'OPTIONS', { origin: APP });

    expect(answer.status).toBe(405);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'method_not_allowed' });
    expect(answer.headers.allow).toBe('POST');
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-expose-headers': 'retry-after,www-authenticate',
      vary: 'origin',
    });
  });

  it("adds the allowed origin, the exposed headers and Vary to a function's answer", async () => {
    const answer = await call(`${server.url}/.well-known/openid-configuration`, 'GET', { origin: APP });

    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-expose-headers': 'retry-after,www-authenticate',
      vary: 'origin',
    });
  });

  it("adds them to the authorizer's 401 as well, so the app can read WWW-Authenticate", async () => {
    const answer = await call(`${server.url}/me`, 'GET', { origin: APP, authorization: 'Bearer not-a-jwt' });

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(corsHeaders(answer)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-expose-headers': 'retry-after,www-authenticate',
      vary: 'origin',
    });
  });

  it.each([
    ['another origin', { origin: OTHER }],
    ['no Origin header (not a browser, or same-origin)', {}],
  ])("leaves a function's answer to %s without CORS headers, but varying on Origin for caches", async (_, headers) => {
    const answer = await call(`${server.url}/.well-known/openid-configuration`, 'GET', headers);

    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
    expect(corsHeaders(answer)).toEqual({ vary: 'origin' });
  });
});

describe('the local server without ALLOWED_ORIGINS', () => {
  it('has no CORS at all: a preflight is routed to $default, answered 204 with no CORS headers, so the browser refuses', async () => {
    await withDataDir(async (dataDir) => {
      const server = await startLocalServer({
        env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir },
        port: 0,
        log: () => {},
      });
      try {
        const preflight = await call(`${server.url}/send-otp`, 'OPTIONS', { origin: APP, ...PREFLIGHT });
        const actual = await call(`${server.url}/.well-known/openid-configuration`, 'GET', { origin: APP });

        expect(preflight.status).toBe(204);
        expect(corsHeaders(preflight)).toEqual({ vary: 'origin' });
        expect(actual.status).toBe(200);
        expect(corsHeaders(actual)).toEqual({ vary: 'origin' });
      } finally {
        await server.close();
      }
    });
  });
});

describe('the local server with * in ALLOWED_ORIGINS', () => {
  it('allows any origin with *; the server adds no Vary to its own answers, the functions send theirs', async () => {
    await withDataDir(async (dataDir) => {
      const server = await startLocalServer({
        env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, ALLOWED_ORIGINS: '*' },
        port: 0,
        log: () => {},
      });
      try {
        const preflight = await call(`${server.url}/send-otp`, 'OPTIONS', { origin: OTHER, ...PREFLIGHT });
        const actual = await call(`${server.url}/.well-known/openid-configuration`, 'GET', { origin: OTHER });

        expect(preflight.status).toBe(204);
        expect(corsHeaders(preflight)).toEqual({
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET,POST,DELETE',
          'access-control-allow-headers': 'authorization,content-type',
          'access-control-max-age': '7200',
        });
        expect(corsHeaders(actual)).toEqual({
          'access-control-allow-origin': '*',
          'access-control-expose-headers': 'retry-after,www-authenticate',
          vary: 'origin',
        });
      } finally {
        await server.close();
      }
    });
  });
});

describe('startLocalServer with a malformed ALLOWED_ORIGINS', () => {
  it('refuses to start, naming the variable and the entry', async () => {
    await withDataDir(async (dataDir) => {
      const starting = startLocalServer({
        env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, ALLOWED_ORIGINS: `${APP}/` },
        port: 0,
        log: () => {},
      });

      await expect(starting).rejects.toThrow(ConfigError);
      await expect(starting).rejects.toThrow(/ALLOWED_ORIGINS has "https:\/\/app\.example\.com\/"/);
    });
  });
});
