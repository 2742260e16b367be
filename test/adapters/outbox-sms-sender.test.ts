import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxSmsSender } from '../../lambdas/adapters/outbox-sms-sender.js';

const FIRST_SEND = new Date('2025-06-01T12:00:00.000Z');
const SECOND_SEND = new Date('2025-06-01T12:00:42.500Z');

async function outboxLines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('OutboxSmsSender', () => {
  let dir: string;
  let outbox: string;
  let printed: string[];

  beforeEach(async () => {
    // The sender stamps messages with the system time; only Date is frozen, so file I/O runs normally.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(FIRST_SEND);
    dir = await mkdtemp(join(tmpdir(), 'outbox-sms-sender-'));
    outbox = join(dir, 'not', 'yet', 'there', 'sms-outbox.jsonl');
    printed = [];
  });

  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the outbox directory and appends the message as one JSON line', async () => {
    const sender = new OutboxSmsSender(outbox, (line) => printed.push(line));

    await sender.send('+15555550100', 'Your login code is 123456');

    expect(await outboxLines(outbox)).toEqual([
      { phone_number: '+15555550100', message: 'Your login code is 123456', sent_at: '2025-06-01T12:00:00.000Z' },
    ]);
  });

  it('appends one line per message, stamped with the time it was sent', async () => {
    const sender = new OutboxSmsSender(outbox, (line) => printed.push(line));
    await sender.send('+15555550100', 'Your login code is 123456');
    vi.setSystemTime(SECOND_SEND);

    await sender.send('+447700900123', 'Your login code is 654321');

    expect(await outboxLines(outbox)).toEqual([
      { phone_number: '+15555550100', message: 'Your login code is 123456', sent_at: '2025-06-01T12:00:00.000Z' },
      { phone_number: '+447700900123', message: 'Your login code is 654321', sent_at: '2025-06-01T12:00:42.500Z' },
    ]);
  });

  it('keeps earlier messages when a new sender opens the same outbox', async () => {
    await new OutboxSmsSender(outbox, (line) => printed.push(line)).send('+15555550100', 'first');

    await new OutboxSmsSender(outbox, (line) => printed.push(line)).send('+15555550100', 'second');

    const messages = (await outboxLines(outbox)).map((entry) => (entry as { message: string }).message);
    expect(messages).toEqual(['first', 'second']);
  });

  it('keeps a message with quotes and a line break on its own line', async () => {
    const sender = new OutboxSmsSender(outbox, (line) => printed.push(line));

    await sender.send('+15555550100', 'Code "123456"\nDo not share it');

    expect(await outboxLines(outbox)).toEqual([
      { phone_number: '+15555550100', message: 'Code "123456"\nDo not share it', sent_at: '2025-06-01T12:00:00.000Z' },
    ]);
  });

  it('prints the recipient and the message through the injected print function', async () => {
    const sender = new OutboxSmsSender(outbox, (line) => printed.push(line));

    await sender.send('+15555550100', 'Your login code is 123456');

    expect(printed).toEqual(['[sms outbox] to +15555550100: Your login code is 123456']);
  });

  it('creates the outbox readable by its owner only, since it holds live codes', async () => {
    const sender = new OutboxSmsSender(outbox, (line) => printed.push(line));

    await sender.send('+15555550100', 'Your login code is 123456');

    expect((await stat(outbox)).mode & 0o777).toBe(0o600);
  });
});
