// Public progress (办理进度查询): anyone, logged in or not, enters a case
// code and sees the project, its status, the steps on the path the case
// actually took with their dates, and its statutory notices (GET
// /api/public/cases/{code}: units, never people's names).
// "#/progress/<code>" asks at once, so the address can be printed on the
// applicant's receipt.

import { t, has, currentLang, fmtTime } from './i18n.js';
import { $, el } from './util.js';

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
      ...facts(p),
    ),
  );
  const steps = p.steps || [];
  box.append(
    el('h3', {}, t('progress.stages')),
    steps.length
      ? el(
          'ol',
          { className: 'progress-steps', id: 'progress-steps' },
          steps.map((s) =>
            el(
              'li',
              { className: s.status === 'open' ? 'now' : 'past', dataset: { status: s.status } },
              el('strong', {}, s.name),
              unitOf(s) ? ` (${unitOf(s)})` : '',
              ` · ${fmtTime(s.created_at)}`,
              s.completed_at ? ` → ${fmtTime(s.completed_at)} ${t('progress.done')}` : ` · ${t('progress.inHand')}`,
            ),
          ),
        )
      : el('p', { className: 'hint' }, t('progress.noSteps')),
  );
  if (p.notices?.length) {
    box.append(
      el('h3', {}, t('progress.notices')),
      el('ul', { id: 'progress-notices' }, p.notices.map((n) => el('li', {}, el('strong', {}, n.title), ` · ${fmtTime(n.start_at)} → ${fmtTime(n.end_at)}${n.period ? ` (${n.period})` : ''}`))),
    );
  }
}

const unitOf = (s) => s.department_title || s.level_title || '';

/** The project's facts beyond its code and status. */
function facts(p) {
  const rows = [
    ['progress.project', p.title],
    ['progress.filed', p.created_at && fmtTime(p.created_at)],
    ['progress.decided', p.decided_at && fmtTime(p.decided_at)],
    ['progress.document', p.document_no],
  ];
  return rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', { dataset: { field: k.slice(9) } }, v)]);
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
