import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_NAMES } from '../../lambdas/config.js';
import { PROJECT_ROOT } from '../../lib/constructs/bundling.js';
import { APP_FLAGS, closestSetting, editDistance, unknownSettingsProblem } from '../../lib/context-settings.js';

describe('unknownSettingsProblem', () => {
  it('names the closest setting for a key that looks like a setting but is none', () => {
    expect(unknownSettingsProblem(['ALLOWED_COUNTRY'])).toBe(
      "-c ALLOWED_COUNTRY is not a setting: did you mean ALLOWED_COUNTRIES?\nThe settings are listed in the README's configuration table, the flags in its Deploy section.",
    );
  });

  it.each([
    ['SEND_MAX_PER_COUNTRY', 'SEND_MAX_PER_COUNTRY_PER_HOUR'],
    ['SMS_TEMPLATESS', 'SMS_TEMPLATES'],
    ['SMS_TEMPLATE_IN', 'SMS_TEMPLATE'],
    ['OTP_TTL', 'OTP_TTL_SECONDS'],
    ['SINGUP_MODE', 'SIGNUP_MODE'],
    ['ALLOWED_ORIGIN', 'ALLOWED_ORIGINS'],
    ['AUDIENSE', 'AUDIENCE'],
    ['SEND_OTP_THROTTLE', 'SEND_OTP_THROTTLE_BURST'],
  ])('suggests for %s the setting %s', (key, suggestion) => {
    expect(unknownSettingsProblem([key])).toContain(`-c ${key} is not a setting: did you mean ${suggestion}?`);
  });

  it('lists every unknown key, and the settings the stack sets itself', () => {
    const problem = unknownSettingsProblem([
      'SIGNUP_MODE',
      'ALLOWED_COUNTRY',
      'TABLE_NAME',
      'ISSUER',
      'SEND_MAX_PER_DAYS',
    ]);
    expect(problem?.split('\n')).toEqual([
      '-c ALLOWED_COUNTRY is not a setting: did you mean ALLOWED_COUNTRIES?',
      '-c TABLE_NAME is set by the stack itself and cannot be given as context',
      '-c ISSUER is set by the stack itself and cannot be given as context',
      '-c SEND_MAX_PER_DAYS is not a setting: did you mean SEND_MAX_PER_DAY?',
      "The settings are listed in the README's configuration table, the flags in its Deploy section.",
    ]);
  });

  it("accepts every setting and leaves the CDK's keys and the app's flags alone", () => {
    expect(unknownSettingsProblem(CONFIG_NAMES)).toBeUndefined();
    expect(
      unknownSettingsProblem([
        'production',
        'configFromEnv',
        'keyRotationDays',
        'stackName',
        'aws:cdk:bundling-stacks',
        'aws:cdk:enable-path-metadata',
        '@aws-cdk/aws-lambda:recognizeLayerVersion',
        'cli-telemetry',
      ]),
    ).toBeUndefined();
  });
});

describe('unknownSettingsProblem on the app flags', () => {
  it.each([
    ['Production', 'production'],
    ['prod', 'production'],
    ['domainname', 'domainName'],
    ['basepath', 'basePath'],
    ['keepExecuteApiEndPoint', 'keepExecuteApiEndpoint'],
  ])('refuses -c %s, naming %s', (key, flag) => {
    expect(unknownSettingsProblem([key])).toContain(`-c ${key} is not a flag of this app: did you mean ${flag}?`);
  });

  it('takes every flag of the app', () => {
    expect(unknownSettingsProblem([...APP_FLAGS])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['ABC', '', 3],
    ['', 'ABC', 3],
    ['ABC', 'ABC', 0],
    ['ABC', 'ABD', 1],
    ['ABC', 'AC', 1],
    ['AC', 'ABC', 1],
    ['ALLOWED_COUNTRY', 'ALLOWED_COUNTRIES', 3],
    ['KITTEN', 'SITTING', 3],
  ])('between %j and %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it('never suggests a setting the stack sets itself', () => {
    expect(closestSetting('TABLE_NAMES')).not.toBe('TABLE_NAME');
  });
});

describe('npx tsx bin/app.ts (what cdk synth runs)', () => {
  // The CDK CLI hands -c context to the app in CDK_CONTEXT_JSON; bundling is skipped, as the synth
  // must fail before it gets there.
  const synth = (context: Record<string, unknown>) =>
    spawnSync('npx', ['tsx', 'bin/app.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], production: false, ...context }),
      },
      timeout: 120_000,
    });

  it('fails on -c ALLOWED_COUNTRY=XX, naming the closest setting', () => {
    const run = synth({ ALLOWED_COUNTRY: 'XX' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('-c ALLOWED_COUNTRY is not a setting: did you mean ALLOWED_COUNTRIES?');
  }, 150_000);

  it('fails on -c SEND_MAX_PER_COUNTRY_PER_HOUR=UK=100,EL=50, naming the setting, the code and GB', () => {
    const run = synth({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'UK=100,EL=50' });

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SEND_MAX_PER_COUNTRY_PER_HOUR names UK, .*did you mean GB\?/);
  }, 150_000);

  it('fails on -c domainName without -c certificateArn, before synthesizing a domain that cannot deploy', () => {
    const run = synth({ domainName: 'auth.example.com' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Context domainName and certificateArn go together');
  }, 150_000);

  it('fails on -c ISSUER, which the stack sets itself, so it is not silently ignored', () => {
    const run = synth({ ISSUER: 'https://auth.example.com' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('-c ISSUER is set by the stack itself');
  }, 150_000);
});

describe('cdk synth with settings in cdk.json', () => {
  it("checks cdk.json's context keys as it checks -c ones", () => {
    const dir = mkdtempSync(join(tmpdir(), 'otp-cdk-json-'));
    try {
      writeFileSync(
        join(dir, 'cdk.json'),
        JSON.stringify({
          app: `${join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')} ${join(PROJECT_ROOT, 'bin', 'app.ts')}`,
          context: { production: false, SIGNUP_MODE: 'closed', ALLOWED_COUNTRY: 'IN' },
        }),
      );
      const run = spawnSync(
        process.execPath,
        [join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--no-notices', '-q'],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1' },
          timeout: 120_000,
        },
      );

      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('-c ALLOWED_COUNTRY is not a setting: did you mean ALLOWED_COUNTRIES?');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
