import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUrl } from '../../scripts/local-demo.js';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request with the target sent exactly as written: fetch would resolve `..` before sending it. */
async function raw(server: LocalServer, method: string, target: string): Promise<Answer> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PACKAGE_JSON = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
const PAGE = readFileSync(new URL('../../examples/web/index.html', import.meta.url), 'utf8');
const MODULE = readFileSync(new URL('../../examples/web/app.js', import.meta.url), 'utf8');

describe('the local server serves the browser demo from examples/web/ at /demo/', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'otp-local-demo-'));
    server = await startLocalServer({
      env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, TABLE_NAME: `otp-local-demo-${randomUUID()}` },
      port: 0,
      log: () => {},
    });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the page at /demo/ as HTML, with a policy that runs only its own module', async () => {
    const page = await raw(server, 'GET', '/demo/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'; script-src 'self'; connect-src 'self';/,
    );
    expect(page.body).toBe(PAGE);
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
  });

  it('serves the module as JavaScript (a browser refuses a module of any other type) and the stylesheet as CSS', async () => {
    const module = await raw(server, 'GET', '/demo/app.js');
    expect(module.status).toBe(200);
    expect(module.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(module.body).toBe(MODULE);
    const style = await raw(server, 'GET', '/demo/style.css');
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('redirects /demo to /demo/, where the page relative URLs resolve', async () => {
    const answer = await raw(server, 'GET', '/demo');
    expect(answer.status).toBe(308);
    expect(answer.headers.location).toBe('/demo/');
  });

  it('answers HEAD with the headers and no body, and any other method 405 with Allow', async () => {
    const head = await raw(server, 'HEAD', '/demo/app.js');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(head.body).toBe('');
    const post = await raw(server, 'POST', '/demo/');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(post.body)).toEqual({ error: 'Method not allowed.', code: 'method_not_allowed' });
  });

  it.each([
    '/demo/README.md',
    '/demo/missing.js',
    '/demo/index.html/',
    '/demo/sub/app.js',
    '/demo/.app.js',
    '/demo/APP.JS',
  ])('answers 404 not_found for %s: only the page, its module and its stylesheet are served', async (target) => {
    const answer = await raw(server, 'GET', target);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Not found.', code: 'not_found' });
  });

  it.each([
    '/demo/../package.json',
    '/demo/../../../../etc/passwd',
    '/demo/%2e%2e/package.json',
    '/demo/..%2fpackage.json',
    '/demo/..%2f..%2fpackage.json',
    '/demo/%2e%2e%2fpackage.json',
    '/demo/..%5cpackage.json',
    '/demo/..\\package.json',
    '/demo//work/package.json',
    '/demo/%00app.js',
    '/demo/app.js%00.html',
  ])('serves nothing outside examples/web/ for %s: 404 not_found', async (target) => {
    const answer = await raw(server, 'GET', target);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Not found.', code: 'not_found' });
    expect(answer.body).not.toContain('"name": "otp-login"');
    expect(PACKAGE_JSON).toContain('"name": "otp-login"');
  });

  it('names the demo at localhost, which passkeys accept as an RP ID where 127.0.0.1 is refused', () => {
    expect(server.demoUrl).toBe(`http://localhost:${new URL(server.url).port}/demo/`);
    expect(demoUrl('http://127.0.0.1:3000')).toBe('http://localhost:3000/demo/');
    expect(demoUrl('http://[::1]:3000')).toBe('http://localhost:3000/demo/');
    expect(demoUrl('http://192.168.1.20:3000')).toBe('http://192.168.1.20:3000/demo/');
  });
});
