import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbUserFamilies } from '../../lambdas/adapters/dynamodb-user-families.js';
import {
  LOCAL_ENDPOINT_FILE,
  readLocalEndpoint,
  removeLocalEndpoint,
  writeLocalEndpoint,
} from '../../scripts/local-endpoint.js';
import { main } from '../../scripts/users.js';
import { createTestTable, testDynamoDbEndpoint, testDynamoDbEnv } from '../helpers/dynamodb.js';
import { seedPasskeys, storedPasskey } from '../helpers/passkey-items.js';
import { readPasskeysItem } from '../helpers/passkeys.js';
import { createTestApp, type TestApp, wrongCode } from '../helpers/test-app.js';

const A = '+919876543210';
const A_MASKED = '+91******3210';
const B = '+919876543211';
const B_MASKED = '+91******3211';
const UNKNOWN = '+919876543299';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI in-process against the app's table, on the app's clock, with the service's settings. */
async function cli(app: TestApp, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  return runMain(['--table', app.tableName, ...argv], { ...testDynamoDbEnv(), ...env }, app);
}

async function runMain(argv: string[], env: Record<string, string>, app?: TestApp): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...(app ? { clock: app.clock } : {}),
  });
  return { code, stdout, stderr };
}

const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Exactly one line, on stderr, and nothing on stdout: the error contract. */
function expectOneErrorLine(run: Run, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

async function lockOut(app: TestApp, phone: string): Promise<void> {
  expect((await app.sendOtp(phone)).status).toBe(200);
  const wrong = wrongCode(app.sms.lastCodeFor(phone));
  for (let i = 0; i < app.policy.otpMaxAttempts; i++) {
    expect((await app.verifyOtp(phone, wrong)).status).toBe(400);
  }
  expect(await app.verifyOtp(phone, wrong)).toMatchObject({ status: 429, body: { code: 'too_many_attempts' } });
}

describe('npm run users -- --help', () => {
  it('lists every command and the global options, exit 0, on stdout', async () => {
    const run = await runMain(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of [
      'add <number>...',
      'show <number>',
      'unlock <number>',
      'revoke <number>',
      'remove <number>',
      'passkeys remove <number> <id|--all>',
    ]) {
      expect(run.stdout).toContain(command);
    }
    expect(run.stdout).toMatch(/^ {2}list \[--limit N\]/m);
    for (const option of ['--table', '--json', '--show-numbers', '--help']) expect(run.stdout).toContain(option);
  });

  it.each([
    ['add', /Usage: npm run users -- add <number>\.\.\./],
    ['show', /the passkeys of the user[\s\S]*never the TOTP secret, a code or a public key/i],
    ['unlock', /Usage: npm run users -- unlock <number>/],
    ['revoke', /signs? the user out everywhere|Ends every session/],
    ['remove', /exactly as DELETE \/me does/],
    ['passkeys', /--all +every passkey of the user[\s\S]*a user id removes the passkeys of a user no number leads to/],
    ['list', /SCANS THE TABLE[\s\S]*read capacity in proportion to the whole table/],
  ])('%s --help describes the command, exit 0', async (command, pattern) => {
    const run = await runMain([command, '--help'], {});
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(pattern);
    expect(run.stdout).toContain('--show-numbers');
  });

  it('documents --limit and --cursor on list only', async () => {
    expect((await runMain(['list', '-h'], {})).stdout).toMatch(/--limit N[\s\S]*--cursor <cursor>/);
    expect((await runMain(['show', '-h'], {})).stdout).not.toContain('--cursor');
  });
});

describe('usage errors: one line on stderr, exit 2, nothing done', () => {
  it.each([
    [[], /users: name a command: add, show, unlock, revoke, remove, passkeys, list/],
    [['frob'], /users: unknown command "frob"/],
    [['show', A, '--frob'], /users: unknown option --frob/],
    [['show'], /users show: show needs a phone number/],
    [['show', A, B], /users show: show takes one number/],
    [['list', 'extra'], /users list: list takes no arguments/],
    [['show', A, '--limit', '5'], /users show: show has no option --limit/],
    [['list', '--limit', '0'], /--limit must be a whole number from 1 to 1000, got "0"/],
    [['list', '--limit', 'ten'], /--limit must be a whole number from 1 to 1000, got "ten"/],
    [['list', '--limit', '1001'], /--limit must be a whole number/],
    [['show', A, '--table'], /--table needs a value/],
    [['show', A, '--all'], /users show: show has no option --all/],
    [['passkeys'], /users passkeys: passkeys needs a subcommand: passkeys remove <number> <id\|--all>/],
    [['passkeys', 'list', A], /users passkeys: passkeys has no subcommand "list"/],
    [['passkeys', 'remove'], /users passkeys: passkeys remove needs a phone number/],
    [['passkeys', 'remove', A], /users passkeys: passkeys remove needs a passkey id, or --all/],
    [['passkeys', 'remove', A, 'abc', '--all'], /users passkeys: give a passkey id or --all, not both/],
    [['passkeys', 'remove', A, 'abc', 'def'], /users passkeys: passkeys remove takes one number and one id/],
  ])('%j', async (argv, pattern) => {
    expectOneErrorLine(await runMain(argv as string[], {}), 2, pattern);
  });

  it('refuses a cursor it did not hand out, and one from another table', async () => {
    const app = await createTestApp();
    expectOneErrorLine(
      await cli(app, ['list', '--cursor', 'not-a-cursor']),
      2,
      /cursor is not one that a previous page printed/,
    );

    const other = await createTestApp();
    for (const phone of [A, B]) expect((await cli(other, ['add', phone])).code).toBe(0);
    const page = jsonLines((await cli(other, ['list', '--limit', '1', '--json'])).stdout);
    const cursor = String(page.at(-1)?.cursor);
    expect(cursor.length).toBeGreaterThan(20);
    expectOneErrorLine(
      await cli(app, ['list', '--cursor', cursor]),
      2,
      /cursor is not one that a previous page printed/,
    );
  });
});

describe('users add', () => {
  it('lets a number log in under SIGNUP_MODE=closed, and leaves an existing user as it is', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    await expect(app.login(A)).rejects.toThrow(/no SMS was sent/);

    const added = await cli(app, ['add', A]);
    expect(added).toEqual({ code: 0, stdout: `${A_MASKED}: created\n`, stderr: '' });
    const { sub } = await app.login(A);
    expect((await app.me((await app.login(A)).access)).body).toMatchObject({ sub, phone_number: A });

    expect(await cli(app, ['add', A])).toEqual({ code: 0, stdout: `${A_MASKED}: exists\n`, stderr: '' });
    expect((await app.login(A)).sub).toBe(sub);
  });

  it('activates a pending signup, so it never expires', async () => {
    const app = await createTestApp();
    expect((await app.sendOtp(A)).status).toBe(200);
    expect((await app.records.get(A, app.clock.seconds)).record.user?.status).toBe('pending');
    expect((await cli(app, ['add', A])).stdout).toBe(`${A_MASKED}: activated\n`);
    const { record } = await app.records.get(A, app.clock.seconds);
    expect(record.user?.status).toBe('active');
    expect(record.retainUntil).toBeUndefined();
  });

  it('adds every good number, refuses a bad one on stderr, and exits 1', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    const run = await cli(app, ['add', `${A},not-a-number`, '+1 201 555 0123']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${A_MASKED}: created\n+1******0123: created\n`);
    expect(run.stderr).toBe('users add: "not-a-number": refused (invalid_phone_number)\n');
    expect((await app.records.get('+12015550123', app.clock.seconds)).record.user?.status).toBe('active');
  });

  it('prints numbers in full with --show-numbers, and JSON lines with --json', async () => {
    const app = await createTestApp();
    expect((await cli(app, ['add', A, '--show-numbers'])).stdout).toBe(`${A}: created\n`);
    const json = await cli(app, ['--json', 'add', A, B]);
    expect(json.code).toBe(0);
    expect(jsonLines(json.stdout)).toEqual([
      { phoneNumber: A_MASKED, outcome: 'exists' },
      { phoneNumber: B_MASKED, outcome: 'created' },
    ]);
  });
});

describe('short numbers in the CLI output', () => {
  it('masks at least half of a Tokelau or Falklands number, at least 3 digits, in every command', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    const added = await cli(app, ['add', '+6907290', '+500 51234']);
    expect(added).toEqual({ code: 0, stdout: '+690***0: created\n+500***34: created\n', stderr: '' });

    const listed = await cli(app, ['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('+690***0');
    expect(listed.stdout).toContain('+500***34');
    const shown = await cli(app, ['show', '+6907290']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('+690***0');
    for (const run of [added, listed, shown]) {
      expect(run.stdout).not.toMatch(/7290|1234|290\b/);
    }
    const json = await cli(app, ['--json', 'unlock', '+6907290']);
    expect(jsonLines(json.stdout)).toEqual([expect.objectContaining({ phoneNumber: '+690***0' })]);
  });
});

describe('users show', () => {
  it('shows an active user: times, no lockout, sends, live sessions; never the secret', async () => {
    const app = await createTestApp();
    const first = await app.login(A);
    app.clock.advance(10);
    await app.login(A);
    const { record } = await app.records.get(A, app.clock.seconds);

    const json = await cli(app, ['show', A, '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const [summary, ...rest] = jsonLines(json.stdout);
    expect(rest).toEqual([]);
    expect(summary).toEqual({
      phoneNumber: A_MASKED,
      status: 'active',
      userId: first.sub,
      createdAt: new Date((record.user?.createdAt ?? 0) * 1000).toISOString(),
      verifiedAt: new Date((record.user?.verifiedAt ?? 0) * 1000).toISOString(),
      locked: false,
      lockedUntil: null,
      failedAttempts: 0,
      maxAttempts: 5,
      sendsLastHour: 2,
      sendsLastDay: 2,
      codePending: false,
      codeExpiresAt: null,
      numberChangePending: false,
      liveSessions: 2,
      passkeys: [],
    });

    const human = await cli(app, ['show', A]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^\+91\*{6}3210\n {2}status: +active\n/);
    expect(human.stdout).toContain(`user id:         ${first.sub}`);
    expect(human.stdout).toMatch(/lockout: +not locked/);
    expect(human.stdout).toMatch(/sends: +2 in the last hour, 2 in the last day/);
    expect(human.stdout).toMatch(/live sessions: +2\n {2}passkeys: +0\n$/);
    for (const output of [json.stdout, human.stdout]) {
      expect(output).not.toContain(record.user?.totpSecret);
      expect(output).not.toContain(A);
      expect(output).not.toContain(app.sms.lastCodeFor(A));
    }
    expect((await cli(app, ['show', A, '--show-numbers'])).stdout).toMatch(/^\+919876543210\n/);
  });

  it('counts a session as ended once logged out, revoked by reuse or expired', async () => {
    const app = await createTestApp({ REFRESH_TOKEN_TTL_SECONDS: '86400' });
    const kept = await app.login(A);
    const loggedOut = await app.login(A);
    expect((await app.logout(loggedOut.refresh)).status).toBe(204);
    const liveSessions = async () => jsonLines((await cli(app, ['show', A, '--json'])).stdout)[0]?.liveSessions;
    expect(await liveSessions()).toBe(1);
    expect((await app.refresh(kept.refresh)).status).toBe(200);
    expect(await liveSessions()).toBe(1);
    app.clock.advance(86_400);
    expect(await liveSessions()).toBe(0);
  });

  it('shows a lockout and when it ends, with the deployed OTP_LOCKOUT_SECONDS', async () => {
    const settings = { OTP_LOCKOUT_SECONDS: '600', OTP_MAX_ATTEMPTS: '3' };
    const app = await createTestApp(settings);
    await lockOut(app, A);
    const lastFailedAt = (await app.records.get(A, app.clock.seconds)).record.lastFailedAt ?? 0;
    app.clock.advance(100);

    const [summary] = jsonLines((await cli(app, ['show', A, '--json'], settings)).stdout);
    expect(summary).toMatchObject({
      status: 'pending',
      locked: true,
      lockedUntil: new Date((lastFailedAt + 600) * 1000).toISOString(),
      failedAttempts: 3,
      maxAttempts: 3,
      sendsLastHour: 1,
      codePending: true,
    });
    const human = await cli(app, ['show', A], settings);
    expect(human.stdout).toMatch(/lockout: +locked until \S+Z \(500 s from now\)/);
    expect(human.stdout).toMatch(/wrong codes: +3 of 3 still count/);

    // With the defaults (lockout 900 s) the same record reads differently: the CLI uses the env it is given.
    const [defaults] = jsonLines((await cli(app, ['show', A, '--json'])).stdout);
    expect(defaults).toMatchObject({ maxAttempts: 5, locked: false, failedAttempts: 3 });
  });

  it('shows a number with no user but counters as status none', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    expect((await app.sendOtp(A)).status).toBe(200);
    const [summary] = jsonLines((await cli(app, ['show', A, '--json'])).stdout);
    expect(summary).toMatchObject({ status: 'none', userId: null, sendsLastDay: 1, liveSessions: 0 });
  });

  it('answers an unknown number with one line and exit 1, and a bad number too', async () => {
    const app = await createTestApp();
    expectOneErrorLine(await cli(app, ['show', UNKNOWN]), 1, /^users show: \+91\*{6}3299: unknown number/);
    expectOneErrorLine(
      await cli(app, ['show', UNKNOWN, '--show-numbers']),
      1,
      /^users show: \+919876543299: unknown number/,
    );
    expectOneErrorLine(await cli(app, ['show', '12345']), 1, /"12345" is not a valid phone number/);
    expectOneErrorLine(await cli(app, ['show', '+91 98765 4321']), 1, /\+91\*+4321 is not a valid phone number/);
  });
});

describe('users unlock', () => {
  it('clears the lockout: the number can log in again at once', async () => {
    const app = await createTestApp();
    const before = await app.login(A);
    await lockOut(app, A);
    expect((await app.sendOtp(A)).status).toBe(429);

    const run = await cli(app, ['unlock', A]);
    expect(run).toEqual({
      code: 0,
      stdout: `${A_MASKED}: unlocked (the lockout is lifted; wrong codes cleared)\n`,
      stderr: '',
    });
    const [summary] = jsonLines((await cli(app, ['show', A, '--json'])).stdout);
    expect(summary).toMatchObject({ locked: false, failedAttempts: 0, status: 'active', userId: before.sub });

    const after = await app.login(A);
    expect(after.sub).toBe(before.sub);
    // The user and its earlier session are untouched by an unlock.
    expect((await app.refresh(before.refresh)).status).toBe(200);
  });

  it('says when there is nothing to clear, and reports in JSON', async () => {
    const app = await createTestApp();
    await app.login(A);
    expect((await cli(app, ['unlock', A])).stdout).toBe(`${A_MASKED}: not locked, no wrong codes to clear\n`);
    expect((await app.sendOtp(A)).status).toBe(200);
    expect((await app.verifyOtp(A, wrongCode(app.sms.lastCodeFor(A)))).status).toBe(400);
    expect(jsonLines((await cli(app, ['unlock', A, '--json'])).stdout)).toEqual([
      { phoneNumber: A_MASKED, outcome: 'unlocked', wasLocked: false },
    ]);
    expect((await app.records.get(A, app.clock.seconds)).record).toMatchObject({ failedAttempts: 0 });
    expect((await app.records.get(A, app.clock.seconds)).record.lastFailedAt).toBeUndefined();
  });

  it('answers an unknown number with one line and exit 1', async () => {
    const app = await createTestApp();
    expectOneErrorLine(await cli(app, ['unlock', UNKNOWN]), 1, /^users unlock: \+91\*{6}3299: unknown number/);
  });
});

describe('users revoke', () => {
  it('ends every session: each refresh token of the user is 401, and the user can log in again', async () => {
    const app = await createTestApp();
    const phone = await app.login(A);
    const tablet = await app.login(A);
    const other = await app.login(B);

    const run = await cli(app, ['revoke', A]);
    expect(run).toEqual({ code: 0, stdout: `${A_MASKED}: signed out everywhere (user ${phone.sub})\n`, stderr: '' });
    for (const refresh of [phone.refresh, tablet.refresh]) {
      expect(await app.refresh(refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
    // Only that user: another number's sessions live on.
    expect((await app.refresh(other.refresh)).status).toBe(200);
    expect(jsonLines((await cli(app, ['show', A, '--json'])).stdout)[0]?.liveSessions).toBe(0);

    const again = await app.login(A);
    expect(again.sub).toBe(phone.sub);
    expect((await app.refresh(again.refresh)).status).toBe(200);
    expect(jsonLines((await cli(app, ['revoke', A, '--json', '--show-numbers'])).stdout)).toEqual([
      { phoneNumber: A, outcome: 'revoked', userId: phone.sub },
    ]);
  });

  it('answers a number without an active user with one line and exit 1', async () => {
    const app = await createTestApp();
    expectOneErrorLine(await cli(app, ['revoke', UNKNOWN]), 1, /^users revoke: \+91\*{6}3299: unknown number/);
    expect((await app.sendOtp(A)).status).toBe(200);
    expectOneErrorLine(
      await cli(app, ['revoke', A]),
      1,
      /^users revoke: \+91\*{6}3210: no active user \(a signup never finished/,
    );
  });
});

describe('users remove', () => {
  it('deletes the account as DELETE /me does: tokens refused, families gone, the number a new user', async () => {
    const app = await createTestApp();
    const phone = await app.login(A);
    const tablet = await app.login(A);

    const run = await cli(app, ['remove', A]);
    expect(run).toEqual({
      code: 0,
      stdout: `${A_MASKED}: removed user ${phone.sub} (2 sessions deleted)\n`,
      stderr: '',
    });
    for (const refresh of [phone.refresh, tablet.refresh]) {
      expect(await app.refresh(refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    }
    expect(await app.me(phone.access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect(
      await new DynamoDbUserFamilies(createDocumentClient(app.client), app.tableName).familyIdsOf(phone.sub),
    ).toEqual([]);
    const { record } = await app.records.get(A, app.clock.seconds);
    expect(record.user).toBeUndefined();
    expect(record.sendTimes).toHaveLength(2);

    const again = await app.login(A);
    expect(again.sub).not.toBe(phone.sub);
    expectOneErrorLine(await cli(app, ['remove', B]), 1, /^users remove: \+91\*{6}3211: unknown number/);
  });

  it('refuses a second removal (no active user) and, under closed signup, the number needs add again', async () => {
    const app = await createTestApp({ SIGNUP_MODE: 'closed' });
    expect((await cli(app, ['add', A])).code).toBe(0);
    const user = await app.login(A);
    expect(jsonLines((await cli(app, ['remove', A, '--json'])).stdout)).toEqual([
      { phoneNumber: A_MASKED, outcome: 'removed', userId: user.sub, sessionsDeleted: 1 },
    ]);
    expectOneErrorLine(await cli(app, ['remove', A]), 1, /^users remove: \+91\*{6}3210: no active user$/m);
    const smsBefore = app.sms.sent.length;
    expect((await app.sendOtp(A)).status).toBe(200);
    expect(app.sms.sent).toHaveLength(smsBefore);
    expect((await cli(app, ['add', A])).stdout).toBe(`${A_MASKED}: created\n`);
    expect((await app.login(A)).sub).not.toBe(user.sub);
  });
});

const LAPTOP = storedPasskey({
  id: 'bGFwdG9wLWNyZWRlbnRpYWw',
  name: 'Laptop "work"',
  createdAt: 1_800_000_000,
  counter: 12,
  backedUp: false,
  deviceType: 'singleDevice',
  publicKey: 'pQECAyYgASFYIPUBLICKEYOFTHELAPTOP',
});
const PHONE = storedPasskey({
  id: 'cGhvbmU',
  name: 'Pixel',
  createdAt: 1_800_000_100,
  lastUsedAt: 1_800_003_700,
  publicKey: 'pQECAyYgASFYIPUBLICKEYOFTHEPHONE',
});

describe('users show: passkeys', () => {
  it('lists the passkeys of the user, oldest first: id, name, created, last used, backed up; never a key', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [PHONE, LAPTOP]);

    const json = await cli(app, ['show', A, '--json']);
    expect(json.code).toBe(0);
    expect(jsonLines(json.stdout)[0]?.passkeys).toEqual([
      {
        id: LAPTOP.id,
        name: 'Laptop "work"',
        createdAt: '2027-01-15T08:00:00.000Z',
        lastUsedAt: null,
        backedUp: false,
      },
      {
        id: PHONE.id,
        name: 'Pixel',
        createdAt: '2027-01-15T08:01:40.000Z',
        lastUsedAt: '2027-01-15T09:01:40.000Z',
        backedUp: true,
      },
    ]);

    const human = await cli(app, ['show', A]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      [
        '  passkeys:        2',
        `    ${LAPTOP.id}  "Laptop \\"work\\""  created 2027-01-15T08:00:00.000Z  last used never  not backed up`,
        `    ${PHONE.id}  "Pixel"  created 2027-01-15T08:01:40.000Z  last used 2027-01-15T09:01:40.000Z  backed up`,
        '',
      ].join('\n'),
    );
    for (const output of [json.stdout, human.stdout]) {
      expect(output).not.toContain('PUBLICKEY');
      expect(output).not.toMatch(/counter|aaguid/i);
    }
  });

  it('lists no passkeys for a number without an active user', async () => {
    const app = await createTestApp();
    expect((await app.sendOtp(A)).status).toBe(200);
    const [summary] = jsonLines((await cli(app, ['show', A, '--json'])).stdout);
    expect(summary).toMatchObject({ status: 'pending', passkeys: [] });
  });
});

describe('users passkeys remove', () => {
  it('removes one passkey by its id: it is gone from show and the item, the other stays', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);

    const run = await cli(app, ['passkeys', 'remove', A, LAPTOP.id]);
    expect(run).toEqual({
      code: 0,
      stdout: `${A_MASKED}: removed passkey ${LAPTOP.id} of user ${user.sub}\n`,
      stderr: '',
    });
    const item = await readPasskeysItem(app, user.sub);
    expect(Object.keys((item?.passkeys as object) ?? {})).toEqual([PHONE.id]);
    expect(item).toMatchObject({ userId: user.sub, phoneNumber: A });
    const [summary] = jsonLines((await cli(app, ['show', A, '--json'])).stdout);
    expect(summary?.passkeys).toEqual([expect.objectContaining({ id: PHONE.id, name: 'Pixel' })]);

    expect(jsonLines((await cli(app, ['--json', 'passkeys', 'remove', A, PHONE.id])).stdout)).toEqual([
      { phoneNumber: A_MASKED, outcome: 'passkey_removed', userId: user.sub, passkeyId: PHONE.id },
    ]);
    expect((await readPasskeysItem(app, user.sub))?.passkeys).toEqual({});
    // The user's sessions are not the passkeys' business.
    expect((await app.refresh(user.refresh)).status).toBe(200);
  });

  it('answers an id the user has not with one line and exit 1, removing nothing', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    const before = await readPasskeysItem(app, user.sub);

    expectOneErrorLine(
      await cli(app, ['passkeys', 'remove', A, 'bm8tc3VjaA']),
      1,
      new RegExp(
        `^users passkeys: \\+91\\*{6}3210: user ${user.sub} has no passkey "bm8tc3VjaA" \\(show lists its passkeys\\)$`,
        'm',
      ),
    );
    expect(await readPasskeysItem(app, user.sub)).toEqual(before);
    // A user with no passkey item at all: the same answer, and no item is created.
    const other = await app.login(B);
    expectOneErrorLine(await cli(app, ['passkeys', 'remove', B, LAPTOP.id]), 1, /has no passkey "bGFwdG9w/);
    expect(await readPasskeysItem(app, other.sub)).toBeUndefined();
  });

  it('takes an id that starts with "-" after "--"', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const dashed = storedPasskey({ id: '-ZGFzaGVk', name: 'Dashed' });
    await seedPasskeys(app, user.sub, A, [dashed, LAPTOP]);

    expectOneErrorLine(await cli(app, ['passkeys', 'remove', A, dashed.id]), 2, /unknown option -Z|unknown option/);
    const run = await cli(app, ['passkeys', 'remove', A, '--', dashed.id]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${A_MASKED}: removed passkey ${dashed.id} of user ${user.sub}\n`);
    expect(Object.keys(((await readPasskeysItem(app, user.sub))?.passkeys as object) ?? {})).toEqual([LAPTOP.id]);
  });

  it('removes every passkey with --all, deleting the item; again, there is nothing to remove', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);

    expect(await cli(app, ['passkeys', 'remove', A, '--all'])).toEqual({
      code: 0,
      stdout: `${A_MASKED}: removed 2 passkeys of user ${user.sub}\n`,
      stderr: '',
    });
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
    expect(jsonLines((await cli(app, ['show', A, '--json'])).stdout)[0]?.passkeys).toEqual([]);

    expect(await cli(app, ['passkeys', 'remove', A, '--all'])).toEqual({
      code: 0,
      stdout: `${A_MASKED}: user ${user.sub} has no passkeys, nothing to remove\n`,
      stderr: '',
    });
    expect(jsonLines((await cli(app, ['passkeys', 'remove', '--all', A, '--json'])).stdout)).toEqual([
      { phoneNumber: A_MASKED, outcome: 'passkeys_removed', userId: user.sub, passkeysRemoved: 0 },
    ]);
    expect((await app.me(user.access)).status).toBe(200);
  });

  it('answers an unknown number, a number without an active user and a bad number with one line and exit 1', async () => {
    const app = await createTestApp();
    expectOneErrorLine(
      await cli(app, ['passkeys', 'remove', UNKNOWN, '--all']),
      1,
      /^users passkeys: \+91\*{6}3299: unknown number/,
    );
    expect((await app.sendOtp(A)).status).toBe(200);
    expectOneErrorLine(
      await cli(app, ['passkeys', 'remove', A, LAPTOP.id]),
      1,
      /^users passkeys: \+91\*{6}3210: no active user \(a signup never finished/,
    );
    expectOneErrorLine(
      await cli(app, ['passkeys', 'remove', '12345', '--all']),
      1,
      /"12345" is not a valid phone number/,
    );
  });

  it('removes, by the user id, the passkeys a failed deletion left: no number leads to them any more', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect((await app.deleteAccount(user.access)).status).toBe(204);
    // What a deletion whose DeleteItem failed leaves: the item, naming a number the user no longer holds.
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    expectOneErrorLine(await cli(app, ['passkeys', 'remove', A, '--all']), 1, /no active user/);

    const run = await cli(app, ['passkeys', 'remove', user.sub.toUpperCase(), '--all']);
    expect(run).toEqual({ code: 0, stdout: `user ${user.sub}: removed 1 passkey of user ${user.sub}\n`, stderr: '' });
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
  });
});

