import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { CachedKeySource } from '../../lambdas/adapters/cached-key-source.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { DynamoDbPublicJwksStore } from '../../lambdas/adapters/dynamodb-public-jwks-store.js';
import { KEY_PREFIXES } from '../../lambdas/adapters/table-keys.js';
import { publicJwksOf } from '../../lambdas/core/signing-keys.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { makeWellKnownHandler } from '../../lambdas/http/well-known-handler.js';
import { FUNCTIONS, type FunctionName } from '../../lambdas/registry.js';
import { answeredOptions, enrolledPasskey, passkeyClient } from '../helpers/passkey-enrolment.js';
import { assertionFor, passkeyOptions, passkeyVerify, seedPasskey } from '../helpers/passkeys.js';
import { apiEvent, createTestApp, invoke, type TestApp, testKeySetDocument } from '../helpers/test-app.js';

interface Call {
  readonly action: string;
  /** The kind of item, from the partition key's prefix. */
  readonly kind: string;
  readonly consistentRead: boolean;
  /** A TransactWriteItems' items. */
  readonly items?: readonly Call[];
}

type RawKey = { pk?: unknown };

// Marshalled ({ S: '...' }) or not, depending on where in the stack the document client converts.
function text(raw: unknown): string {
  return String(typeof raw === 'object' && raw !== null ? (raw as { S?: string }).S : (raw ?? ''));
}

function kindOf(partitionKey: string): string {
  return (
    Object.entries(KEY_PREFIXES).find(([, prefix]) => partitionKey.startsWith(prefix))?.[0] ??
    `unknown key ${partitionKey}`
  );
}

/** The items of a TransactWriteItems, each as the item action IAM authorizes it as. */
function transactionItems(input: { TransactItems?: Record<string, { Key?: RawKey; Item?: RawKey }>[] }): Call[] {
  const actions: Record<string, string> = {
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    ConditionCheck: 'ConditionCheckItem',
  };
  return (input.TransactItems ?? []).flatMap((entry) =>
    Object.entries(entry).map(([operation, item]) => ({
      action: actions[operation] ?? operation,
      kind: kindOf(text(item.Key?.pk ?? item.Item?.pk)),
      consistentRead: false,
    })),
  );
}

