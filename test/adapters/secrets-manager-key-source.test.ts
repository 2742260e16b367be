import {
  DecryptionFailure,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerKeySource } from '../../lambdas/adapters/secrets-manager-key-source.js';
import { SIGNING_ALG } from '../../lambdas/core/signing-keys.js';
import { json } from '../../lambdas/http/api-event.js';
import { handleApi } from '../../lambdas/http/handle.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { firstKeySetDocument, rotatedKeySetDocument, TEST_ROTATION_TIMING } from '../helpers/keys.js';
import { apiEvent, invoke, type TestResponse } from '../helpers/test-app.js';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-login/signing-key-AbCdEf';
const FIRST_AT = 1_750_000_000;
const ROTATED_AT = FIRST_AT + 30 * 86_400;
const NEW_KEY_SIGNS_AT = ROTATED_AT + TEST_ROTATION_TIMING.publishLeadSeconds;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const secrets = mockClient(SecretsManagerClient);

function secretHolds(secretString: string | undefined): void {
  secrets.on(GetSecretValueCommand).resolves({ ARN: SECRET_ID, VersionId: 'v1', SecretString: secretString });
}

function sourceAt(now: number): SecretsManagerKeySource {
  return new SecretsManagerKeySource(new SecretsManagerClient({}), SECRET_ID, { now: () => now * 1000 });
}

describe('SecretsManagerKeySource', () => {
  beforeEach(() => {
    secrets.reset();
  });

  it('reads the current value of the configured secret', async () => {
    secretHolds(JSON.stringify(await firstKeySetDocument(FIRST_AT)));

    await sourceAt(FIRST_AT).load();

    expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: SECRET_ID });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('signs with the active key while a rotated-in key is only published', async () => {
    const doc = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    const [active, upcoming] = doc.keys;
    secretHolds(JSON.stringify(doc));

    const keySet = await sourceAt(ROTATED_AT).load();

    expect(keySet.signing.kid).toBe(active?.kid);
    expect(keySet.publicJwks.map((jwk) => jwk.kid)).toEqual([active?.kid, upcoming?.kid]);
  });

  it('signs with the rotated-in key once its activation time has come', async () => {
    const doc = await rotatedKeySetDocument(FIRST_AT, ROTATED_AT);
    secretHolds(JSON.stringify(doc));

    const keySet = await sourceAt(NEW_KEY_SIGNS_AT).load();

    expect(keySet.signing.kid).toBe(doc.keys[1]?.kid);
  });

  it('publishes only the public parts of the keys, each labelled for signature verification', async () => {
    secretHolds(JSON.stringify(await rotatedKeySetDocument(FIRST_AT, ROTATED_AT)));

    const { publicJwks } = await sourceAt(ROTATED_AT).load();

    expect(publicJwks).toHaveLength(2);
    for (const jwk of publicJwks) {
      expect(Object.keys(jwk).filter((member) => PRIVATE_MEMBERS.includes(member))).toEqual([]);
      expect(jwk).toMatchObject({ kty: 'RSA', alg: SIGNING_ALG, use: 'sig', n: expect.any(String), e: 'AQAB' });
    }
  });

  it('yields a signing key whose tokens verify against the published key with the same kid', async () => {
    secretHolds(JSON.stringify(await rotatedKeySetDocument(FIRST_AT, ROTATED_AT)));
    const { signing, publicJwks } = await sourceAt(ROTATED_AT).load();

    const jwt = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: signing.kid })
      .sign(signing.key);

    const published = publicJwks.find((jwk) => jwk.kid === signing.kid);
    expect(published).toBeDefined();
    const { payload } = await jwtVerify(jwt, await importJWK(published ?? {}, SIGNING_ALG));
    expect(payload.sub).toBe('user-1');
  });

  it('carries the refresh-token HMAC key from the document', async () => {
    const doc = await firstKeySetDocument(FIRST_AT);
    secretHolds(JSON.stringify(doc));

    const { refreshHmacKey } = await sourceAt(FIRST_AT).load();

    expect(refreshHmacKey.toString('base64url')).toBe(doc.refreshHmacKey);
    expect(refreshHmacKey).toHaveLength(32);
  });
});

