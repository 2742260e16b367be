/**
 * The local runtime: the composition root the Lambdas use (lambdas/compose.ts), over an embedded
 * DynamoDB engine, an SMS outbox file and a key file, behind node:http. `npm start` runs it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { JWK } from 'jose';
import { CachedKeySource } from '../lambdas/adapters/cached-key-source.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPhoneRecordStore } from '../lambdas/adapters/dynamodb-phone-record-store.js';
import { DynamoDbPublicJwksStore } from '../lambdas/adapters/dynamodb-public-jwks-store.js';
import { ensureTable } from '../lambdas/adapters/dynamodb-table.js';
import { FileKeySource } from '../lambdas/adapters/file-key-source.js';
import { OutboxSmsSender } from '../lambdas/adapters/outbox-sms-sender.js';
import { composeClaimsHook, composeHandlers } from '../lambdas/compose.js';
import {
  ENV,
  type Env,
  parseClaimsHookTimeout,
  parseHttpApiConfig,
  parseKeyCacheSeconds,
  parseSettings,
  parseTokenConfig,
} from '../lambdas/config.js';
import { epochSeconds, systemClock } from '../lambdas/core/clock.js';
import { AuthError, isAuthError } from '../lambdas/core/errors.js';
import { provisionUser } from '../lambdas/core/login.js';
import { publicJwksOf } from '../lambdas/core/signing-keys.js';
import { type ApiResult, errorResult, json } from '../lambdas/http/api-event.js';
import { isTransient } from '../lambdas/http/handle.js';
import { type FunctionName, matchRoute } from '../lambdas/http/routes.js';
import { createTelemetry, redact } from '../lambdas/http/telemetry.js';
import type { DynamoDbEngine, DynamoDbEngineName } from './dynamodb-engine.js';
import { authorizeJwt } from './local-authorizer.js';
import { CLAIMS_HOOK_VARIABLE, loadClaimsHookModule } from './local-claims-hook.js';
import { demoUrl, isDemoPath, serveDemo } from './local-demo.js';
import {
  LOCAL_ENDPOINT_FILE,
  readLocalEndpoint,
  removeLocalEndpoint,
  startLocalDataEngine,
  writeLocalEndpoint,
} from './local-endpoint.js';
import { type LocalEvents, startLocalEvents } from './local-events.js';
import {
  type ApiHandler,
  BodyTooLargeError,
  corsPreflightResult,
  isCorsPreflight,
  readBody,
  toApiEvent,
  withCorsHeaders,
  writeResult,
} from './local-http.js';

export interface LocalServer {
  readonly url: string;
  /** The browser demo (examples/web/), at `localhost`: WebAuthn refuses IP addresses as RP IDs. */
  readonly demoUrl: string;
  readonly engine: DynamoDbEngineName | 'external';
  readonly outboxFile: string;
  /** Where the account events go, one EventBridge envelope a line; nothing is written without a stream (dynalite). */
  readonly eventsFile: string;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** Environment to read config from; defaults to process.env. */
  readonly env?: Env;
  readonly port?: number;
  readonly host?: string;
  readonly log?: (line: string) => void;
  /** Replaces route handlers; tests use it to reach the server's last-resort error path. */
  readonly handlers?: Partial<Record<FunctionName, ApiHandler>>;
}

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? Number(env.PORT ?? 3000);
  const dataDir = resolve(env.LOCAL_DATA_DIR || '.local');
  const outboxFile = resolve(env.SMS_OUTBOX_FILE || join(dataDir, 'outbox.jsonl'));
  const eventsFile = join(dataDir, 'events.jsonl');
  // Parsed before anything starts: a bad EVENTS_SOURCE fails the start, as it fails a synth.
  const { eventsSource, eventsIncludePhoneNumber } = parseSettings(env, 'events');
  const tableName = env[ENV.tableName] || 'otp-login-local';
  // API Gateway's CORS configuration in AWS; here the server plays API Gateway's part.
  const { allowedOrigins } = parseHttpApiConfig(env);
  // Loaded before anything starts, so a wrong path stops `npm start` at once, saying which.
  const claimsPath = env[CLAIMS_HOOK_VARIABLE]?.trim();
  const claimsHook = claimsPath ? await loadClaimsHookModule(claimsPath) : undefined;
  if (claimsHook)
    log(`claims hook: ${claimsPath} (${CLAIMS_HOOK_VARIABLE}), deadline ${parseClaimsHookTimeout(env)} ms`);

  // Local defaults for what the stack sets in AWS; the SDK needs a region and some credentials.
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  let engine: DynamoDbEngine | undefined;
  let events: LocalEvents | undefined;
  const clients: { destroy(): void }[] = [];
  let endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint) {
    const running = await readLocalEndpoint(dataDir);
    if (running) {
      throw new Error(
        `another npm start (pid ${running.pid}) is serving ${dataDir}: stop it, use another LOCAL_DATA_DIR, or delete ${join(dataDir, LOCAL_ENDPOINT_FILE)} if that process is not npm start`,
      );
    }
    engine = await startLocalDataEngine(env.LOCAL_DYNAMODB_ENGINE, dataDir);
    endpoint = engine.endpoint;
    if (engine.engine === 'dynalite') {
      log(
        'dynalite has no transactions: POST /me/phone-number/verify and POST /passkey/verify need DynamoDB Local (Java 17+)',
      );
    }
  }
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;

  // Listening comes first, as the default issuer is the server's own URL and needs its port; until the
  // handlers exist every request gets a 503 it can retry, not a connection that is never answered.
  const send = (req: IncomingMessage, res: ServerResponse, result: ApiResult): void =>
    writeResult(res, withCorsHeaders(result, allowedOrigins, req.headers.origin));
  let serve = (req: IncomingMessage, res: ServerResponse): Promise<void> | void =>
    send(req, res, errorResult(new AuthError('service_unavailable', { retryAfterSeconds: 1 })));
  const server = createServer((req, res) => {
    // API Gateway answers a preflight itself, before any route, so no function ever sees one.
    if (isCorsPreflight(req, allowedOrigins)) writeResult(res, corsPreflightResult(allowedOrigins, req.headers.origin));
    else void serve(req, res);
  });
  try {
    await new Promise<void>((ready, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ready());
    });
    const url = `http://${host}:${(server.address() as AddressInfo).port}`;
    const settings = { ...env, [ENV.issuer]: env[ENV.issuer] || url, [ENV.tableName]: tableName };
    const sessions = parseTokenConfig(settings);

    const dynamodb = new DynamoDBClient({ endpoint });
    // DynamoDB Local serves its streams on the same endpoint; AWS_ENDPOINT_URL_DYNAMODB_STREAMS may say otherwise.
    const streams = new DynamoDBStreamsClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS || endpoint });
    clients.push(dynamodb, streams);
    await ensureTable(dynamodb, tableName);
    // `npm run users` goes through this engine while the server runs: two engines must never open
    // one data directory (DynamoDB Local fails concurrent writes with InternalFailure, dynalite refuses).
    await writeLocalEndpoint(dataDir, { endpoint, tableName, pid: process.pid });
    const documents = createDocumentClient(dynamodb);
    const fileKeys = new FileKeySource(join(dataDir, 'signing-keys.json'));
    // What the key rotation does in AWS: publish the public keys where the JWKS route and verifiers read them.
    const publicKeys = new DynamoDbPublicJwksStore(documents, tableName);
    const keySet = await fileKeys.ensure();
    await publicKeys.publish(publicJwksOf(keySet), keySet.rotatedAt);
    const clock = systemClock;

    const records = new DynamoDbPhoneRecordStore(documents, tableName);
    for (const number of (env.SEED_USERS ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)) {
      await provisionUser(records, number, clock);
    }
    // After the seed users, which are operator adds: their events are the first the poller finds.
    events = await startLocalEvents({
      dynamodb,
      streams,
      tableName,
      eventsFile,
      source: eventsSource,
      includePhoneNumber: eventsIncludePhoneNumber,
      log,
    });

    const telemetry = createTelemetry();
    const handlers: Record<FunctionName, ApiHandler> = {
      ...composeHandlers({
        env: settings,
        clock,
        telemetry,
        documents,
        keys: fileKeys,
        sms: new OutboxSmsSender(outboxFile, log),
        ...(claimsHook ? { claims: composeClaimsHook({ env: settings, clock, telemetry }, claimsHook) } : {}),
      }),
      ...options.handlers,
    };
    // API Gateway's JWT authorizer reads the published JWKS too, and caches it.
    const jwks = new CachedKeySource(publicKeys, parseKeyCacheSeconds(settings), clock);
    const authorizer = { issuer: sessions.issuer, audiences: [sessions.audience] };
    // The published keys, or the answer a client should get when they cannot be read: like the routes,
    // 503 with Retry-After for what a retry can fix (keys not there yet, DynamoDB unreachable).
    const publishedKeys = async (): Promise<{ keys: readonly JWK[] } | { refusal: ApiResult }> => {
      try {
        return { keys: await jwks.load() };
      } catch (error) {
        if (isAuthError(error)) return { refusal: errorResult(error) };
        if (!isTransient(error)) throw error;
        return { refusal: errorResult(new AuthError('service_unavailable', { retryAfterSeconds: 1 })) };
      }
    };

    serve = async (req, res) => {
      try {
        const path = requestPath(req.url);
        if (path === undefined) {
          send(req, res, errorResult(new AuthError('invalid_request')));
          return;
        }
        // Files, not a route: the demo is served before the API's route table, which stays AWS's.
        if (isDemoPath(path)) {
          send(req, res, await serveDemo(req.method ?? 'GET', path));
          return;
        }
        const route = matchRoute(req.method ?? 'GET', path);
        const routeKey = typeof route === 'object' ? `${route.method} ${route.path}` : '$default';
        const event = toApiEvent(req, await readBody(req), routeKey);
        if (typeof route === 'object' && route.authorized) {
          // What API Gateway's JWT authorizer does before the Lambda runs: verify, then pass the claims.
          const published = await publishedKeys();
          if ('refusal' in published) {
            send(req, res, published.refusal);
            return;
          }
          const verdict = await authorizeJwt(
            event.headers.authorization,
            published.keys,
            authorizer,
            epochSeconds(clock),
          );
          if (!verdict.ok) {
            const refused = errorResult(new AuthError('invalid_token'));
            send(req, res, { ...refused, headers: { ...refused.headers, ...BEARER_CHALLENGE } });
            return;
          }
          Object.assign(event.requestContext, { authorizer: { jwt: { claims: verdict.claims, scopes: null } } });
        }
        send(req, res, await handlers[typeof route === 'object' ? route.fn : 'not-found'](event));
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          send(req, res, errorResult(new AuthError('payload_too_large')));
          return;
        }
        log(`local server error: ${describeCause(error)}`);
        send(req, res, json(500, { error: 'Internal error.', code: 'internal_error' }));
      }
    };

    let closed: Promise<void> | undefined;
    return {
      url,
      demoUrl: demoUrl(url),
      engine: engine?.engine ?? 'external',
      outboxFile,
      eventsFile,
      close: () => {
        closed ??= (async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
          await events?.stop();
          for (const client of clients) client.destroy();
          await removeLocalEndpoint(dataDir);
          await engine?.stop();
        })();
        return closed;
      },
    };
  } catch (error) {
    server.close();
    await events?.stop();
    for (const client of clients) client.destroy();
    await removeLocalEndpoint(dataDir);
    await engine?.stop();
    throw error;
  }
}

