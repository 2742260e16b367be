/**
 * ALLOWED_NUMBER_TYPES over every example number Google's libphonenumber ships. libphonenumber-js
 * ships example numbers for mobile only (`examples.mobile.json`), and its "max" metadata holds the
 * type patterns but no examples; google-libphonenumber (a test-only dependency) carries Google's own
 * metadata with one example per type and region, and its own type detection, which serves here as
 * an oracle independent of the library the service uses.
 */
import googleLibphonenumber from 'google-libphonenumber';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_NUMBER_TYPES } from '../../lambdas/config.js';
import { AuthError } from '../../lambdas/core/errors.js';
import { type OtpPolicy, parseAllowedPhone } from '../../lambdas/core/login.js';
import { PHONE_NUMBER_TYPES, type PhoneNumberType } from '../../lambdas/core/phone.js';
import { NON_GEOGRAPHIC_CALLING_CODES } from '../../lambdas/core/phone-regions.generated.js';

const { PhoneNumberUtil, PhoneNumberType: GoogleType, PhoneNumberFormat } = googleLibphonenumber;
// The non-geographic methods exist in the library but not in @types/google-libphonenumber.
const util = PhoneNumberUtil.getInstance() as googleLibphonenumber.PhoneNumberUtil & {
  getSupportedGlobalNetworkCallingCodes(): number[];
  getExampleNumberForNonGeoEntity(callingCode: number): googleLibphonenumber.PhoneNumber | undefined;
};
// A plain object at run time ({ FIXED_LINE: 0, ... }), declared as a TypeScript enum.
const GOOGLE_TYPES = Object.entries(GoogleType as unknown as Record<string, number>);
const TYPE_NAMES = new Map(GOOGLE_TYPES.map(([name, value]) => [value, name]));

interface Example {
  readonly where: string;
  readonly e164: string;
  /** The type Google's libphonenumber gives its own example. */
  readonly type: string;
}

function googleType(number: googleLibphonenumber.PhoneNumber): string {
  return TYPE_NAMES.get(util.getNumberType(number)) ?? 'UNKNOWN';
}

const EXAMPLES: Example[] = [
  ...util.getSupportedRegions().flatMap((region) =>
    GOOGLE_TYPES.flatMap(([name, value]) => {
      if (name === 'UNKNOWN' || name === 'FIXED_LINE_OR_MOBILE') return [];
      const number = util.getExampleNumberForType(region, value);
      if (!number) return [];
      return [
        { where: `${region} ${name}`, e164: util.format(number, PhoneNumberFormat.E164), type: googleType(number) },
      ];
    }),
  ),
  ...util.getSupportedGlobalNetworkCallingCodes().flatMap((code) => {
    const number = util.getExampleNumberForNonGeoEntity(code);
    if (!number) return [];
    return [{ where: `+${code}`, e164: util.format(number, PhoneNumberFormat.E164), type: googleType(number) }];
  }),
];

/**
 * Where the two metadata versions disagree (google-libphonenumber 3.2.47 against libphonenumber-js
 * 1.13.16), what the service's own metadata says. Pinned: a metadata upgrade that changes one of
 * these fails this test, to be looked at rather than absorbed.
 */
const SERVICE_METADATA_DIFFERS: Readonly<Record<string, PhoneNumberType | 'invalid'>> = {
  '+22985751234': 'invalid', // BJ VOIP
  '+22981123456': 'invalid', // BJ UAN
  '+2631312345': 'invalid', // ZW FIXED_LINE
  '+26779101234': 'MOBILE', // BW VOIP
  '+2908999': 'FIXED_LINE_OR_MOBILE', // TA FIXED_LINE
};

// These tests are about types: every non-geographic plan is named, so its examples are judged by type.
const OPEN: Pick<OtpPolicy, 'allowedCountries' | 'allowedNumberTypes' | 'allowedGlobalCallingCodes'> = {
  allowedCountries: [],
  allowedNumberTypes: DEFAULT_ALLOWED_NUMBER_TYPES,
  allowedGlobalCallingCodes: NON_GEOGRAPHIC_CALLING_CODES,
};

