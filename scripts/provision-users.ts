/**
 * Creates users ahead of their first login, for SIGNUP_MODE=closed in AWS (locally, SEED_USERS does
 * the same at start). Uses the default AWS credentials and region, and AWS_ENDPOINT_URL_DYNAMODB if set.
 *
 *   npm run provision-users -- --table <TableName output> +919876543210 +12015550123
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../lambdas/adapters/dynamodb-phone-record-store.js';
import { systemClock } from '../lambdas/core/clock.js';
import { isAuthError } from '../lambdas/core/errors.js';
import { provisionUser } from '../lambdas/core/login.js';
import { maskPhoneNumber } from '../lambdas/core/phone.js';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { table: string; numbers: string[] } {
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

async function main(): Promise<void> {
  const { table, numbers } = parseArgs(process.argv.slice(2), process.env);
  const client = new DynamoDBClient({});
  const records = new DynamoDbPhoneRecordStore(createDocumentClient(client), table);
  let failed = 0;
  for (const number of numbers) {
    try {
      const outcome = await provisionUser(records, number, systemClock);
      process.stdout.write(`${maskPhoneNumber(number.replace(/[^\d+]/g, ''))}: ${outcome}\n`);
    } catch (error) {
      failed++;
      const reason = isAuthError(error) ? error.code : (error as Error).name;
      process.stdout.write(`${maskPhoneNumber(number.replace(/[^\d+]/g, ''))}: refused (${reason})\n`);
    }
  }
  client.destroy();
  if (failed) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`provision-users: ${(error as Error).message}\n`);
    process.exit(2);
  });
}
