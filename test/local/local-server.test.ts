import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

/** The local server in this process, against the test run's DynamoDB, with its own data directory. */
const PROBE_DEADLINE_MS = 5_000;
const PROBE_INTERVAL_MS = 20;

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
