import { describe, expect, it, vi } from 'vitest';
import { synthStack } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

/**
 * The logical ids of the stateful resources as the example stack had them before its resources moved
 * into the OtpLogin construct (main at 4b048ec). CloudFormation replaces a resource whose logical id
 * changes: a new table is every user lost, a new secret every session ended, a new log group the logs
 * of the past gone. Do not edit these to make the test pass; a move that must happen needs a
 * migration in the README instead.
 */
const BEFORE_THE_CONSTRUCT = {
  'AWS::DynamoDB::Table': ['Table710B521B'],
  'AWS::SecretsManager::Secret': ['SigningKeySecretDAB0A568'],
  'AWS::Logs::LogGroup': [
    'AWSCDKTriggerCustomResourceProviderCustomResourceProviderLogs32401827',
    'ChangePhoneNumberLogsF94000A4',
    'DeleteAccountLogs2655B351',
    'HttpAccessLogs1CB64BE3',
    'LogoutLogsC594CB85',
    'MeLogs26604DBA',
    'NotFoundLogs87655A85',
    'RefreshTokenLogs3239005C',
    'SendOtpLogs8C311FB4',
    'SigningKeyRotationLogsEEBDB8D1',
    'VerifyOtpLogs8E4BDA5F',
    'VerifyPhoneNumberLogsC4399706',
    'WellKnownLogs46172C61',
  ],
};

/** Log groups of functions added since, new in every deployment that upgrades: appended, never renamed. */
const ADDED_SINCE = {
  'AWS::Logs::LogGroup': [
    'PasskeySignInLogs9E94EA5E',
    'PasskeysLogsB8E14C95',
    // Issue 20: the account events pipe's enrichment function and the pipe's own log.
    'AccountEventsEnrichmentLogsD4FB912B',
    'AccountEventsPipeLogs71E4ADDF',
  ],
};

describe('upgrading a deployment of the example stack', () => {
  it.each([false, true])(
    'keeps the logical ids of the table, the secret and every log group (production: %s)',
    (production) => {
      const { template } = synthStack({ production });
      const ids = (type: string) => Object.keys(template.findResources(type)).sort();
      expect({
        'AWS::DynamoDB::Table': ids('AWS::DynamoDB::Table'),
        'AWS::SecretsManager::Secret': ids('AWS::SecretsManager::Secret'),
        'AWS::Logs::LogGroup': ids('AWS::Logs::LogGroup'),
      }).toEqual({
        ...BEFORE_THE_CONSTRUCT,
        'AWS::Logs::LogGroup': [
          ...BEFORE_THE_CONSTRUCT['AWS::Logs::LogGroup'],
          ...ADDED_SINCE['AWS::Logs::LogGroup'],
        ].sort(),
      });
    },
  );

  it("keeps the table's user index by its name: an index renamed is an index dropped and rebuilt", () => {
    const table = synthStack().template.findResources('AWS::DynamoDB::Table').Table710B521B;
    const indexes = (table?.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[];
    expect(indexes.map((index) => index.IndexName)).toEqual(['byUser']);
  });
});
