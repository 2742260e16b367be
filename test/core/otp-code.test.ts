import { describe, expect, it } from 'vitest';
import { codeAtStep, codesMatch, isWellFormedCode, newTotpSecret, totpStepAt } from '../../lambdas/core/otp-code.js';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", base32.
const RFC_6238_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('newTotpSecret', () => {
  it('is 160 bits of base32: 32 characters of the RFC 4648 alphabet', () => {
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('differs between calls', () => {
    const secrets = new Set(Array.from({ length: 20 }, () => newTotpSecret()));

    expect(secrets.size).toBe(20);
  });
});

describe('totpStepAt', () => {
  it.each([
    [0, 0],
    [29, 0],
    [30, 1],
    [59, 1],
    [60, 2],
    [1_111_111_109, 37_037_036],
  ])('puts epoch second %i in step %i', (seconds, step) => {
    expect(totpStepAt(seconds)).toBe(step);
  });
});

describe('codeAtStep', () => {
  // The last 6 digits of the RFC 6238 SHA-1 values, some with leading zeros that must survive.
  it.each([
    [59, '287082'],
    [1_111_111_109, '081804'],
    [1_111_111_111, '050471'],
    [1_234_567_890, '005924'],
    [2_000_000_000, '279037'],
    [20_000_000_000, '353130'],
  ])('equals the RFC 6238 TOTP at T=%i s', (seconds, code) => {
    expect(codeAtStep(RFC_6238_SECRET, totpStepAt(seconds))).toBe(code);
  });

  it('is 6 digits and the same every time for one secret and step', () => {
    const secret = newTotpSecret();

    const first = codeAtStep(secret, 56_666_666);
    const second = codeAtStep(secret, 56_666_666);

    expect(first).toMatch(/^[0-9]{6}$/);
    expect(second).toBe(first);
  });

  it('differs between adjacent steps', () => {
    expect(codeAtStep(RFC_6238_SECRET, 1)).not.toBe(codeAtStep(RFC_6238_SECRET, 2));
    expect(codeAtStep(RFC_6238_SECRET, 37_037_036)).not.toBe(codeAtStep(RFC_6238_SECRET, 37_037_037));
  });

  it('differs between secrets at one step', () => {
    expect(codeAtStep(RFC_6238_SECRET, 1)).not.toBe(codeAtStep('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 1));
  });
});

describe('codesMatch', () => {
  it('accepts an equal code', () => {
    expect(codesMatch('287082', '287082')).toBe(true);
  });

  it.each([
    ['one digit off', '287083'],
    ['the first digit off', '387082'],
    ['a shorter code', '28708'],
    ['a longer code', '2870821'],
    ['an empty code', ''],
    ['the code with whitespace', ' 287082'],
  ])('refuses %s', (_why, presented) => {
    expect(codesMatch('287082', presented)).toBe(false);
  });
});

describe('isWellFormedCode', () => {
  it.each(['000000', '123456', '987654'])('takes %s', (otp) => {
    expect(isWellFormedCode(otp)).toBe(true);
  });

  it.each([
    ['five digits', '12345'],
    ['seven digits', '1234567'],
    ['a letter first', 'a12345'],
    ['a letter last', '12345a'],
    ['a space first', ' 12345'],
    ['Arabic-Indic digits', '\u0661\u0662\u0663\u0664\u0665\u0666'],
    ['nothing', ''],
  ])('refuses %s', (_why, otp) => {
    expect(isWellFormedCode(otp)).toBe(false);
  });
});
