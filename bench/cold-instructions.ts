/**
 * Cold import counted in instructions, which these shared machines cannot blur: wall-clock imports
 * moved 30-50% run to run, while callgrind's count of a V8 made deterministic (`--predictable
 * --random-seed=1 --single-threaded`) repeats to within 0.001%. Per bundle: instructions of
 * `node -e 'import(bundle)'` minus those of importing an empty module (Node's own start-up), against
 * the same for the floor bundle of the entry's SDK clients (bench/bundles.ts, same esbuild flags).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUILD_DIR, type HandlerBundles } from './bundles.js';

const run = promisify(execFile);

export const VALGRIND = process.env.BENCH_VALGRIND || '/usr/bin/valgrind';

/**
 * Targets, as ratios to the floor: functions that carry the login libraries (an SMS client: phone
 * metadata, templates, otplib; or the signing key: jose) may cost more above their floor than the others.
 */
export const INSTRUCTION_TARGETS = { loginLibraries: 1.3, other: 1.2 } as const;

/**
 * Entries that miss their target on purpose, and why: the bench prints the reason under the table.
 * `passkeys` (1.52x when added, 445 M against a 292 M floor) imports the whole @simplewebauthn/server,
 * whose index loads reflect-metadata, tsyringe, @peculiar/x509 and the ASN.1 schemas at import:
 * verifying a registration's attestation needs them. Enrolment is rare and off the login path; the
 * sign-in function, which is on it, imports only the authentication files.
 */
export const OVER_TARGET_REASONS: Readonly<Partial<Record<string, string>>> = {
  passkeys:
    'all of @simplewebauthn/server (attestation: ASN.1, X.509, tsyringe) loads at import; enrolment is rare and off the login path',
};

export interface InstructionResult {
  readonly handler: string;
  readonly floorName: string;
  /** Import instructions of the bundle, minus an empty module's. */
  readonly instructions: number;
  /** The same for the floor; undefined when the entry builds no SDK client (its floor is empty). */
  readonly floorInstructions: number | undefined;
  readonly ratio: number | undefined;
  readonly target: number;
  readonly met: boolean | undefined;
}

export type InstructionReport =
  | { readonly skipped: string }
  | { readonly emptyModule: number; readonly results: readonly InstructionResult[] };

/** The target of an entry, from the clients its floor constructs. */
export function instructionTarget(floorName: string): number {
  const clients = floorName.split('+');
  const carriesLoginLibraries = clients.some(
    (c) => c === 'sns' || c === 'end-user-messaging' || c === 'secrets-manager',
  );
  return carriesLoginLibraries ? INSTRUCTION_TARGETS.loginLibraries : INSTRUCTION_TARGETS.other;
}

/** Whether valgrind runs here; a reason to skip the section when it does not. */
export async function valgrindMissing(valgrind: string = VALGRIND): Promise<string | undefined> {
  try {
    await run(valgrind, ['--version']);
    return undefined;
  } catch (error) {
    return `${valgrind} does not run here (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): install valgrind for the instruction counts`;
  }
}

/**
 * Counts every bundle's and every distinct floor's import once (the count is deterministic), two at a
 * time (load changes the time, not the count).
 */
export async function measureColdInstructions(
  handlers: readonly HandlerBundles[],
  progress: (line: string) => void,
  valgrind: string = VALGRIND,
): Promise<InstructionReport> {
  const missing = await valgrindMissing(valgrind);
  if (missing) return { skipped: missing };

  const homeDir = join(BUILD_DIR, 'empty-home');
  await mkdir(homeDir, { recursive: true });
  const emptyFile = join(BUILD_DIR, 'empty-module.mjs');
  await writeFile(emptyFile, '');

  const files = new Map<string, string>([['empty', emptyFile]]);
  for (const h of handlers) {
    files.set(`bundle:${h.name}`, h.bundle.file);
    if (h.floorName !== 'empty') files.set(`floor:${h.floorName}`, h.floor.file);
  }
  const counts = new Map<string, number>();
  const queue = [...files.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, file] = next;
      counts.set(key, await countImportInstructions(file, importEnv(homeDir, key), valgrind));
      progress(`instructions: ${key} (${counts.size}/${files.size})`);
    }
  };
  await Promise.all([worker(), worker()]);

  const emptyModule = counts.get('empty') as number;
  const above = (key: string) => (counts.get(key) as number) - emptyModule;
  const results = handlers.map((h): InstructionResult => {
    const instructions = above(`bundle:${h.name}`);
    const floorInstructions = h.floorName === 'empty' ? undefined : above(`floor:${h.floorName}`);
    const ratio = floorInstructions === undefined ? undefined : instructions / floorInstructions;
    const target = instructionTarget(h.floorName);
    return {
      handler: h.name,
      floorName: h.floorName,
      instructions,
      floorInstructions,
      ratio,
      target,
      met: ratio === undefined ? undefined : ratio <= target,
    };
  });
  return { emptyModule, results };
}

/** Instructions callgrind counts for a fresh, deterministic `node` that imports the file and exits. */
export async function countImportInstructions(
  file: string,
  env: NodeJS.ProcessEnv,
  valgrind: string = VALGRIND,
): Promise<number> {
  const script = `import(${JSON.stringify(pathToFileURL(file).href)})`;
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    '--predictable',
    '--random-seed=1',
    '--single-threaded',
    '-e',
    script,
  ];
  const { stderr } = await run(valgrind, args, {
    env,
    cwd: BUILD_DIR,
    timeout: 300_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const collected = /Collected\s*:\s*(\d+)/.exec(stderr)?.[1];
  if (!collected) throw new Error(`callgrind reported no count for ${file}:\n${stderr.slice(-2000)}`);
  return Number(collected);
}

/**
 * One fixed environment for every count, what the stack gives a function (values included, since
 * parsing them is part of the import): a different environment would be a different count.
 */
function importEnv(homeDir: string, key: string): NodeJS.ProcessEnv {
  return {
    // The End User Messaging entries refuse to start under the default provider's setting.
    ...(key.includes('-end-user-messaging') ? { SMS_PROVIDER: 'end-user-messaging' } : {}),
    // The claims entries need the function they invoke (the stack sets it with `claims`).
    ...(key.endsWith('-claims')
      ? { CLAIMS_HOOK_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:bench' }
      : {}),
    PATH: process.env.PATH,
    HOME: homeDir,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'otp-login-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    TABLE_NAME: 'otp-login-bench',
    ISSUER: 'https://bench.example.com',
    AUDIENCE: 'otp-login',
    SIGNING_KEY_SECRET_ID: 'otp-login-bench-signing-key',
  };
}
