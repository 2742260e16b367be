/**
 * Changing the account's number: log in with the current number, ask for a code on the new one,
 * confirm it, and keep the new token pair (the user keeps its `sub`; every earlier session ends).
 * Run it against `npm start`:
 *
 *   npx tsx examples/client/change-number.ts http://127.0.0.1:3000 +919876543210 +919876543299
 *
 * It reads both codes as login.ts does (the local SMS outbox, else the terminal).
 */
import { pathToFileURL } from 'node:url';
import { announcedSleep, describeFailure, localCodeReader, print, type ReadCode } from './cli.js';
import {
  type ClientOptions,
  confirmNumberChange,
  createOtpLoginClient,
  getMe,
  OtpLoginError,
  requestNumberChange,
  sendOtp,
  verifyOtp,
} from './otp-login-client.js';

export interface ChangeNumberOptions extends ClientOptions {
  readonly baseUrl: string;
  /** The account's number now, E.164. */
  readonly phoneNumber: string;
  /** The number to move the account to, E.164. */
  readonly newPhoneNumber: string;
  readonly readCode: ReadCode;
  readonly log?: (line: string) => void;
}

export interface ChangeNumberResult {
  readonly sub: string;
  readonly phoneNumber: string;
}

export async function runChangeNumberFlow(options: ChangeNumberOptions): Promise<ChangeNumberResult> {
  const log = options.log ?? (() => {});
  const client = createOtpLoginClient(options.baseUrl, options);

  // A number change takes an access token from a login; an app asks for a fresh one first.
  await sendOtp(client, options.phoneNumber);
  const login = await verifyOtp(client, options.phoneNumber, await options.readCode(options.phoneNumber));
  const before = await getMe(client, login.access);
  log(`signed in as ${before.sub} on ${before.phone_number}`);

  // `phone_number_taken` (409): the new number belongs to another account.
  const expiresIn = await requestNumberChange(client, login.access, options.newPhoneNumber);
  log(`code sent to ${options.newPhoneNumber}, valid for ${expiresIn} s`);
  const code = await options.readCode(options.newPhoneNumber);
  const moved = await confirmNumberChange(client, login.access, options.newPhoneNumber, code);

  const after = await getMe(client, moved.access);
  if (after.sub !== before.sub) throw new Error(`the number moved to another user: ${after.sub}`);
  log(`number changed: ${after.sub} is now on ${after.phone_number}`);

  // The move ended every earlier session: the login's access token no longer reaches the account.
  try {
    await getMe(client, login.access);
    throw new Error('the access token from before the change still works');
  } catch (error) {
    if (!(error instanceof OtpLoginError && error.code === 'invalid_token')) throw error;
  }
  log('the tokens from before the change are refused; keep the new pair');
  return { sub: after.sub, phoneNumber: after.phone_number };
}

async function main(): Promise<void> {
  const [baseUrl = 'http://127.0.0.1:3000', phoneNumber = '+919876543210', newPhoneNumber = '+919876543299'] =
    process.argv.slice(2);
  const result = await runChangeNumberFlow({
    baseUrl,
    phoneNumber,
    newPhoneNumber,
    readCode: localCodeReader(),
    log: print,
    sleep: announcedSleep(print),
  });
  print(`done: user ${result.sub} on ${result.phoneNumber}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`number change failed: ${describeFailure(error)}\n`);
    process.exit(1);
  });
}