/** Records the DynamoDB operations each request issues, from the client's own middleware stack. */
function recordCalls(app: TestApp): { take(): string[]; takeCalls(): Call[] } {
  let calls: Call[] = [];
  app.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        RequestItems?: Record<string, { Keys?: RawKey[]; ConsistentRead?: boolean }>;
        Key?: RawKey;
        Item?: RawKey;
        ConsistentRead?: boolean;
        IndexName?: string;
        ExpressionAttributeValues?: Record<string, unknown>;
      };
      const action = String(context.commandName).replace(/Command$/, '');
      // A Query's partition is its key condition's value; on the user index, `USER#<sub>`.
      const queried = action === 'Query' ? Object.values(input.ExpressionAttributeValues ?? {})[0] : undefined;
      // A BatchGetItem here reads one kind of item (a country's shards): its first key names it.
      const batch = Object.values(input.RequestItems ?? {})[0];
      calls.push({
        action,
        kind:
          action === 'TransactWriteItems'
            ? 'items'
            : kindOf(text(queried ?? batch?.Keys?.[0]?.pk ?? input.Key?.pk ?? input.Item?.pk)),
        consistentRead: (batch?.ConsistentRead ?? input.ConsistentRead) === true,
        ...(action === 'TransactWriteItems' ? { items: transactionItems(args.input as never) } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  const takeCalls = () => {
    const taken = calls;
    calls = [];
    return taken;
  };
  return { takeCalls, take: () => takeCalls().map((call) => call.action) };
}

/** Whether the registry, and so the function's IAM role, allows every call the request made. */
function allowedByRegistry(fn: FunctionName, calls: readonly Call[]): boolean {
  const table: Partial<Record<string, readonly string[]>> = FUNCTIONS[fn].table ?? {};
  // A transaction is authorized as its item actions, each on its own item.
  const itemCalls = calls.flatMap((call) => call.items ?? [call]);
  return itemCalls.every((call) => table[call.kind]?.includes(call.action) ?? false);
}

const PHONE = '+919876543210';
const OTHER = '+919876543211';

/**
 * One request's checks: the test's name, and a run that asserts the calls and returns every call the
 * function under test made, which must all be allowed by its registry entry (and so by its IAM role).
 */
type CallChecks = Readonly<Record<string, () => Promise<readonly Call[]>>>;

/**
 * The DynamoDB calls of each function's requests (success paths: at most 3, send-otp with a country
 * budget 4), keyed by function name: a function without checks fails to compile.
 */
const CALL_CHECKS = {
  'send-otp': {
    'read the record, count the IP, write the record': async () => {
      const app = await createTestApp();
      const calls = recordCalls(app);

      expect((await app.sendOtp(PHONE)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.map((call) => call.action)).toEqual(['GetItem', 'UpdateItem', 'PutItem']);
      // Strongly consistent, and only phone records and IP windows.
      expect(made.find((c) => c.action === 'GetItem')).toEqual({
        action: 'GetItem',
        kind: 'phone',
        consistentRead: true,
      });
      return made;
    },
    "with SEND_MAX_PER_COUNTRY_PER_HOUR: read the record, count the IP, count the country's shard, write the record":
      async () => {
        const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=5000' });
        const calls = recordCalls(app);

        expect((await app.sendOtp(PHONE)).status).toBe(200);
        const made = calls.takeCalls();
        expect(made.map((call) => `${call.action} ${call.kind}`)).toEqual([
          'GetItem phone',
          'UpdateItem ip',
          'UpdateItem country',
          'PutItem phone',
        ]);
        return made;
      },
    "when the country's budget is spent: the drawn shard refuses, one read of every shard, no record write":
      async () => {
        const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' });
        expect((await app.sendOtp(OTHER)).status).toBe(200);
        const calls = recordCalls(app);

        expect((await app.sendOtp(PHONE)).status).toBe(429);
        const made = calls.takeCalls();
        expect(made).toEqual([
          { action: 'GetItem', kind: 'phone', consistentRead: true },
          { action: 'UpdateItem', kind: 'ip', consistentRead: false },
          { action: 'UpdateItem', kind: 'country', consistentRead: false },
          { action: 'BatchGetItem', kind: 'country', consistentRead: true },
        ]);
        return made;
      },
    'for an unknown number under closed signup with a country budget: the shard is read, not counted': async () => {
      const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=5000', SIGNUP_MODE: 'closed' });
      const calls = recordCalls(app);

      expect((await app.sendOtp(PHONE)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made).toEqual([
        { action: 'GetItem', kind: 'phone', consistentRead: true },
        { action: 'UpdateItem', kind: 'ip', consistentRead: false },
        { action: 'GetItem', kind: 'country', consistentRead: true },
        { action: 'PutItem', kind: 'phone', consistentRead: false },
      ]);
      return made;
    },
  },
  'verify-otp': {
    'read the record, create the refresh family, consume the code': async () => {
      const app = await createTestApp();
      await app.sendOtp(PHONE);
      const calls = recordCalls(app);

      expect((await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE))).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.map((call) => call.action)).toEqual(['GetItem', 'PutItem', 'UpdateItem']);
      return made;
    },
    'with a wrong code: read the record, count the attempt': async () => {
      const app = await createTestApp();
      await app.sendOtp(PHONE);
      const calls = recordCalls(app);

      expect((await app.verifyOtp(PHONE, '000000')).status).toBe(400);
      const made = calls.takeCalls();
      expect(made.map((call) => call.action)).toEqual(['GetItem', 'UpdateItem']);
      return made;
    },
    'reads the phone record strongly consistently, right or wrong code': async () => {
      const app = await createTestApp();
      await app.sendOtp(PHONE);
      const calls = recordCalls(app);
      expect((await app.verifyOtp(PHONE, '000000')).status).toBe(400);
      expect((await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE))).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.filter((c) => c.action === 'GetItem')).toEqual([
        { action: 'GetItem', kind: 'phone', consistentRead: true },
        { action: 'GetItem', kind: 'phone', consistentRead: true },
      ]);
      return made;
    },
  },
  'refresh-token': {
    'read the family strongly consistently, read its number (owner check), move its head': async () => {
      const app = await createTestApp();
      const { refresh } = await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await app.refresh(refresh)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.map((c) => [c.action, c.kind])).toEqual([
        ['GetItem', 'family'],
        ['GetItem', 'phone'],
        ['UpdateItem', 'family'],
      ]);
      expect(made[0]).toEqual({ action: 'GetItem', kind: 'family', consistentRead: true });
      return made;
    },
  },
  logout: {
    'revoke the family in one write': async () => {
      const app = await createTestApp();
      const { refresh } = await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await app.logout(refresh)).status).toBe(204);
      const made = calls.takeCalls();
      expect(made.map((call) => call.action)).toEqual(['UpdateItem']);
      return made;
    },
    'with all: read the family, move the user session epoch on': async () => {
      const app = await createTestApp();
      const { refresh } = await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await app.logoutAll(refresh)).status).toBe(204);
      const made = calls.takeCalls();
      expect(made.map((c) => [c.action, c.kind])).toEqual([
        ['GetItem', 'family'],
        ['UpdateItem', 'phone'],
      ]);
      return made;
    },
  },
  me: {
    'GET /me: one read of the number the token names': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await app.me(access)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made).toEqual([{ action: 'GetItem', kind: 'phone', consistentRead: true }]);
      return made;
    },
  },
  'delete-account': {
    'DELETE /me: read the record, vacate it, delete the passkeys, find and delete the families': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await app.deleteAccount(access)).status).toBe(204);
      const made = calls.takeCalls();
      expect(made.map((c) => [c.action, c.kind])).toEqual([
        ['GetItem', 'phone'],
        ['PutItem', 'phone'],
        ['DeleteItem', 'passkeys'],
        ['Query', 'user'],
        ['DeleteItem', 'family'],
        ['DeleteItem', 'family'],
      ]);
      return made;
    },
  },
  'change-phone-number': {
    'POST /me/phone-number: read both numbers, charge the caller, count the IP, write the new number, read the caller again':
      async () => {
        const app = await createTestApp();
        const { access } = await app.login(PHONE);
        const calls = recordCalls(app);

        expect((await app.changeNumber(access, OTHER)).status).toBe(200);
        const made = calls.takeCalls();
        expect(made.map((c) => [c.action, c.kind])).toEqual([
          ['GetItem', 'phone'],
          ['GetItem', 'phone'],
          ['PutItem', 'phone'],
          ['UpdateItem', 'ip'],
          ['PutItem', 'phone'],
          // A deletion that landed between the two writes could not withdraw the change: it is caught here.
          ['GetItem', 'phone'],
        ]);
        return made;
      },
    "when the country's budget is spent: the caller pays, every shard is read, nothing is sent": async () => {
      const app = await createTestApp({ SEND_MAX_PER_COUNTRY_PER_HOUR: 'IN=1' });
      const { access } = await app.login('+12015550123');
      expect((await app.sendOtp(PHONE)).status).toBe(200);
      const calls = recordCalls(app);

      expect((await app.changeNumber(access, OTHER)).status).toBe(429);
      const made = calls.takeCalls();
      expect(made.map((c) => `${c.action} ${c.kind}`)).toEqual([
        'GetItem phone',
        'GetItem phone',
        'PutItem phone',
        'UpdateItem ip',
        'UpdateItem country',
        'BatchGetItem country',
      ]);
      return made;
    },
  },
  'verify-phone-number': {
    'POST /me/phone-number/verify: read both numbers, move in one transaction, delete the old families': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      await app.changeNumber(access, OTHER);
      const calls = recordCalls(app);

      expect((await app.verifyNumberChange(access, OTHER, app.sms.lastCodeFor(OTHER))).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.map((c) => [c.action, c.kind])).toEqual([
        ['GetItem', 'phone'],
        ['GetItem', 'phone'],
        ['TransactWriteItems', 'items'],
        ['Query', 'user'],
        ['DeleteItem', 'family'],
      ]);
      expect(made[2]?.items?.map((c) => [c.action, c.kind])).toEqual([
        ['PutItem', 'phone'],
        ['PutItem', 'phone'],
        ['PutItem', 'family'],
        ['UpdateItem', 'passkeys'],
      ]);
      return made;
    },
  },
  'passkey-sign-in': {
    'POST /passkey/options: count the IP in its passkey window, store the challenge': async () => {
      const app = await createTestApp();
      const calls = recordCalls(app);

      expect((await passkeyOptions(app)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made).toEqual([
        { action: 'UpdateItem', kind: 'ip', consistentRead: false },
        { action: 'PutItem', kind: 'challenge', consistentRead: false },
      ]);
      return made;
    },
    'POST /passkey/verify: count the IP, read the passkeys, read the holder, then one transaction': async () => {
      const app = await createTestApp();
      const { sub } = await app.login(PHONE);
      const { authenticator } = await seedPasskey(app, { userId: sub, phoneNumber: PHONE });
      const assertion = await assertionFor(app, authenticator);
      const calls = recordCalls(app);

      expect((await passkeyVerify(app, assertion)).status).toBe(200);
      const made = calls.takeCalls();
      expect(made.map((c) => [c.action, c.kind, c.consistentRead])).toEqual([
        ['UpdateItem', 'ip', false],
        ['GetItem', 'passkeys', true],
        ['GetItem', 'phone', true],
        ['TransactWriteItems', 'items', false],
      ]);
      expect(made[3]?.items?.map((c) => [c.action, c.kind])).toEqual([
        ['DeleteItem', 'challenge'],
        ['UpdateItem', 'passkeys'],
        ['ConditionCheckItem', 'phone'],
        ['PutItem', 'family'],
      ]);
      return made;
    },
    'POST /passkey/verify of an unknown credential: count the IP, read the passkeys, nothing else': async () => {
      const app = await createTestApp();
      const { sub } = await app.login(PHONE);
      const { authenticator } = await seedPasskey(app, { userId: sub, phoneNumber: PHONE });
      const assertion = await assertionFor(app, authenticator);
      const calls = recordCalls(app);

      expect((await passkeyVerify(app, { ...assertion, id: 'AAAA', rawId: 'AAAA' })).status).toBe(401);
      const made = calls.takeCalls();
      expect(made.map((c) => `${c.action} ${c.kind}`)).toEqual(['UpdateItem ip', 'GetItem passkeys']);
      return made;
    },
  },
  passkeys: {
    'POST /me/passkeys/options: read the holder, the passkeys (to exclude them), write the challenge': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      const calls = recordCalls(app);

      expect((await passkeyClient(app, access).options()).status).toBe(200);
      const made = calls.takeCalls();
      expect(made).toEqual([
        { action: 'GetItem', kind: 'phone', consistentRead: true },
        { action: 'GetItem', kind: 'passkeys', consistentRead: true },
        { action: 'PutItem', kind: 'challenge', consistentRead: false },
      ]);
      return made;
    },
    'POST /me/passkeys: read the passkeys, then one transaction: spend the challenge, check the holder, add the passkey':
      async () => {
        const app = await createTestApp();
        const { access } = await app.login(PHONE);
        const client = passkeyClient(app, access);
        const made: Call[] = [];
        const calls = recordCalls(app);
        for (const _ of ['the first passkey', 'a later one']) {
          const { credential } = await answeredOptions(client);
          calls.takeCalls();
          expect((await client.register(credential)).status).toBe(201);
          const taken = calls.takeCalls();
          expect(taken.map((c) => `${c.action} ${c.kind}`)).toEqual(['GetItem passkeys', 'TransactWriteItems items']);
          expect(taken[0]?.consistentRead).toBe(true);
          expect(taken[1]?.items?.map((c) => `${c.action} ${c.kind}`)).toEqual([
            'DeleteItem challenge',
            'ConditionCheckItem phone',
            'UpdateItem passkeys',
          ]);
          made.push(...taken);
        }
        return made;
      },
    'GET /me/passkeys: read the holder of the number, then the passkeys': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      await enrolledPasskey(passkeyClient(app, access));
      const calls = recordCalls(app);

      expect((await passkeyClient(app, access).list()).status).toBe(200);
      const made = calls.takeCalls();
      expect(made).toEqual([
        { action: 'GetItem', kind: 'phone', consistentRead: true },
        { action: 'GetItem', kind: 'passkeys', consistentRead: true },
      ]);
      return made;
    },
    'DELETE /me/passkeys/{id}: read the holder, then one conditional update, found or not': async () => {
      const app = await createTestApp();
      const { access } = await app.login(PHONE);
      const { created } = await enrolledPasskey(passkeyClient(app, access));
      const calls = recordCalls(app);

      expect((await passkeyClient(app, access).remove(String(created.id))).status).toBe(204);
      expect((await passkeyClient(app, access).remove(String(created.id))).status).toBe(404);
      const made = calls.takeCalls();
      expect(made.map((c) => `${c.action} ${c.kind}`)).toEqual([
        'GetItem phone',
        'UpdateItem passkeys',
        'GetItem phone',
        'UpdateItem passkeys',
      ]);
      return made;
    },
  },
  'well-known': {
    'one read of the public keys item per container and cache period, none in between': async () => {
      const app = await createTestApp();
      const store = new DynamoDbPublicJwksStore(createDocumentClient(app.client), app.tableName);
      const doc = await testKeySetDocument();
      await store.publish(publicJwksOf(doc), doc.rotatedAt);
      const handler = makeWellKnownHandler(
        { jwks: new CachedKeySource(store, 300, app.clock), issuer: app.sessions.issuer },
        createTelemetry(),
      );
      const calls = recordCalls(app);

      expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
      const first = calls.takeCalls();
      expect(first.map((c) => `${c.action} ${c.kind}`)).toEqual(['GetItem jwks']);
      expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
      expect((await invoke(handler, apiEvent('GET', '/.well-known/openid-configuration'))).status).toBe(200);
      expect((await invoke(handler, apiEvent('GET', '/openapi.json'))).status).toBe(200);
      expect(calls.take()).toEqual([]);
      app.clock.advance(300);
      expect((await invoke(handler, apiEvent('GET', '/.well-known/jwks.json'))).status).toBe(200);
      const afterCache = calls.takeCalls();
      expect(afterCache.map((c) => c.action)).toEqual(['GetItem']);
      return [...first, ...afterCache];
    },
  },
  'not-found': {
    '$default: no DynamoDB call for an unknown path or method': async () => {
      const app = await createTestApp();
      const calls = recordCalls(app);

      expect((await invoke(app.handlers['not-found'], apiEvent('GET', '/unknown-path'))).status).toBe(404);
      expect((await invoke(app.handlers['not-found'], apiEvent('GET', '/send-otp'))).status).toBe(405);
      const made = calls.takeCalls();
      expect(made).toEqual([]);
      return made;
    },
  },
} satisfies Record<FunctionName, CallChecks>;

