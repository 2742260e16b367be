/**
 * The one composition root: adapters and settings in, HTTP handlers out. Each Lambda entry calls the
 * composer of its own function (so its bundle holds only that function's code and SDK clients); the
 * local server, the tests and the bench call {@link composeHandlers}, which calls every one of them.
 * Wiring is written here once, so no runtime can drift from another.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedKeySource } from './adapters/cached-key-source.js';
import { DynamoDbAccountDeletionRecords } from './adapters/dynamodb-account-deletion-records.js';
import { DynamoDbCountrySendLimiter } from './adapters/dynamodb-country-send-limiter.js';
import { DynamoDbIpRateLimiter } from './adapters/dynamodb-ip-rate-limiter.js';
import { DynamoDbNumberMoves } from './adapters/dynamodb-number-moves.js';
import { DynamoDbPasskeyEnrolments } from './adapters/dynamodb-passkey-enrolment.js';
import { DynamoDbChallengeIssuer, DynamoDbPasskeyReader } from './adapters/dynamodb-passkey-items.js';
import { DynamoDbUserPasskeyDeletion } from './adapters/dynamodb-passkey-removal.js';
import { DynamoDbPasskeySignIns } from './adapters/dynamodb-passkey-sign-in.js';
import { DynamoDbNumberHolders, DynamoDbSessionEnder } from './adapters/dynamodb-phone-record-parts.js';
import { DynamoDbPhoneRecordStore } from './adapters/dynamodb-phone-record-store.js';
import { DynamoDbPublicJwksStore } from './adapters/dynamodb-public-jwks-store.js';
import { DynamoDbRefreshFamilyStore } from './adapters/dynamodb-refresh-family-store.js';
import { DynamoDbUserFamilies } from './adapters/dynamodb-user-families.js';
import { SimpleWebAuthnAssertions } from './adapters/simplewebauthn-authentication.js';
import { SimpleWebAuthnRegistration } from './adapters/simplewebauthn-registration.js';
import {
  ENV,
  type Env,
  parseAppLinks,
  parseClaimsHookTimeout,
  parseKeyCacheSeconds,
  parseNumberChangeNotice,
  parseOtpConfig,
  parseOtpConfigReporting,
  parsePasskeyConfig,
  parseRecentLoginMaxAge,
  parseSettings,
  parseTokenConfig,
  requireString,
} from './config.js';
import { type ClaimsHook, type ExtraClaimsSource, extraClaimsFromHook } from './core/claims-hook.js';
import type { Clock } from './core/clock.js';
import type { SigningKeySource, SmsSender } from './core/ports.js';
import type { SmsTemplateReport } from './core/sms-message.js';
import type { ApiHandler } from './http/api-event.js';
import { basePathOf, ISSUER_VARIABLE, mountedAt } from './http/base-path.js';
import { makeChangePhoneNumberHandler } from './http/change-phone-number-handler.js';
import { makeDeleteAccountHandler } from './http/delete-account-handler.js';
import { makeLogoutHandler } from './http/logout-handler.js';
import { makeMeHandler } from './http/me-handler.js';
import { METRIC } from './http/metric-names.js';
import { makeNotFoundHandler } from './http/not-found-handler.js';
import { makePasskeySignInHandler } from './http/passkey-sign-in-handler.js';
import { makePasskeysHandler } from './http/passkeys-handler.js';
import { makeRefreshTokenHandler } from './http/refresh-token-handler.js';
import { makeSendOtpHandler } from './http/send-otp-handler.js';
import type { Telemetry } from './http/telemetry.js';
import { makeVerifyOtpHandler } from './http/verify-otp-handler.js';
import { makeVerifyPhoneNumberHandler } from './http/verify-phone-number-handler.js';
import { makeWellKnownHandler } from './http/well-known-handler.js';
import type { FunctionName } from './registry.js';

/** Everything a runtime supplies; each composer takes only the part its function uses. */
export interface Runtime {
  /** The settings, by their public names (process.env in Lambda). */
  readonly env: Env;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
  /** The table named by TABLE_NAME. */
  readonly documents: DynamoDBDocumentClient;
  /** The private signing keys as stored; cached here for KEY_CACHE_SECONDS. */
  readonly keys: SigningKeySource;
  readonly sms: SmsSender;
  /**
   * The app's claims hook ({@link composeClaimsHook}), for the four functions that issue access
   * tokens; absent when none is configured.
   */
  readonly claims?: ExtraClaimsSource;
}

