import type { FamilyCleanup } from '../core/account.js';
import { describeError } from './handle.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** A failed tidy-up after a completed deletion or move: the families are already ended, TTL removes them. */
export function logFamilyCleanup(telemetry: Telemetry, cleanup: FamilyCleanup): void {
  if (cleanup.cleanupError === undefined) return;
  telemetry.count(METRIC.sessionCleanupFailed);
  telemetry.logger.warn('ended sessions left for TTL', { cause: describeError(cleanup.cleanupError) });
}
