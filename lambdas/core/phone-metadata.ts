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
 * sees one or two countries, so parsing all 254 entries up front (~1 ms, measured by bench/) would be wasted.
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

// A view over the spans: reading a key parses its entry once; hasOwnProperty, Object.keys and `in`
// (which libphonenumber-js also uses) answer from the spans without parsing anything. One Proxy, not
// a getter per key: defining 254 accessors took ~0.6 ms of the import.
function parsedOnFirstRead(spans: Record<string, Span>): Record<string, unknown> {
  const parsed = new Map<string, unknown>();
  const entryOf = (key: string): unknown => {
    let entry = parsed.get(key);
    if (entry === undefined) {
      const [start, end] = spans[key] as Span;
      entry = JSON.parse(PHONE_METADATA_ENTRIES.slice(start, end));
      parsed.set(key, entry);
    }
    return entry;
  };
  return new Proxy(spans as Record<string, unknown>, {
    // Inherited keys (`constructor`, which libphonenumber-js checks, `hasOwnProperty`) read through.
    get: (target, key, receiver) =>
      typeof key === 'string' && Object.hasOwn(target, key) ? entryOf(key) : Reflect.get(target, key, receiver),
  });
}