describe('SecretsManagerKeySource failures', () => {
  beforeEach(() => {
    secrets.reset();
  });

  /** An error as the SDK throws it once its retries are spent. */
  function awsError<E extends Error>(error: E, httpStatusCode: number, extra: Record<string, unknown> = {}): E {
    return Object.assign(error, { $metadata: { httpStatusCode, attempts: 3 }, ...extra });
  }

  const notYet: readonly [string, () => Promise<void>][] = [
    ["the generated placeholder (CloudFormation's random string)", async () => secretHolds('k7#Vq!2mZ&xP9@rT')],
    ['a placeholder that happens to be a JSON scalar', async () => secretHolds('20250101')],
    ['no string value', async () => secretHolds(undefined)],
    ['a key set whose keys all sign later', async () => secretHolds(JSON.stringify(await laterKeySet()))],
    [
      'no secret (ResourceNotFoundException)',
      async () => {
        secrets.on(GetSecretValueCommand).rejects(
          awsError(
            new ResourceNotFoundException({
              message: "Secrets Manager can't find the specified secret.",
              $metadata: {},
            }),
            400,
          ),
        );
      },
    ],
  ];

  it.each(notYet)(
    'answers 503 service_unavailable, Retry-After 5, for %s: keys not made yet',
    async (_case, arrange) => {
      await arrange();

      const { response } = await loadThroughHandler(sourceAt(FIRST_AT));

      expect(response).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
      expect(response.headers['retry-after']).toBe('5');
    },
  );

  it.each([
    [
      'throttling',
      () =>
        awsError(new Error('Rate exceeded'), 400, { name: 'ThrottlingException', $retryable: { throttling: true } }),
    ],
    [
      'an internal service error',
      () =>
        awsError(new InternalServiceError({ message: 'An error occurred on the server side.', $metadata: {} }), 500),
    ],
    [
      'a refused connection',
      () => awsError(new Error('connect ECONNREFUSED 10.0.0.1:443'), 0, { code: 'ECONNREFUSED' }),
    ],
    ['a timeout', () => awsError(new Error('socket timed out after 1000 ms'), 0, { name: 'TimeoutError' })],
  ])(
    'answers 503 service_unavailable, Retry-After, when Secrets Manager fails transiently: %s',
    async (_case, error) => {
      secrets.on(GetSecretValueCommand).rejects(error());

      const { response } = await loadThroughHandler(sourceAt(FIRST_AT));

      expect(response).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
      expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    },
  );

  it.each([
    [
      'a JSON object that is not a key set',
      async () => secretHolds(JSON.stringify({ version: 1, keys: 'none' })),
      /KeySetError/,
    ],
    [
      'a key whose private JWK does not import',
      async () => {
        const doc = await firstKeySetDocument(FIRST_AT);
        secretHolds(JSON.stringify({ ...doc, keys: doc.keys.map((k) => ({ ...k, privateJwk: { kty: 'RSA' } })) }));
      },
      /Error/,
    ],
    [
      'AccessDeniedException',
      async () => {
        secrets.on(GetSecretValueCommand).rejects(
          awsError(
            new Error(
              'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: secretsmanager:GetSecretValue',
            ),
            400,
            {
              name: 'AccessDeniedException',
            },
          ),
        );
      },
      /AccessDeniedException/,
    ],
    [
      'DecryptionFailure (KMS key disabled)',
      async () => {
        secrets
          .on(GetSecretValueCommand)
          .rejects(awsError(new DecryptionFailure({ message: 'Access to KMS is not allowed', $metadata: {} }), 400));
      },
      /DecryptionFailure/,
    ],
    [
      'InvalidParameterException',
      async () => {
        secrets
          .on(GetSecretValueCommand)
          .rejects(awsError(new InvalidParameterException({ message: 'Invalid secret id', $metadata: {} }), 400));
      },
      /InvalidParameterException/,
    ],
    [
      'a bug in the client',
      async () => {
        secrets
          .on(GetSecretValueCommand)
          .rejects(new TypeError("Cannot read properties of undefined (reading 'SecretId')"));
      },
      /TypeError/,
    ],
  ])('answers 500 internal_error, and logs the cause, for %s', async (_case, arrange, cause) => {
    await arrange();

    const { response, logs } = await loadThroughHandler(sourceAt(FIRST_AT));

    expect(response).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(response.headers['retry-after']).toBeUndefined();
    const logged = logs.find((l) => l.message === 'unhandled error');
    expect(JSON.stringify(logged?.cause)).toMatch(cause);
  });
});

/** A key set whose only key activates a day after FIRST_AT. */
async function laterKeySet() {
  const doc = await firstKeySetDocument(FIRST_AT);
  return { ...doc, keys: doc.keys.map((k) => ({ ...k, activatesAt: FIRST_AT + 86_400 })) };
}

/** What a route that needs the keys answers, and what it logged. */
async function loadThroughHandler(
  source: SecretsManagerKeySource,
): Promise<{ response: TestResponse; logs: Record<string, unknown>[] }> {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  const telemetry = createTelemetry();
  process.env.POWERTOOLS_LOG_LEVEL = previous;
  const handler = handleApi(telemetry, async () => {
    await source.load();
    return json(200, {});
  });
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  // Powertools writes INFO to stdout, WARN and ERROR to stderr.
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let response: TestResponse;
  try {
    response = await invoke(handler, apiEvent('POST', '/verify-otp', {}));
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const logs = chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { response, logs };
}