describe('DynamoDB calls per request, each allowed by its function registry entry', () => {
  for (const [fn, checks] of Object.entries(CALL_CHECKS) as [FunctionName, CallChecks][]) {
    describe(fn, () => {
      for (const [name, check] of Object.entries(checks)) {
        it(name, async () => {
          expect(allowedByRegistry(fn, await check())).toBe(true);
        });
      }
    });
  }

  it('the recent-login routes refuse an old login with no DynamoDB call at all', async () => {
    const app = await createTestApp();
    const { access } = await app.login(PHONE);
    await app.changeNumber(access, OTHER);
    const code = app.sms.lastCodeFor(OTHER);
    app.clock.advance(301);
    const calls = recordCalls(app);

    expect((await app.deleteAccount(access)).status).toBe(403);
    expect((await app.changeNumber(access, OTHER)).status).toBe(403);
    expect((await app.verifyNumberChange(access, OTHER, code)).status).toBe(403);
    expect(calls.take()).toEqual([]);
  });
});

describe('DynamoDB calls against the registry, and so against each function IAM role', () => {
  it('checks the account routes against the registry: /me, deletion, number change, sign out everywhere', async () => {
    const app = await createTestApp();
    const first = await app.login(PHONE);
    const calls = recordCalls(app);

    expect((await app.me(first.access)).status).toBe(200);
    expect(allowedByRegistry('me', calls.takeCalls())).toBe(true);
    expect((await app.changeNumber(first.access, OTHER)).status).toBe(200);
    expect(allowedByRegistry('change-phone-number', calls.takeCalls())).toBe(true);
    const moved = await app.verifyNumberChange(first.access, OTHER, app.sms.lastCodeFor(OTHER));
    expect(moved.status).toBe(200);
    expect(allowedByRegistry('verify-phone-number', calls.takeCalls())).toBe(true);
    expect((await app.logoutAll(String(moved.body.refresh))).status).toBe(204);
    expect(allowedByRegistry('logout', calls.takeCalls())).toBe(true);
    const again = await app.login(OTHER);
    calls.takeCalls();
    expect((await app.deleteAccount(again.access)).status).toBe(204);
    expect(allowedByRegistry('delete-account', calls.takeCalls())).toBe(true);
  });

  it('reads only the attributes the registry lets refresh-token and /me read of a phone record', async () => {
    const app = await createTestApp();
    const { access, refresh } = await app.login(PHONE);
    const projections: string[][] = [];
    app.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { pk?: unknown }; ExpressionAttributeNames?: Record<string, string> };
        if (context.commandName === 'GetItemCommand' && JSON.stringify(input.Key).includes('PHONE#')) {
          projections.push(Object.values(input.ExpressionAttributeNames ?? {}).sort());
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordProjections' },
    );

    expect((await app.me(access)).status).toBe(200);
    expect((await app.refresh(refresh)).status).toBe(200);

    const allowed = [...(FUNCTIONS.me.readable?.phone ?? [])].sort();
    expect(allowed).toEqual([...(FUNCTIONS['refresh-token'].readable?.phone ?? [])].sort());
    expect(projections).toEqual([allowed, allowed]);
    expect(allowed).not.toContain('totpSecret');
  });

  it('flags a call the registry does not grant', () => {
    expect(allowedByRegistry('logout', [{ action: 'DeleteItem', kind: 'family', consistentRead: true }])).toBe(false);
    expect(
      allowedByRegistry('verify-phone-number', [
        {
          action: 'TransactWriteItems',
          kind: '',
          consistentRead: false,
          items: [{ action: 'PutItem', kind: 'ip', consistentRead: false }],
        },
      ]),
    ).toBe(false);
    expect(allowedByRegistry('send-otp', [{ action: 'PutItem', kind: 'family', consistentRead: false }])).toBe(false);
  });
});

