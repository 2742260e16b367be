import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FUNCTION_NAMES } from '../../lambdas/registry.js';
import { PROJECT_ROOT, sha256Of } from '../../lib/constructs/bundling.js';

/**
 * The package as a team gets it: `npm pack` (which runs the package's build), then a fresh CDK app
 * outside the repository, with its own package.json, installing the tarball, aws-cdk-lib and
 * constructs, synthesized by the CDK CLI with cdk-nag's AwsSolutions pack. Once as an ES module
 * app and once as a CommonJS one, and each type-checked as TypeScript with `skipLibCheck: false`.
 */

// npm pack builds a bundle per function (15); each consumer installs aws-cdk-lib and synthesizes: minutes on a busy machine.
const PACKAGE_TIMEOUT_MS = 540_000;
vi.setConfig({ testTimeout: PACKAGE_TIMEOUT_MS, hookTimeout: PACKAGE_TIMEOUT_MS });

const run = promisify(execFile);
const CDK_CLI = join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const DOMAIN = 'auth.example.com';
const ISSUER = `https://${DOMAIN}`;

function installedVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** The ten lines a team writes, in the module system of the app. */
function appSource(kind: 'esm' | 'cjs' | 'ts'): string {
  const imports: [string, string][] = [
    ['App, Stack, Validations', 'aws-cdk-lib'],
    ['HttpApi, HttpMethod', 'aws-cdk-lib/aws-apigatewayv2'],
    ['HttpUrlIntegration', 'aws-cdk-lib/aws-apigatewayv2-integrations'],
    ['Certificate', 'aws-cdk-lib/aws-certificatemanager'],
    ['HostedZone', 'aws-cdk-lib/aws-route53'],
    ['AwsSolutionsChecks', 'cdk-nag'],
    ['OtpLogin', 'otp-login'],
  ];
  const head = imports
    .map(([names, from]) =>
      kind === 'cjs' ? `const { ${names} } = require('${from}');` : `import { ${names} } from '${from}';`,
    )
    .join('\n');
  return `${head}

const app = new App();
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
const certificate = Certificate.fromCertificateArn(stack, 'Certificate', 'arn:aws:acm:eu-west-1:123456789012:certificate/1');
const hostedZone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'example.com' });
const auth = new OtpLogin(stack, 'Auth', { production: true, domain: { name: '${DOMAIN}', certificate, hostedZone }, otp: { ttlSeconds: 120 } });
const orders = new HttpApi(stack, 'Orders');
orders.addRoutes({ path: '/orders', methods: [HttpMethod.GET], integration: new HttpUrlIntegration('Backend', 'https://backend.example.com/orders'), authorizer: auth.authorizer(stack, 'OtpAuthorizer') });
Validations.of(orders).acknowledge({ id: 'AwsSolutions-APIG1', reason: 'the team API of this test keeps no access logs' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
`;
}

interface Consumer {
  dir: string;
  template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  synthOutput: string;
  validation: { pluginReports: { summary: { status: string } }[] };
}

type Resource = Consumer['template']['Resources'][string];

function resourcesOf(consumer: Consumer, type: string): Resource[] {
  return Object.values(consumer.template.Resources).filter((resource) => resource.Type === type);
}