/** The path of a request target, or undefined for one no URL parser accepts (`GET http://[/me`). */
function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** As handleApi logs a cause: the stack says where it came from; redact keeps phone numbers out. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return redact(String(error));
  return redact(error.stack ?? `${error.name}: ${error.message}`);
}

/** RFC 6750's challenge on a refused bearer token, on top of every error's own headers. */
const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer error="invalid_token"' };

async function main(): Promise<void> {
  const server = await startLocalServer();
  const example = `curl -s -X POST ${server.url}/send-otp -H 'content-type: application/json' -d '{"phone_number": "+919876543210"}'`;
  process.stdout.write(
    [
      '',
      `otp-login is running at ${server.url} (DynamoDB: ${server.engine})`,
      `SMS messages are printed here and appended to ${server.outboxFile}`,
      `Account events are printed here and appended to ${server.eventsFile}`,
      '',
      'Try it:',
      `  ${example}`,
      `  curl -s -X POST ${server.url}/verify-otp -H 'content-type: application/json' -d '{"phone_number": "+919876543210", "otp": "<code from the SMS above>"}'`,
      '',
      `Or in a browser, with passkeys: ${server.demoUrl}  (localhost, not 127.0.0.1: passkeys need a domain name)`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  const stop = async (signal: string) => {
    process.stdout.write(`\n${signal}: stopping\n`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`otp-login local server failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
