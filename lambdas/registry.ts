/**
 * Every API Lambda, declared once: its routes, why it may be called without a token, the items it
 * touches, the secrets and services it uses and the settings it reads. The route table, the stack's
 * functions, grants and cdk-nag reasons, the local server, the tests and the bench all derive from
 * this, so a new function is one entry here plus its handler file.
 */
import {
  DELETION_ATTRIBUTES,
  HOLDER_ATTRIBUTES,
  type ItemAccess,
  type ReadableAttributes,
} from './adapters/table-keys.js';
import type { SettingGroup } from './config.js';

/** Groups of settings a function may be given (lambdas/config.ts); the others follow from its other fields. */
export type SettingsGroup = Exclude<
  SettingGroup,
  'common' | 'table' | 'signingKey' | 'rotation' | 'httpApi' | 'stack' | 'claims'
>;

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** Behind the HTTP API's JWT authorizer (our own issuer and audience). */
  readonly authorized?: true;
}

export interface FunctionSpec {
  /** The Lambda's description in the console. */
  readonly description: string;
  /**
   * Why its unauthorized routes may be public (cdk-nag AwsSolutions-APIG4), or `null` when every
   * route is behind the JWT authorizer. Required, so a new public route cannot ship without one.
   */
  readonly publicReason: string | null;
  /** The item actions it calls, per kind of item; `null`: no table access at all. */
  readonly table: ItemAccess | null;
  /**
   * Kinds of item it may read only some attributes of (a projected GetItem); its writes to them, if
   * any, may not return the old item (`ReturnValues` NONE).
   */
  readonly readable?: ReadableAttributes;
  /** Reads the private signing keys from the secret. */
  readonly signingKey: boolean;
  /** Sends SMS. */
  readonly sms: boolean;
  /** Settings it is given, beyond ISSUER and AUDIENCE, which every function gets. */
  readonly settings: readonly SettingsGroup[];
  /**
   * Issues access tokens, so asks the claims hook when one is configured (the `claims` settings, the
   * invoke grant and the `-claims` entry come with it).
   */
  readonly claimsHook?: true;
}

/** Where a Django-era client's trailing-slash spelling is still served (shipped apps call both). */
function post(path: string): readonly RouteSpec[] {
  return [
    { method: 'POST', path },
    { method: 'POST', path: `${path}/` },
  ];
}

/**
 * Each function's routes; `$default` is the catch-all for every path no route names. Apart from
 * {@link FUNCTIONS} so the handlers, which match routes, do not bundle the infrastructure facts.
 */
export const ROUTE_TABLE = {
  'send-otp': post('/send-otp'),
  'verify-otp': post('/verify-otp'),
  'refresh-token': post('/token/refresh'),
  logout: post('/logout'),
  me: [{ method: 'GET', path: '/me', authorized: true }],
  'delete-account': [{ method: 'DELETE', path: '/me', authorized: true }],
  'change-phone-number': [{ method: 'POST', path: '/me/phone-number', authorized: true }],
  'verify-phone-number': [{ method: 'POST', path: '/me/phone-number/verify', authorized: true }],
  'passkey-sign-in': [
    { method: 'POST', path: '/passkey/options' },
    { method: 'POST', path: '/passkey/verify' },
  ],
  passkeys: [
    { method: 'POST', path: '/me/passkeys/options', authorized: true },
    { method: 'POST', path: '/me/passkeys', authorized: true },
    { method: 'GET', path: '/me/passkeys', authorized: true },
    { method: 'DELETE', path: '/me/passkeys/{id}', authorized: true },
  ],
  'well-known': [
    { method: 'GET', path: '/.well-known/jwks.json' },
    { method: 'GET', path: '/.well-known/openid-configuration' },
    { method: 'GET', path: '/.well-known/apple-app-site-association' },
    { method: 'GET', path: '/.well-known/assetlinks.json' },
    { method: 'GET', path: '/openapi.json' },
  ],
  'not-found': '$default',
} as const satisfies Record<string, readonly RouteSpec[] | '$default'>;

/** `lambdas/functions/<name>.ts` for each API function. */
export type FunctionName = keyof typeof ROUTE_TABLE;

