import { type RequestNumberChangeDeps, requestNumberChange } from '../core/account.js';
import { maskPhoneNumber } from '../core/phone.js';
import { assertRecentLogin, type RecentLoginDeps } from '../core/recent-login.js';
import { type ApiHandler, json, readJsonObject, sourceIp } from './api-event.js';
import { countingCountryBudget } from './country-budget-metrics.js';
import { handleApi } from './handle.js';
import { accountSubject } from './me-handler.js';
import { parseBody, SendOtpBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/**
 * `POST /me/phone-number`: sends a code to the number the user wants to move to. Only after a recent
 * login, checked first: an old or stolen token gets 403 with nothing charged, counted or sent.
 */
export function makeChangePhoneNumberHandler(
  deps: RequestNumberChangeDeps & RecentLoginDeps,
  telemetry: Telemetry,
): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const subject = accountSubject(event);
    assertRecentLogin(deps, subject);
    const body = parseBody(SendOtpBody, readJsonObject(event));
    const result = await requestNumberChange(deps, {
      subject,
      phoneNumber: body.phone_number,
      sourceIp: sourceIp(event),
    }).catch(countingCountryBudget(telemetry));
    if (result.outcome === 'sent') telemetry.count(METRIC.sent);
    telemetry.logger.info('number change code requested', {
      sub: subject.userId,
      phone: maskPhoneNumber(result.phone.e164, result.phone.callingCode),
      outcome: result.outcome,
    });
    return json(200, { message: 'OTP sent', expires_in: result.expiresIn });
  });
}