function outcome(
  e164: string,
  policy: Pick<OtpPolicy, 'allowedCountries' | 'allowedNumberTypes' | 'allowedGlobalCallingCodes'>,
): string {
  try {
    return `accepted ${parseAllowedPhone(e164, policy).type}`;
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
}

function expectedOutcome(example: Example, allowed: readonly string[]): string {
  const type: string = SERVICE_METADATA_DIFFERS[example.e164] ?? example.type;
  if (type === 'invalid') return 'invalid_phone_number';
  return allowed.includes(type) ? `accepted ${type}` : 'unsupported_phone_number';
}

describe('ALLOWED_NUMBER_TYPES on the example numbers of every region and type', () => {
  it('has examples of every type the setting names, from every supported region', () => {
    const types = new Set(EXAMPLES.map((example) => example.type));
    for (const type of PHONE_NUMBER_TYPES) expect(types, type).toContain(type);
    expect(util.getSupportedRegions().length).toBe(245);
    expect(EXAMPLES.length).toBeGreaterThan(1100);
  });

  it('accepts mobile and fixed-line-or-mobile examples and refuses every other type by default', () => {
    const mismatches = EXAMPLES.filter(
      (example) => outcome(example.e164, OPEN) !== expectedOutcome(example, DEFAULT_ALLOWED_NUMBER_TYPES),
    ).map((example) => `${example.where} ${example.e164}: ${outcome(example.e164, OPEN)}`);

    expect(mismatches).toEqual([]);
  });

  it('refuses the premium-rate, toll-free, shared-cost and personal examples of every region', () => {
    const pumpable = EXAMPLES.filter((example) =>
      ['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'PERSONAL_NUMBER'].includes(example.type),
    );
    expect(pumpable.length).toBeGreaterThan(400);
    for (const example of pumpable) {
      expect([example.where, outcome(example.e164, OPEN)]).toEqual([example.where, 'unsupported_phone_number']);
    }
  });

  it.each(PHONE_NUMBER_TYPES)('with only %s allowed, accepts exactly the examples of that type', (allowedType) => {
    const policy = {
      allowedCountries: [],
      allowedNumberTypes: [allowedType],
      allowedGlobalCallingCodes: NON_GEOGRAPHIC_CALLING_CODES,
    };
    const mismatches = EXAMPLES.filter(
      (example) => outcome(example.e164, policy) !== expectedOutcome(example, [allowedType]),
    ).map((example) => `${example.where} ${example.e164}`);

    expect(mismatches).toEqual([]);
  });

  it('refuses every non-geographic example with unsupported_phone_number unless ALLOWED_GLOBAL_CALLING_CODES names its code', () => {
    const global = EXAMPLES.filter((example) => example.where.startsWith('+'));
    expect(global.map((example) => example.where.split(' ')[0])).toEqual(
      expect.arrayContaining(NON_GEOGRAPHIC_CALLING_CODES.map((code) => `+${code}`)),
    );
    const everyType = { allowedCountries: [], allowedNumberTypes: PHONE_NUMBER_TYPES };
    for (const example of global) {
      expect([example.where, outcome(example.e164, { ...everyType, allowedGlobalCallingCodes: [] })]).toEqual([
        example.where,
        'unsupported_phone_number',
      ]);
    }
  });

  it('knows where the two metadata versions disagree, and only there', () => {
    const disagreeing = EXAMPLES.filter((example) => {
      const ours = outcome(example.e164, {
        allowedCountries: [],
        allowedNumberTypes: PHONE_NUMBER_TYPES,
        allowedGlobalCallingCodes: NON_GEOGRAPHIC_CALLING_CODES,
      });
      return ours !== `accepted ${example.type}`;
    }).map((example) => example.e164);

    expect(disagreeing.sort()).toEqual(Object.keys(SERVICE_METADATA_DIFFERS).sort());
  });
});
