import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../lambdas/core/errors.js';
import { maskPhoneNumber, parsePhoneNumber } from '../../lambdas/core/phone.js';
import { loadPhoneMetadata } from '../../lambdas/core/phone-metadata.js';
import { authError } from './auth-error.js';

describe('parsePhoneNumber', () => {
  it.each([
    ['+919876543210', '+919876543210', 'IN', '91', 'MOBILE'],
    ['+91 98765 43210', '+919876543210', 'IN', '91', 'MOBILE'],
    ['+1 (201) 555-0123', '+12015550123', 'US', '1', 'FIXED_LINE_OR_MOBILE'],
    ['+1.201.555.0123', '+12015550123', 'US', '1', 'FIXED_LINE_OR_MOBILE'],
    ['  +12015550123  ', '+12015550123', 'US', '1', 'FIXED_LINE_OR_MOBILE'],
    ['+44 20 7183 8750', '+442071838750', 'GB', '44', 'FIXED_LINE'],
    ['+1 900 555 0100', '+19005550100', 'US', '1', 'PREMIUM_RATE'],
  ])('reads %j as %s in %s', (input, e164, country, callingCode, type) => {
    expect(parsePhoneNumber(input)).toEqual({ e164, country, callingCode, type });
  });

  it.each([
    ['letters', '+91 98765 ABCDE'],
    ['a vanity number', '+1 800 FLOWERS'],
    ['text around a number', 'call +12015550123 now'],
    ['text after a number', '+12015550123 ext. 5'],
    ['no leading +', '919876543210'],
    ['a national number', '(201) 555-0123'],
    ['a NUL inside the number', '+91987654\u00003210'],
    ['a tab inside the number', '+91987654\t3210'],
    ['a newline inside the number', '+91987654\n3210'],
    ['a 100 000-character string', `+${'1'.repeat(100_000)}`],
    ['an empty string', ''],
    ['only a plus', '+'],
    ['a doubled plus', '++919876543210'],
    ['a plus inside the number', '+91+9876543210'],
    ['a number with no valid area code', '+1 555 555 5555'],
    ['a number too short for its country', '+91987654'],
    ['a number too long for its country', '+9198765432101'],
    ['an unassigned calling code', '+999 1234 5678'],
  ])('refuses %s', (_why, input) => {
    expect(() => parsePhoneNumber(input)).toThrow(authError('invalid_phone_number'));
  });
});

describe('parsePhoneNumber on spaces', () => {
  it('takes at most 30 characters after the +, spaces inside the number included', () => {
    expect(parsePhoneNumber(`+91${' '.repeat(18)}9876543210`).e164).toBe('+919876543210');
    expect(() => parsePhoneNumber(`+91${' '.repeat(19)}9876543210`)).toThrow(authError('invalid_phone_number'));
  });

  it('trims every space around the number before counting those 30 characters', () => {
    expect(parsePhoneNumber(`  +91${' '.repeat(18)}9876543210   `).e164).toBe('+919876543210');
  });
});

describe('maskPhoneNumber', () => {
  it('keeps the calling code and the last 4 digits of an Indian number', () => {
    expect(maskPhoneNumber('+919876543210', '91')).toBe('+91******3210');
  });

  it('keeps the calling code and the last 4 digits of a US number', () => {
    expect(maskPhoneNumber('+12015550123', '1')).toBe('+1******0123');
  });

  it.each([
    ['+919876543210', '+91******3210'],
    ['+12015550123', '+1******0123'],
    ['+79161234567', '+7******4567'],
    ['+79161234560', '+7******4560'],
    ['+447911123457', '+44******3457'],
  ])('guesses the calling code of %s when none is given', (e164, masked) => {
    expect(maskPhoneNumber(e164)).toBe(masked);
  });

  it.each([
    // A 3-digit calling code (Ireland) must not make a national digit show.
    ['+353871234567', '353'],
    ['+6581234567', '65'],
    ['+919876543210', '91'],
    ['+12015550123', '1'],
    ['+441632960961', '44'],
    ['+8613800138000', '86'],
  ])('shows no national digit of %s but the last 4 when no calling code is given', (e164, callingCode) => {
    const masked = maskPhoneNumber(e164);
    const nationalPart = masked.slice(1 + callingCode.length);

    expect(masked.length).toBe(e164.length);
    expect(nationalPart.replaceAll('*', '')).toBe(e164.slice(-4));
  });
});

