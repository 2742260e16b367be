import { describe, expect, it } from 'vitest';
import { functionOfEntry, HANDLERS } from '../../bench/bundles.js';
import { instructionTarget, measureColdInstructions, OVER_TARGET_REASONS } from '../../bench/cold-instructions.js';

describe('the cold-import instruction targets of npm run bench', () => {
  it('measures each claims entry against a floor that builds the Lambda client too', () => {
    const claims = HANDLERS.filter((h) => h.name.endsWith('-claims'));
    expect(Object.fromEntries(claims.map((h) => [h.name, h.clients.join('+')]))).toEqual({
      'verify-otp-claims': 'dynamodb+secrets-manager+lambda',
      'refresh-token-claims': 'dynamodb+secrets-manager+lambda',
      'verify-phone-number-claims': 'dynamodb+sns+secrets-manager+lambda',
      'passkey-sign-in-claims': 'dynamodb+secrets-manager+lambda',
      'verify-phone-number-end-user-messaging-claims': 'dynamodb+end-user-messaging+secrets-manager+lambda',
    });
    expect(functionOfEntry('verify-phone-number-end-user-messaging-claims')).toBe('verify-phone-number');
    expect(functionOfEntry('send-otp-end-user-messaging')).toBe('send-otp');
    expect(functionOfEntry('refresh-token')).toBe('refresh-token');
  });

  it('allows 1.30x the floor to the functions that carry the login libraries, 1.20x to the others', () => {
    const targets = Object.fromEntries(HANDLERS.map((h) => [h.name, instructionTarget(h.clients.join('+'))]));
    expect(targets).toEqual({
      'send-otp': 1.3,
      'send-otp-end-user-messaging': 1.3,
      'verify-otp': 1.3,
      'refresh-token': 1.3,
      'change-phone-number': 1.3,
      'verify-phone-number': 1.3,
      'passkey-sign-in': 1.3,
      'rotate-signing-key': 1.3,
      // The claims variants carry the signing key too: the Lambda client does not change their class.
      'verify-otp-claims': 1.3,
      'refresh-token-claims': 1.3,
      'verify-phone-number-claims': 1.3,
      'passkey-sign-in-claims': 1.3,
      'verify-phone-number-end-user-messaging-claims': 1.3,
      // Over it, and says why: the whole WebAuthn library, for attestation (bench/cold-instructions.ts).
      passkeys: 1.2,
      logout: 1.2,
      me: 1.2,
      'delete-account': 1.2,
      'well-known': 1.2,
      'not-found': 1.2,
      // No SDK client, so no floor to divide by (like not-found): its instructions are the record.
      'derive-account-events': 1.2,
    });
  });

  it('names the entries that miss their target on purpose, each with why', () => {
    expect(Object.keys(OVER_TARGET_REASONS)).toEqual(['passkeys']);
    expect(OVER_TARGET_REASONS.passkeys).toMatch(/@simplewebauthn\/server.*off the login path/);
  });

  it('says valgrind is missing and skips the section, rather than failing the bench', async () => {
    const progress: string[] = [];
    const report = await measureColdInstructions(
      HANDLERS as never,
      (line) => progress.push(line),
      '/nonexistent/valgrind',
    );
    expect(report).toEqual({ skipped: expect.stringMatching(/^\/nonexistent\/valgrind does not run here \(ENOENT\)/) });
    expect(progress).toEqual([]);
  });
});
