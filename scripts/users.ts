/**
 * The operator CLI: `npm run users -- <command> [options]`. Acts on the local store of `npm start`
 * by default, or on a deployed table with `--table <TableName output>` (the normal AWS credential
 * chain). docs/operator-cli.md is its reference.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPasskeyReader } from '../lambdas/adapters/dynamodb-passkey-items.js';
import {
  DynamoDbOperatorPasskeyRemoval,
  DynamoDbUserPasskeyDeletion,
} from '../lambdas/adapters/dynamodb-passkey-removal.js';
import { DynamoDbPhoneRecordStore } from '../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbRefreshFamilyStore } from '../lambdas/adapters/dynamodb-refresh-family-store.js';
import { ensureTable } from '../lambdas/adapters/dynamodb-table.js';
import { DynamoDbUserFamilies, indexLegacyFamilies } from '../lambdas/adapters/dynamodb-user-families.js';
import { DynamoDbUserList, InvalidCursorError, MAX_LIST_LIMIT } from '../lambdas/adapters/dynamodb-user-list.js';
import { type Env, parseOtpConfig } from '../lambdas/config.js';
import { deleteAccount } from '../lambdas/core/account.js';
import { type Clock, epochSeconds, MAX_WRITE_TRIES, systemClock } from '../lambdas/core/clock.js';
import { isAuthError } from '../lambdas/core/errors.js';
import { provisionUser } from '../lambdas/core/login.js';
import {
  countLiveSessions,
  type ListedUser,
  type NumberSummary,
  type PasskeySummary,
  planUnlock,
  summarizeNumber,
  summarizePasskeys,
} from '../lambdas/core/operator.js';
import { maskPhoneNumber, type PhoneNumber, parsePhoneNumber } from '../lambdas/core/phone.js';
import { lockState } from '../lambdas/core/phone-record.js';
import type { RefreshFamily, VersionedPhoneRecord } from '../lambdas/core/ports.js';
import type { DynamoDbEngine } from './dynamodb-engine.js';
import { readLocalEndpoint, startLocalDataEngine } from './local-endpoint.js';

/** Where the CLI writes: tests capture it, the process writes to stdout and stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Defaults to the system clock; tests pass the clock their app runs on. */
  readonly clock?: Clock;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Wrong use of the CLI itself (unknown command or option, missing argument): exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help to point at, when the CLI got that far. */
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

/** The command ran and could not do what was asked (unknown number, bad number, table missing): exit 1. */
class CommandError extends Error {
  override readonly name = 'CommandError';
}

const DEFAULT_LIST_LIMIT = 50;
const LOCAL_TABLE_NAME = 'otp-login-local';
const FAMILY_READ_CONCURRENCY = 8;

type CommandOption = 'limit' | 'cursor' | 'all';

interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  readonly help: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Options besides the global ones. */
  readonly options: readonly CommandOption[];
}