describe('users remove: passkeys', () => {
  it("deletes the user's passkey item with the account", async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const other = await app.login(B);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);
    await seedPasskeys(app, other.sub, B, [LAPTOP]);

    expect(await cli(app, ['remove', A])).toEqual({
      code: 0,
      stdout: `${A_MASKED}: removed user ${user.sub} (1 session deleted)\n`,
      stderr: '',
    });
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
    expect(await readPasskeysItem(app, other.sub)).toMatchObject({ phoneNumber: B });
  });
});

describe('users revoke: passkeys', () => {
  it('ends the sessions and leaves the passkeys', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    const before = await readPasskeysItem(app, user.sub);
    expect((await cli(app, ['revoke', A])).code).toBe(0);
    expect((await app.refresh(user.refresh)).status).toBe(401);
    expect(await readPasskeysItem(app, user.sub)).toEqual(before);
  });
});

describe('users index-sessions', () => {
  it('indexes the families from before the user index, so deleting the account deletes them too', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const documents = createDocumentClient(app.client);
    // As a family written by the version before the index: no userKey.
    const [family] =
      (
        await documents.send(
          new ScanCommand({
            TableName: app.tableName,
            FilterExpression: 'begins_with(pk, :f)',
            ExpressionAttributeValues: { ':f': 'FAM#' },
          }),
        )
      ).Items ?? [];
    const { userKey: _dropped, ...legacy } = family ?? {};
    await documents.send(new PutCommand({ TableName: app.tableName, Item: legacy }));
    expect(await new DynamoDbUserFamilies(documents, app.tableName).familyIdsOf(user.sub)).toEqual([]);

    const run = await cli(app, ['index-sessions', '--json']);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([{ scanned: expect.any(Number), indexed: 1 }]);
    expect(await new DynamoDbUserFamilies(documents, app.tableName).familyIdsOf(user.sub)).toHaveLength(1);
    // Again: nothing left to index.
    expect(jsonLines((await cli(app, ['index-sessions', '--json'])).stdout)).toEqual([
      { scanned: expect.any(Number), indexed: 0 },
    ]);

    expect((await app.deleteAccount(user.access)).status).toBe(204);
    const left = await documents.send(
      new ScanCommand({
        TableName: app.tableName,
        FilterExpression: 'begins_with(pk, :f)',
        ExpressionAttributeValues: { ':f': 'FAM#' },
      }),
    );
    expect(left.Items).toEqual([]);
  });
});