type Base = Pick<Runtime, 'env' | 'clock' | 'telemetry'>;

/**
 * The handler as the API serves it: under a custom domain's base path (the issuer's path), which API
 * Gateway leaves in the request path, taken off before any route matching (http/base-path.ts).
 */
function mounted(runtime: Pick<Runtime, 'env'>, handler: ApiHandler): ApiHandler {
  const issuer = runtime.env[ISSUER_VARIABLE];
  return mountedAt(issuer ? basePathOf(issuer) : '', handler);
}

function table(runtime: Pick<Runtime, 'env' | 'documents'>): { documents: DynamoDBDocumentClient; tableName: string } {
  return { documents: runtime.documents, tableName: requireString(runtime.env, ENV.tableName) };
}

function cachedKeys(runtime: Base & Pick<Runtime, 'keys'>): SigningKeySource {
  return new CachedKeySource(runtime.keys, parseKeyCacheSeconds(runtime.env), runtime.clock);
}

/**
 * Logs what each SMS template costs, once per container: a template of two segments doubles the
 * bill of every login it serves, so it is a warning that names it.
 */
function logSmsTemplates(reports: readonly SmsTemplateReport[], telemetry: Telemetry): void {
  for (const { name, encoding, units, bytes, segments } of reports) {
    const fields = { template: name, encoding, units, bytes, segments };
    if (segments > 1) telemetry.logger.warn(`SMS template ${name} costs ${segments} segments per message`, fields);
    else telemetry.logger.info(`SMS template ${name} costs 1 segment per message`, fields);
  }
}

/**
 * The claims hook as the sessions ask it: within `CLAIMS_HOOK_TIMEOUT_MS`, each failure counted and
 * logged (why, never a claim). Called by the claims entries and the local server only, so the other
 * bundles hold none of it.
 */
export function composeClaimsHook(runtime: Base, hook: ClaimsHook): ExtraClaimsSource {
  const timeoutMs = parseClaimsHookTimeout(runtime.env);
  return extraClaimsFromHook(hook, { timeoutMs }, (failure) => {
    runtime.telemetry.count(METRIC.claimsHookFailed);
    runtime.telemetry.logger.warn('claims hook failed', { reason: failure.reason });
  });
}

/** The hook, for the composers of the functions that issue tokens. */
function claimsOf(runtime: Pick<Runtime, 'claims'>): Pick<Runtime, 'claims'> {
  return runtime.claims ? { claims: runtime.claims } : {};
}

export function composeSendOtp(runtime: Base & Pick<Runtime, 'documents' | 'sms'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  const { policy, templates } = parseOtpConfigReporting(runtime.env);
  logSmsTemplates(templates, runtime.telemetry);
  return mounted(
    runtime,
    makeSendOtpHandler(
      {
        records: new DynamoDbPhoneRecordStore(documents, tableName),
        ipLimiter: new DynamoDbIpRateLimiter(documents, tableName),
        countryLimiter: new DynamoDbCountrySendLimiter(documents, tableName),
        sms: runtime.sms,
        clock: runtime.clock,
        policy,
      },
      runtime.telemetry,
    ),
  );
}

export function composeVerifyOtp(runtime: Base & Pick<Runtime, 'documents' | 'keys' | 'claims'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeVerifyOtpHandler(
      {
        records: new DynamoDbPhoneRecordStore(documents, tableName),
        refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
        keys: cachedKeys(runtime),
        clock: runtime.clock,
        policy: parseOtpConfig(runtime.env),
        sessions: parseTokenConfig(runtime.env),
        ...claimsOf(runtime),
      },
      runtime.telemetry,
    ),
  );
}

