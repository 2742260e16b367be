import { type SendOtpDeps, sendOtp } from '../core/login.js';
import { maskPhoneNumber } from '../core/phone.js';
import { type ApiHandler, json, readJsonObject, sourceIp } from './api-event.js';
import { countingCountryBudget } from './country-budget-metrics.js';
import { handleApi } from './handle.js';
import { parseBody, SendOtpBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /send-otp`: the same answer whether or not the number is known. */
export function makeSendOtpHandler(deps: SendOtpDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const body = parseBody(SendOtpBody, readJsonObject(event));
    const result = await sendOtp(deps, { phoneNumber: body.phone_number, sourceIp: sourceIp(event) }).catch(
      countingCountryBudget(telemetry),
    );
    if (result.outcome === 'sent') telemetry.count(METRIC.sent);
    telemetry.logger.info('otp requested', {
      phone: maskPhoneNumber(result.phone.e164, result.phone.callingCode),
      outcome: result.outcome,
    });
    return json(200, { message: 'OTP sent', expires_in: result.expiresIn });
  });
}