describe('the npm package, installed into a fresh CDK app', () => {
  const work = mkdtempSync(join(tmpdir(), 'otp-login-consumer-'));
  const consumers = {} as Record<'esm' | 'cjs', Consumer>;
  let tarball = '';

  async function makeConsumer(kind: 'esm' | 'cjs'): Promise<Consumer> {
    const dir = join(work, `app-${kind}`);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: `consumer-${kind}`,
        private: true,
        type: kind === 'esm' ? 'module' : 'commonjs',
        dependencies: {
          'otp-login': `file:${tarball}`,
          'aws-cdk-lib': installedVersion('aws-cdk-lib'),
          constructs: installedVersion('constructs'),
          'cdk-nag': installedVersion('cdk-nag'),
        },
      }),
    );
    // From npm's cache, as `npm ci` of this repository filled it: the same versions, no network needed.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
    const appFile = kind === 'esm' ? 'app.mjs' : 'app.js';
    writeFileSync(join(dir, appFile), appSource(kind));
    const synth = await run(
      process.execPath,
      [CDK_CLI, 'synth', '--app', `node ${appFile}`, '-o', 'cdk.out', '--no-notices', '-q'].concat([
        '-c',
        '@aws-cdk/core:validationReportJson=true',
      ]),
      { cwd: dir, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const out = join(dir, 'cdk.out');
    return {
      dir,
      template: JSON.parse(readFileSync(join(out, 'Consumer.template.json'), 'utf8')),
      synthOutput: `${synth.stdout}\n${synth.stderr}`,
      validation: JSON.parse(readFileSync(join(out, 'policy-validation-report.json'), 'utf8')),
    };
  }

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--pack-destination', work, '--json'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(work, filename);
    const [esm, cjs] = await Promise.all([makeConsumer('esm'), makeConsumer('cjs')]);
    consumers.esm = esm;
    consumers.cjs = cjs;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe.each(['esm', 'cjs'] as const)('as an app in %s', (kind) => {
    it('synthesizes with cdk-nag and reports no finding', () => {
      const failures = consumers[kind].validation.pluginReports.filter((report) => report.summary.status !== 'success');
      expect(failures).toEqual([]);
    });

    it('serves the API on the domain: the domain name, its mapping and the Route 53 aliases', () => {
      const consumer = consumers[kind];
      expect(resourcesOf(consumer, 'AWS::ApiGatewayV2::DomainName').map((r) => r.Properties.DomainName)).toEqual([
        DOMAIN,
      ]);
      expect(resourcesOf(consumer, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(1);
      expect(
        resourcesOf(consumer, 'AWS::Route53::RecordSet')
          .map((r) => `${r.Properties.Type} ${r.Properties.Name}`)
          .sort(),
      ).toEqual([`A ${DOMAIN}.`, `AAAA ${DOMAIN}.`]);
    });

    it("disables the login API's execute-api endpoint, so the issuer cannot be bypassed", () => {
      const apis = resourcesOf(consumers[kind], 'AWS::ApiGatewayV2::Api');
      const login = apis.filter((api) => api.Properties.Description === 'otp-login: phone-number OTP login');
      expect(login.map((api) => api.Properties.DisableExecuteApiEndpoint)).toEqual([true]);
    });

    it('gives every function the domain as ISSUER, and both JWT authorizers (its own and the team one) check it', () => {
      const consumer = consumers[kind];
      const issuers = resourcesOf(consumer, 'AWS::Lambda::Function')
        .map((fn) => (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables)
        .filter((variables) => variables?.ISSUER !== undefined)
        .map((variables) => variables?.ISSUER);
      // Every route function of the registry.
      expect(issuers).toHaveLength(FUNCTION_NAMES.length);
      expect(new Set(issuers)).toEqual(new Set([ISSUER]));
      const authorizers = resourcesOf(consumer, 'AWS::ApiGatewayV2::Authorizer').map(
        (r) => (r.Properties.JwtConfiguration as { Issuer: string }).Issuer,
      );
      expect(authorizers).toEqual([ISSUER, ISSUER]);
    });

    it('takes the typed props to the functions: otp.ttlSeconds is OTP_TTL_SECONDS', () => {
      const ttl = resourcesOf(consumers[kind], 'AWS::Lambda::Function')
        .map((fn) => (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables)
        .map((variables) => variables?.OTP_TTL_SECONDS)
        .filter((value) => value !== undefined);
      expect(ttl.length).toBeGreaterThan(0);
      expect(new Set(ttl)).toEqual(new Set(['120']));
    });

    it('bundles nothing at synth: each function is a bundle the package shipped, byte for byte', () => {
      const consumer = consumers[kind];
      expect(consumer.synthOutput).not.toMatch(/Bundling asset/);
      expect(existsSync(join(consumer.dir, 'node_modules', 'esbuild'))).toBe(false);
      const shipped = join(consumer.dir, 'node_modules', 'otp-login', 'dist', 'functions');
      const shippedBundles = new Set(
        readdirSync(shipped, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => sha256Of(join(shipped, entry.name, 'index.mjs'))),
      );
      const out = join(consumer.dir, 'cdk.out');
      const bundles = readdirSync(out)
        .filter((name) => name.startsWith('asset.') && existsSync(join(out, name, 'index.mjs')))
        .map((name) => sha256Of(join(out, name, 'index.mjs')));
      // Every route function, the rotation and the events enrichment, from the package; CDK's own providers are not ours.
      expect(bundles).toHaveLength(FUNCTION_NAMES.length + 2);
      expect(existsSync(join(shipped, 'derive-account-events', 'index.mjs'))).toBe(true);
      for (const bundle of bundles) expect(shippedBundles.has(bundle)).toBe(true);
    });
  });

  it('refuses to synthesize with a shipped bundle changed since the package was built', async () => {
    const dir = consumers.esm.dir;
    const bundle = join(dir, 'node_modules', 'otp-login', 'dist', 'functions', 'me', 'index.mjs');
    const original = readFileSync(bundle);
    writeFileSync(bundle, Buffer.concat([original, Buffer.from('\n// patched\n')]));
    try {
      const failed = await run(process.execPath, ['app.mjs'], {
        cwd: dir,
        env: { ...process.env, CDK_OUTDIR: join(dir, 'tampered.out') },
      }).then(
        () => ({ stderr: '' }),
        (error: { stderr: string }) => error,
      );
      expect(failed.stderr).toMatch(
        /me\/index\.mjs is not the bundle the package was built with; reinstall the package/,
      );
    } finally {
      writeFileSync(bundle, original);
    }
  });

  it('synthesizes the same template from ESM and CommonJS', () => {
    expect(consumers.cjs.template).toEqual(consumers.esm.template);
  });

  it.each([
    ['an ESM app (NodeNext)', 'esm', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['a CommonJS app as `cdk init` writes it', 'cjs', { module: 'commonjs' }],
  ] as const)('type-checks %s against the package types, library types included', async (_, kind, options) => {
    const dir = consumers[kind].dir;
    // A consumer of the account events types its handler with the package's event types.
    const consumerOfEvents = [
      "import type { AccountEvent, PhoneNumberChangedDetail, UserCreatedDetail } from 'otp-login';",
      'export function onEvent(event: AccountEvent): string | null {',
      "  if (event['detail-type'] === 'UserCreated') { const d: UserCreatedDetail = event.detail; return [d.event_id, d.sub, d.via].join(' '); }",
      "  if (event['detail-type'] === 'PhoneNumberChanged') { const d: PhoneNumberChangedDetail = event.detail; return d.previous_country; }",
      '  return event.detail.country;',
      '}',
    ].join('\n');
    writeFileSync(
      join(dir, 'app.ts'),
      `${consumerOfEvents}\n${appSource('ts')}\nconst issuer: string = auth.issuer;\nvoid issuer;\n`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...options, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['app.ts'],
      }),
    );
    const result = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    // aws-cdk-lib's own declarations are its business; ours and the app's must be clean.
    const ours = result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('node_modules/aws-cdk-lib/'));
    expect(ours).toEqual([]);
  });
});
