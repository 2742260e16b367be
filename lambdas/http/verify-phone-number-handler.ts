import { type ConfirmNumberChangeDeps, confirmNumberChange } from '../core/account.js';
import { maskPhoneNumber } from '../core/phone.js';
import { assertRecentLogin, type RecentLoginDeps } from '../core/recent-login.js';
import { type ApiHandler, json, readJsonObject } from './api-event.js';
import { logFamilyCleanup } from './family-cleanup.js';
import { describeError, handleApi } from './handle.js';
import { accountSubject } from './me-handler.js';
import { parseBody, VerifyOtpBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/**
 * `POST /me/phone-number/verify`: moves the user to the new number and starts a session there (a
 * fresh login: the code proved the new number), then tells the old number. Only after a recent
 * login, checked first: an old or stolen token gets 403 with no attempt spent and nothing moved.
 */
export function makeVerifyPhoneNumberHandler(
  deps: ConfirmNumberChangeDeps & RecentLoginDeps,
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const subject = accountSubject(event);
    assertRecentLogin(deps, subject);
    const body = parseBody(VerifyOtpBody, readJsonObject(event));
    const result = await confirmNumberChange(deps, { subject, phoneNumber: body.phone_number, otp: body.otp });
    telemetry.count(METRIC.phoneNumberChanged);
    telemetry.logger.info('phone number changed', {
      sub: result.userId,
      phone: maskPhoneNumber(result.phone.e164, result.phone.callingCode),
      families_deleted: result.familiesDeleted,
    });
    logFamilyCleanup(telemetry, result);
    const { notice } = result;
    if (notice.outcome === 'sent') telemetry.count(METRIC.numberChangedNoticeSent);
    if (notice.uncounted !== undefined) {
      telemetry.logger.warn('number change notice not counted in its country budget', {
        phone: notice.maskedNumber,
        cause: describeError(notice.uncounted),
      });
    }
    if (notice.outcome === 'failed') {
      telemetry.count(METRIC.numberChangedNoticeFailed);
      telemetry.logger.warn('number change notice not sent', {
        phone: notice.maskedNumber,
        cause: describeError(notice.error),
      });
    }
    return json(200, result.tokens);
  });
}
