// Verifying the approval ledger (存证核验) in the browser. The proofs are
// checked here, with WebCrypto, by the project's standalone verifier
// (tools/verify/verify.mjs, served at /verify/verify.mjs): the same code
// people run offline, not a copy. What is checked:
//   - the latest checkpoint is signed by the log key the browser trusts;
//   - the entry, hashed here, is in the tree that checkpoint commits to
//     (its inclusion proof, RFC 9162).
// The key to trust is not taken from the proof bundle: it is the key this
// browser recorded the first time it verified (trust on first use), or
// one the user pastes from the bureau's published announcement. A key the
// server now shows that differs from the recorded one is said loudly.

import { fetchJson } from './api.js';
import { t, fmtTime } from './i18n.js';
import { $, el } from './util.js';

const KEY_STORE = 'landgov.ledgerKey';

async function verifier() {
  await import('/verify/verify.mjs'); // a classic script: it sets globalThis.LandgovVerify
  return globalThis.LandgovVerify;
}

function pinnedKey() {
  try {
    return localStorage.getItem(KEY_STORE) || '';
  } catch {
    return '';
  }
}

function pinKey(k) {
  try {
    localStorage.setItem(KEY_STORE, k);
  } catch {
    /* storage refused: the key lasts the visit, shown on the page */
  }
}

/** The key to trust: the page's field, else the recorded one, else the
 *  server's (recorded now). Also says whether the server's key differs. */
async function trustedKey() {
  const field = $('ledger-key')?.value.trim();
  const served = (await fetchJson('/api/ledger/key')).key;
  let key = field || pinnedKey();
  if (!key) {
    key = served;
    pinKey(key);
  }
  if ($('ledger-key') && !field) $('ledger-key').value = key;
  return { key, served, differs: served !== key };
}

/** Verifies entry `index`: signs/fetches the latest checkpoint, fetches the
 *  entry with its proof against it, checks both. Throws on failure (a
 *  LandgovVerify.VerifyError says what did not hold). */
export async function verifyEntry(index) {
  const V = await verifier();
  const { key, differs } = await trustedKey();
  const cp = await fetchJson('/api/ledger/checkpoint');
  await V.openCheckpoint(cp.checkpoint, key); // the checkpoint's signature
  const bundle = await fetchJson(`/api/ledger/entries/${encodeURIComponent(index)}?size=${cp.size}`);
  if (bundle.checkpoint !== cp.checkpoint) {
    throw new V.VerifyError(t('ledger.otherCheckpoint'));
  }
  const r = await V.verifyBundle(bundle, key);
  return { ...r, key, keyDiffers: differs, checkpoint: cp };
}

/** Finds the latest ledger entry about an object and verifies it. */
export async function verifyObject(type, id) {
  const list = await fetchJson(`/api/ledger/objects/${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
  if (!list.entries.length) {
    const e = new Error(t('ledger.noEntry', { type, id }));
    e.noEntry = true;
    throw e;
  }
  const last = list.entries[list.entries.length - 1];
  return verifyEntry(last.index);
}

/** Shows a verification's outcome in box: success with what the entry
 *  says, or the failure and why (never a silent nothing). */
export function renderVerifyResult(box, r, err) {
  box.hidden = false;
  box.textContent = '';
  if (err) {
    const VE = globalThis.LandgovVerify?.VerifyError;
    const verifyFailed = Boolean(VE && err instanceof VE);
    box.className = 'verify-result bad';
    box.dataset.ok = 'false';
    box.append(
      el('p', { className: 'verdict-line' }, `✘ ${verifyFailed ? t('ledger.failed') : t('ledger.couldNot')}`),
      el('p', {}, err.message),
    );
    return;
  }
  box.className = 'verify-result ok';
  box.dataset.ok = 'true';
  box.append(el('p', { className: 'verdict-line' }, `✔ ${t('ledger.ok', { index: String(r.index), size: String(r.size), origin: r.origin })}`));
  const e = r.entry || {};
  box.append(
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, t('ledger.action')), el('dd', {}, e.action ?? '—'),
      el('dt', {}, t('ledger.object')), el('dd', {}, `${e.object_type ?? ''} ${e.object_id ?? ''}`),
      el('dt', {}, t('ledger.actor')), el('dd', {}, `${e.actor ?? ''}${e.role ? ` (${e.role})` : ''}${e.jurisdiction ? ` · ${e.jurisdiction}` : ''}`),
      el('dt', {}, t('ledger.time')), el('dd', {}, fmtTime(e.time)),
      el('dt', {}, t('ledger.digest')), el('dd', { className: 'mono' }, e.digest ?? '—'),
      el('dt', {}, t('ledger.key')), el('dd', { className: 'mono' }, r.key),
    ),
  );
  if (r.keyDiffers) box.append(el('p', { className: 'warning' }, t('ledger.keyDiffers')));
}

// ---- The ledger page ----------------------------------------------------------

let wired = false;

async function run(index) {
  const out = $('ledger-result');
  out.hidden = false;
  out.className = 'verify-result';
  out.textContent = t('ledger.verifying');
  try {
    renderVerifyResult(out, await verifyEntry(index));
  } catch (err) {
    renderVerifyResult(out, null, err);
  }
}

async function status() {
  try {
    const s = await fetchJson('/api/ledger');
    $('ledger-status').textContent = t('ledger.status', { origin: s.origin, size: s.size });
    $('ledger-index').max = String(Math.max(0, s.size - 1));
  } catch (err) {
    $('ledger-status').textContent = err.message;
  }
}

function wire() {
  if (wired) return;
  wired = true;
  $('ledger-form').addEventListener('submit', (evt) => {
    evt.preventDefault();
    const v = $('ledger-index').value.trim();
    if (!/^\d+$/.test(v)) {
      renderVerifyResult($('ledger-result'), null, new Error(t('ledger.badIndex')));
      return;
    }
    history.replaceState(null, '', `#/ledger/${v}`);
    run(v);
  });
  $('ledger-key-save').addEventListener('click', () => {
    const k = $('ledger-key').value.trim();
    if (k) pinKey(k);
    $('ledger-key-note').textContent = t('ledger.keySaved');
  });
  document.addEventListener('landgov:lang', () => {
    if (!$('page-ledger').hidden) status();
  });
}

/** Shows the ledger page; with an entry number, verifies it at once. */
export async function show(index) {
  wire();
  $('status').textContent = '';
  if (!$('ledger-key').value) $('ledger-key').value = pinnedKey();
  await status();
  if (index !== undefined && /^\d+$/.test(index)) {
    $('ledger-index').value = index;
    await run(index);
  }
}
