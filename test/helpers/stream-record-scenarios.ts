import { readFileSync } from 'node:fs';

/**
 * DynamoDB stream records as Pipes hands them to the enrichment (the Lambda event-source JSON shape,
 * NEW_AND_OLD_IMAGES), one per path of an account's life and one per other kind of item, with the
 * events the core makes of each (test/fixtures/account-event-stream-records.json).
 */
export interface StreamRecordScenario {
  readonly name: string;
  /** The `detail-type`s the core makes of the record, in order; none for most. */
  readonly events: readonly string[];
  readonly record: Record<string, unknown> & { readonly eventID: string };
}

export const STREAM_RECORD_SCENARIOS = JSON.parse(
  readFileSync(new URL('../fixtures/account-event-stream-records.json', import.meta.url), 'utf8'),
) as readonly StreamRecordScenario[];

export function streamRecordScenario(name: string): StreamRecordScenario {
  const found = STREAM_RECORD_SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no stream record scenario "${name}"`);
  return found;
}
