// The load generator, on its own thread so it does not share an event loop with the server it measures.
// Plain JavaScript: a worker gets no TypeScript loader. workerData: { scenario, url, seconds,
// connections, pool, outboxFile }; posts back one LoadResult (bench/throughput.ts).
import { randomInt } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const { scenario, url, seconds, connections, pool, outboxFile } = workerData;
const headers = { 'content-type': 'application/json' };
const randomPhone = () => `+9198${String(randomInt(100_000_000)).padStart(8, '0')}`;

/** autocannon on one POST route; `body()` makes each request's JSON. */
function autocannonRun(path, body) {
  const options = {
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', path, headers, setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }) }],
  };
  return new Promise((done, fail) => {
    autocannon(options, (error, raw) => {
      if (error) return fail(error);
      // Off the main thread autocannon hands back its raw histograms; aggregating gives the percentiles.
      const result = autocannon.aggregateResult([raw], options);
      const statuses = {};
      for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = Number(count);
      done({
        scenario,
        requestsPerSecond: raw.totalCompletedRequests / raw.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        total: raw.totalCompletedRequests,
        statuses,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

function post(agent, path, body) {
  return new Promise((done, fail) => {
    const payload = JSON.stringify(body);
    const length = { 'content-length': Buffer.byteLength(payload) };
    const req = request(`${url}${path}`, { method: 'POST', agent, headers: { ...headers, ...length } }, (res) => {
      res
        .resume()
        .on('end', () => done(res.statusCode))
        .on('error', fail);
    });
    req.on('error', fail).end(payload);
  });
}

/**
 * `connections` loops of send -> read the code from the outbox file -> verify, for `seconds`. The outbox
 * is read from its size at the start (earlier scenarios' numbers never answer), only new bytes each time.
 */
async function login() {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const codes = new Map();
  let offset = (await stat(outboxFile).catch(() => ({ size: 0 }))).size;
  let partial = '';
  let reading;
  const readNew = async () => {
    const file = await open(outboxFile, 'r');
    try {
      const { size } = await file.stat();
      if (size <= offset) return;
      const { buffer, bytesRead } = await file.read(Buffer.alloc(size - offset), 0, size - offset, offset);
      offset += bytesRead;
      const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const { phone_number, message } = JSON.parse(line);
        codes.set(phone_number, /\b(\d{6})\b/.exec(message)?.[1]);
      }
    } finally {
      await file.close();
    }
  };
  const codeFor = async (phone) => {
    for (let tries = 0; tries < 200 && !codes.has(phone); tries++) {
      // One read at a time; a send answered after a read began waits for the next one.
      reading ??= readNew().finally(() => {
        reading = undefined;
      });
      await reading;
      if (!codes.has(phone)) await sleep(1);
    }
    const code = codes.get(phone);
    codes.delete(phone);
    if (!code) throw new Error(`no SMS for ${phone} in the outbox`);
    return code;
  };

  const latencies = [];
  const statuses = {};
  const count = (status) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  let errors = 0;
  // Consecutive numbers from a random start: no number repeats within the run, so no stale code answers.
  let nextPhone = randomInt(90_000_000);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const phone = `+9198${String(nextPhone++).padStart(8, '0')}`;
      const began = performance.now();
      try {
        const sent = await post(agent, '/send-otp', { phone_number: phone });
        count(sent);
        if (sent !== 200) continue;
        const verified = await post(agent, '/verify-otp', { phone_number: phone, otp: await codeFor(phone) });
        count(verified);
        if (verified === 200) latencies.push(performance.now() - began);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)];
  return {
    scenario,
    requestsPerSecond: (2 * latencies.length) / elapsed,
    loginsPerSecond: latencies.length / elapsed,
    p50Ms: pct(50),
    p99Ms: pct(99),
    total: latencies.length,
    statuses,
    errors,
  };
}

let next = 0;
const run = {
  'send-otp': () => autocannonRun('/send-otp', () => ({ phone_number: randomPhone() })),
  // Round robin over numbers with a pending code: each sees a few wrong guesses, far below the
  // attempt budget, so every answer is invalid_otp and none is a lockout.
  'verify-otp (wrong code)': () =>
    autocannonRun('/verify-otp', () => {
      const { phone, wrong } = pool[next++ % pool.length];
      return { phone_number: phone, otp: wrong };
    }),
  'login (send + verify)': login,
}[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
parentPort.postMessage(await run());