describe('users list', () => {
  /** Every page of a listing, following the cursors: the users it printed, and how many pages. */
  async function listAll(app: TestApp, limit: number): Promise<{ users: Record<string, unknown>[]; pages: number }> {
    const users: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const run = await cli(app, [
        'list',
        '--limit',
        String(limit),
        '--json',
        '--show-numbers',
        ...(cursor ? ['--cursor', cursor] : []),
      ]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const lines = jsonLines(run.stdout);
      const last = lines.at(-1);
      cursor = last && 'cursor' in last ? String(last.cursor) : undefined;
      const page = cursor ? lines.slice(0, -1) : lines;
      expect(page.length).toBeLessThanOrEqual(limit);
      users.push(...page);
      pages++;
    } while (cursor && pages < 50);
    return { users, pages };
  }

  it('lists every user exactly once at every page size, however users and other items interleave', async () => {
    // Fixed keys, so the scan order (by key hash) is the same on every run, and with every page size
    // some page ends in the middle of what one Scan call returned.
    const app = await createTestApp();
    const documents = createDocumentClient(app.client);
    const users = Array.from({ length: 8 }, (_, i) => `+9198765400${String(i).padStart(2, '0')}`);
    const put = (item: Record<string, unknown>) =>
      documents.send(new PutCommand({ TableName: app.tableName, Item: item }));
    for (const [i, phone] of users.entries()) {
      await put({
        pk: `PHONE#${phone}`,
        sk: 'USER',
        version: 1,
        phoneNumber: phone,
        userId: `user-${i}`,
        totpSecret: 'S',
        status: 'active',
        createdAt: 1_700_000_000,
        failedAttempts: 0,
        sendTimes: [],
      });
    }
    for (let i = 0; i < 8; i++) {
      await put({
        pk: `FAM#family-${i}`,
        sk: 'FAMILY',
        userId: 'user-0',
        userKey: 'USER#user-0',
        ttl: app.clock.seconds + 3600,
      });
      await put({
        pk: `PHONE#+9198765411${String(i).padStart(2, '0')}`,
        sk: 'USER',
        version: 1,
        phoneNumber: '+91',
        failedAttempts: 1,
        sendTimes: [],
      });
    }
    // A pending user whose record is past its retention reads as gone, as on every route.
    await put({
      pk: 'PHONE#+919876549999',
      sk: 'USER',
      version: 1,
      phoneNumber: '+919876549999',
      userId: 'expired',
      totpSecret: 'S',
      status: 'pending',
      createdAt: 1,
      ttl: app.clock.seconds - 1,
      failedAttempts: 0,
      sendTimes: [],
    });

    for (const limit of [1, 2, 3, 4, 5, 7, 8, 50]) {
      const { users: listed, pages } = await listAll(app, limit);
      expect(listed.map((user) => user.phoneNumber).sort(), `limit ${limit}`).toEqual([...users].sort());
      expect(pages, `limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(users.length / limit));
    }
  });

  it('pages through every user exactly once with --limit and --cursor, skipping items that are not users', async () => {
    const app = await createTestApp();
    const numbers = Array.from({ length: 11 }, (_, i) => `+9198765432${String(i).padStart(2, '0')}`);
    for (const phone of numbers.slice(0, 9)) expect((await cli(app, ['add', phone])).code).toBe(0);
    // Other kinds of items the scan walks past: families and IP windows from logins, a pending user,
    // and a record with counters but no user (a removed account).
    await app.login(numbers[0] as string);
    await app.login(numbers[1] as string);
    expect((await app.sendOtp(numbers[9] as string)).status).toBe(200);
    const removed = await app.login(numbers[10] as string);
    expect((await cli(app, ['remove', numbers[10] as string])).code).toBe(0);

    const { users: seen, pages } = await listAll(app, 3);
    expect(pages).toBeGreaterThanOrEqual(4);
    const listed = seen.map((user) => user.phoneNumber).sort();
    expect(listed).toEqual(numbers.slice(0, 10).sort());
    expect(seen.find((user) => user.phoneNumber === numbers[9])).toMatchObject({ status: 'pending', verifiedAt: null });
    expect(seen.find((user) => user.phoneNumber === numbers[0])).toMatchObject({ status: 'active' });
    expect(seen.map((user) => user.userId)).not.toContain(removed.sub);
    for (const user of seen)
      expect(Object.keys(user).sort()).toEqual(['createdAt', 'phoneNumber', 'status', 'userId', 'verifiedAt']);
  });

  it('masks numbers by default, prints the next command at the end of a page, and says when there are no more', async () => {
    const app = await createTestApp();
    for (const phone of [A, B]) expect((await cli(app, ['add', phone])).code).toBe(0);
    const first = await cli(app, ['list', '--limit', '1']);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\+91\*{6}321[01] {2}active {3}[0-9a-f-]{36} {2}created \S+Z {2}verified -$/);
    const next = /^more: npm run users -- list --limit 1 --cursor (\S+)$/.exec(lines[1] ?? '');
    expect(next).not.toBeNull();
    // Never read as an option by the next command line.
    expect(next?.[1]).toMatch(/^[A-Za-z]/);
    expect(first.stdout).not.toMatch(/\+91987654321[01]/);

    const second = await cli(app, ['list', '--limit', '1', '--cursor', next?.[1] ?? '']);
    expect(second.code).toBe(0);
    const secondLines = second.stdout.trim().split('\n');
    expect(secondLines[0]?.slice(0, 13)).not.toBe(lines[0]?.slice(0, 13));
    // The scan may stop exactly after the last user: then one more, empty, page ends the listing.
    const tail = secondLines.at(-1) ?? '';
    if (tail.startsWith('more:')) {
      const cursor = tail.split(' ').at(-1) ?? '';
      expect((await cli(app, ['list', '--limit', '1', '--cursor', cursor])).stdout).toBe(
        '0 users on this page; no more pages\n',
      );
    } else {
      expect(tail).toBe('1 user on this page; no more pages');
    }
  });

  it('lists nothing from an empty table, and the default page is 50', async () => {
    const app = await createTestApp();
    expect(await cli(app, ['list'])).toEqual({ code: 0, stdout: '0 users on this page; no more pages\n', stderr: '' });
    expect(await cli(app, ['list', '--json'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('targets and failures', () => {
  it('fails with one line and exit 1 when the table does not exist', async () => {
    const run = await runMain(['--table', 'no-such-table', 'show', A], testDynamoDbEnv());
    expectOneErrorLine(
      run,
      1,
      /^users show: table no-such-table not found \(check --table, the AWS region and account\)$/m,
    );
  });

  describe('the local store (no --table)', () => {
    const dirs: string[] = [];
    afterEach(async () => {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    });
    const localEnv = (dataDir: string) => ({
      LOCAL_DATA_DIR: dataDir,
      LOCAL_DYNAMODB_ENGINE: 'dynalite',
      AWS_REGION: 'us-east-1',
    });

    it("goes through the running server's engine named in its endpoint file, never opening the data directory", async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'users-cli-'));
      dirs.push(dataDir);
      const app = await createTestApp();
      await app.login(A);
      await writeLocalEndpoint(dataDir, {
        endpoint: testDynamoDbEndpoint(),
        tableName: app.tableName,
        pid: process.pid,
      });
      expect(await readLocalEndpoint(dataDir)).toMatchObject({ tableName: app.tableName, pid: process.pid });

      const run = await runMain(
        ['show', A, '--json'],
        { ...localEnv(dataDir), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
        app,
      );
      expect(run.stderr).toBe('');
      expect(jsonLines(run.stdout)[0]).toMatchObject({ status: 'active', liveSessions: 1 });
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);

      await removeLocalEndpoint(dataDir, process.pid + 1);
      expect(existsSync(join(dataDir, LOCAL_ENDPOINT_FILE))).toBe(true);
      await removeLocalEndpoint(dataDir);
      expect(existsSync(join(dataDir, LOCAL_ENDPOINT_FILE))).toBe(false);
    });

    it('without a running server, opens $LOCAL_DATA_DIR/dynamodb itself for the command, so data persists between runs', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'users-cli-'));
      dirs.push(dataDir);
      // A file left by a server that crashed: its process is gone, so it is ignored.
      const gone = spawn(process.execPath, ['-e', '']);
      const deadPid = gone.pid as number;
      await new Promise((done) => gone.once('exit', done));
      await writeFile(
        join(dataDir, LOCAL_ENDPOINT_FILE),
        JSON.stringify({ endpoint: 'http://127.0.0.1:9', tableName: 'elsewhere', pid: deadPid }),
      );
      expect(await readLocalEndpoint(dataDir)).toBeUndefined();

      expect(await runMain(['add', A], localEnv(dataDir))).toEqual({
        code: 0,
        stdout: `${A_MASKED}: created\n`,
        stderr: '',
      });
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);
      const shown = await runMain(['show', A, '--json'], localEnv(dataDir));
      expect(shown.code).toBe(0);
      expect(jsonLines(shown.stdout)[0]).toMatchObject({ status: 'active' });
      // The server's table name: TABLE_NAME, default otp-login-local.
      expectOneErrorLine(
        await runMain(['show', A], { ...localEnv(dataDir), TABLE_NAME: 'another-table' }),
        1,
        /unknown number/,
      );
    });

    it('refuses an endpoint file it cannot read, naming it', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'users-cli-'));
      dirs.push(dataDir);
      await writeFile(join(dataDir, LOCAL_ENDPOINT_FILE), 'garbage');
      expectOneErrorLine(
        await runMain(['list'], localEnv(dataDir)),
        1,
        /dynamodb-endpoint\.json is not a local server's endpoint file; delete it/,
      );
      expect(await readFile(join(dataDir, LOCAL_ENDPOINT_FILE), 'utf8')).toBe('garbage');
    });
  });
});

describe('as a subprocess (npx tsx scripts/users.ts)', () => {
  const spawnCli = (args: string[]) =>
    spawnSync('npx', ['tsx', 'scripts/users.ts', ...args], {
      env: { ...process.env, ...testDynamoDbEnv() },
      encoding: 'utf8',
    });

  it('adds, shows and lists with exit 0, and reports failures with exit 1 and 2 and no stack trace', async () => {
    const table = await createTestTable();
    const added = spawnCli(['add', '--table', table.tableName, A, B]);
    expect(added.status).toBe(0);
    expect(added.stdout).toBe(`${A_MASKED}: created\n${B_MASKED}: created\n`);

    const shown = spawnCli(['show', A, '--table', table.tableName, '--json', '--show-numbers']);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ phoneNumber: A, status: 'active', liveSessions: 0 });

    const listed = spawnCli(['list', '--table', table.tableName]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(A_MASKED);
    expect(listed.stdout).toContain(B_MASKED);

    const unknown = spawnCli(['remove', UNKNOWN, '--table', table.tableName]);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('users remove: +91******3299: unknown number');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    const usage = spawnCli(['frob']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('users: unknown command "frob"');
    // Five `npx tsx` processes, one after another: 37 s on a busy 2-core machine (load 14), past the 30 s default.
  }, 180_000);

  it('shows and removes passkeys: exit 0, and exit 1 with one line for an unknown id', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);

    const shown = spawnCli(['show', A, '--table', app.tableName, '--json']);
    expect(shown.status).toBe(0);
    expect((JSON.parse(shown.stdout) as { passkeys: { id: string }[] }).passkeys.map((p) => p.id)).toEqual([
      LAPTOP.id,
      PHONE.id,
    ]);
    const unknown = spawnCli(['passkeys', 'remove', A, 'bm8tc3VjaA', '--table', app.tableName]);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    // The SDK may warn about the Node version first: the CLI's own line is what counts.
    expect(unknown.stderr).toContain(
      `users passkeys: ${A_MASKED}: user ${user.sub} has no passkey "bm8tc3VjaA" (show lists its passkeys)\n`,
    );
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const removed = spawnCli(['passkeys', 'remove', A, '--all', '--table', app.tableName]);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toBe(`${A_MASKED}: removed 2 passkeys of user ${user.sub}\n`);
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
  }, 180_000);

  it('npm run users -- --help prints the help', () => {
    const run = spawnSync('npm', ['run', '--silent', 'users', '--', '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: npm run users -- <command> [options]');
  });
});