const BODY_TOKEN_REASON = 'Authenticated by the refresh token in the body, which API Gateway cannot check;';

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  'send-otp': {
    description: 'POST /send-otp: sends a login code by SMS',
    publicReason:
      'Login starts here, before the caller has any token; abuse is bounded by per-number, per-IP and per-country limits in the function and by route throttling.',
    // The country's shards are counted, given back (UpdateItem), and read all at once (BatchGetItem)
    // when the shard tried is full; one is read (GetItem) for closed signup's unknown numbers.
    table: {
      phone: ['GetItem', 'PutItem', 'UpdateItem'],
      ip: ['UpdateItem'],
      country: ['GetItem', 'BatchGetItem', 'UpdateItem'],
    },
    signingKey: false,
    sms: true,
    settings: ['otp', 'sms'],
  },
  'verify-otp': {
    description: 'POST /verify-otp: exchanges a login code for tokens',
    publicReason:
      'Exchanges a one-time code for tokens, so the caller has none yet; attempts per code are limited and a number locks after repeated failures.',
    // Creates the refresh-token family of the new session; never reads or changes one.
    table: { phone: ['GetItem', 'PutItem', 'UpdateItem'], family: ['PutItem'] },
    signingKey: true,
    sms: false,
    settings: ['otp', 'tokens', 'keys'],
    claimsHook: true,
  },
  'refresh-token': {
    description: 'POST /token/refresh: rotates a refresh token',
    publicReason: `${BODY_TOKEN_REASON} the access token may already be expired.`,
    // Reads the number's record: a family lives only while its user holds the number.
    table: { family: ['GetItem', 'UpdateItem'], phone: ['GetItem'] },
    // Who holds the number, never the secret a login code is computed from.
    readable: { phone: HOLDER_ATTRIBUTES },
    signingKey: true,
    sms: false,
    settings: ['tokens', 'keys'],
    claimsHook: true,
  },
  logout: {
    description: 'POST /logout: revokes a refresh token family, or every session of its user',
    publicReason: `${BODY_TOKEN_REASON} revoking a token must work with an expired access token.`,
    // `all: true` reads the family and moves its user's session epoch on.
    table: { family: ['GetItem', 'UpdateItem'], phone: ['UpdateItem'] },
    signingKey: false,
    sms: false,
    settings: [],
  },
  me: {
    description: 'GET /me: the user of a verified access token, if it still exists',
    publicReason: null,
    table: { phone: ['GetItem'] },
    readable: { phone: HOLDER_ATTRIBUTES },
    signingKey: false,
    sms: false,
    settings: [],
  },
  'delete-account': {
    description: 'DELETE /me: deletes the user, its passkeys and every session',
    publicReason: null,
    // The record loses its user; the families are found through the user index and deleted.
    // UpdateItem: withdraws each number change the user had asked for, on the other numbers' records.
    // DeleteItem passkeys: the user's passkey item, once the record is vacated.
    table: {
      phone: ['GetItem', 'PutItem', 'UpdateItem'],
      user: ['Query'],
      family: ['DeleteItem'],
      passkeys: ['DeleteItem'],
    },
    // The holder, version, counters and pending change; never the TOTP secret, a change secret or the code.
    readable: { phone: DELETION_ATTRIBUTES },
    signingKey: false,
    sms: false,
    settings: ['otp', 'recentLogin'],
  },
  'change-phone-number': {
    description: 'POST /me/phone-number: sends a code to the number the user moves to',
    publicReason: null,
    // As send-otp, less the read of one shard: a number change is never answered without counting.
    table: { phone: ['GetItem', 'PutItem', 'UpdateItem'], ip: ['UpdateItem'], country: ['BatchGetItem', 'UpdateItem'] },
    signingKey: false,
    sms: true,
    settings: ['otp', 'sms', 'recentLogin'],
  },
  'verify-phone-number': {
    description: 'POST /me/phone-number/verify: moves the user to the new number',
    publicReason: null,
    // One transaction: both numbers' records and the new family; then the old families are deleted.
    table: {
      phone: ['GetItem', 'PutItem', 'UpdateItem'],
      family: ['PutItem', 'DeleteItem'],
      user: ['Query'],
      // The notice counts in the old number's country budget (an unconditional ADD).
      country: ['UpdateItem'],
      // In the move's transaction: the user's passkeys now name the new number.
      passkeys: ['UpdateItem'],
    },
    signingKey: true,
    // One SMS per completed move: the notice to the old number.
    sms: true,
    settings: ['otp', 'sms', 'tokens', 'keys', 'recentLogin', 'numberChangeNotice'],
    claimsHook: true,
  },
  'passkey-sign-in': {
    description: 'POST /passkey/options, /passkey/verify: signs in with a passkey',
    publicReason:
      'Signs in with a passkey, so the caller has no token yet; the assertion is checked against the stored public key, challenges are single-use and expire, and both routes share a per-IP hourly budget.',
    // The IP's passkey window; the user's passkeys (read, then the counter moved on); who holds the
    // number (read, then checked in the transaction); the challenge (written, then spent); the family.
    table: {
      ip: ['UpdateItem'],
      passkeys: ['GetItem', 'UpdateItem'],
      phone: ['GetItem', 'ConditionCheckItem'],
      challenge: ['PutItem', 'DeleteItem'],
      family: ['PutItem'],
    },
    // Who holds the number, never the secret a login code is computed from.
    readable: { phone: HOLDER_ATTRIBUTES },
    signingKey: true,
    sms: false,
    settings: ['tokens', 'keys', 'passkeys'],
    claimsHook: true,
  },
  passkeys: {
    description: "/me/passkeys*: enrols, lists and removes the passkeys of the token's user",
    publicReason: null,
    // Options, list and removal first read who holds the token's number (an ended session gets nothing);
    // options then read the passkeys and write a challenge; enrolment reads the passkeys, then one
    // transaction (spend the challenge, check the number's holder, add the passkey); removal one update.
    table: {
      passkeys: ['GetItem', 'UpdateItem'],
      challenge: ['PutItem', 'DeleteItem'],
      phone: ['GetItem', 'ConditionCheckItem'],
    },
    // Who holds the number (GET /me/passkeys reads it; the enrolment only checks it), never its secrets.
    readable: { phone: HOLDER_ATTRIBUTES },
    signingKey: false,
    sms: false,
    settings: ['passkeys', 'recentLogin'],
  },
  'well-known': {
    description:
      'GET /.well-known/*, /openapi.json: JWKS, OpenID configuration, app association files and the API contract',
    publicReason:
      'JWKS and OpenID configuration are public by definition: every verifier, API Gateway included, fetches them without credentials; so are the app association files, which Apple and Google fetch; the OpenAPI document describes only the public API, for client generators.',
    // The public keys the rotation publishes; never the secret, though this route is public.
    table: { jwks: ['GetItem'] },
    signingKey: false,
    sms: false,
    settings: ['keys', 'appLinks'],
  },
  'not-found': {
    description: '$default: JSON 404/405',
    publicReason:
      'The $default catch-all only answers JSON 404/405 and reaches no data; a token check would turn those into 401s.',
    table: null,
    signingKey: false,
    sms: false,
    settings: [],
  },
};

export const FUNCTION_NAMES = Object.keys(ROUTE_TABLE) as FunctionName[];
