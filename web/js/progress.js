// Public progress (办理进度查询): anyone, logged in or not, enters a case
// code and sees its status (GET /api/public/cases/{code}: the code, the
// status and its title, nothing else). "#/progress/<code>" asks at once,
// so the address can be printed on the applicant's receipt.

import { t, has, currentLang } from './i18n.js';
import { $, el } from './util.js';

// The usual order of an approval; a case that ended otherwise (returned,
// rejected, vetoed...) shows that outcome instead of the steps.
const STAGES = ['submitted', 'in_review', 'notice', 'approved', 'handed_over'];

export const progressState = { last: null };

function statusLabel(code, title) {
  if (currentLang() !== 'zh-CN' && has(`caseStatus.${code}`)) return t(`caseStatus.${code}`);
  return title || (has(`caseStatus.${code}`) ? t(`caseStatus.${code}`) : code);
}

function render() {
  const box = $('progress-result');
  const r = progressState.last;
  box.textContent = '';
  box.hidden = !r;
  if (!r) return;
  if (r.error) {
    box.className = 'progress-result bad';
    box.dataset.ok = 'false';
    box.append(el('p', { id: 'progress-error' }, r.error));
    return;
  }
  const p = r.body;
  box.className = 'progress-result ok';
  box.dataset.ok = 'true';
  box.dataset.status = p.status;
  box.append(
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, t('progress.code')),
      el('dd', { id: 'progress-code-shown' }, p.code),
      el('dt', {}, t('progress.status')),
      el('dd', {}, el('strong', { id: 'progress-status', className: `badge case-status status-${p.status}` }, statusLabel(p.status, p.status_title))),
    ),
  );
  const at = STAGES.indexOf(p.status);
  if (at >= 0) {
    box.append(
      el(
        'ol',
        { className: 'stages', 'aria-label': t('progress.stages') },
        STAGES.map((s, i) => el('li', { className: i < at ? 'past' : i === at ? 'now' : 'future', 'aria-current': i === at ? 'step' : false }, statusLabel(s))),
      ),
    );
  } else {
    box.append(el('p', { className: 'hint' }, t('progress.ended')));
  }
}

async function query(code) {
  progressState.last = null;
  const button = $('progress-submit');
  button.disabled = true;
  try {
    // No session needed: the server answers anyone (the "progress" grant).
    const r = await fetch(`/api/public/cases/${encodeURIComponent(code)}`, { credentials: 'same-origin' });
    const body = await r.json().catch(() => null);
    progressState.last = r.ok ? { body } : { error: body?.error?.message || t('progress.failed', { status: r.status }) };
  } catch (err) {
    progressState.last = { error: t('error.connect', { message: err.message }) };
  } finally {
    button.disabled = false;
  }
  render();
}

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $('progress-form').addEventListener('submit', (evt) => {
    evt.preventDefault();
    const code = $('progress-code').value.trim();
    if (!code) return;
    history.replaceState(null, '', `#/progress/${encodeURIComponent(code)}`);
    query(code);
  });
  document.addEventListener('landgov:lang', () => {
    if (!$('page-progress').hidden) render();
  });
}

/** Shows the page; with a code, asks for it at once. */
export async function show(code) {
  wire();
  $('status').textContent = '';
  if (code) {
    $('progress-code').value = code;
    await query(code);
  } else {
    render();
  }
}
