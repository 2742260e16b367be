import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { createTestTable, testDynamoDbEnv } from '../helpers/dynamodb.js';

describe('npm run provision-users', () => {
  it('creates active users for closed signup, leaves existing ones, and refuses bad numbers with exit 1', async () => {
    const table = await createTestTable();
    const run = (...args: string[]) =>
      spawnSync('npm', ['run', '--silent', 'provision-users', '--', '--table', table.tableName, ...args], {
        env: { ...process.env, ...testDynamoDbEnv() },
        encoding: 'utf8',
      });

    const first = run('+919876543210', '+1 201 555 0123');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('+91******3210: created');
    expect(first.stdout).not.toContain('9876543210');

    const again = run('+919876543210,not-a-number');
    expect(again.status).toBe(1);
    expect(again.stdout).toContain('+91******3210: exists');
    expect(again.stdout).toContain('refused (invalid_phone_number)');

    const records = new DynamoDbPhoneRecordStore(createDocumentClient(table.client), table.tableName);
    const { record } = await records.get('+12015550123', Math.floor(Date.now() / 1000));
    expect(record.user?.status).toBe('active');
    expect(record.retainUntil).toBeUndefined();
  });
});
