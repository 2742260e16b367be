import { randomInt } from 'node:crypto';
import type { OtpPolicy } from '../../lambdas/core/login.js';
import type { SendLimits } from '../../lambdas/core/phone-record.js';

/**
 * Fixtures the tests and the bench share. No vitest import here: the bench runs outside vitest.
 */

/** A fresh, valid Indian mobile number (+91 98 and 8 random digits): a new record every time. */
export const randomPhoneNumber = (): string => `+9198${String(randomInt(100_000_000)).padStart(8, '0')}`;

/** A wrong code for a known right one: never equal to it. */
export const wrongCode = (right: string): string => (right === '000000' ? '111111' : '000000');

/** The per-number limits the unit tests assume (the defaults' shape, small enough to reach). */
export const TEST_SEND_LIMITS: SendLimits = {
  otpTtlSeconds: 300,
  otpMaxAttempts: 5,
  otpLockoutSeconds: 900,
  sendCooldownSeconds: 60,
  sendMaxPerHour: 5,
  sendMaxPerDay: 10,
};

/** A whole OTP policy for unit tests of the use cases: open signup, plain template, no caps but the IP's. */
export const TEST_OTP_POLICY: OtpPolicy = {
  ...TEST_SEND_LIMITS,
  signupMode: 'open',
  smsTemplate: 'Code {code}',
  smsTemplates: new Map(),
  androidAppHash: undefined,
  webOtpDomain: undefined,
  sendMaxPerIpPerHour: 10,
  sendMaxPerCountryPerHour: undefined,
  allowedCountries: [],
  allowedGlobalCallingCodes: [],
  allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'],
  testPhoneNumbers: new Map(),
};
