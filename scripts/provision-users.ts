/**
 * The former operator tool, kept as an alias of `npm run users -- add --table <TableName>`: it
 * creates users ahead of their first login, for SIGNUP_MODE=closed in AWS (locally, SEED_USERS does
 * the same at start, or `npm run users -- add`). As before it needs a table (`--table` or TABLE_NAME)
 * and uses the default AWS credentials and region, and AWS_ENDPOINT_URL_DYNAMODB if set.
 *
 *   npm run provision-users -- --table <TableName output> +919876543210 +12015550123
 */
import { pathToFileURL } from 'node:url';
import type { Env } from '../lambdas/config.js';
import { type CliIo, EXIT, main as users } from './users.js';

export function parseArgs(argv: readonly string[], env: Env): { table: string; numbers: string[] } {
  const numbers: string[] = [];
  let table = env.TABLE_NAME;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--table') table = argv[++i];
    else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
    else numbers.push(...arg.split(',').filter(Boolean));
  }
  if (!table) throw new Error('Name the table: --table <TableName> (the stack output) or TABLE_NAME');
  if (numbers.length === 0) throw new Error('Give at least one phone number in E.164 form, e.g. +919876543210');
  return { table, numbers };
}

/** `users add` on the named table: same lines (`+91******3210: created`), exit 1 if any number was refused. */
export async function provisionUsers(argv: readonly string[], env: Env = process.env, io?: CliIo): Promise<number> {
  let parsed: { table: string; numbers: string[] };
  try {
    parsed = parseArgs(argv, env);
  } catch (error) {
    (io?.stderr ?? ((text: string) => process.stderr.write(text)))(`provision-users: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  // `--` first: a number is never taken for an option, whatever it starts with.
  return users(['add', '--table', parsed.table, '--', ...parsed.numbers], env, io);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  provisionUsers(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
