import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the Node.js runtime would answer: the handler's result, or the error of its init or invoke phase. */
export type InvokeOutcome =
  | { readonly result: unknown; readonly logs: string }
  | {
      readonly phase: 'init' | 'invoke';
      readonly errorType: string;
      readonly errorMessage: string;
      readonly logs: string;
    };

/**
 * `file.export` in the code directory, as the Node.js runtime resolves a handler string: the module's
 * `.js`, then `.mjs`, then `.cjs`.
 */
export function handlerModule(codeDir: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const [moduleName, exportName] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(codeDir, `${moduleName}${ext}`)).find((f) => existsSync(f));
  if (!file) throw new Error(`no ${moduleName}.js, .mjs or .cjs in ${codeDir}`);
  return { file, exportName };
}

/**
 * Imports the module and calls the handler once with the event and a Lambda-like context; reports to
 * a file, so the function's own logs on stdout stay apart. Exits at once, as a container is frozen
 * after the answer, so open keep-alive sockets do not hold it.
 */
const RUNNER = `
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [file, exportName, eventJson, reportFile] = process.argv.slice(1);
const report = (value) => { writeFileSync(reportFile, JSON.stringify(value)); process.exit(0); };
const failure = (phase, error) =>
  report({ phase, errorType: error?.name ?? typeof error, errorMessage: error?.message ?? String(error) });
let handler;
try {
  handler = (await import(pathToFileURL(file).href))[exportName];
  if (typeof handler !== 'function') throw new TypeError(exportName + ' is not a function');
} catch (error) {
  failure('init', error);
}
const env = process.env;
const deadline = Date.now() + Number(env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: 'arn:aws:lambda:' + env.AWS_REGION + ':123456789012:function:' + env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: 'sam-local-request',
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
try {
  report({ result: (await handler(JSON.parse(eventJson), context)) ?? null });
} catch (error) {
  failure('invoke', error);
}
`;

/**
 * Runs a bundled handler as a fresh `sam local invoke` container would: a new Node.js process whose
 * environment is exactly `env` (nothing inherited from this one), with the code directory as working
 * directory, called once with `event`.
 */
export function invokeBundle(
  codeDir: string,
  handler: string,
  env: Readonly<Record<string, string>>,
  event: unknown,
  timeoutMs = 60_000,
): Promise<InvokeOutcome> {
  const { file, exportName } = handlerModule(codeDir, handler);
  const reportDir = mkdtempSync(join(tmpdir(), 'sam-invoke-'));
  const reportFile = join(reportDir, 'report.json');
  return new Promise<InvokeOutcome>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', RUNNER, file, exportName, JSON.stringify(event), reportFile],
      { cwd: codeDir, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const logs = Buffer.concat(output).toString('utf8');
      if (!existsSync(reportFile)) {
        reject(new Error(`${file} ended (code ${code}, signal ${signal}) without an answer:\n${logs}`));
        return;
      }
      const outcome = JSON.parse(readFileSync(reportFile, 'utf8')) as Omit<InvokeOutcome, 'logs'>;
      resolve({ ...outcome, logs } as InvokeOutcome);
    });
  }).finally(() => rmSync(reportDir, { recursive: true, force: true }));
}
