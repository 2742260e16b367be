import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { type Browser, type CDPSession, chromium, type Locator, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server.js';
import { testDynamoDbEnv } from '../helpers/dynamodb.js';

/**
 * The README's promise, in a real browser: examples/web/ served by the local server, driven in
 * Debian's headless chromium with a WebAuthn virtual authenticator (the DevTools protocol's), so the
 * passkey ceremonies are the browser's own (clientDataJSON, origin, RP ID hash, toJSON()), not a
 * test's imitation of them. Nothing downloads a browser: `.ci/run` installs Debian's with apt.
 */
const CHROMIUM = '/usr/lib/chromium/chromium';
const PHONE = '+919876543210';
const PASSKEY_NAME = 'Demo laptop';
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/passkey-demo.png', import.meta.url));
const UI_TIMEOUT_MS = 10_000;

/** One API answer the page got, in the order the page got them (the demo's own files are left out). */
interface Exchange {
  readonly line: string;
  readonly response: Response;
}

/** The page's API calls, taken step by step, so each step asserts exactly the calls it caused. */
class ApiLog {
  private readonly seen: Exchange[] = [];
  private taken = 0;
  private wake: (() => void) | undefined;

  record(response: Response): void {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/demo')) return;
    this.seen.push({ line: `${response.request().method()} ${url.pathname} ${response.status()}`, response });
    this.wake?.();
  }

  /** The next `count` calls, once the page has made them. */
  async take(count: number): Promise<Exchange[]> {
    const deadline = Date.now() + UI_TIMEOUT_MS;
    while (this.seen.length < this.taken + count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} more API calls, the page made: ${this.rest().join(', ') || 'none'}`);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, left);
      });
    }
    const next = this.seen.slice(this.taken, this.taken + count);
    this.taken += count;
    return next;
  }

  rest(): string[] {
    return this.seen.slice(this.taken).map((e) => e.line);
  }
}

const lines = (exchanges: readonly (Exchange | undefined)[]): string[] => exchanges.map((e) => e?.line ?? 'none');

/** An answer's JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: the steps read whatever fields the design promises.
async function body(exchange: Exchange | undefined): Promise<any> {
  if (!exchange) throw new Error('no such API call');
  return exchange.response.json();
}

function outboxLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('the browser demo (examples/web/) in headless chromium with a virtual authenticator', () => {
  let dataDir: string;
  let local: LocalServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  const api = new ApiLog();
  let screenshot: Buffer | undefined;
  let passkeyId = '';
  const passed = new Set<string>();

  /** Waits for `text` in `locator`; on a timeout, says what the page shows instead. */
  async function shows(locator: Locator, text: string | RegExp): Promise<void> {
    try {
      await locator.filter({ hasText: text }).waitFor({ timeout: UI_TIMEOUT_MS });
    } catch {
      const status = await page.locator('#status').textContent();
      const error = await page.locator('#error').textContent();
      throw new Error(`the page never showed ${String(text)}; status: "${status}", error: "${error}"`);
    }
    expect(await locator.textContent()).toMatch(text);
  }

  const status = () => page.getByRole('status');
  const alert = () => page.getByRole('alert');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `This test drives Debian's chromium, which is not installed (${CHROMIUM} is missing). Install it: ` +
          'apt-get install -y --no-install-recommends chromium (.ci/run does this when it is missing). ' +
          'Nothing here downloads a browser.',
      );
    }
    dataDir = await mkdtemp(join(tmpdir(), 'otp-browser-'));
    local = await startLocalServer({
      env: { ...testDynamoDbEnv(), LOCAL_DATA_DIR: dataDir, TABLE_NAME: `otp-browser-${randomUUID()}` },
      port: 0,
      log: () => {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root (CI containers) chromium's sandbox cannot start; the resolver rule keeps it off the
      // network: without it chromium looks up Google's hosts, and only localhost is needed here.
      args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost'],
    });
    const context = await browser.newContext({
      viewport: { width: 760, height: 620 },
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('response', (response) => api.record(response));
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    // A platform authenticator that holds discoverable credentials and verifies its user by itself,
    // as a phone or laptop with a screen lock does; presence is simulated, so no prompt waits.
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
  });

  afterAll(async () => {
    await browser?.close();
    await local?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('opens at localhost (an IP address cannot be an RP ID) with the page and its module', async () => {
    expect(local.demoUrl).toMatch(/^http:\/\/localhost:\d+\/demo\/$/);
    const opened = await page.goto(local.demoUrl);
    expect(opened?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('otp-login: SMS once, then passkeys');
    await shows(page.getByRole('heading', { name: 'Sign in', exact: true }), 'Sign in');
    // The module ran and found WebAuthn's JSON helpers (without them it offers SMS only and says so).
    await page.locator('body[data-ready="passkeys"]').waitFor({ state: 'attached' });
    expect(await page.locator('#error').textContent()).toBe('');
    // http://localhost is a secure context, where browsers offer WebAuthn without https.
    expect(await page.evaluate('({ secure: isSecureContext, origin: location.origin })')).toEqual({
      secure: true,
      origin: new URL(local.demoUrl).origin,
    });
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isEnabled()).toBe(true);
    passed.add('open');
  });

  it('signs in with the code from the SMS outbox: /send-otp 200, /verify-otp 200 (amr sms), /me 200', async () => {
    await page.getByLabel('Phone number').fill(PHONE);
    await page.getByRole('button', { name: 'Send code' }).click();
    const [sent] = await api.take(1);
    expect(lines([sent])).toEqual(['POST /send-otp 200']);
    await shows(status(), `Code sent to ${PHONE}.`);

    const sms = outboxLines(local.outboxFile);
    expect(sms).toHaveLength(1);
    const code = /\b\d{6}\b/.exec(JSON.parse(sms[0] ?? '{}').message)?.[0] ?? 'no code';
    await page.getByLabel('Code from the SMS').fill(code);
    await page.getByRole('button', { name: 'Verify code' }).click();
    const [verified, me] = await api.take(2);
    expect(lines([verified, me])).toEqual(['POST /verify-otp 200', 'GET /me 200']);
    const tokens = await body(verified);
    expect(decodeJwt(tokens.access).amr).toEqual(['sms']);
    await shows(page.locator('#who'), `Signed in as ${PHONE} with an SMS code.`);
    await shows(status(), 'Signed in with the code from the SMS.');
    passed.add('sms');
  });

  it('lists no passkeys, then enrols one: options 200, /me/passkeys 201, listed by name', async () => {
    const [listed] = await api.take(1);
    expect(listed?.line).toBe('GET /me/passkeys 200');
    expect(await body(listed)).toEqual({ passkeys: [] });
    await shows(page.locator('#no-passkeys'), 'No passkeys yet');

    await page.getByLabel('Passkey name (optional)').fill(PASSKEY_NAME);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const [options, added, relisted] = await api.take(3);
    expect(lines([options, added, relisted])).toEqual([
      'POST /me/passkeys/options 200',
      'POST /me/passkeys 201',
      'GET /me/passkeys 200',
    ]);
    const creation = await body(options);
    expect(creation.rp.id).toBe('localhost');
    expect(creation.authenticatorSelection.residentKey).toBe('required');
    const enrolled = await body(added);
    expect(enrolled).toEqual({
      id: expect.any(String),
      name: PASSKEY_NAME,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      backed_up: false,
      transports: expect.arrayContaining(['internal']),
    });
    passkeyId = enrolled.id;
    // The browser's authenticator holds it, for this RP ID, as a discoverable credential.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials.map((c) => ({ id: c.credentialId, rpId: c.rpId, resident: c.isResidentCredential }))).toEqual([
      { id: expect.any(String), rpId: 'localhost', resident: true },
    ]);
    expect(Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url')).toBe(passkeyId);
    await shows(status(), `Passkey "${PASSKEY_NAME}" added`);
    await shows(page.getByRole('listitem'), PASSKEY_NAME);
    expect(await page.locator('#no-passkeys').isHidden()).toBe(true);
    passed.add('enrol');
  });

  it('signs out: /logout 204 with the refresh token, back to the sign-in form', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(lines(await api.take(1))).toEqual(['POST /logout 204']);
    await shows(status(), 'Signed out.');
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(true);
    expect(await page.locator('#signed-in').isHidden()).toBe(true);
    passed.add('logout');
  });

  it('signs in with the passkey and no SMS: /passkey/options 200, /passkey/verify 200 (amr hwk user)', async () => {
    const smsBefore = outboxLines(local.outboxFile).length;
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const [options, verified, me, listed] = await api.take(4);
    expect(lines([options, verified, me, listed])).toEqual([
      'POST /passkey/options 200',
      'POST /passkey/verify 200',
      'GET /me 200',
      'GET /me/passkeys 200',
    ]);
    expect((await body(options)).allowCredentials).toEqual([]);
    const tokens = await body(verified);
    expect(tokens).toEqual({
      access: expect.any(String),
      refresh: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
    });
    expect(decodeJwt(tokens.access)).toMatchObject({ phone_number: PHONE, amr: ['hwk', 'user'] });
    await shows(page.locator('#who'), `Signed in as ${PHONE} with a passkey.`);
    await shows(status(), 'Signed in with a passkey: no SMS sent.');
    await shows(page.getByRole('listitem'), /Demo laptop\s*Added just now · last used just now · this device only/);
    // The outbox is every SMS the server sent: none for this sign-in.
    expect(outboxLines(local.outboxFile)).toHaveLength(smsBefore);
    expect(smsBefore).toBe(1);
    screenshot = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
    passed.add('passkey sign-in');
  });

  it('deletes the passkey: DELETE /me/passkeys/{id} 204, the list is empty', async () => {
    await page.getByRole('button', { name: `Delete passkey ${PASSKEY_NAME}` }).click();
    const [deleted, listed] = await api.take(2);
    expect(lines([deleted, listed])).toEqual([`DELETE /me/passkeys/${passkeyId} 204`, 'GET /me/passkeys 200']);
    expect(await body(listed)).toEqual({ passkeys: [] });
    await shows(status(), `Passkey "${PASSKEY_NAME}" deleted.`);
    await shows(page.locator('#no-passkeys'), 'No passkeys yet');
    expect(await page.getByRole('listitem').count()).toBe(0);
    passed.add('delete');
  });

  it('refuses the deleted passkey: the browser still offers it, the server answers 401 invalid_passkey', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(lines(await api.take(1))).toEqual(['POST /logout 204']);
    await shows(status(), 'Signed out.');

    const smsBefore = outboxLines(local.outboxFile).length;
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const [options, refused] = await api.take(2);
    expect(lines([options, refused])).toEqual(['POST /passkey/options 200', 'POST /passkey/verify 401']);
    expect(await body(refused)).toEqual({ error: expect.any(String), code: 'invalid_passkey' });
    await shows(alert(), /\(invalid_passkey\)$/);
    expect(await page.locator('#signed-in').isHidden()).toBe(true);
    expect(outboxLines(local.outboxFile)).toHaveLength(smsBefore);
    expect(api.rest()).toEqual([]);
    passed.add('refused');

    // The README's picture, kept only from a journey that passed from end to end.
    expect([...passed]).toEqual(['open', 'sms', 'enrol', 'logout', 'passkey sign-in', 'delete', 'refused']);
    expect(screenshot).toBeInstanceOf(Buffer);
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await writeFile(SCREENSHOT, screenshot as Buffer);
  });
});
