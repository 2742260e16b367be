import { type DeleteAccountDeps, deleteAccount } from '../core/account.js';
import { assertRecentLogin, type RecentLoginDeps } from '../core/recent-login.js';
import { type ApiHandler, noContent } from './api-event.js';
import { logFamilyCleanup } from './family-cleanup.js';
import { describeError, handleApi } from './handle.js';
import { accountSubject } from './me-handler.js';
import { METRIC, type Telemetry } from './telemetry.js';

/**
 * `DELETE /me`: deletes the token's user, its number's ownership, its passkeys and every session. Only
 * after a recent login, checked before anything is read: a stolen access token alone cannot delete the
 * account.
 */
export function makeDeleteAccountHandler(deps: DeleteAccountDeps & RecentLoginDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const subject = accountSubject(event);
    assertRecentLogin(deps, subject);
    const cleanup = await deleteAccount(deps, subject, 'user');
    telemetry.count(METRIC.accountDeleted);
    telemetry.logger.info('account deleted', { sub: subject.userId, families_deleted: cleanup.familiesDeleted });
    logFamilyCleanup(telemetry, cleanup);
    if (cleanup.passkeyCleanupError !== undefined) {
      // The answer is still 204: the account is gone and the item can sign nobody in; but nothing
      // expires it, so the count raises an alarm and the line names the user to remove it by.
      telemetry.count(METRIC.passkeyCleanupFailed);
      telemetry.logger.warn('passkeys left after account deletion', {
        sub: subject.userId,
        cause: describeError(cleanup.passkeyCleanupError),
      });
    }
    return noContent();
  });
}