describe('DynamoDB calls with a claims hook', () => {
  /**
   * The four routes that issue access tokens, each once, on a fresh app: the DynamoDB calls of each,
   * with the kind of item and read consistency, for comparing an app with a hook to one without.
   */
  async function tokenRouteCalls(claimsHook?: () => Promise<unknown>): Promise<Record<string, Call[]>> {
    const app = await createTestApp({}, claimsHook ? { claimsHook } : {});
    const calls = recordCalls(app);
    const made: Record<string, Call[]> = {};
    await app.sendOtp(PHONE);
    calls.take();
    const verified = await app.verifyOtp(PHONE, app.sms.lastCodeFor(PHONE));
    expect(verified.status).toBe(200);
    made['verify-otp'] = calls.takeCalls();
    expect((await app.refresh(String(verified.body.refresh))).status).toBe(200);
    made['refresh-token'] = calls.takeCalls();
    const { authenticator } = await seedPasskey(app, {
      userId: String(decodeJwt(String(verified.body.access)).sub),
      phoneNumber: PHONE,
    });
    const assertion = await assertionFor(app, authenticator);
    calls.take();
    expect((await passkeyVerify(app, assertion)).status).toBe(200);
    made['passkey-sign-in'] = calls.takeCalls();
    const access = String(verified.body.access);
    await app.changeNumber(access, OTHER);
    calls.take();
    expect((await app.verifyNumberChange(access, OTHER, app.sms.lastCodeFor(OTHER))).status).toBe(200);
    made['verify-phone-number'] = calls.takeCalls();
    return made;
  }

  it('makes exactly the calls it makes without one, on every route that asks the hook', async () => {
    let asked = 0;
    const withHook = await tokenRouteCalls(async () => {
      asked++;
      return { claims: { tenant: 't-1' } };
    });
    const without = await tokenRouteCalls();
    expect(asked).toBe(4);
    expect(withHook).toEqual(without);
    expect(Object.values(withHook).every((calls) => calls.length > 0)).toBe(true);
  });
});
