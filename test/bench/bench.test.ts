import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../bench/handlers.js';
import { LIBRARY_COST_HANDLERS } from '../../bench/library-cost.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_LIMIT_MS = 170_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runQuickBench(): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', 'bench', '--', '--quick'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a run that overstays can be stopped with everything it started.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      fail(new Error(`npm run bench -- --quick did not finish in ${RUN_LIMIT_MS} ms\n${stderr.slice(-4000)}`));
    }, RUN_LIMIT_MS);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** The printed tables: `== title ==`, a header, a rule, rows whose cells are separated by 2+ spaces. */
function tables(stdout: string): Map<string, { header: string[]; rows: string[][] }> {
  const found = new Map<string, { header: string[]; rows: string[][] }>();
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const title = /^== (.+) ==$/.exec(lines[i] ?? '')?.[1];
    if (!title) continue;
    const header = (lines[i + 1] ?? '').split(/ {2,}/);
    const rows: string[][] = [];
    for (let j = i + 3; j < lines.length && /\S/.test(lines[j] ?? '') && !lines[j]?.startsWith('=='); j++) {
      rows.push((lines[j] ?? '').trim().split(/ {2,}/));
    }
    found.set(title, { header, rows });
  }
  return found;
}

function section(all: ReturnType<typeof tables>, prefix: string) {
  const entry = [...all].find(([title]) => title.startsWith(prefix));
  if (!entry) throw new Error(`no table titled "${prefix}..." in the output`);
  return entry[1];
}

/** The cell under `column` in the row whose first cell is `first`. */
function cell(table: { header: string[]; rows: string[][] }, first: string, column: string): string {
  const index = table.header.indexOf(column);
  if (index === -1) throw new Error(`no column "${column}" in ${table.header.join(' | ')}`);
  const row = table.rows.find((r) => r[0] === first);
  if (!row) throw new Error(`no row "${first}"`);
  return row[index] ?? '';
}

const NUMBER = /^\d[\d,]*(\.\d+)?$/;

describe('npm run bench -- --quick', () => {
  it('exits 0 and prints every figure of issue #5', { timeout: 180_000 }, async () => {
    const run = await runQuickBench();
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    const all = tables(run.stdout);

    const bundles = section(all, 'Bundle size');
    const cold = section(all, 'Cold start');
    for (const { name, clients } of HANDLERS) {
      expect(cell(bundles, name, 'bytes')).toMatch(NUMBER);
      expect(cell(bundles, name, 'gzip bytes')).toMatch(NUMBER);
      expect(cell(cold, name, 'import ms')).toMatch(NUMBER);
      expect(cell(cold, name, 'first response ms')).toMatch(NUMBER);
      expect(cell(cold, name, 'floor import ms')).toMatch(NUMBER);
      // An entry with no SDK client has an empty floor: its ratio means nothing and reads n/a.
      expect(cell(cold, name, 'ratio')).toMatch(clients.length === 0 ? /^n\/a$/ : /^\d+\.\d+x$/);
    }
    for (const name of ['send-otp', 'verify-otp']) {
      expect(section(all, 'Bytes by package').header).toContain(name);
    }

    const libraries = section(all, 'Import cost of the libraries');
    for (const name of LIBRARY_COST_HANDLERS) {
      const rows = libraries.rows.filter((r) => r[0] === name);
      expect(rows.map((r) => r[1])).toEqual([
        'as deployed',
        expect.stringMatching(/^floor \(/),
        expect.stringMatching(/^without libphonenumber-js, Powertools Logger, Powertools Metrics, otplib/),
      ]);
      for (const row of rows) {
        expect(row[libraries.header.indexOf('import ms')]).toMatch(NUMBER);
        expect(row[libraries.header.indexOf('ratio to floor')]).toMatch(/^\d+\.\d+x$/);
      }
      const without = rows.find((r) => r[1]?.startsWith('without')) ?? [];
      expect(without[libraries.header.indexOf('saved ms')]).toMatch(/^-?\d+\.\d+$/);
    }

    const throughput = section(all, 'Warm throughput');
    for (const scenario of ['send-otp', 'verify-otp (wrong code)', 'login (send + verify)']) {
      for (const column of ['req/s', 'p50 ms', 'p99 ms']) expect(cell(throughput, scenario, column)).toMatch(NUMBER);
    }
    expect(cell(throughput, 'login (send + verify)', 'logins/s')).toMatch(NUMBER);

    const overhead = section(all, 'Warm handler overhead');
    for (const route of ['send-otp', 'verify-otp (right code)', 'verify-otp (wrong code)', 'token/refresh']) {
      expect(cell(overhead, route, 'overhead ms')).toMatch(NUMBER);
      expect(cell(overhead, route, 'SDK ms')).toMatch(NUMBER);
    }

    const calls = section(all, 'AWS calls per request');
    for (const route of [
      'POST /send-otp',
      'POST /verify-otp',
      'POST /token/refresh',
      'POST /logout',
      'GET /me',
      'GET /.well-known/jwks.json',
    ]) {
      expect(cell(calls, route, 'DynamoDB calls')).toMatch(NUMBER);
    }
    expect(calls.rows.some((r) => r[0] === 'POST /verify-otp' && r[1] === 'wrong code')).toBe(true);

    expect(section(all, 'Targets').rows.length).toBeGreaterThan(0);
  });
});
