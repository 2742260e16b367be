// One cold start in a fresh plain-Node process (no tsx, as Lambda runs it): import a bundle, then
// serve one event. argv: <bundle.mjs> [event.json]. Handler logs share stdout, as in Lambda, so the
// figures go on one marked line: BENCH_RESULT {"importMs":..,"firstResponseMs":..,"statusCode":..}.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
// Read before the clock starts: Lambda hands the event over already parsed.
const event = eventFile ? JSON.parse(readFileSync(eventFile, 'utf8')) : undefined;
const url = pathToFileURL(bundle).href;

const importStart = performance.now();
const mod = await import(url);
const result = { importMs: performance.now() - importStart };
if (event !== undefined) {
  const start = performance.now();
  const answer = await mod.handler(event);
  result.firstResponseMs = performance.now() - start;
  result.statusCode = answer?.statusCode ?? null;
  result.body = typeof answer?.body === 'string' ? answer.body.slice(0, 200) : null;
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
