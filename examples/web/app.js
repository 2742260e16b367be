// The whole otp-login journey in a browser, against the API on this page's own origin (`npm start`
// serves this file at /demo/): an SMS code once, then a passkey on this device. No framework, no
// build step: WebAuthn's own JSON helpers (parseCreationOptionsFromJSON, toJSON) turn the server's
// options into what navigator.credentials takes, and the credential back into what the server reads.

// Tokens live in this module's memory only, never in localStorage, sessionStorage or a cookie: any
// script that ever runs on this origin could read those, and a stolen refresh token is a session
// that lasts for days. The price is that a reload signs you out, which with a passkey costs one
// touch, not an SMS. (A production web app would keep the refresh token out of JavaScript entirely,
// e.g. in an HttpOnly cookie set by its own backend.)
let session = null; // { access, refresh }

const $ = (id) => document.getElementById(id);
const ui = {
  signedOut: $('signed-out'),
  signedIn: $('signed-in'),
  sendForm: $('send-form'),
  verifyForm: $('verify-form'),
  phone: $('phone'),
  otp: $('otp'),
  passkeySignIn: $('passkey-sign-in'),
  who: $('who'),
  passkeys: $('passkeys'),
  noPasskeys: $('no-passkeys'),
  enrolForm: $('enrol-form'),
  passkeyName: $('passkey-name'),
  signOut: $('sign-out'),
  status: $('status'),
  error: $('error'),
};

/** An answer that is not 2xx: the service's `{error, code}`, shown to the user as it is. */
class ApiError extends Error {
  constructor(status, body) {
    const code = typeof body?.code === 'string' ? body.code : `http_${status}`;
    super(typeof body?.error === 'string' ? body.error : `The server answered ${status}.`);
    this.status = status;
    this.code = code;
  }
}

/** One API call: JSON in, JSON out (or nothing for 204), the access token when `auth` is set. */
async function api(method, path, { body, auth = false } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth) headers.authorization = `Bearer ${session.access}`;
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

function say(message) {
  ui.error.textContent = '';
  ui.status.textContent = message;
}

// The status line keeps what last succeeded (signed in, code sent): a later failure does not undo it.
function fail(error) {
  if (error instanceof ApiError) ui.error.textContent = `${error.message} (${error.code})`;
  // What navigator.credentials throws: NotAllowedError when the user cancels or no passkey matches.
  else if (error instanceof DOMException)
    ui.error.textContent = `The browser refused: ${error.message} (${error.name})`;
  else ui.error.textContent = `Something went wrong: ${error.message}`;
}

/** Runs one user action with its button disabled, so a double click is not two requests. */
function action(button, run) {
  return async (event) => {
    event?.preventDefault();
    ui.error.textContent = '';
    button.disabled = true;
    try {
      await run();
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  };
}

/**
 * How this session was proved, from the access token's `amr` claim (RFC 8176). Read for display only:
 * the page never needs to verify its own token, the API does that on every call.
 */
function signInMethod(access) {
  try {
    const payload = access.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const amr = JSON.parse(atob(payload)).amr ?? [];
    if (amr.includes('hwk')) return 'a passkey';
    if (amr.includes('sms')) return 'an SMS code';
  } catch {
    // an unreadable token is still the server's business, not the page's
  }
  return 'an unknown method';
}

/** "just now", "5 minutes ago": stable wording for a screenshot, and what people read anyway. */
function ago(iso) {
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return 'just now';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86400) return format.format(-Math.floor(seconds / 3600), 'hour');
  return new Date(iso).toLocaleDateString('en', { dateStyle: 'medium' });
}

