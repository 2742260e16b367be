// The load generator, on its own thread so it does not share an event loop with the server it measures.
// Plain JavaScript: a worker gets no TypeScript loader. workerData:
//   { scenario: 'send-otp' | 'verify-wrong' | 'login', url, seconds, connections, pool?, outboxFile? }
// Posts back one result object.
import { randomInt } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const { scenario, url, seconds, connections, pool = [], outboxFile } = workerData;
const JSON_HEADERS = { 'content-type': 'application/json' };

const randomPhone = () => `+9198${String(randomInt(100_000_000)).padStart(8, '0')}`;

function runAutocannon(requests) {
  const options = { url, connections, duration: seconds, requests };
  return new Promise((done, fail) => {
    // Off the main thread autocannon hands back its raw histograms; aggregating gives the percentiles.
    autocannon(options, (error, raw) =>
      error ? fail(error) : done({ raw, result: autocannon.aggregateResult([raw], options) }),
    );
  });
}

function summarizeAutocannon({ raw, result }) {
  const statuses = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = Number(count);
  return {
    requests: raw.totalCompletedRequests,
    seconds: raw.duration,
    requestsPerSecond: raw.totalCompletedRequests / raw.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

async function sendOtp() {
  return summarizeAutocannon(
    await runAutocannon([
      {
        method: 'POST',
        path: '/send-otp',
        headers: JSON_HEADERS,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ phone_number: randomPhone() }) }),
      },
    ]),
  );
}

async function verifyWrong() {
  let next = 0;
  return summarizeAutocannon(
    await runAutocannon([
      {
        method: 'POST',
        path: '/verify-otp',
        headers: JSON_HEADERS,
        // Round robin over numbers with a pending code: each number sees the same few wrong guesses,
        // far below the attempt budget, so every answer is invalid_otp and none is a lockout.
        setupRequest: (req) => {
          const entry = pool[next++ % pool.length];
          return { ...req, body: JSON.stringify({ phone_number: entry.phone, otp: entry.wrong }) };
        },
      },
    ]),
  );
}

/**
 * The code of each SMS, read from the outbox file the local server appends to. Only the bytes added
 * since the last read are parsed; reads are serialized, and a partial last line waits for the next.
 */
class OutboxCodes {
  offset = 0;
  partial = '';
  codes = new Map();
  reading = undefined;

  async codeFor(phone) {
    for (let tries = 0; tries < 200; tries++) {
      const code = this.codes.get(phone);
      if (code !== undefined) {
        this.codes.delete(phone);
        return code;
      }
      await this.readNew();
      if (!this.codes.has(phone)) await sleep(1);
    }
    throw new Error(`no SMS for ${phone} in the outbox`);
  }

  /** Drops any code already read for `phone`: only an SMS sent after this call may answer codeFor. */
  async forget(phone) {
    await this.readNew();
    this.codes.delete(phone);
  }

  readNew() {
    this.reading ??= this.#read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  async #read() {
    const file = await open(outboxFile, 'r').catch((error) => {
      if (error.code === 'ENOENT') return undefined; // nothing sent yet
      throw error;
    });
    if (!file) return;
    try {
      const { size } = await file.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const { phone_number: phone, message } = JSON.parse(line);
        const code = /\b(\d{6})\b/.exec(message)?.[1];
        if (code) this.codes.set(phone, code);
      }
    } finally {
      await file.close();
    }
  }
}

function post(agent, path, body) {
  return new Promise((done, fail) => {
    const payload = JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent, headers: { ...JSON_HEADERS, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/** `connections` workers, each doing send -> read its code -> verify, back to back, for `seconds`. */
async function login() {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const outbox = new OutboxCodes();
  const latencies = [];
  const statuses = {};
  let errors = 0;
  const count = (status) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const phone = randomPhone();
      // A random number may repeat one used earlier in the run: never answer with that older code.
      await outbox.forget(phone);
      const began = performance.now();
      try {
        const sent = await post(agent, '/send-otp', { phone_number: phone });
        count(sent.status);
        if (sent.status !== 200) continue;
        const code = await outbox.codeFor(phone);
        const verified = await post(agent, '/verify-otp', { phone_number: phone, otp: code });
        count(verified.status);
        if (verified.status === 200) latencies.push(performance.now() - began);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))];
  return {
    logins: latencies.length,
    seconds: elapsed,
    loginsPerSecond: latencies.length / elapsed,
    requestsPerSecond: (2 * latencies.length) / elapsed,
    p50Ms: pct(50),
    p99Ms: pct(99),
    statuses,
    errors,
  };
}

const scenarios = { 'send-otp': sendOtp, 'verify-wrong': verifyWrong, login };
const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
parentPort.postMessage(await run());
