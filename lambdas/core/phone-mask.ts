/**
 * Masking for logs, apart from phone.ts so that code which only masks (the redaction of error text in
 * every function) does not bundle libphonenumber and its metadata: the calling codes alone are enough.
 */
import { CALLING_CODES } from './phone-regions.generated.js';

/** Digits of a national significant number masked whatever its length: a 4-digit number (Tokelau) shows 1. */
export const MIN_MASKED_DIGITS = 3;
/** Digits shown at most, enough to tell numbers apart in logs. */
const MAX_VISIBLE_DIGITS = 4;

/**
 * `+919876543210` -> `+91******3210`: enough to correlate log lines, never enough to dial. At least half
 * of the national significant number is masked, and never fewer than {@link MIN_MASKED_DIGITS} digits,
 * so a short plan's number (`+6907290` -> `+690***0`, `+50051234` -> `+500***34`) does not show whole.
 */
export function maskPhoneNumber(e164: string, callingCode?: string): string {
  const code = callingCode ?? callingCodeOf(e164);
  return `+${code}${maskNationalNumber(e164.slice(1 + code.length))}`;
}

/** The last digits of a national number that may be shown: at most 4, with at least half masked, and 3. */
export function maskNationalNumber(national: string): string {
  const masked = Math.max(MIN_MASKED_DIGITS, Math.ceil(national.length / 2));
  return showLast(national, Math.min(MAX_VISIBLE_DIGITS, Math.max(0, national.length - masked)));
}

function showLast(digits: string, visible: number): string {
  return `${'*'.repeat(digits.length - visible)}${digits.slice(digits.length - visible)}`;
}

/**
 * Digits written without a `+` (a national number, or an international one without its `+`, or with
 * `00` before it): shows no more than either reading would, so `50051234` (Falklands, `+500 51234`)
 * -> `******34`, not the 4 digits a national reading alone would keep.
 */
export function maskBareDigits(digits: string): string {
  const international = digits.replace(/^0+/, '');
  const asNational = visibleDigits(maskNationalNumber(digits));
  const asInternational = international === '' ? 0 : visibleDigits(maskPhoneNumber(`+${international}`));
  return showLast(digits, Math.min(asNational, asInternational));
}

function visibleDigits(masked: string): number {
  return masked.length - masked.lastIndexOf('*') - 1;
}

const CALLING_CODE_SET = new Set(CALLING_CODES);

// Calling codes are prefix-free, so the first 1-3 digits name at most one. Input that starts with none
// is no number; its first digit stands as the code so that masking still hides the rest, and never fails.
function callingCodeOf(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  for (let length = 1; length <= 3; length++) {
    if (CALLING_CODE_SET.has(digits.slice(0, length))) return digits.slice(0, length);
  }
  return digits.slice(0, 1);
}