const COMMANDS = {
  add: {
    usage: 'add <number>...',
    summary: 'create active users, so they can log in under SIGNUP_MODE=closed',
    help: [
      'Creates an active user for each number (E.164, e.g. +919876543210; commas separate numbers too).',
      'A number with an active user is left as it is ("exists"); a pending one (an unfinished signup) is',
      'made active ("activated"). Every number is tried; the exit status is 1 if any was refused.',
    ].join('\n'),
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    options: [],
  },
  show: {
    usage: 'show <number>',
    summary: 'status, lockout, sends, live sessions and passkeys of a number',
    help: [
      'Prints what the service holds about the number: status (none / pending / active), user id, when',
      'the user was created and verified, whether wrong codes have locked the number and until when, the',
      'wrong codes that still count, the sends of the last hour and day, whether a code is pending,',
      'the number of live sessions, and the passkeys of the user (id, name, created, last used, backed',
      'up). Never the TOTP secret, a code or a public key.',
      'Lockout and limits are read with the same settings as the service (OTP_MAX_ATTEMPTS,',
      'OTP_LOCKOUT_SECONDS from the environment, their defaults when unset): set them as deployed.',
      'Live sessions are found through the byUser index, which lags a login by up to a second or so.',
    ].join('\n'),
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  unlock: {
    usage: 'unlock <number>',
    summary: 'clear the wrong-code count and the lockout',
    help: [
      'Clears the wrong codes counted against the number, and with them the lockout, so the next code',
      'sent can be used at once. Sends, codes and the user are left as they are.',
    ].join('\n'),
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  revoke: {
    usage: 'revoke <number>',
    summary: 'sign the user out everywhere',
    help: [
      "Ends every session of the number's user, as POST /logout {all: true} does: every refresh token",
      'stops working at once. Access tokens already issued stay valid until they expire',
      '(ACCESS_TOKEN_TTL_SECONDS). The user can log in again.',
    ].join('\n'),
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  remove: {
    usage: 'remove <number>',
    summary: 'delete the account, as DELETE /me does',
    help: [
      'Deletes the account of the number, exactly as DELETE /me does: the user, its sessions and its',
      'passkeys are gone, the number is free (a later login is a new user under open signup; under',
      "closed signup it needs `add` again). The number's abuse counters stay until they age, as for any",
      'number.',
    ].join('\n'),
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  passkeys: {
    usage: 'passkeys remove <number> <id|--all>',
    summary: "remove one of the user's passkeys, or all of them",
    help: [
      "Removes the passkey with this credential id (as show lists it) from the number's user, or with",
      '--all every passkey of the user. A removed passkey signs nobody in from then on; the device',
      'still offers it until the user deletes it there. Sessions are left as they are (revoke ends them).',
      'An id that starts with "-" goes after "--": passkeys remove <number> -- -abc...',
      '',
      'Instead of a number, a user id removes the passkeys of a user no number leads to any more: those',
      'of an account whose deletion could not delete them (the PasskeyCleanupFailed alarm; the function',
      'log "passkeys left after account deletion" names the user). They sign nobody in, but nothing',
      'expires them.',
      '',
      "  --all   every passkey of the user (the user's passkey item is emptied, then deleted)",
    ].join('\n'),
    minArgs: 2,
    maxArgs: 3,
    options: ['all'],
  },
  list: {
    usage: `list [--limit N] [--cursor <cursor>]`,
    summary: 'list the users, a page at a time (scans the whole table)',
    help: [
      'Lists the numbers that have a user (pending or active), a page at a time.',
      '',
      'This SCANS THE TABLE: every item is read, refresh families and rate-limit windows included, so a',
      'full listing costs read capacity in proportion to the whole table, not to the users printed. Use',
      'show for one number.',
      '',
      `  --limit N          users per page, 1-${MAX_LIST_LIMIT} (default ${DEFAULT_LIST_LIMIT})`,
      '  --cursor <cursor>  continue where the previous page ended: it prints the cursor at its end',
    ].join('\n'),
    minArgs: 0,
    maxArgs: 0,
    options: ['limit', 'cursor'],
  },
  'index-sessions': {
    usage: 'index-sessions',
    summary: 'once after upgrading: index the sessions from before the user index (scans the whole table)',
    help: [
      'Puts the refresh-token families written before the user index (byUser) existed into it, so that',
      'deleting an account (DELETE /me, remove) also deletes those sessions instead of leaving them to',
      'expire. A family is indexed at its next refresh anyway; this covers the idle ones. Run it once',
      'after deploying the version that added the index; running it again does nothing new.',
      '',
      'This SCANS THE TABLE (every item is read) and writes one update per family it indexes.',
    ].join('\n'),
    minArgs: 0,
    maxArgs: 0,
    options: [],
  },
} as const satisfies Record<string, CommandSpec>;

type CommandName = keyof typeof COMMANDS;

const GLOBAL_OPTIONS = [
  '  --table <name>   a deployed table (the stack output TableName), with your AWS credentials;',
  '                   without it: the local store of `npm start` (LOCAL_DATA_DIR, default .local)',
  '  --json           one JSON object per line',
  '  --show-numbers   print phone numbers in full (masked by default: +91******3210)',
  '  -h, --help       this help',
].join('\n');

function generalHelp(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    'Usage: npm run users -- <command> [options]',
    '',
    'Operator commands for otp-login users.',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    GLOBAL_OPTIONS,
    '',
    '`npm run users -- <command> --help` describes a command.',
    'Exit status: 0 done, 1 the command failed, 2 usage error.',
    '',
  ].join('\n');
}

function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  return [`Usage: npm run users -- ${spec.usage} [options]`, '', spec.help, '', 'Options:', GLOBAL_OPTIONS, ''].join(
    '\n',
  );
}

interface Invocation {
  readonly command: CommandName;
  readonly args: readonly string[];
  readonly table?: string;
  readonly json: boolean;
  readonly showNumbers: boolean;
  readonly limit: number;
  readonly cursor?: string;
  /** `passkeys remove --all`. */
  readonly all: boolean;
}

type Parsed = { help: string } | Invocation;

function parseInvocation(argv: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseWithNode>;
  try {
    parsed = parseWithNode(argv);
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (name === undefined) {
    if (values.help) return { help: generalHelp() };
    throw new UsageError(`name a command: ${Object.keys(COMMANDS).join(', ')}`);
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}"`);
  const command = name as CommandName;
  if (values.help) return { help: commandHelp(command) };
  const spec: CommandSpec = COMMANDS[command];
  for (const option of ['limit', 'cursor', 'all'] as const) {
    if (values[option] !== undefined && !spec.options.includes(option)) {
      throw new UsageError(`${command} has no option --${option}`, command);
    }
  }
  if (command === 'passkeys') checkPasskeysArguments(args, values.all === true);
  if (args.length < spec.minArgs) throw new UsageError(`${command} needs a phone number: ${spec.usage}`, command);
  if (args.length > spec.maxArgs) {
    throw new UsageError(
      `${command} takes ${spec.maxArgs === 0 ? 'no arguments' : 'one number'}: ${spec.usage}`,
      command,
    );
  }
  if (values.table !== undefined && values.table.trim() === '')
    throw new UsageError('--table needs a table name', command);
  const limit = parseLimit(values.limit, command);
  return {
    command,
    args,
    ...(values.table === undefined ? {} : { table: values.table }),
    json: values.json === true,
    showNumbers: values['show-numbers'] === true,
    limit,
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
    all: values.all === true,
  };
}

/** `passkeys remove <number> <id|--all>`: one subcommand, then a number and exactly one of an id and --all. */
function checkPasskeysArguments(args: readonly string[], all: boolean): void {
  const usage = COMMANDS.passkeys.usage;
  const [sub, target, id, ...extra] = args;
  if (sub !== 'remove') {
    const said = sub === undefined ? 'needs a subcommand' : `has no subcommand "${sub.slice(0, 20)}"`;
    throw new UsageError(`passkeys ${said}: ${usage}`, 'passkeys');
  }
  if (target === undefined) throw new UsageError(`passkeys remove needs a phone number: ${usage}`, 'passkeys');
  if (extra.length > 0) throw new UsageError(`passkeys remove takes one number and one id: ${usage}`, 'passkeys');
  if (all && id !== undefined) throw new UsageError(`give a passkey id or --all, not both: ${usage}`, 'passkeys');
  if (!all && id === undefined)
    throw new UsageError(`passkeys remove needs a passkey id, or --all: ${usage}`, 'passkeys');
}

function parseWithNode(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      table: { type: 'string' },
      json: { type: 'boolean' },
      'show-numbers': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
}

// Node's messages run to three sentences; an operator needs the option it did not know.
function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option ?? 'an option'} needs a value`;
  return message.split('\n')[0] ?? message;
}

function parseLimit(raw: string | undefined, command: CommandName): number {
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got "${raw}"`, command);
  }
  return limit;
}

