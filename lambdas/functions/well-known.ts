import { CachedKeySource } from '../adapters/cached-key-source.js';
import { createDocumentClient } from '../adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../adapters/dynamodb-public-jwks-store.js';
import { ENV, parseKeyCacheSeconds, requireString } from '../config.js';
import { systemClock } from '../core/clock.js';
import { createTelemetry } from '../http/telemetry.js';
import { makeWellKnownHandler } from '../http/well-known-handlers.js';

// The public keys only, from the item the key rotation publishes: this public route never reads the secret.
const jwks = new DynamoDbPublicJwksStore(createDocumentClient(), requireString(process.env, ENV.tableName));

export const handler = makeWellKnownHandler(
  {
    jwks: new CachedKeySource(jwks, parseKeyCacheSeconds(process.env), systemClock),
    issuer: requireString(process.env, ENV.issuer).replace(/\/+$/, ''),
  },
  createTelemetry(),
);
