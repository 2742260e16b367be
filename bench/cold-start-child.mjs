// One cold start in a fresh plain-Node process (no tsx, as Lambda runs it): import a bundle, then
// serve one event. argv: <bundle.mjs> [event.json]. Handler logs share stdout, as in Lambda, so the
// figures go on one marked line: BENCH_RESULT {"importMs":..,"firstResponseMs":..,"statusCode":..}.
// The *CpuMs figures are the process's CPU time (user + system, every thread) over the same spans:
// the part of a cold start that Lambda's memory setting, which sets the CPU share, speeds up or slows.
// peakRssMb is the process's peak resident set, what Lambda reports as Max Memory Used.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
// Read before the clock starts: Lambda hands the event over already parsed.
const event = eventFile ? JSON.parse(readFileSync(eventFile, 'utf8')) : undefined;
const url = pathToFileURL(bundle).href;

const cpuMs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

const importStart = performance.now();
const importCpu = process.cpuUsage();
const mod = await import(url);
const result = { importMs: performance.now() - importStart, importCpuMs: cpuMs(importCpu) };
if (event !== undefined) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const answer = await mod.handler(event);
  result.firstResponseMs = performance.now() - start;
  result.firstResponseCpuMs = cpuMs(cpu);
  // maxRSS is in kilobytes.
  result.peakRssMb = process.resourceUsage().maxRSS / 1024;
  result.statusCode = answer?.statusCode ?? null;
  result.body = typeof answer?.body === 'string' ? answer.body.slice(0, 200) : null;
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
