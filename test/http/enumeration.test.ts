import { describe, expect, it } from 'vitest';
import { provisionUser } from '../../lambdas/core/login.js';
import { createTestApp, type TestApp, type TestResponse, wrongCode } from '../helpers/test-app.js';

const KNOWN = '+919876543210';
const UNKNOWN = '+919876500077';
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const LOCKOUT = 900;
const MAX_ATTEMPTS = 5;

const ENV = {
  SIGNUP_MODE: 'closed',
  OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  OTP_LOCKOUT_SECONDS: String(LOCKOUT),
  SEND_COOLDOWN_SECONDS: '60',
  SEND_MAX_PER_HOUR: '3',
  SEND_MAX_PER_DAY: '5',
};

type Step = { readonly wait: number; readonly action: 'send' | 'guess' };

/** mulberry32: a small seeded generator, so every run replays the same sequences. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Waits on and around every boundary of the rules: cooldown, lockout, hour, day, and the record's
// retention (last write + a day + the lockout), where DynamoDB's TTL deletes an unknown number's record.
const EDGE_WAITS = [
  1,
  MINUTE - 1,
  MINUTE,
  LOCKOUT - 1,
  LOCKOUT,
  LOCKOUT + 1,
  HOUR - 1,
  HOUR,
  DAY - 1,
  DAY,
  DAY + 1,
  DAY + LOCKOUT - 1,
  DAY + LOCKOUT,
  DAY + LOCKOUT + 1,
  2 * DAY + 17,
  3 * DAY + 5 * HOUR,
];

function randomSteps(seed: number, length: number): Step[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length }, () => {
    const r = random();
    // Mostly bursts, which reach the limits, broken by waits long enough to age them.
    const wait =
      r < 0.55
        ? Math.floor(random() * 20)
        : r < 0.75
          ? pick(EDGE_WAITS)
          : r < 0.88
            ? Math.floor(random() * 2 * HOUR)
            : Math.floor(random() * 3 * DAY);
    return { wait, action: random() < 0.65 ? 'guess' : 'send' };
  });
}

/** The reported scenario: OTP_MAX_ATTEMPTS-1 wrong guesses, a day and a bit, then two more. */
const REPORTED: Step[] = [
  ...Array.from({ length: MAX_ATTEMPTS - 1 }, () => ({ wait: 1, action: 'guess' as const })),
  { wait: DAY + LOCKOUT + 5, action: 'guess' },
  { wait: 1, action: 'guess' },
];

/** A lockout, refused guesses and sends inside it, and a guess on each side of its end. */
const LOCKED: Step[] = [
  { wait: 5, action: 'send' },
  ...Array.from({ length: MAX_ATTEMPTS }, () => ({ wait: 2, action: 'guess' as const })),
  { wait: 1, action: 'guess' },
  { wait: 60, action: 'send' },
  { wait: LOCKOUT - 62, action: 'guess' },
  { wait: 1, action: 'guess' },
  { wait: 0, action: 'send' },
];

function answer(r: TestResponse): string {
  return `${r.status} ${JSON.stringify(r.body)} retry-after=${r.headers['retry-after'] ?? '-'}`;
}

/**
 * Runs one sequence against a provisioned number and an unknown one, each in its own table at the
 * same fake time, and returns both transcripts. `unknownStale` is the unknown number again, but
 * with its expired records left in place (TTL deletion runs late): the store must read them as gone.
 */
async function transcripts(steps: readonly Step[]) {
  const startMs = Date.now();
  const known = await createTestApp(ENV, { clockStartMs: startMs });
  const unknown = await createTestApp(ENV, { clockStartMs: startMs });
  const unknownStale = await createTestApp(ENV, { clockStartMs: startMs });
  await provisionUser(known.records, KNOWN, known.clock);
  const runs: [TestApp, string, boolean][] = [
    [known, KNOWN, true],
    [unknown, UNKNOWN, true],
    [unknownStale, UNKNOWN, false],
  ];
  const out: string[][] = [[], [], []];
  for (const [index, step] of steps.entries()) {
    // The attacker does not know the code: a guess that cannot be the known number's pending one.
    const guess = known.sms.sent.length ? wrongCode(known.sms.lastCodeFor(KNOWN)) : '000000';
    for (const [i, [app, phone, ttlDeletes]] of runs.entries()) {
      app.clock.advance(step.wait);
      if (ttlDeletes) await app.deleteExpiredItems();
      const response = step.action === 'send' ? await app.sendOtp(phone) : await app.verifyOtp(phone, guess);
      out[i]?.push(`#${index} +${step.wait}s ${step.action}: ${answer(response)}`);
    }
  }
  return { known: out[0], unknown: out[1], unknownStale: out[2], smsSent: known.sms.sent.length };
}

describe('enumeration under SIGNUP_MODE=closed, over days', () => {
  it('locks neither number when OTP_MAX_ATTEMPTS-1 wrong guesses age for a day before two more', async () => {
    const { known, unknown, unknownStale } = await transcripts(REPORTED);

    expect(unknown).toEqual(known);
    expect(unknownStale).toEqual(known);
    expect(known?.map((line) => line.split(': ')[1]?.slice(0, 3))).toEqual(Array(MAX_ATTEMPTS + 1).fill('400'));
  });

  it.each([1, 2, 3, 4, 5, 6])(
    'answers a known and an unknown number identically, step for step, for seeded sequence %i',
    async (seed) => {
      const steps = [...REPORTED, ...LOCKED, ...randomSteps(seed, 100)];

      const { known, unknown, unknownStale, smsSent } = await transcripts(steps);

      expect(unknown).toEqual(known);
      expect(unknownStale).toEqual(known);
      // The sequences reach every kind of answer, or they would prove little.
      const kinds = new Set(known?.map((line) => /"code":"(\w+)"/.exec(line)?.[1] ?? /: (\d{3})/.exec(line)?.[1]));
      expect(kinds).toEqual(new Set(['200', 'invalid_otp', 'too_many_attempts', 'rate_limited']));
      expect(smsSent).toBeGreaterThan(0);
    },
    120_000,
  );
});
