import { timingSafeEqual } from 'node:crypto';
import { generateSecret } from '@otplib/core';
import { base32 } from '@otplib/plugin-base32-scure';
import { crypto } from '@otplib/plugin-crypto-node';
import { generateSync } from '@otplib/totp';

// otplib's own packages with Node's crypto instead of the umbrella package's pure-JS hashes:
// the same RFC 6238 codes, ~2 ms less cold start (bench/).
const plugins = { crypto, base32 };

/** Digits of every code: the request schema, test numbers and the TOTP all read it from here. */
export const OTP_DIGITS = 6;

/** RFC 6238 period. A step is one period of the user's TOTP. */
export const TOTP_PERIOD_SECONDS = 30;

/** A fresh per-user TOTP secret: 20 random bytes (160 bits, RFC 4226 section 4), base32. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20, ...plugins });
}

export function totpStepAt(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/** The user's TOTP at one step. Only the step is stored, never the code. */
export function codeAtStep(secret: string, step: number): string {
  return generateSync({
    secret,
    epoch: step * TOTP_PERIOD_SECONDS,
    period: TOTP_PERIOD_SECONDS,
    digits: OTP_DIGITS,
    ...plugins,
  });
}

/** Whether a presented code has our shape: exactly OTP_DIGITS ASCII digits (\d would take other scripts'). */
export function isWellFormedCode(otp: string): boolean {
  return otp.length === OTP_DIGITS && /^[0-9]+$/.test(otp);
}

/** Compares in constant time so response timing never reveals how many leading digits were right. */
export function codesMatch(expected: string, presented: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
