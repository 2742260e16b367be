import { type AccountEvent, type AccountEventOptions, accountEventsOf } from '../core/account-events.js';
import { type StreamRecordInput, tableChangeOf } from './dynamodb-stream-records.js';

/** The most entries one PutEvents call takes, and so the most events one pipe invocation can hand its bus target. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * The answer of the pipe's enrichment to one batch of DynamoDB stream records (what the filter let
 * through): the account events they make, flat, in the records' order, as the bus target takes them
 * (`detail-type`, `time`, `detail`; the target adds `source`). Most records make none, and an empty
 * answer makes the pipe skip the target. Anything that is not a batch of stream records throws: the
 * pipe retries it, halves the batch (AUTOMATIC_BISECT) down to the bad record, and sends that one's
 * metadata to the dead-letter queue, rather than publish a guess. So does an answer the bus could
 * not take in one call, which only a batch larger than the pipe's is: halving it makes it fit.
 */
export function pipeEnrichmentEvents(batch: unknown, options: AccountEventOptions): AccountEvent[] {
  if (!Array.isArray(batch)) {
    throw new Error(
      `the pipe's enrichment takes an array of stream records, got ${batch === null ? 'null' : typeof batch}`,
    );
  }
  const events = batch.flatMap((record: unknown) => {
    if (typeof record !== 'object' || record === null) throw new Error('a stream record of the batch is not an object');
    return accountEventsOf(tableChangeOf(record as StreamRecordInput), options);
  });
  if (events.length > PUT_EVENTS_MAX_ENTRIES) {
    throw new Error(
      `${batch.length} stream records made ${events.length} events, more than one PutEvents takes (${PUT_EVENTS_MAX_ENTRIES}): the pipe's batch size is too large`,
    );
  }
  return events;
}