describe('maskPhoneNumber on short national numbers', () => {
  it.each([
    // Tokelau: 4-digit numbers. Keeping the last 4 logged them whole.
    ['+6907290', '690', '+690***0'],
    // Falklands: 5-digit numbers. Keeping the last 4 hid one digit.
    ['+50051234', '500', '+500***34'],
    ['+50061234', '500', '+500***34'],
    ['+50031234', '500', '+500***34'],
  ])('masks at least half of %s and at least 3 digits', (e164, callingCode, masked) => {
    expect(parsePhoneNumber(e164)).toMatchObject({ e164, callingCode });
    expect(maskPhoneNumber(e164, callingCode)).toBe(masked);
    expect(maskPhoneNumber(e164)).toBe(masked);
  });

  it.each([
    [1, '*'],
    [2, '**'],
    [3, '***'],
    [4, '***4'],
    [5, '***45'],
    [6, '***456'],
    [7, '****567'],
    [8, '****5678'],
    [9, '*****6789'],
    [12, '********9012'],
  ])('of a %i-digit national number shows %s', (length, masked) => {
    const national = '123456789012'.slice(0, length);
    expect(maskPhoneNumber(`+91${national}`, '91')).toBe(`+91${masked}`);
  });

  it('keeps the last 4 digits of an Indian number, which masks 6 of its 10', () => {
    expect(maskPhoneNumber('+919876543210')).toBe('+91******3210');
  });

  it.each([
    ['+881631234567', '+881*****4567'],
    ['+870773111632', '+870*****1632'],
  ])('finds the non-geographic calling code of %s when none is given', (e164, masked) => {
    expect(maskPhoneNumber(e164)).toBe(masked);
  });
});

describe('maskPhoneNumber on input too short to be a number', () => {
  it.each([
    ['+4412345', '+44***45'],
    ['+44123', '+44***'],
    ['+4', '+4'],
    // No calling code starts with 0: the first digit stands as one, and the rest is masked by the rule.
    ['+0123456', '+0***456'],
  ])('masks %s by the same rule, with the calling code its digits start with', (input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
  });
});

describe('the region and calling-code lists (phone-regions.generated.ts)', () => {
  it("are libphonenumber-js's own: every region getCountries() knows, every calling code", async () => {
    const { getCountries, getCountryCallingCode } = await import('libphonenumber-js/max');
    const { CALLING_CODES, NON_GEOGRAPHIC_CALLING_CODES, PHONE_REGIONS } = await import(
      '../../lambdas/core/phone-regions.generated.js'
    );
    expect(PHONE_REGIONS).toEqual([...getCountries()].sort());
    expect(PHONE_REGIONS).toContain('GB');
    expect(PHONE_REGIONS).not.toContain('UK');
    expect(new Set(CALLING_CODES)).toEqual(
      new Set([...getCountries().map((c) => getCountryCallingCode(c)), ...NON_GEOGRAPHIC_CALLING_CODES]),
    );
    expect(NON_GEOGRAPHIC_CALLING_CODES).toEqual(['800', '808', '870', '878', '881', '882', '883', '888', '979']);
  });
});

