/**
 * The whole login flow with the typed client: send a code, verify it, read /me, refresh, log out.
 * Run it against `npm start` (which writes every SMS to .local/outbox.jsonl):
 *
 *   npx tsx examples/client/login.ts http://127.0.0.1:3000 +919876543210
 *
 * With SMS_OUTBOX_FILE (or .local/outbox.jsonl) present it reads the code from there; otherwise it
 * asks for the code on the terminal, as an app would ask its user. A send cooldown left by an earlier
 * run (429 with Retry-After up to 60 s) is waited out by the client.
 */
import { pathToFileURL } from 'node:url';
import { announcedSleep, describeFailure, localCodeReader, print, type ReadCode } from './cli.js';
import {
  type ClientOptions,
  createOtpLoginClient,
  getMe,
  logout,
  OtpLoginError,
  refreshTokens,
  sendOtp,
  verifyOtp,
} from './otp-login-client.js';

export interface LoginFlowOptions extends ClientOptions {
  readonly baseUrl: string;
  /** E.164, as the SMS outbox records it. */
  readonly phoneNumber: string;
  /** The code the user received, once the SMS has been sent. */
  readonly readCode: ReadCode;
  readonly log?: (line: string) => void;
}

export interface LoginFlowResult {
  readonly sub: string;
  readonly codeExpiresIn: number;
  readonly accessExpiresIn: number;
}

export async function runLoginFlow(options: LoginFlowOptions): Promise<LoginFlowResult> {
  const log = options.log ?? (() => {});
  const client = createOtpLoginClient(options.baseUrl, options);

  const codeExpiresIn = await sendOtp(client, options.phoneNumber);
  log(`code sent, valid for ${codeExpiresIn} s`);
  const tokens = await verifyOtp(client, options.phoneNumber, await options.readCode(options.phoneNumber));
  log(`signed in, access token valid for ${tokens.expires_in} s`);

  const me = await getMe(client, tokens.access);
  log(`/me: ${me.sub} ${me.phone_number}`);

  const rotated = await refreshTokens(client, tokens.refresh);
  const again = await getMe(client, rotated.access);
  if (again.sub !== me.sub) throw new Error(`the refreshed token names another user: ${again.sub}`);
  log('refreshed: new access and refresh token, same user');

  await logout(client, rotated.refresh);
  try {
    await refreshTokens(client, rotated.refresh);
    throw new Error('the refresh token still works after logout');
  } catch (error) {
    if (!(error instanceof OtpLoginError && error.code === 'invalid_token')) throw error;
  }
  log('logged out: the session is revoked');
  return { sub: me.sub, codeExpiresIn, accessExpiresIn: tokens.expires_in };
}

async function main(): Promise<void> {
  const [baseUrl = 'http://127.0.0.1:3000', phoneNumber = '+919876543210'] = process.argv.slice(2);
  const result = await runLoginFlow({
    baseUrl,
    phoneNumber,
    readCode: localCodeReader(),
    log: print,
    sleep: announcedSleep(print),
  });
  print(`done: user ${result.sub}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`login failed: ${describeFailure(error)}\n`);
    process.exit(1);
  });
}
