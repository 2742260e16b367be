import { type ConfirmNumberChangeDeps, confirmNumberChange } from '../core/account.js';
import { maskPhoneNumber } from '../core/phone.js';
import { type ApiHandler, json, readJsonObject } from './api-event.js';
import { logFamilyCleanup } from './family-cleanup.js';
import { handleApi } from './handle.js';
import { accountSubject } from './me-handler.js';
import { parseBody, VerifyOtpBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /me/phone-number/verify`: moves the user to the new number and starts a session there. */
export function makeVerifyPhoneNumberHandler(deps: ConfirmNumberChangeDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const subject = accountSubject(event);
    const body = parseBody(VerifyOtpBody, readJsonObject(event));
    const result = await confirmNumberChange(deps, { subject, phoneNumber: body.phone_number, otp: body.otp });
    telemetry.count(METRIC.phoneNumberChanged);
    telemetry.logger.info('phone number changed', {
      sub: result.userId,
      phone: maskPhoneNumber(result.phone.e164, result.phone.callingCode),
      families_deleted: result.familiesDeleted,
    });
    logFamilyCleanup(telemetry, result);
    return json(200, result.tokens);
  });
}