function passkeyItem(passkey) {
  const item = document.createElement('li');
  const text = document.createElement('div');
  const name = document.createElement('span');
  name.className = 'passkey-name';
  name.textContent = passkey.name; // textContent, never innerHTML: the name is user input
  const meta = document.createElement('span');
  meta.className = 'passkey-meta';
  const used = passkey.last_used_at ? `last used ${ago(passkey.last_used_at)}` : 'never used';
  const kind = passkey.backed_up ? 'synced' : 'this device only';
  meta.textContent = `Added ${ago(passkey.created_at)} · ${used} · ${kind}`;
  meta.title = `Added ${passkey.created_at}`;
  text.append(name, meta);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'danger';
  remove.textContent = 'Delete';
  remove.setAttribute('aria-label', `Delete passkey ${passkey.name}`);
  remove.addEventListener(
    'click',
    action(remove, async () => {
      await api('DELETE', `/me/passkeys/${encodeURIComponent(passkey.id)}`, { auth: true });
      await showPasskeys();
      say(`Passkey "${passkey.name}" deleted.`);
    }),
  );
  item.append(text, remove);
  return item;
}

async function showPasskeys() {
  const { passkeys } = await api('GET', '/me/passkeys', { auth: true });
  ui.passkeys.replaceChildren(...passkeys.map(passkeyItem));
  ui.noPasskeys.hidden = passkeys.length > 0;
}

async function signedIn(tokens, how) {
  session = { access: tokens.access, refresh: tokens.refresh };
  const me = await api('GET', '/me', { auth: true });
  ui.who.textContent = `Signed in as ${me.phone_number} with ${signInMethod(tokens.access)}.`;
  ui.signedOut.hidden = true;
  ui.signedIn.hidden = false;
  ui.verifyForm.hidden = true;
  ui.otp.value = '';
  say(how);
  await showPasskeys();
}

function signedOut(message) {
  session = null;
  ui.passkeys.replaceChildren();
  ui.signedIn.hidden = true;
  ui.signedOut.hidden = false;
  say(message);
}

const webauthnReady =
  typeof PublicKeyCredential === 'function' &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' &&
  typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';

ui.sendForm.addEventListener(
  'submit',
  action(ui.sendForm.querySelector('button'), async () => {
    await api('POST', '/send-otp', { body: { phone_number: ui.phone.value.trim() } });
    ui.verifyForm.hidden = false;
    ui.otp.focus();
    say(`Code sent to ${ui.phone.value.trim()}.`);
  }),
);

ui.verifyForm.addEventListener(
  'submit',
  action(ui.verifyForm.querySelector('button'), async () => {
    const tokens = await api('POST', '/verify-otp', {
      body: { phone_number: ui.phone.value.trim(), otp: ui.otp.value.trim() },
    });
    await signedIn(tokens, 'Signed in with the code from the SMS.');
  }),
);

ui.passkeySignIn.addEventListener(
  'click',
  action(ui.passkeySignIn, async () => {
    // Empty allowCredentials: the browser offers every passkey it holds for this site, no number typed.
    const options = await api('POST', '/passkey/options', { body: {} });
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    const tokens = await api('POST', '/passkey/verify', { body: { credential: credential.toJSON() } });
    await signedIn(tokens, 'Signed in with a passkey: no SMS sent.');
  }),
);

ui.enrolForm.addEventListener(
  'submit',
  action(ui.enrolForm.querySelector('button'), async () => {
    const options = await api('POST', '/me/passkeys/options', { body: {}, auth: true });
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    const name = ui.passkeyName.value.trim();
    const added = await api('POST', '/me/passkeys', {
      body: { credential: credential.toJSON(), ...(name ? { name } : {}) },
      auth: true,
    });
    ui.passkeyName.value = '';
    await showPasskeys();
    say(`Passkey "${added.name}" added: next time, sign in with it.`);
  }),
);

ui.signOut.addEventListener(
  'click',
  action(ui.signOut, async () => {
    // Ends this session's refresh family on the server; forgetting the tokens alone would not.
    await api('POST', '/logout', { body: { refresh: session.refresh } });
    signedOut('Signed out.');
  }),
);

if (!webauthnReady) {
  for (const button of [ui.passkeySignIn, ui.enrolForm.querySelector('button')]) button.disabled = true;
  fail(new Error('this browser has no WebAuthn JSON helpers (Chrome 129+, Firefox 119+, Safari 18.4+): SMS only.'));
}

// For people and tests alike: the module has run, and whether this browser can use passkeys.
document.body.dataset.ready = webauthnReady ? 'passkeys' : 'sms-only';
