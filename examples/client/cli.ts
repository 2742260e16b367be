/**
 * What the command-line examples share: where they get the code the user received (the local
 * server's SMS outbox when there is one, since `npm start` appends every SMS to
 * .local/outbox.jsonl, else the terminal, as an app asks its user), and how they wait and fail.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';

export type ReadCode = (phoneNumber: string) => Promise<string>;

/** Reads the newest code sent to a number from the local server's SMS outbox (JSON lines). */
export function codeFromOutbox(outboxFile: string): ReadCode {
  return async (phoneNumber) => {
    const lines = (await readFile(outboxFile, 'utf8')).split('\n').filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as { phone_number: string; message: string });
    const message = entries.filter((entry) => entry.phone_number === phoneNumber).at(-1)?.message ?? '';
    const code = /\b\d{6}\b/.exec(message)?.[0];
    if (!code) throw new Error(`no code for ${phoneNumber} in ${outboxFile}`);
    return code;
  };
}

export async function codeFromTerminal(phoneNumber: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await terminal.question(`Code sent to ${phoneNumber}: `)).trim();
  } finally {
    terminal.close();
  }
}

/** The outbox of `npm start` (SMS_OUTBOX_FILE, else LOCAL_DATA_DIR's, else .local/) when it exists, else the terminal. */
export function localCodeReader(env: NodeJS.ProcessEnv = process.env): ReadCode {
  const outbox = resolve(env.SMS_OUTBOX_FILE || `${env.LOCAL_DATA_DIR || '.local'}/outbox.jsonl`);
  return existsSync(outbox) ? codeFromOutbox(outbox) : codeFromTerminal;
}

/** What a refused request said, for a command-line example's last line. */
export function describeFailure(error: unknown): string {
  const { status, code } = error as { status?: number; code?: string };
  const detail = status === undefined ? '' : ` (${status} ${code ?? 'from API Gateway'})`;
  return `${(error as Error).message}${detail}`;
}

/** The client's wait before its one retry, said on the terminal so that a pause is not a hang. */
export function announcedSleep(log: (line: string) => void): (milliseconds: number) => Promise<void> {
  return (milliseconds) => {
    log(`the server asks to wait ${milliseconds / 1000} s (Retry-After); waiting, then retrying once`);
    return new Promise((done) => setTimeout(done, milliseconds));
  };
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
