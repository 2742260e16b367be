import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, FUNCTIONS } from '../../lambdas/registry.js';
import { lambdaEntry } from '../../lib/constructs/bundling.js';
import { lambdaEntryName, type OtpAuthConfig } from '../../lib/otp-auth-stack.js';
import { actionsOf, findings, logicalId, roleStatements, synthStack } from './synth.js';

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

  it("bundles send-otp from the provider's own entry, so its bundle holds only that provider's client", () => {
    expect(lambdaEntryName('send-otp', FUNCTIONS['send-otp'], 'sns')).toBe('send-otp');
    expect(lambdaEntryName('send-otp', FUNCTIONS['send-otp'], 'end-user-messaging')).toBe(
      'send-otp-end-user-messaging',
    );
    for (const name of FUNCTION_NAMES.filter((n) => n !== 'send-otp')) {
      expect(lambdaEntryName(name, FUNCTIONS[name], 'end-user-messaging')).toBe(name);
    }
    expect(existsSync(lambdaEntry('send-otp-end-user-messaging'))).toBe(true);
  });

  it('gives no other function either action, whichever the provider', () => {
    for (const config of [{}, EUM]) {
      const { byFunction } = smsStatements(config);
      for (const name of FUNCTION_NAMES.filter((n) => n !== 'send-otp')) {
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
