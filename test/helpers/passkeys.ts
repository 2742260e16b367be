/**
 * Passkeys for tests that need one without the enrolment routes: a soft authenticator registers
 * against options made here, @simplewebauthn/server verifies the registration as the enrolment does,
 * and the passkey is written into the user's `PASSKEYS#<sub>` item as the enrolment stores it
 * (passkeyEntry / passkeysKeyOf). Also a sign-in through the real handlers.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { type PasskeysItem, passkeyEntry, passkeysKeyOf } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import { type StoredPasskey, userHandleOf } from '../../lambdas/core/passkeys.js';
import { createSoftAuthenticator, type SoftAuthenticator } from './soft-authenticator.js';
import { apiEvent, invoke, type TestApp, type TestResponse } from './test-app.js';

/** The test app's relying party: `ISSUER` https://auth.test, so RP ID `auth.test` and that one origin. */
export const TEST_RP_ID = 'auth.test';
export const TEST_ORIGIN = 'https://auth.test';

export interface SeededPasskey {
  readonly authenticator: SoftAuthenticator;
  readonly stored: StoredPasskey;
}

/**
 * Registers a new soft authenticator for `userId` (user handle = the sub's UTF-8 bytes, as the
 * enrolment sets it) and stores its passkey in the user's item, naming `phoneNumber` as the number
 * the user holds. Other passkeys already in the item are kept.
 */
export async function seedPasskey(
  app: Pick<TestApp, 'client' | 'tableName'> & { readonly clock: { readonly seconds: number } },
  args: {
    userId: string;
    phoneNumber: string;
    alg?: 'ES256' | 'EdDSA';
    flags?: number;
    name?: string;
    /** The stored counter (default 0, as every passkey starts). */
    counter?: number;
    /** The RP ID it is made for (default the test app's): another makes a passkey of another site. */
    rpId?: string;
    /** The origin its ceremonies report (default the test app's). */
    origin?: string;
  },
): Promise<SeededPasskey> {
  const rpId = args.rpId ?? TEST_RP_ID;
  const origin = args.origin ?? TEST_ORIGIN;
  const authenticator = createSoftAuthenticator({
    origin,
    rpId,
    ...(args.alg ? { alg: args.alg } : {}),
    ...(args.flags === undefined ? {} : { flags: args.flags }),
  });
  const options = await generateRegistrationOptions({
    rpName: TEST_RP_ID,
    rpID: rpId,
    userID: new Uint8Array(userHandleOf(args.userId)),
    userName: args.phoneNumber,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    supportedAlgorithmIDs: [-8, -7, -257],
  });
  const registration = await verifyRegistrationResponse({
    response: authenticator.createCredential(options) as never,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpId,
    requireUserVerification: false,
    supportedAlgorithmIDs: [-8, -7, -257],
  });
  if (!registration.verified) throw new Error('the soft authenticator did not register');
  const info = registration.registrationInfo;
  const stored: StoredPasskey = {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: args.counter ?? info.credential.counter,
    transports: info.credential.transports ?? [],
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    name: args.name ?? 'Passkey',
    createdAt: app.clock.seconds,
    aaguid: info.aaguid,
  };
  await storePasskey(app, { userId: args.userId, phoneNumber: args.phoneNumber, passkey: stored });
  return { authenticator, stored };
}

/** Adds (or replaces) one passkey in the user's item, setting the number the item names. */
export async function storePasskey(
  app: Pick<TestApp, 'client' | 'tableName'>,
  args: { userId: string; phoneNumber: string; passkey: StoredPasskey },
): Promise<void> {
  const documents = createDocumentClient(app.client);
  const key = passkeysKeyOf(args.userId);
  const { Item } = await documents.send(new GetCommand({ TableName: app.tableName, Key: key, ConsistentRead: true }));
  const item: PasskeysItem = {
    ...key,
    userId: args.userId,
    phoneNumber: args.phoneNumber,
    passkeys: {
      ...((Item as PasskeysItem | undefined)?.passkeys ?? {}),
      [args.passkey.id]: passkeyEntry(args.passkey),
    },
  };
  await documents.send(new PutCommand({ TableName: app.tableName, Item: item }));
}

/** The user's passkey item as stored, or undefined. */
export async function readPasskeysItem(
  app: Pick<TestApp, 'client' | 'tableName'>,
  userId: string,
): Promise<PasskeysItem | undefined> {
  const documents = createDocumentClient(app.client);
  const { Item } = await documents.send(
    new GetCommand({ TableName: app.tableName, Key: passkeysKeyOf(userId), ConsistentRead: true }),
  );
  return Item as PasskeysItem | undefined;
}

/** `POST /passkey/options {}`. */
export function passkeyOptions(app: Pick<TestApp, 'handlers'>, ip?: string): Promise<TestResponse> {
  return invoke(app.handlers['passkey-sign-in'], apiEvent('POST', '/passkey/options', {}, ip ? { ip } : {}));
}

/** `POST /passkey/verify {credential}`. */
export function passkeyVerify(app: Pick<TestApp, 'handlers'>, credential: unknown, ip?: string): Promise<TestResponse> {
  return invoke(app.handlers['passkey-sign-in'], apiEvent('POST', '/passkey/verify', { credential }, ip ? { ip } : {}));
}

/** Asks for options and answers them with the authenticator: the assertion a browser would post. */
export async function assertionFor(
  app: Pick<TestApp, 'handlers'>,
  authenticator: SoftAuthenticator,
  overrides?: Parameters<SoftAuthenticator['getAssertion']>[1],
) {
  const options = await passkeyOptions(app);
  if (options.status !== 200)
    throw new Error(`/passkey/options answered ${options.status} ${JSON.stringify(options.body)}`);
  return authenticator.getAssertion(options.body as { challenge: string; rpId?: string }, overrides);
}

/** A challenge that was never handed out, shaped as ours are. */
export function strayChallenge(): string {
  return randomBytes(32).toString('base64url');
}
