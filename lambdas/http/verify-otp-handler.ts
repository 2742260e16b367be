import { type VerifyOtpDeps, verifyOtp } from '../core/login.js';
import { maskPhoneNumber } from '../core/phone.js';
import { type ApiHandler, json, readJsonObject } from './api-event.js';
import { handleApi } from './handle.js';
import { parseBody, VerifyOtpBody } from './schemas.js';
import { METRIC, type Telemetry } from './telemetry.js';

/** `POST /verify-otp`: trades a code for an access and a refresh token. */
export function makeVerifyOtpHandler(deps: VerifyOtpDeps, telemetry: Telemetry): ApiHandler {
  return handleApi(telemetry, async (event) => {
    const body = parseBody(VerifyOtpBody, readJsonObject(event));
    const result = await verifyOtp(deps, { phoneNumber: body.phone_number, otp: body.otp });
    telemetry.count(METRIC.verified);
    telemetry.logger.info('otp verified', {
      phone: maskPhoneNumber(result.phone.e164, result.phone.callingCode),
      sub: result.userId,
    });
    return json(200, result.tokens);
  });
}
