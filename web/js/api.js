// Talking to landgov's API: the session, the CSRF token and JSON requests.
//
// The session itself is an HttpOnly cookie the page never sees; the CSRF
// token that comes with the login goes back in X-CSRF-Token on every
// request that changes something. A 401 while someone was logged in means
// the session ended: the login form comes back, and the pages reload what
// they show once someone has logged in again (the "login" event).
//
// Error messages come from the server in Chinese and are shown as they
// come, whatever the page's language.

import { t } from './i18n.js';

export const state = {
  user: null, // the account, as /api/session and /api/login give it
  csrf: null,
  can: null, // grants of the role, from /api/session
  loginPending: null,
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const $ = (id) => document.getElementById(id);

/** An error from the API: message (the server's, Chinese), status, code. */
export class ApiError extends Error {
  constructor(message, status, code, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function sessionEnded() {
  state.user = null;
  state.csrf = null;
  document.dispatchEvent(new CustomEvent('landgov:user'));
  ensureLogin(t('login.expired')).then(() => document.dispatchEvent(new CustomEvent('landgov:login')));
}

/** fetch() with the session: the CSRF header on unsafe methods, and a
 *  401 with someone logged in brings the login back. Resolves to the
 *  Response whatever its status, except for 401. */
export async function request(url, init = {}) {
  const method = (init.method || 'GET').toUpperCase();
  const headers = { ...(init.headers || {}) };
  if (!SAFE_METHODS.has(method) && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  if (r.status === 401 && state.user) sessionEnded();
  return r;
}

/** A JSON request; throws ApiError (with the server's message) unless 2xx. */
export async function fetchJson(url, init = {}) {
  const r = await request(url, init);
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    throw new ApiError(body?.error?.message || `HTTP ${r.status}`, r.status, body?.error?.code, body);
  }
  return body;
}

/** The session as it is: sets state.user and state.csrf; null if nobody. */
export async function loadSession() {
  const s = await fetchJson('/api/session');
  state.can = s.can || null;
  if (s.user) {
    state.user = s.user;
    state.csrf = s.csrf;
  }
  return s.user ? s : null;
}

// Shows the login form until a login succeeds.
function askLogin(message) {
  return new Promise((resolve) => {
    const form = $('login-form');
    $('login-error').textContent = message || '';
    $('login').hidden = false;
    document.body.classList.add('logged-out');
    $('login-name').focus();
    const submit = async (evt) => {
      evt.preventDefault();
      $('login-error').textContent = '';
      $('login-submit').disabled = true;
      try {
        const r = await fetch('/api/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ login: $('login-name').value.trim(), password: $('login-password').value }),
        });
        const body = await r.json().catch(() => null);
        if (!r.ok) {
          $('login-error').textContent = body?.error?.message || t('login.failed', { status: r.status });
          return;
        }
        state.user = body.user;
        state.csrf = body.csrf;
        // The role's grants (which pages and actions to offer) come with
        // the session, not with the login's answer.
        await loadSession().catch(() => {});
        $('login-password').value = '';
        $('login').hidden = true;
        document.body.classList.remove('logged-out');
        form.removeEventListener('submit', submit);
        document.dispatchEvent(new CustomEvent('landgov:user'));
        resolve();
      } catch (err) {
        $('login-error').textContent = t('error.connect', { message: err.message });
      } finally {
        $('login-submit').disabled = false;
      }
    };
    form.addEventListener('submit', submit);
  });
}

/** One login form at a time, however many requests found the session gone
 *  (shown again if a public page had put it aside). */
export function ensureLogin(message) {
  if (!state.loginPending) {
    state.loginPending = askLogin(message).finally(() => (state.loginPending = null));
  } else if ($('login').hidden) {
    $('login').hidden = false;
    document.body.classList.add('logged-out');
    $('login-name').focus();
  }
  return state.loginPending;
}

/** Puts the login form aside (for a page anyone may see); a pending login
 *  stays pending, and ensureLogin shows the form again. */
export function hideLogin() {
  $('login').hidden = true;
}

export async function logout() {
  await fetchJson('/api/logout', { method: 'POST' }).catch(() => {});
  // A fresh page: nothing of the last user's work stays on screen.
  location.reload();
}