export function composeRefreshToken(runtime: Base & Pick<Runtime, 'documents' | 'keys' | 'claims'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeRefreshTokenHandler(
      {
        refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
        holders: new DynamoDbNumberHolders(documents, tableName),
        keys: cachedKeys(runtime),
        clock: runtime.clock,
        sessions: parseTokenConfig(runtime.env),
        ...claimsOf(runtime),
      },
      runtime.telemetry,
    ),
  );
}

export function composeLogout(runtime: Base & Pick<Runtime, 'documents'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeLogoutHandler(
      {
        refreshFamilies: new DynamoDbRefreshFamilyStore(documents, tableName),
        records: new DynamoDbSessionEnder(documents, tableName),
        clock: runtime.clock,
      },
      runtime.telemetry,
    ),
  );
}

/** API Gateway's JWT authorizer (locally, the server) has verified the token; one read confirms its user. */
export function composeMe(runtime: Base & Pick<Runtime, 'documents'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeMeHandler(
      { holders: new DynamoDbNumberHolders(documents, tableName), clock: runtime.clock },
      runtime.telemetry,
    ),
  );
}

export function composeDeleteAccount(runtime: Base & Pick<Runtime, 'documents'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeDeleteAccountHandler(
      {
        records: new DynamoDbAccountDeletionRecords(documents, tableName),
        families: new DynamoDbUserFamilies(documents, tableName),
        passkeys: new DynamoDbUserPasskeyDeletion(documents, tableName),
        clock: runtime.clock,
        policy: parseOtpConfig(runtime.env),
        recentLoginMaxAgeSeconds: parseRecentLoginMaxAge(runtime.env),
      },
      runtime.telemetry,
    ),
  );
}

export function composeChangePhoneNumber(runtime: Base & Pick<Runtime, 'documents' | 'sms'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeChangePhoneNumberHandler(
      {
        records: new DynamoDbPhoneRecordStore(documents, tableName),
        ipLimiter: new DynamoDbIpRateLimiter(documents, tableName),
        countryLimiter: new DynamoDbCountrySendLimiter(documents, tableName),
        sms: runtime.sms,
        clock: runtime.clock,
        policy: parseOtpConfig(runtime.env),
        recentLoginMaxAgeSeconds: parseRecentLoginMaxAge(runtime.env),
      },
      runtime.telemetry,
    ),
  );
}

/** Texts the old number once the move is done, so it is given the SMS sender too. */
export function composeVerifyPhoneNumber(
  runtime: Base & Pick<Runtime, 'documents' | 'keys' | 'sms' | 'claims'>,
): ApiHandler {
  const { documents, tableName } = table(runtime);
  const notice = parseNumberChangeNotice(runtime.env);
  logSmsTemplates(notice.reports, runtime.telemetry);
  return mounted(
    runtime,
    makeVerifyPhoneNumberHandler(
      {
        records: new DynamoDbPhoneRecordStore(documents, tableName),
        moves: new DynamoDbNumberMoves(documents, tableName),
        families: new DynamoDbUserFamilies(documents, tableName),
        keys: cachedKeys(runtime),
        sms: runtime.sms,
        countryLimiter: new DynamoDbCountrySendLimiter(documents, tableName),
        numberChangedNotice: notice.templates,
        clock: runtime.clock,
        policy: parseOtpConfig(runtime.env),
        sessions: parseTokenConfig(runtime.env),
        ...claimsOf(runtime),
        recentLoginMaxAgeSeconds: parseRecentLoginMaxAge(runtime.env),
      },
      runtime.telemetry,
    ),
  );
}

/**
 * Public: both routes count in the IP's passkey window (apart from the send window), and verify reads
 * the passkeys and the number's holder before its one transaction.
 */
