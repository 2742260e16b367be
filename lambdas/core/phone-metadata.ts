import type { MetadataJson } from 'libphonenumber-js/core';
import { PHONE_METADATA_ENTRIES, PHONE_METADATA_INDEX } from './phone-metadata.generated.js';

type Span = readonly [start: number, end: number];

interface MetadataIndex {
  readonly version: number;
  readonly country_calling_codes: Record<string, string[]>;
  readonly countries: Record<string, Span>;
  readonly nonGeographic: Record<string, Span>;
}

/**
 * libphonenumber-js's full ("max") metadata, each country's entry parsed on first use. A cold start
 * sees one or two countries, so parsing all 254 entries up front (~2 ms) would be wasted.
 */
export function loadPhoneMetadata(): MetadataJson {
  const index = JSON.parse(PHONE_METADATA_INDEX) as MetadataIndex;
  return {
    version: index.version,
    country_calling_codes: index.country_calling_codes,
    countries: parsedOnFirstRead(index.countries),
    nonGeographic: parsedOnFirstRead(index.nonGeographic),
  } as unknown as MetadataJson;
}

// Plain own, enumerable properties (libphonenumber-js calls hasOwnProperty and Object.keys on them),
// each a getter that parses its entry once and then becomes a plain value.
function parsedOnFirstRead(spans: Record<string, Span>): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (const [key, [start, end]] of Object.entries(spans)) {
    Object.defineProperty(entries, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value: unknown = JSON.parse(PHONE_METADATA_ENTRIES.slice(start, end));
        Object.defineProperty(entries, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return entries;
}
