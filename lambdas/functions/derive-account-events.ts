import { pipeEnrichmentEvents } from '../adapters/eventbridge-pipe-enrichment.js';
import { parseSettings } from '../config.js';
import type { AccountEvent } from '../core/account-events.js';

const { eventsIncludePhoneNumber } = parseSettings(process.env, 'events');

/**
 * The account events pipe's enrichment (lib/constructs/account-events.ts): a batch of the table's
 * stream records in, their events out. It reads no table and calls no AWS API; its role may only
 * write its own logs. A throw fails the batch, which the pipe retries and halves.
 */
export const handler = async (batch: unknown): Promise<AccountEvent[]> =>
  pipeEnrichmentEvents(batch, { includePhoneNumber: eventsIncludePhoneNumber });
