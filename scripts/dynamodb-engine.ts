import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire, Module } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export type DynamoDbEngineName = 'dynamodb-local' | 'dynalite';

export interface DynamoDbEngineOptions {
  /** 'auto' (default) picks DynamoDB Local when Java 17+ is on PATH, dynalite otherwise. */
  engine?: 'auto' | DynamoDbEngineName;
  /** Directory that keeps the data across restarts; omit for an in-memory engine. */
  dataDir?: string;
  /** Defaults to a free port chosen by the OS. */
  port?: number;
  /** Receives the engine's own output and this launcher's warnings. Warnings go to stderr when omitted. */
  log?: (line: string) => void;
}

export interface DynamoDbEngine {
  engine: DynamoDbEngineName;
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Stops the engine and frees its port; later calls return the same promise. */
  stop(): Promise<void>;
}

/** Java major version that DynamoDB Local 1.25 is supported on. */
export const MIN_JAVA_VERSION = 17;

const require = createRequire(import.meta.url);

const LOOPBACK_CONFIG = fileURLToPath(new URL('./dynamodb-local-loopback.xml', import.meta.url));

const READY_TRIES = 150;
const READY_INTERVAL_MS = 200;
const READY_REQUEST_TIMEOUT_MS = 1_000;
const STOP_GRACE_MS = 5_000;
const KILL_WAIT_MS = 2_000;
const STDERR_TAIL_CHARS = 4_000;

