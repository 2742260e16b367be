import { parsePhoneNumberWithError } from 'libphonenumber-js/core';
import { AuthError } from './errors.js';
import { loadPhoneMetadata } from './phone-metadata.js';
import type { PhoneNumberType } from './phone-types.js';

export { PHONE_NUMBER_TYPES, type PhoneNumberType } from './phone-types.js';

// The full ("max") metadata, so isValid() checks real number ranges, not just lengths.
const metadata = loadPhoneMetadata();

/** A number in E.164 form with the country it belongs to. */
export interface PhoneNumber {
  readonly e164: string;
  /** ISO 3166-1 alpha-2, or undefined for non-geographic numbers. */
  readonly country: string | undefined;
  readonly callingCode: string;
  /** libphonenumber's type from the full metadata (`MOBILE`, `TOLL_FREE`, ...); undefined when no type's ranges match. */
  readonly type: PhoneNumberType | undefined;
}

// Only what people type around a number; anything else is refused rather than "extracted",
// so "call +1 201 555 0123 now" never becomes a valid number.
const ALLOWED_SHAPE = /^\+?[0-9 ().-]{1,30}$/;
const MAX_INPUT_LENGTH = 64;

export function parsePhoneNumber(input: string): PhoneNumber {
  // Length first: the trimming regex below backtracks quadratically on long runs of spaces.
  if (input.length > MAX_INPUT_LENGTH) throw new AuthError('invalid_phone_number');
  // Only plain spaces are trimmed: tabs, newlines and other control characters are refused.
  const trimmed = input.replace(/^ +| +$/g, '');
  if (!ALLOWED_SHAPE.test(trimmed) || !trimmed.startsWith('+')) {
    throw new AuthError('invalid_phone_number');
  }
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(trimmed, metadata);
  } catch {
    throw new AuthError('invalid_phone_number');
  }
  if (!parsed.isValid()) throw new AuthError('invalid_phone_number');
  return {
    e164: parsed.number,
    country: parsed.country,
    callingCode: parsed.countryCallingCode,
    type: parsed.getType(),
  };
}

export { maskPhoneNumber } from './phone-mask.js';
