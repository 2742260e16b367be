import type { NumberType } from 'libphonenumber-js/core';

// Apart from phone.ts, so lambdas/config.ts (which every function and the stack import) can name the
// types without bundling the phone metadata that phone.ts loads.
/** libphonenumber's number types, by the names `ALLOWED_NUMBER_TYPES` takes. */
export const PHONE_NUMBER_TYPES = [
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'FIXED_LINE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const satisfies readonly NonNullable<NumberType>[];

export type PhoneNumberType = (typeof PHONE_NUMBER_TYPES)[number];