/** Starts DynamoDB Local or dynalite and resolves once it answers ListTables. */
export async function startDynamoDbEngine(options: DynamoDbEngineOptions = {}): Promise<DynamoDbEngine> {
  const log = options.log ?? (() => {});
  const warn = options.log ?? ((line: string) => console.warn(line));
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });

  const requested = options.engine ?? 'auto';
  if (requested === 'dynalite') return startDynalite({ dataDir, port: options.port, warn });

  const java = await detectJavaMajorVersion();
  const hasJava = java !== undefined && java >= MIN_JAVA_VERSION;
  if (requested === 'auto') {
    log(`dynamodb engine: ${hasJava ? 'dynamodb-local' : 'dynalite'} (java ${java ?? 'not found'})`);
    if (!hasJava) return startDynalite({ dataDir, port: options.port, warn });
  } else if (!hasJava) {
    throw new Error(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION}+ on PATH, found ${java ?? 'none'}. ` +
        "Install it (Debian: apt-get install openjdk-17-jre-headless) or use the 'dynalite' engine.",
    );
  }
  return startDynamoDbLocal({ dataDir, port: options.port, log });
}

/** Major version of the `java` on PATH (8 for "1.8.0"), or undefined when there is none that runs. */
export async function detectJavaMajorVersion(): Promise<number | undefined> {
  const output = await new Promise<string | undefined>((done) => {
    // `java -version` writes to stderr.
    execFile('java', ['-version'], { timeout: 10_000 }, (error, stdout, stderr) =>
      done(error ? undefined : `${stderr}${stdout}`),
    );
  });
  const match = output?.match(/version "(\d+)(?:\.(\d+))?/);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

interface LaunchOptions {
  dataDir: string | undefined;
  port: number | undefined;
}

async function startDynamoDbLocal({
  dataDir,
  port: requestedPort,
  log,
}: LaunchOptions & { log: (line: string) => void }): Promise<DynamoDbEngine> {
  const emulatorDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  // Checked up front: polling would otherwise get its answer from whatever already listens there.
  if (requestedPort !== undefined) await assertPortFree(requestedPort);
  const port = requestedPort ?? (await findFreePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // DynamoDB Local accepts any credentials, and its own main listens on every interface with no flag
  // to change that; dynamodb-local-loopback.xml builds the same server bound to 127.0.0.1 instead.
  // One database whatever the caller's access key and region (its -sharedDb), so the data file is stable.
  // DDB_LOCAL_TELEMETRY=0 (its -disableTelemetry): no network calls from tests or CI.
  // TieredStopAtLevel=1 (C1 only) halves start-up, and on a 2-CPU runner short test runs are faster
  // too, because C2 compiling would compete with the tests for the CPUs.
  const args = [
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    // What the jar's main sets before Jetty logs anything: no banner, warnings only.
    '-Dorg.eclipse.jetty.util.log.announce=false',
    '-Dorg.eclipse.jetty.LEVEL=WARN',
    '-cp',
    join(emulatorDir, 'DynamoDBLocal.jar'),
    'org.eclipse.jetty.xml.XmlConfiguration',
    `port=${port}`,
    dataDir === undefined ? 'inMemory=true' : `dbPath=${dataDir}`,
    LOOPBACK_CONFIG,
  ];
  const child = spawn('java', args, {
    cwd: emulatorDir,
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stderrTail = '';
  let exit: string | undefined;
  let failure: string | undefined;
  const exited = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      failure ??= `the process ${exit}`;
      done();
    });
    child.once('error', (error) => {
      exit = `failed to start: ${error.message}`;
      failure ??= `the process ${exit}`;
      done();
    });
  });
  forwardLines(child, (line, stream) => {
    if (stream !== 'stderr') return log(`[dynamodb-local] ${line}`);
    stderrTail = `${stderrTail}${line}\n`.slice(-STDERR_TAIL_CHARS);
    // When the server cannot start (port taken, bad dbPath, a constructor the XML no longer matches)
    // its main thread dies but the JVM lives on.
    if (line.startsWith('Exception in thread "main"')) failure ??= line;
    log(`[dynamodb-local] ${line}`);
  });
  // A JVM that outlived its parent would hold the port and the data directory's lock.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (exit === undefined) {
        child.kill('SIGTERM');
        if (!(await settlesWithin(exited, STOP_GRACE_MS))) {
          child.kill('SIGKILL');
          await settlesWithin(exited, KILL_WAIT_MS);
        }
      }
      process.removeListener('exit', killOnExit);
    })();
    return stopping;
  };

  try {
    await waitUntilAnswering(endpoint, () => failure);
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `DynamoDB Local did not start on ${endpoint}: ${reason}\n--- stderr ---\n${stderrTail || '(empty)'}`,
    );
  }
  return { engine: 'dynamodb-local', endpoint, stop };
}

type DynaliteFactory = (options: {
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;

async function startDynalite({
  dataDir,
  port,
  warn,
}: LaunchOptions & { warn: (line: string) => void }): Promise<DynamoDbEngine> {
  // Checked before dynalite opens the data directory, so a taken port cannot leave its lock held.
  if (port !== undefined) await assertPortFree(port);
  const { dynalite, leveldbError } = loadDynalite();
  let path = dataDir;
  if (path !== undefined && leveldbError !== undefined) {
    warn(`dynalite: leveldb does not load (${leveldbError}); running in memory, nothing will persist`);
    path = undefined;
  }
  // Zero delays: tables are ACTIVE at once, as on DynamoDB Local, so tests never wait on CREATING.
  const server = dynalite({
    ...(path === undefined ? {} : { path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port ?? 0, '127.0.0.1', () => {
      server.removeListener('error', fail);
      done();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // dynalite's close also closes leveldb, which releases the data directory's lock for the next start.
    stopping ??= new Promise<void>((done, fail) => {
      server.close((error) => (error ? fail(error) : done()));
      server.closeIdleConnections();
    });
    return stopping;
  };
  return { engine: 'dynalite', endpoint, stop };
}

/** Whether dynalite can keep data in a `dataDir` here (its leveldb binding loads); if not it runs in memory. */
export function dynaliteCanPersist(): boolean {
  return loadDynalite().leveldbError === undefined;
}

let dynaliteModule: { dynalite: DynaliteFactory; leveldbError: string | undefined } | undefined;

function loadDynalite(): { dynalite: DynaliteFactory; leveldbError: string | undefined } {
  if (dynaliteModule) return dynaliteModule;
  const fromDynalite = createRequire(require.resolve('dynalite'));
  let leveldbError: string | undefined;
  try {
    fromDynalite('level');
  } catch (error) {
    leveldbError = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    // dynalite requires `level` (native classic-level) even when it runs in memory, so a binding that
    // fails to load would take the whole emulator down; a stub keeps the in-memory store working.
    const levelPath = fromDynalite.resolve('level');
    const stub = new Module(levelPath);
    stub.filename = levelPath;
    stub.loaded = true;
    stub.exports = {
      Level: class {
        constructor() {
          throw new Error(`leveldb is unavailable: ${leveldbError}`);
        }
      },
    };
    require.cache[levelPath] = stub;
  }
  dynaliteModule = { dynalite: require('dynalite') as DynaliteFactory, leveldbError };
  return dynaliteModule;
}

async function waitUntilAnswering(endpoint: string, failureOf: () => string | undefined): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let lastError = 'no answer';
  try {
    for (let attempt = 1; attempt <= READY_TRIES; attempt++) {
      const failure = failureOf();
      if (failure !== undefined) throw new Error(failure);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), {
          abortSignal: AbortSignal.timeout(READY_REQUEST_TIMEOUT_MS),
        });
        return;
      } catch (error) {
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      await sleep(READY_INTERVAL_MS);
    }
    throw new Error(`no answer to ListTables after ${READY_TRIES} tries (last: ${lastError})`);
  } finally {
    client.destroy();
  }
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  // The address either engine binds, so the check itself never listens beyond this machine.
  await new Promise<void>((done, fail) => {
    server.once('error', (error) => fail(new Error(`Port ${port} is not available: ${error.message}`)));
    server.listen(port, '127.0.0.1', done);
  });
  await new Promise<void>((done) => server.close(() => done()));
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function forwardLines(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      const lines = `${partial}${chunk}`.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.trimEnd(), stream);
    });
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  // Unref'd so a pending timer never keeps the process alive after the child is gone.
  return Promise.race([promise.then(() => true), sleep(ms, false, { ref: false })]);
}
