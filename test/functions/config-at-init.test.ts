import { afterEach, describe, expect, it, vi } from 'vitest';

const BASE = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'otp-login-table',
  SIGNING_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-login/signing-key-AbCdEf',
  ISSUER: 'https://auth.test',
  AUDIENCE: 'otp-login',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('a Lambda entry given a country code the phone library does not know', () => {
  it.each([
    [
      'send-otp',
      'SEND_MAX_PER_COUNTRY_PER_HOUR',
      'UK=100,EL=50',
      /SEND_MAX_PER_COUNTRY_PER_HOUR names UK, .*did you mean GB\?/,
    ],
    ['verify-otp', 'ALLOWED_COUNTRIES', 'IN,UK', /ALLOWED_COUNTRIES names UK, .*did you mean GB\?/],
    [
      'change-phone-number',
      'SMS_TEMPLATES',
      '{"ZZ":"Code {code}"}',
      /SMS_TEMPLATES names ZZ, a country code the phone library/,
    ],
    [
      'verify-phone-number',
      'SEND_MAX_PER_COUNTRY_PER_HOUR',
      'IN=5,EL=5',
      /SEND_MAX_PER_COUNTRY_PER_HOUR names EL, .*did you mean GR\?/,
    ],
  ])('%s fails its cold start on %s=%s, naming the setting and the code', async (name, setting, value, message) => {
    for (const [key, env] of Object.entries({ ...BASE, [setting]: value })) vi.stubEnv(key, env);

    await expect(import(`../../lambdas/functions/${name}.ts`)).rejects.toThrow(message);
  });
});

describe('a claims entry', () => {
  const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:claims';

  it.each(['verify-otp-claims', 'refresh-token-claims', 'passkey-sign-in-claims', 'verify-phone-number-claims'])(
    '%s fails its cold start on a deadline out of range, or without the function to invoke',
    async (name) => {
      for (const [key, env] of Object.entries({
        ...BASE,
        CLAIMS_HOOK_FUNCTION_ARN: ARN,
        CLAIMS_HOOK_TIMEOUT_MS: '50',
      })) {
        vi.stubEnv(key, env);
      }
      await expect(import(`../../lambdas/functions/${name}.ts`)).rejects.toThrow(
        'Environment variable CLAIMS_HOOK_TIMEOUT_MS must be between 100 and 10000, got 50',
      );
      vi.resetModules();
      vi.stubEnv('CLAIMS_HOOK_TIMEOUT_MS', '');
      vi.stubEnv('CLAIMS_HOOK_FUNCTION_ARN', '');
      await expect(import(`../../lambdas/functions/${name}.ts`)).rejects.toThrow(
        'Environment variable CLAIMS_HOOK_FUNCTION_ARN is required',
      );
    },
  );
});