export function composePasskeySignIn(runtime: Base & Pick<Runtime, 'documents' | 'keys' | 'claims'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  const config = parsePasskeyConfig(runtime.env);
  return mounted(
    runtime,
    makePasskeySignInHandler(
      {
        ipLimiter: new DynamoDbIpRateLimiter(documents, tableName, 'PASSKEY'),
        challenges: new DynamoDbChallengeIssuer(documents, tableName),
        passkeyReader: new DynamoDbPasskeyReader(documents, tableName),
        holders: new DynamoDbNumberHolders(documents, tableName),
        assertions: new SimpleWebAuthnAssertions(),
        writes: new DynamoDbPasskeySignIns(documents, tableName),
        keys: cachedKeys(runtime),
        clock: runtime.clock,
        sessions: parseTokenConfig(runtime.env),
        ...claimsOf(runtime),
        passkeys: {
          rpId: config.rpId,
          origins: config.origins,
          challengeTtlSeconds: config.challengeTtlSeconds,
          maxPerIpPerHour: config.maxPerIpPerHour,
        },
      },
      runtime.telemetry,
    ),
  );
}

/** Enrolment and management of the token's user's passkeys, with the whole WebAuthn library (attestation). */
export function composePasskeys(runtime: Base & Pick<Runtime, 'documents'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makePasskeysHandler(
      {
        passkeys: new DynamoDbPasskeyReader(documents, tableName),
        challenges: new DynamoDbChallengeIssuer(documents, tableName),
        ceremony: new SimpleWebAuthnRegistration(),
        enrolments: new DynamoDbPasskeyEnrolments(documents, tableName),
        holders: new DynamoDbNumberHolders(documents, tableName),
        clock: runtime.clock,
        policy: parsePasskeyConfig(runtime.env),
        recentLoginMaxAgeSeconds: parseRecentLoginMaxAge(runtime.env),
      },
      runtime.telemetry,
    ),
  );
}

/** The public keys only, from the item the key rotation publishes: this public route never reads the secret. */
export function composeWellKnown(runtime: Base & Pick<Runtime, 'documents'>): ApiHandler {
  const { documents, tableName } = table(runtime);
  return mounted(
    runtime,
    makeWellKnownHandler(
      {
        jwks: new CachedKeySource(
          new DynamoDbPublicJwksStore(documents, tableName),
          parseKeyCacheSeconds(runtime.env),
          runtime.clock,
        ),
        issuer: parseSettings(runtime.env, 'common').issuer,
        appLinks: parseAppLinks(runtime.env),
      },
      runtime.telemetry,
    ),
  );
}

export function composeNotFound(runtime: Base): ApiHandler {
  return mounted(runtime, makeNotFoundHandler(runtime.telemetry));
}

/**
 * Each function's composer, by its registry name: a function without one fails to compile. Entries
 * import their own composer, never this table, so a bundle still holds one function's code.
 */
export const COMPOSERS = {
  'send-otp': composeSendOtp,
  'verify-otp': composeVerifyOtp,
  'refresh-token': composeRefreshToken,
  logout: composeLogout,
  me: composeMe,
  'delete-account': composeDeleteAccount,
  'change-phone-number': composeChangePhoneNumber,
  'verify-phone-number': composeVerifyPhoneNumber,
  'passkey-sign-in': composePasskeySignIn,
  passkeys: composePasskeys,
  'well-known': composeWellKnown,
  'not-found': composeNotFound,
} as const satisfies Record<FunctionName, (runtime: Runtime) => ApiHandler>;

/** Every function's handler, for runtimes that serve them all from one process. */
export function composeHandlers(runtime: Runtime): Record<FunctionName, ApiHandler> {
  const names = Object.keys(COMPOSERS) as FunctionName[];
  return Object.fromEntries(names.map((name) => [name, COMPOSERS[name](runtime)])) as Record<FunctionName, ApiHandler>;
}
