import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { provisionUsers } from '../../scripts/provision-users.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';

describe('npm run provision-users (an alias of npm run users -- add --table)', () => {
  it('creates active users for closed signup, leaves existing ones, and refuses bad numbers with exit 1', async () => {
    const table = await createTestTable();
    const run = (...args: string[]) =>
      spawnSync('npm', ['run', '--silent', 'provision-users', '--', '--table', table.tableName, ...args], {
        env: { ...process.env, ...testDynamoDbEnv() },
        encoding: 'utf8',
      });

    const first = run('+919876543210', '+1 201 555 0123');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('+91******3210: created\n+1******0123: created\n');
    expect(first.stdout).not.toContain('9876543210');

    const again = run('+919876543210,not-a-number');
    expect(again.status).toBe(1);
    expect(again.stdout).toBe('+91******3210: exists\n');
    expect(again.stderr).toContain('users add: "not-a-number": refused (invalid_phone_number)');

    const records = new DynamoDbPhoneRecordStore(createDocumentClient(table.client), table.tableName);
    const { record } = await records.get('+12015550123', Math.floor(Date.now() / 1000));
    expect(record.user?.status).toBe('active');
    expect(record.retainUntil).toBeUndefined();
  });

  it('still needs a table, from --table=, --table or TABLE_NAME, and never falls back to the local store', async () => {
    const table = await createTestTable();
    const output = { stdout: '', stderr: '' };
    const io = {
      stdout: (text: string) => {
        output.stdout += text;
      },
      stderr: (text: string) => {
        output.stderr += text;
      },
    };
    expect(await provisionUsers(['+919876543210'], testDynamoDbEnv(), io)).toBe(2);
    expect(output.stderr).toBe(
      'provision-users: Name the table: --table <TableName> (the stack output) or TABLE_NAME\n',
    );
    expect(await provisionUsers(['--table', table.tableName], testDynamoDbEnv(), io)).toBe(2);
    expect(output.stderr).toContain('provision-users: Give at least one phone number');

    output.stdout = '';
    const env = { ...testDynamoDbEnv(), TABLE_NAME: table.tableName };
    expect(await provisionUsers(['+919876543210'], env, io)).toBe(0);
    expect(await provisionUsers([`--table=${table.tableName}`, '+919876543211'], testDynamoDbEnv(), io)).toBe(0);
    expect(output.stdout).toBe('+91******3210: created\n+91******3211: created\n');
  });
});