describe('parsePhoneNumber on non-geographic numbers', () => {
  it.each([
    ['+800 1234 5678', '+80012345678', '800', 'TOLL_FREE'],
    ['+870 301 234 567', '+870301234567', '870', 'MOBILE'],
  ])('reads %s as %s with calling code %s and no country', (input, e164, callingCode, type) => {
    expect(parsePhoneNumber(input)).toEqual({ e164, country: undefined, callingCode, type });
  });

  it('refuses a number too short for its non-geographic plan', () => {
    expect(() => parsePhoneNumber('+800123')).toThrow(AuthError);
  });
});

describe('phone metadata', () => {
  it('is the installed libphonenumber-js max metadata (run npm run generate:phone-metadata after an upgrade)', async () => {
    const { createRequire } = await import('node:module');
    const { readFileSync } = await import('node:fs');
    const { PHONE_METADATA_VERSION } = await import('../../lambdas/core/phone-metadata.generated.js');
    const require = createRequire(import.meta.url);
    const installed = readFileSync(require.resolve('libphonenumber-js/metadata.max.json'), 'utf8');

    expect(PHONE_METADATA_VERSION).toBe((require('libphonenumber-js/package.json') as { version: string }).version);
    // Reading every key parses every lazy entry: the whole document must come back unchanged.
    expect(JSON.parse(JSON.stringify(loadPhoneMetadata()))).toEqual(JSON.parse(installed));
  });

  it('parses a country entry only when it is first read, then keeps it', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const metadata = loadPhoneMetadata() as unknown as { countries: Record<string, unknown> };
      const afterLoad = parse.mock.calls.length;
      const first = metadata.countries.IN;
      const afterFirstRead = parse.mock.calls.length;
      const again = metadata.countries.IN;
      const known = Object.hasOwn(metadata.countries, 'GB') && 'GB' in metadata.countries;

      expect(afterLoad).toBe(1); // the index only
      expect(afterFirstRead).toBe(2);
      expect(Array.isArray(first)).toBe(true);
      expect(again).toBe(first);
      expect(known).toBe(true);
      expect(Object.hasOwn(metadata.countries, 'XX')).toBe(false);
      expect(metadata.countries.XX).toBeUndefined();
      expect(parse.mock.calls.length).toBe(2);
    } finally {
      parse.mockRestore();
    }
  });

  it("reads every country's example mobile number as the package's own metadata does", async () => {
    const { createRequire } = await import('node:module');
    const { getCountryCallingCode, parsePhoneNumberWithError } = await import('libphonenumber-js/core');
    const require = createRequire(import.meta.url);
    const examples = require('libphonenumber-js/examples.mobile.json') as Record<string, string>;
    const packaged = require('libphonenumber-js/metadata.max.json');
    const misread = Object.entries(examples).flatMap(([country, national]) => {
      const e164 = `+${getCountryCallingCode(country as never, packaged)}${national}`;
      const expected = parsePhoneNumberWithError(e164, packaged);
      try {
        const parsed = parsePhoneNumber(e164);
        return expected.isValid() && parsed.e164 === expected.number && parsed.country === expected.country
          ? []
          : [`${country} ${e164}`];
      } catch {
        return [`${country} ${e164} refused`];
      }
    });

    expect(Object.keys(examples).length).toBeGreaterThan(240);
    expect(misread).toEqual([]);
  });
});

describe('parsePhoneNumber on oversized input', () => {
  it('refuses anything over 64 characters before trimming, even a valid number padded with spaces', () => {
    const padded = `${' '.repeat(60)}+919876543210`;
    expect(() => parsePhoneNumber(padded)).toThrow(AuthError);
    expect(parsePhoneNumber(`${' '.repeat(20)}+919876543210`).e164).toBe('+919876543210');
  });

  it('accepts exactly 64 characters', () => {
    const input = `${' '.repeat(51)}+919876543210`;

    expect(input).toHaveLength(64);
    expect(parsePhoneNumber(input).e164).toBe('+919876543210');
    expect(() => parsePhoneNumber(` ${input}`)).toThrow(authError('invalid_phone_number'));
  });
});
