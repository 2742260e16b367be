import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Clock, systemClock } from '../core/clock.js';
import type { SmsSender } from '../core/ports.js';

/**
 * Local stand-in for SNS: appends `{"phone_number","message","sent_at"}` to a JSON-lines file and
 * prints the message. The printed line shows the code on purpose: it is a development aid.
 */
export class OutboxSmsSender implements SmsSender {
  constructor(
    private readonly outboxFile: string,
    private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly clock: Clock = systemClock,
  ) {}

  async send(phoneNumber: string, message: string): Promise<void> {
    await mkdir(dirname(this.outboxFile), { recursive: true });
    const entry = { phone_number: phoneNumber, message, sent_at: new Date(this.clock.now()).toISOString() };
    await appendFile(this.outboxFile, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.print(`[sms outbox] to ${phoneNumber}: ${message}`);
  }
}
