/**
 * Deleting the account, as an app's "Delete my account" does (App Store and Google Play require
 * one): log in, `DELETE /me`, then see that the session is gone. Run it against `npm start`:
 *
 *   npx tsx examples/client/delete-account.ts http://127.0.0.1:3000 +919876543210
 *
 * It reads the code as login.ts does (the local SMS outbox, else the terminal). The number is free
 * afterwards: its next login creates a new user with a new `sub`.
 */
import { pathToFileURL } from 'node:url';
import { announcedSleep, describeFailure, localCodeReader, print, type ReadCode } from './cli.js';
import {
  type ClientOptions,
  createOtpLoginClient,
  deleteAccount,
  getMe,
  OtpLoginError,
  refreshTokens,
  sendOtp,
  verifyOtp,
} from './otp-login-client.js';

export interface DeleteAccountOptions extends ClientOptions {
  readonly baseUrl: string;
  /** E.164, as the SMS outbox records it. */
  readonly phoneNumber: string;
  readonly readCode: ReadCode;
  readonly log?: (line: string) => void;
}

/** Resolves with the deleted user's `sub`. */
export async function runDeleteAccountFlow(options: DeleteAccountOptions): Promise<{ deletedSub: string }> {
  const log = options.log ?? (() => {});
  const client = createOtpLoginClient(options.baseUrl, options);

  // Deletion takes an access token from a login; an app asks for a fresh one before deleting.
  await sendOtp(client, options.phoneNumber);
  const tokens = await verifyOtp(client, options.phoneNumber, await options.readCode(options.phoneNumber));
  const me = await getMe(client, tokens.access);
  log(`signed in as ${me.sub}`);

  await deleteAccount(client, tokens.access);
  log('account deleted');

  // Every session of the user ended with it: the access token and the refresh token are refused.
  await expectInvalidToken(() => getMe(client, tokens.access), '/me still answers');
  await expectInvalidToken(() => refreshTokens(client, tokens.refresh), 'the refresh token still works');
  log('its tokens are refused: /me and /token/refresh answer 401 invalid_token');
  return { deletedSub: me.sub };
}

async function expectInvalidToken(call: () => Promise<unknown>, problem: string): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof OtpLoginError && error.code === 'invalid_token') return;
    throw error;
  }
  throw new Error(`${problem} after the account was deleted`);
}

async function main(): Promise<void> {
  const [baseUrl = 'http://127.0.0.1:3000', phoneNumber = '+919876543210'] = process.argv.slice(2);
  const { deletedSub } = await runDeleteAccountFlow({
    baseUrl,
    phoneNumber,
    readCode: localCodeReader(),
    log: print,
    sleep: announcedSleep(print),
  });
  print(`done: user ${deletedSub} deleted; ${phoneNumber} is free`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`deletion failed: ${describeFailure(error)}\n`);
    process.exit(1);
  });
}
