import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDbEngine, type DynamoDbEngineName, startDynamoDbEngine } from './dynamodb-engine.js';

const LOCAL_ENGINES: readonly string[] = ['auto', 'dynamodb-local', 'dynalite'];

/**
 * Starts the engine that keeps LOCAL_DATA_DIR's data (`<dataDir>/dynamodb`), as `LOCAL_DYNAMODB_ENGINE`
 * names it: the server and the users CLI must pick the same one, or the directory would not read as
 * the same store.
 */
export function startLocalDataEngine(requested: string | undefined, dataDir: string): Promise<DynamoDbEngine> {
  const engine = requested || 'auto';
  if (!LOCAL_ENGINES.includes(engine)) {
    throw new Error(`LOCAL_DYNAMODB_ENGINE must be one of ${LOCAL_ENGINES.join(', ')}, got "${engine}"`);
  }
  return startDynamoDbEngine({ engine: engine as 'auto' | DynamoDbEngineName, dataDir: join(dataDir, 'dynamodb') });
}

/**
 * The file `npm start` keeps in LOCAL_DATA_DIR while it runs, naming the DynamoDB endpoint it serves
 * the data directory from: two engines must never open one data directory, so while the server runs
 * the CLI goes through the server's engine instead of starting its own.
 */
export const LOCAL_ENDPOINT_FILE = 'dynamodb-endpoint.json';

export interface LocalEndpoint {
  readonly endpoint: string;
  readonly tableName: string;
  /** The server's process, so a file left by a server that crashed is recognised as stale. */
  readonly pid: number;
}

/** For the local server: announce the engine it runs on `dataDir`, replacing the file atomically. */
export async function writeLocalEndpoint(dataDir: string, endpoint: LocalEndpoint): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOCAL_ENDPOINT_FILE);
  await writeFile(`${file}.${endpoint.pid}.tmp`, `${JSON.stringify(endpoint)}\n`, { mode: 0o600 });
  await rename(`${file}.${endpoint.pid}.tmp`, file);
}

/** For the local server, on stop: removes the file if it is still this process's. */
export async function removeLocalEndpoint(dataDir: string, pid: number = process.pid): Promise<void> {
  const current = await readEndpointFile(dataDir);
  if (current?.pid === pid) await rm(join(dataDir, LOCAL_ENDPOINT_FILE), { force: true });
}

/** The endpoint of the local server running on `dataDir`, if one is: a file whose process is gone is ignored. */
export async function readLocalEndpoint(dataDir: string): Promise<LocalEndpoint | undefined> {
  const current = await readEndpointFile(dataDir);
  return current && isRunning(current.pid) ? current : undefined;
}

async function readEndpointFile(dataDir: string): Promise<LocalEndpoint | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, LOCAL_ENDPOINT_FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LocalEndpoint>;
    if (
      typeof value.endpoint === 'string' &&
      typeof value.tableName === 'string' &&
      Number.isInteger(value.pid) &&
      (value.pid ?? 0) > 0
    ) {
      return { endpoint: value.endpoint, tableName: value.tableName, pid: value.pid as number };
    }
  } catch {
    // reported below
  }
  throw new Error(`${join(dataDir, LOCAL_ENDPOINT_FILE)} is not a local server's endpoint file; delete it`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as { code?: string }).code === 'EPERM';
  }
}