// ---------------------------------------------------------------------------------------------------
// Reaching the store

interface Target {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** For error lines: which store this is. */
  readonly where: string;
  close(): Promise<void>;
}

async function openTarget(table: string | undefined, env: Env): Promise<Target> {
  if (table !== undefined) {
    // A deployed table: the SDK's own resolution (credential chain, region, AWS_ENDPOINT_URL_DYNAMODB),
    // fed from `env` rather than process.env so that tests can run the CLI in-process.
    const client = new DynamoDBClient(deployedClientConfig(env));
    return {
      documents: createDocumentClient(client),
      tableName: table,
      where: `table ${table}`,
      close: async () => client.destroy(),
    };
  }
  return openLocalStore(env);
}

function deployedClientConfig(env: Env): DynamoDBClientConfig {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return {
    ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: env.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/**
 * The store `npm start` uses, reached the way that never opens its data directory twice: the
 * endpoint in AWS_ENDPOINT_URL_DYNAMODB (as the server honours it), else the running server's engine
 * (its endpoint file), else an engine of our own on `$LOCAL_DATA_DIR/dynamodb` for this command only.
 */
async function readRunningEndpoint(dataDir: string) {
  try {
    return await readLocalEndpoint(dataDir);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
}

async function openLocalStore(env: Env): Promise<Target> {
  const dataDir = resolve(env.LOCAL_DATA_DIR || '.local');
  const running = env.AWS_ENDPOINT_URL_DYNAMODB ? undefined : await readRunningEndpoint(dataDir);
  const tableName = running?.tableName ?? (env.TABLE_NAME || LOCAL_TABLE_NAME);
  let engine: DynamoDbEngine | undefined;
  let endpoint = env.AWS_ENDPOINT_URL_DYNAMODB || running?.endpoint;
  if (!endpoint) {
    try {
      engine = await startLocalDataEngine(env.LOCAL_DYNAMODB_ENGINE, dataDir);
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
    endpoint = engine.endpoint;
  }
  // What the local server assumes: DynamoDB Local wants some region and credentials, any will do.
  const client = new DynamoDBClient({
    endpoint,
    region: env.AWS_REGION || 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID || 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'local',
    },
  });
  const close = async () => {
    client.destroy();
    await engine?.stop();
  };
  try {
    // As the local server does at start, so `add` works before the first `npm start`.
    await ensureTable(client, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  const source = running ? `the local server's DynamoDB (pid ${running.pid})` : endpoint;
  return { documents: createDocumentClient(client), tableName, where: `local table ${tableName} at ${source}`, close };
}

// ---------------------------------------------------------------------------------------------------
// Commands

interface Context {
  readonly invocation: Invocation;
  readonly target: Target;
  readonly env: Env;
  readonly io: CliIo;
  readonly clock: Clock;
  readonly records: DynamoDbPhoneRecordStore;
  readonly families: DynamoDbRefreshFamilyStore;
  readonly userFamilies: DynamoDbUserFamilies;
  readonly passkeys: DynamoDbPasskeyReader;
}

/** Runs the CLI; resolves to the exit status. Never throws, never prints a stack trace. */
export async function main(argv: readonly string[], env: Env = process.env, io: CliIo = processIo): Promise<number> {
  let invocation: Invocation;
  try {
    const parsed = parseInvocation(argv);
    if ('help' in parsed) {
      io.stdout(parsed.help);
      return EXIT.ok;
    }
    invocation = parsed;
  } catch (error) {
    const command = error instanceof UsageError && error.command ? ` ${error.command}` : '';
    io.stderr(`users${command}: ${(error as Error).message} (see npm run users --${command} --help)\n`);
    return EXIT.usage;
  }

  let target: Target | undefined;
  try {
    target = await openTarget(invocation.table, env);
    const documents = target.documents;
    const context: Context = {
      invocation,
      target,
      env,
      io,
      clock: io.clock ?? systemClock,
      records: new DynamoDbPhoneRecordStore(documents, target.tableName),
      families: new DynamoDbRefreshFamilyStore(documents, target.tableName),
      userFamilies: new DynamoDbUserFamilies(documents, target.tableName),
      passkeys: new DynamoDbPasskeyReader(documents, target.tableName),
    };
    return await RUN[invocation.command](context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidCursorError) {
      io.stderr(`users ${invocation.command}: ${error.message} (see npm run users -- ${invocation.command} --help)\n`);
      return EXIT.usage;
    }
    io.stderr(`users ${invocation.command}: ${describeFailure(error, target, invocation)}\n`);
    return EXIT.failed;
  } finally {
    await target?.close().catch(() => {});
  }
}

const RUN: Record<CommandName, (context: Context) => Promise<number>> = {
  add: runAdd,
  show: runShow,
  unlock: runUnlock,
  revoke: runRevoke,
  remove: runRemove,
  passkeys: runPasskeys,
  list: runList,
  'index-sessions': runIndexSessions,
};

async function runIndexSessions(context: Context): Promise<number> {
  const { scanned, indexed } = await indexLegacyFamilies(context.target.documents, context.target.tableName);
  emit(
    context,
    { scanned, indexed },
    `${indexed} session${indexed === 1 ? '' : 's'} indexed (${scanned} items scanned)`,
  );
  return EXIT.ok;
}

async function runAdd(context: Context): Promise<number> {
  const numbers = context.invocation.args.flatMap((arg) => arg.split(',')).filter((n) => n.trim() !== '');
  if (numbers.length === 0) throw new UsageError('add needs a phone number: add <number>...');
  let refused = 0;
  for (const raw of numbers) {
    let phone: PhoneNumber;
    try {
      phone = parsePhoneNumber(raw);
    } catch {
      refused++;
      context.io.stderr(`users add: ${maskInput(raw)}: refused (invalid_phone_number)\n`);
      continue;
    }
    const outcome = await provisionUser(context.records, phone.e164, context.clock);
    emit(context, { phoneNumber: display(context, phone), outcome }, `${display(context, phone)}: ${outcome}`);
  }
  return refused ? EXIT.failed : EXIT.ok;
}

async function runShow(context: Context): Promise<number> {
  const phone = numberArgument(context);
  const now = epochSeconds(context.clock);
  const limits = parseOtpConfig(context.env);
  const { record } = await existingRecord(context, phone, now);
  let liveSessions = 0;
  let passkeys: PasskeySummary[] = [];
  if (record.user?.status === 'active') {
    const ids = await context.userFamilies.familyIdsOf(record.user.userId);
    liveSessions = countLiveSessions(record, await readFamilies(context, ids, now), now);
    passkeys = summarizePasskeys((await context.passkeys.passkeysOf(record.user.userId))?.passkeys ?? []);
  }
  const summary = summarizeNumber(record, now, limits, liveSessions);
  const shown = display(context, phone);
  if (context.invocation.json) {
    emitJson(context, { ...summaryJson(summary, shown), passkeys: passkeys.map(passkeyJson) });
  } else {
    context.io.stdout(summaryLines(summary, shown, now) + passkeyLines(passkeys));
  }
  return EXIT.ok;
}

async function runUnlock(context: Context): Promise<number> {
  const phone = numberArgument(context);
  const limits = parseOtpConfig(context.env);
  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(context.clock);
    const { record, version } = await existingRecord(context, phone, now);
    const next = planUnlock(record);
    const shown = display(context, phone);
    if (!next) {
      emit(context, { phoneNumber: shown, outcome: 'not_locked' }, `${shown}: not locked, no wrong codes to clear`);
      return EXIT.ok;
    }
    const wasLocked = lockState(record, now, limits).locked;
    // Conditioned on the version read: a wrong code counted meanwhile makes us read again.
    if (await context.records.save(next, version)) {
      emit(
        context,
        { phoneNumber: shown, outcome: 'unlocked', wasLocked },
        `${shown}: unlocked (${wasLocked ? 'the lockout is lifted' : 'was not locked'}; wrong codes cleared)`,
      );
      return EXIT.ok;
    }
  }
  throw new CommandError(`${display(context, phone)}: the record kept changing under us; try again`);
}

async function runRevoke(context: Context): Promise<number> {
  const phone = numberArgument(context);
  for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
    const now = epochSeconds(context.clock);
    const { record } = await existingRecord(context, phone, now);
    const user = activeUser(context, phone, record);
    const sessionEpoch = user.sessionEpoch ?? 0;
    // Conditioned on the user and the epoch read: a number change or deletion meanwhile makes us read again.
    if (await context.records.endSessions(phone.e164, { userId: user.userId, sessionEpoch, by: 'operator' })) {
      const shown = display(context, phone);
      emit(
        context,
        { phoneNumber: shown, outcome: 'revoked', userId: user.userId },
        `${shown}: signed out everywhere (user ${user.userId})`,
      );
      return EXIT.ok;
    }
  }
  throw new CommandError(`${display(context, phone)}: the record kept changing under us; try again`);
}

async function runRemove(context: Context): Promise<number> {
  const phone = numberArgument(context);
  const now = epochSeconds(context.clock);
  const { record } = await existingRecord(context, phone, now);
  const user = activeUser(context, phone, record);
  let cleanup: Awaited<ReturnType<typeof deleteAccount>>;
  try {
    cleanup = await deleteAccount(
      {
        records: context.records,
        families: context.userFamilies,
        passkeys: new DynamoDbUserPasskeyDeletion(context.target.documents, context.target.tableName),
        clock: context.clock,
        policy: parseOtpConfig(context.env),
      },
      { userId: user.userId, phoneNumber: phone.e164, sessionEpoch: user.sessionEpoch ?? 0 },
      'operator',
    );
  } catch (error) {
    // The core's answers are the route's: the user left the number since our read, or it is contended.
    if (isAuthError(error) && error.code === 'invalid_token') throw noActiveUser(context, phone);
    if (isAuthError(error))
      throw new CommandError(`${display(context, phone)}: the record kept changing under us; try again`);
    throw error;
  }
  const shown = display(context, phone);
  emit(
    context,
    { phoneNumber: shown, outcome: 'removed', userId: user.userId, sessionsDeleted: cleanup.familiesDeleted },
    `${shown}: removed user ${user.userId} (${cleanup.familiesDeleted} session${cleanup.familiesDeleted === 1 ? '' : 's'} deleted)`,
  );
  if (cleanup.cleanupError !== undefined) {
    // The account is gone either way: the families left are ended and expire on their own.
    context.io.stderr(
      `users remove: ${shown}: removed, but its ended sessions could not be deleted now (${describeFailure(cleanup.cleanupError, context.target, context.invocation)}); they expire on their own\n`,
    );
  }
  if (cleanup.passkeyCleanupError !== undefined) {
    // Nothing expires the item: the operator has to run this again, by the user id.
    context.io.stderr(
      `users remove: ${shown}: removed, but its passkeys could not be deleted (${describeFailure(cleanup.passkeyCleanupError, context.target, context.invocation)}); they sign nobody in, but remove them: npm run users -- passkeys remove ${user.userId} --all\n`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

async function runPasskeys(context: Context): Promise<number> {
  const [, target = '', credentialId] = context.invocation.args;
  const { userId, shown } = await passkeyOwner(context, target);
  const removal = new DynamoDbOperatorPasskeyRemoval(context.target.documents, context.target.tableName);
  if (credentialId === undefined) {
    const removed = await removal.removeAll(userId);
    emit(
      context,
      { phoneNumber: shown, outcome: 'passkeys_removed', userId, passkeysRemoved: removed },
      removed === 0
        ? `${shown}: user ${userId} has no passkeys, nothing to remove`
        : `${shown}: removed ${removed} passkey${removed === 1 ? '' : 's'} of user ${userId}`,
    );
    return EXIT.ok;
  }
  if (!(await removal.removeOne(userId, credentialId))) {
    throw new CommandError(
      `${shown}: user ${userId} has no passkey ${JSON.stringify(credentialId.slice(0, 100))} (show lists its passkeys)`,
    );
  }
  emit(
    context,
    { phoneNumber: shown, outcome: 'passkey_removed', userId, passkeyId: credentialId },
    `${shown}: removed passkey ${credentialId} of user ${userId}`,
  );
  return EXIT.ok;
}

/** A user id in our form (crypto.randomUUID): never a phone number, whatever the operator typed. */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user whose passkeys to remove: the active user of the number, or a user id given as it is. */
async function passkeyOwner(context: Context, target: string): Promise<{ userId: string; shown: string }> {
  if (USER_ID.test(target)) return { userId: target.toLowerCase(), shown: `user ${target.toLowerCase()}` };
  const phone = numberArgument(context, target);
  const { record } = await existingRecord(context, phone, epochSeconds(context.clock));
  return { userId: activeUser(context, phone, record).userId, shown: display(context, phone) };
}

async function runList(context: Context): Promise<number> {
  const { limit, cursor } = context.invocation;
  const page = await new DynamoDbUserList(context.target.documents, context.target.tableName).page({
    limit,
    ...(cursor === undefined ? {} : { cursor }),
    now: epochSeconds(context.clock),
  });
  for (const user of page.users) {
    const shown = context.invocation.showNumbers ? user.phoneNumber : maskE164(user.phoneNumber);
    emit(context, listedJson(user, shown), listedLine(user, shown));
  }
  if (page.cursor !== undefined) {
    emit(context, { cursor: page.cursor }, `more: npm run users -- list --limit ${limit} --cursor ${page.cursor}`);
  } else if (!context.invocation.json) {
    context.io.stdout(`${page.users.length} user${page.users.length === 1 ? '' : 's'} on this page; no more pages\n`);
  }
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function numberArgument(context: Context, raw = context.invocation.args[0] ?? ''): PhoneNumber {
  try {
    return parsePhoneNumber(raw);
  } catch {
    throw new CommandError(`${maskInput(raw)} is not a valid phone number; give it in E.164 form, e.g. +919876543210`);
  }
}

async function existingRecord(context: Context, phone: PhoneNumber, now: number): Promise<VersionedPhoneRecord> {
  const read = await context.records.get(phone.e164, now);
  // No item, or one past its retention (which every route reads as gone).
  if (read.version === 0 || read.stale) {
    throw new CommandError(
      `${display(context, phone)}: unknown number (no record: it has no user and no recent codes)`,
    );
  }
  return read;
}

function activeUser(context: Context, phone: PhoneNumber, read: VersionedPhoneRecord['record']) {
  if (read.user?.status !== 'active') throw noActiveUser(context, phone, read.user?.status === 'pending');
  return read.user;
}

function noActiveUser(context: Context, phone: PhoneNumber, pending = false): CommandError {
  return new CommandError(
    `${display(context, phone)}: no active user${pending ? ' (a signup never finished: it expires on its own)' : ''}`,
  );
}

async function readFamilies(
  context: Context,
  ids: readonly string[],
  now: number,
): Promise<(RefreshFamily | undefined)[]> {
  const families: (RefreshFamily | undefined)[] = [];
  for (let start = 0; start < ids.length; start += FAMILY_READ_CONCURRENCY) {
    const batch = ids.slice(start, start + FAMILY_READ_CONCURRENCY);
    families.push(...(await Promise.all(batch.map((id) => context.families.get(id, now)))));
  }
  return families;
}

function display(context: Context, phone: PhoneNumber): string {
  return context.invocation.showNumbers ? phone.e164 : maskPhoneNumber(phone.e164, phone.callingCode);
}

/** A stored number, masked with its real calling code where it parses (+353 is three digits). */
function maskE164(e164: string): string {
  try {
    return maskPhoneNumber(e164, parsePhoneNumber(e164).callingCode);
  } catch {
    return maskPhoneNumber(e164);
  }
}

/** What the operator typed, for an error line: masked like a number, whatever it is. */
function maskInput(raw: string): string {
  const digits = raw.replace(/[^\d+]/g, '');
  return digits.replace(/\+/g, '').length < 7
    ? JSON.stringify(raw.slice(0, 20))
    : maskPhoneNumber(`+${digits.replace(/\+/g, '')}`);
}

function emit(context: Context, json: Record<string, unknown>, line: string): void {
  if (context.invocation.json) emitJson(context, json);
  else context.io.stdout(`${line}\n`);
}

function emitJson(context: Context, json: Record<string, unknown>): void {
  context.io.stdout(`${JSON.stringify(json)}\n`);
}

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(seconds * 1000).toISOString();

function summaryJson(summary: NumberSummary, shown: string): Record<string, unknown> {
  return {
    phoneNumber: shown,
    status: summary.status,
    userId: summary.userId ?? null,
    createdAt: iso(summary.createdAt),
    verifiedAt: iso(summary.verifiedAt),
    locked: summary.locked,
    lockedUntil: iso(summary.lockedUntil),
    failedAttempts: summary.failedAttempts,
    maxAttempts: summary.maxAttempts,
    sendsLastHour: summary.sendsLastHour,
    sendsLastDay: summary.sendsLastDay,
    codePending: summary.codeExpiresAt !== undefined,
    codeExpiresAt: iso(summary.codeExpiresAt),
    numberChangePending: summary.numberChangePending,
    liveSessions: summary.liveSessions,
  };
}

function summaryLines(summary: NumberSummary, shown: string, now: number): string {
  const lockout =
    summary.locked && summary.lockedUntil !== undefined
      ? `locked until ${iso(summary.lockedUntil)} (${summary.lockedUntil - now} s from now)`
      : 'not locked';
  const code =
    summary.codeExpiresAt === undefined
      ? 'none'
      : `${summary.numberChangePending ? 'number change' : 'login'} code, expires ${iso(summary.codeExpiresAt)}`;
  return [
    shown,
    `  status:          ${summary.status}`,
    `  user id:         ${summary.userId ?? '-'}`,
    `  created:         ${iso(summary.createdAt) ?? '-'}`,
    `  verified:        ${iso(summary.verifiedAt) ?? '-'}`,
    `  lockout:         ${lockout}`,
    `  wrong codes:     ${summary.failedAttempts} of ${summary.maxAttempts} still count`,
    `  sends:           ${summary.sendsLastHour} in the last hour, ${summary.sendsLastDay} in the last day`,
    `  pending code:    ${code}`,
    `  live sessions:   ${summary.liveSessions}`,
    '',
  ].join('\n');
}

function passkeyJson(passkey: PasskeySummary): Record<string, unknown> {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: iso(passkey.createdAt),
    lastUsedAt: iso(passkey.lastUsedAt),
    backedUp: passkey.backedUp,
  };
}

/** Under the summary: one line per passkey, its name quoted (the user typed it). */
function passkeyLines(passkeys: readonly PasskeySummary[]): string {
  const lines = passkeys.map(
    (p) =>
      `    ${p.id}  ${JSON.stringify(p.name)}  created ${iso(p.createdAt)}  last used ${iso(p.lastUsedAt) ?? 'never'}  ${p.backedUp ? 'backed up' : 'not backed up'}`,
  );
  return [`  passkeys:        ${passkeys.length}`, ...lines, ''].join('\n');
}

function listedJson(user: ListedUser, shown: string): Record<string, unknown> {
  return {
    phoneNumber: shown,
    userId: user.userId,
    status: user.status,
    createdAt: iso(user.createdAt),
    verifiedAt: iso(user.verifiedAt),
  };
}

function listedLine(user: ListedUser, shown: string): string {
  return `${shown}  ${user.status.padEnd(7)}  ${user.userId}  created ${iso(user.createdAt)}  verified ${iso(user.verifiedAt) ?? '-'}`;
}

/** One line for an error: what failed and, where it helps, what to check. Never a stack. */
function describeFailure(error: unknown, target: Target | undefined, invocation: Invocation): string {
  if (error instanceof CommandError) return error.message;
  if (isAuthError(error)) return `refused (${error.code}): ${error.message}`;
  const name = error instanceof Error ? error.name : 'Error';
  const message = firstLine(error instanceof Error ? error.message : String(error));
  if (name === 'ResourceNotFoundException') {
    const table = target?.tableName ?? invocation.table ?? LOCAL_TABLE_NAME;
    return `table ${table} not found${invocation.table ? ' (check --table, the AWS region and account)' : ''}`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return `no usable AWS credentials: ${message}`;
  }
  if (name === 'ConfigError') return message;
  if (/region is missing/i.test(message)) return 'no AWS region: set AWS_REGION, or a region in your AWS profile';
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED' || name === 'TimeoutError') {
    return `cannot reach DynamoDB${target ? ` (${target.where})` : ''}: ${message || code}`;
  }
  return `${name}: ${message}`;
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`users: ${(error as Error).message}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
