import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { esbuildBuildOptions, lambdaEntry, PROJECT_ROOT } from '../lib/constructs/bundling.js';
import {
  BUILD_DIR,
  bundlePath,
  floorBundlePath,
  floorName,
  HANDLERS,
  type HandlerSpec,
  type SdkClientName,
} from './handlers.js';

export interface PackageBytes {
  /** npm package name, or `(project)` for this repository's own sources. */
  readonly name: string;
  readonly bytes: number;
}

export interface BuiltBundle {
  readonly file: string;
  /** The JavaScript Lambda loads (the `.mjs`), minified. */
  readonly bytes: number;
  /** gzip -6 of the same bytes: roughly what the deployment zip stores. */
  readonly gzipBytes: number;
  /** The linked source map beside it (read only when `--enable-source-maps` is on). */
  readonly mapBytes: number;
  /** Bytes in the output per package, largest first (esbuild metafile `bytesInOutput`). */
  readonly packages: readonly PackageBytes[];
}

export interface BundlesResult {
  readonly handlers: Readonly<Record<string, BuiltBundle & { readonly floor: string }>>;
  readonly floors: Readonly<Record<string, BuiltBundle>>;
}

/**
 * Builds every Lambda entry with the stack's own esbuild settings, and one floor bundle per distinct
 * client set: an entry that imports and constructs only those SDK clients, built the same way.
 */
export async function buildBundles(): Promise<BundlesResult> {
  const floorSets = new Map<string, readonly SdkClientName[]>();
  for (const handler of HANDLERS) floorSets.set(floorName(handler.clients), handler.clients);

  const [handlers, floors] = await Promise.all([
    Promise.all(
      HANDLERS.map(
        async (h: HandlerSpec) => [h.name, await buildOne(lambdaEntry(h.name), bundlePath(h.name))] as const,
      ),
    ),
    Promise.all(
      [...floorSets].map(async ([floor, clients]) => {
        const entry = join(BUILD_DIR, 'floor-entries', `${floor}.mjs`);
        await mkdir(dirname(entry), { recursive: true });
        await writeFile(entry, floorSource(clients));
        return [floor, await buildOne(entry, floorBundlePath(floor))] as const;
      }),
    ),
  ]);
  return {
    handlers: Object.fromEntries(
      handlers.map(([name, built]) => {
        const spec = HANDLERS.find((h) => h.name === name) as HandlerSpec;
        return [name, { ...built, floor: floorName(spec.clients) }];
      }),
    ),
    floors: Object.fromEntries(floors),
  };
}

/** The floor entry: the same imports the handler's entry makes from the SDK, and the same constructions. */
function floorSource(clients: readonly SdkClientName[]): string {
  const lines: string[] = [];
  const made: string[] = [];
  if (clients.includes('dynamodb')) {
    lines.push(
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    );
    made.push(
      'DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })',
    );
  }
  if (clients.includes('sns')) {
    lines.push("import { SNSClient } from '@aws-sdk/client-sns';");
    made.push('new SNSClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } })');
  }
  if (clients.includes('secrets-manager')) {
    lines.push("import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';");
    made.push('new SecretsManagerClient({})');
  }
  lines.push(
    `const clients = [${made.join(', ')}];`,
    'export const handler = async () => ({ statusCode: 200, body: String(clients.length) });',
    '',
  );
  return lines.join('\n');
}

async function buildOne(entry: string, outfile: string): Promise<BuiltBundle> {
  await mkdir(dirname(outfile), { recursive: true });
  const result = await build({ ...esbuildBuildOptions(entry, outfile), metafile: true, logLevel: 'silent' });
  const code = await readFile(outfile);
  return {
    file: outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 6 }).length,
    mapBytes: (await stat(`${outfile}.map`)).size,
    packages: packagesOf(result.metafile, outfile),
  };
}

function packagesOf(metafile: Metafile, outfile: string): PackageBytes[] {
  const key = relative(PROJECT_ROOT, outfile).split('\\').join('/');
  const output = metafile.outputs[key];
  if (!output) throw new Error(`esbuild metafile has no output ${key}`);
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageName(path);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/** `node_modules/@scope/pkg/dist/x.js` -> `@scope/pkg`; the innermost node_modules wins for nested copies. */
export function packageName(inputPath: string): string {
  const parts = inputPath.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return '(project)';
  const first = parts[at + 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}
