import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FUNCTION_NAMES, FUNCTIONS } from '../../lambdas/registry.js';
import { lambdaEntry } from '../../lib/constructs/bundling.js';
import { lambdaEntryName, type OtpAuthConfig } from '../../lib/otp-auth-stack.js';
import { actionsOf, findings, logicalId, roleStatements, synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

const EUM = { SMS_PROVIDER: 'end-user-messaging' } as const;
/** `arn:${Partition}:sms-voice:${Region}:${AccountId}:<resource>`, as CDK's formatArn writes it. */
const arn = (resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':sms-voice:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
    ],
  ],
});

function smsStatements(config: OtpAuthConfig) {
  const { stack, template } = synthStack({ config });
  const byFunction = Object.fromEntries(
    FUNCTION_NAMES.map((name) => {
      const role = logicalId(stack.functions[name].role as never);
      return [name, roleStatements(template, role)];
    }),
  );
  const environment = template.toJSON().Resources[logicalId(stack.functions['send-otp'])].Properties.Environment
    .Variables as Record<string, string>;
  return { stack, byFunction, environment };
}

describe('the SMS provider decides the IAM of send-otp: exactly its action, never both', () => {
  it('with SNS (the default), send-otp may sns:Publish and nothing of End User Messaging', () => {
    const { byFunction, environment } = smsStatements({});

    expect(actionsOf(byFunction['send-otp'] ?? []).filter((a) => /^(sns|sms-voice):/.test(a))).toEqual(['sns:Publish']);
    expect(environment).toHaveProperty('AWS_ENDPOINT_URL_SNS', '');
    expect(environment).not.toHaveProperty('AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2');
  });

  it('with end-user-messaging, send-otp may only sms-voice:SendTextMessage, in its account and region', () => {
    const { byFunction, environment } = smsStatements(EUM);

    expect(actionsOf(byFunction['send-otp'] ?? []).filter((a) => /^(sns|sms-voice):/.test(a))).toEqual([
      'sms-voice:SendTextMessage',
    ]);
    expect((byFunction['send-otp'] ?? []).find((s) => s.Action === 'sms-voice:SendTextMessage')).toEqual({
      Sid: 'SmsThroughEndUserMessaging',
      Effect: 'Allow',
      Action: 'sms-voice:SendTextMessage',
      Resource: [
        arn('phone-number/*'),
        arn('sender-id/*'),
        arn('pool/*'),
        arn('configuration-set/*'),
        arn('protect-configuration/*'),
        arn('opt-out-list/*'),
      ],
    });
    expect(environment).toHaveProperty('AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2', '');
    expect(environment).not.toHaveProperty('AWS_ENDPOINT_URL_SNS');
  });

  it('names the configured sender id, configuration set and protect configuration', () => {
    const { byFunction } = smsStatements({
      ...EUM,
      SMS_SENDER_ID: 'OTPLOGIN',
      SMS_CONFIGURATION_SET: 'otp-login',
      SMS_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
    });

    expect((byFunction['send-otp'] ?? []).find((s) => s.Action === 'sms-voice:SendTextMessage')?.Resource).toEqual([
      arn('sender-id/OTPLOGIN/*'),
      arn('configuration-set/otp-login'),
      arn('protect-configuration/protect-0123456789abcdef'),
      arn('opt-out-list/*'),
    ]);
  });

  it('takes resources configured as ARNs, and pools and phone numbers by id, as they are', () => {
    const configSet = 'arn:aws:sms-voice:eu-west-1:123456789012:configuration-set/otp-login';
    const protect = 'arn:aws:sms-voice:eu-west-1:123456789012:protect-configuration/protect-1';
    const pool = smsStatements({
      ...EUM,
      SMS_ORIGINATION_NUMBER: 'pool-0123456789abcdef',
      SMS_CONFIGURATION_SET: configSet,
      SMS_PROTECT_CONFIGURATION_ID: protect,
    });
    const phoneId = smsStatements({ ...EUM, SMS_ORIGINATION_NUMBER: 'phone-0123456789abcdef' });
    const phoneArn = 'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef';
    const byArn = smsStatements({ ...EUM, SMS_ORIGINATION_NUMBER: phoneArn });
    const e164 = smsStatements({ ...EUM, SMS_ORIGINATION_NUMBER: '+18445550199', SMS_SENDER_ID: 'OTPLOGIN' });
    const resources = (s: ReturnType<typeof smsStatements>) =>
      (s.byFunction['send-otp'] ?? []).find((statement) => statement.Action === 'sms-voice:SendTextMessage')?.Resource;

    expect(resources(pool)).toEqual([arn('pool/pool-0123456789abcdef'), configSet, protect, arn('opt-out-list/*')]);
    expect((resources(phoneId) as unknown[])[0]).toEqual(arn('phone-number/phone-0123456789abcdef'));
    expect((resources(byArn) as unknown[])[0]).toEqual(phoneArn);
    // An E.164 number has no ARN of its own: only the type can be named.
    expect((resources(e164) as unknown[])[0]).toEqual(arn('phone-number/*'));
  });

  it("bundles every function that sends SMS from the provider's own entry, so it holds only that client", () => {
    const senders = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].sms);
    // verify-phone-number: the one notice a completed number change sends the old number.
    expect(senders).toEqual(['send-otp', 'change-phone-number', 'verify-phone-number']);
    for (const name of senders) {
      expect(lambdaEntryName(name, FUNCTIONS[name], 'sns')).toBe(name);
      expect(lambdaEntryName(name, FUNCTIONS[name], 'end-user-messaging')).toBe(`${name}-end-user-messaging`);
      expect(existsSync(lambdaEntry(`${name}-end-user-messaging`)), name).toBe(true);
    }
    for (const name of FUNCTION_NAMES.filter((n) => !FUNCTIONS[n].sms)) {
      expect(lambdaEntryName(name, FUNCTIONS[name], 'end-user-messaging')).toBe(name);
    }
  });

  it('gives both number-change functions exactly the send-otp SMS statement, whichever the provider', () => {
    for (const config of [{}, EUM]) {
      const { byFunction } = smsStatements(config);
      const sms = (name: 'send-otp' | 'change-phone-number' | 'verify-phone-number') =>
        (byFunction[name] ?? []).filter((s) => [s.Action].flat().some((a) => /^(sns|sms-voice):/.test(String(a))));
      expect(sms('change-phone-number')).toEqual(sms('send-otp'));
      expect(sms('verify-phone-number')).toEqual(sms('send-otp'));
      expect(sms('verify-phone-number')).toHaveLength(1);
    }
  });

  it('gives no function that sends no SMS either action, whichever the provider', () => {
    for (const config of [{}, EUM]) {
      const { byFunction } = smsStatements(config);
      for (const name of FUNCTION_NAMES.filter((n) => !FUNCTIONS[n].sms)) {
        expect(
          actionsOf(byFunction[name] ?? []).filter((a) => /^(sns|sms-voice):/.test(a)),
          name,
        ).toEqual([]);
      }
    }
  });

  it('refuses at synth End User Messaging settings with SNS, which would ignore them', () => {
    expect(() => synthStack({ config: { SMS_MAX_PRICE: '0.10' } })).toThrow(
      'Environment variable SMS_MAX_PRICE needs SMS_PROVIDER=end-user-messaging',
    );
  });

  it('passes cdk-nag with End User Messaging, the type-scoped resources acknowledged with a reason', () => {
    expect(findings(synthStack({ config: EUM }).stack)).toEqual([]);
    expect(
      findings(
        synthStack({
          config: {
            ...EUM,
            SMS_ORIGINATION_NUMBER: 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1',
            SMS_CONFIGURATION_SET: 'otp-login',
            SMS_PROTECT_CONFIGURATION_ID: 'protect-1',
          },
        }).stack,
      ),
    ).toEqual([]);
  });
});
