// The dashboard (工作台): who is logged in (name, role, jurisdiction), the
// recent compliance checks the account may see (GET /api/checks), the
// inbox of approval tasks offered to the account (GET /api/tasks), each
// linked to its case, and the cases past a deadline (GET
// /api/cases?overdue=1). A panel whose API the role may not use (or the
// server does not have) stays hidden; nothing is made up in its place.

import { fetchJson, state } from './api.js';
import { t, has, currentLang, fmtNum, fmtTime } from './i18n.js';
import { $, el, table } from './util.js';

let wired = false;
let last = null; // what was shown, redrawn in another language

function renderUser() {
  const u = state.user;
  const box = $('dash-user');
  box.textContent = '';
  if (!u) return;
  const role = currentLang() !== 'zh-CN' && has(`roleName.${u.role}`) ? t(`roleName.${u.role}`) : u.role_title;
  const rows = [
    ['dash.name', u.name || u.login],
    ['dash.login', u.login],
    ['dash.role', role],
    ['dash.division', u.division || '—'],
  ];
  if (u.level) rows.push(['dash.level', currentLang() !== 'zh-CN' && has(`level.${u.level}`) ? t(`level.${u.level}`) : u.level_title || u.level]);
  if (u.dept) rows.push(['dash.dept', u.dept]);
  if (u.enterprise) rows.push(['dash.enterprise', u.enterprise]);
  box.append(el('dl', { className: 'facts' }, rows.flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', { dataset: { field: k.slice(5) } }, v)])));
}

function renderChecks(list, error) {
  const box = $('dash-checks');
  box.textContent = '';
  if (error) {
    box.append(el('p', { className: 'error' }, error));
    return;
  }
  if (!list.length) {
    box.append(el('p', { className: 'empty' }, t('dash.noChecks')), el('a', { href: '#/check', className: 'button' }, t('dash.newCheck')));
    return;
  }
  const rows = list.map((c) => ({
    props: { dataset: { id: String(c.id) } },
    cells: [
      el('a', { href: `#/check/${c.id}` }, `#${c.id}`),
      c.name || '—',
      el('span', { className: `badge verdict-${c.verdict}` }, t(`verdict.${['pass', 'conditional', 'prohibited'].includes(c.verdict) ? c.verdict : 'none'}`)),
      { text: fmtNum(c.area_m2 / 1e4, 4), className: 'num' },
      fmtTime(c.created_at),
    ],
  }));
  box.append(table([t('dash.check'), t('report.project'), t('report.verdict'), t('unit.ha'), t('report.created')], rows, { className: 'data', id: 'dash-checks-table' }));
}

function renderTasks(tasks) {
  const panel = $('dash-inbox');
  if (!tasks) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const box = $('dash-tasks');
  box.textContent = '';
  if (!tasks.length) {
    box.append(el('p', { className: 'empty' }, t('dash.noTasks')));
    return;
  }
  box.append(
    el(
      'ul',
      { className: 'tasks', id: 'dash-tasks-list' },
      tasks.map((k) =>
        el(
          'li',
          { dataset: { id: String(k.id), case: String(k.case_id ?? ''), node: k.node || '', overdue: String(Boolean(k.overdue)) } },
          el('a', { href: `#/cases/${k.case_id}` }, el('strong', {}, k.name || k.node)),
          k.element ? ` (${has(`dept.${k.element}`) ? t(`dept.${k.element}`) : k.element})` : '',
          ` · ${k.case_code || ''} ${k.case_title || ''}`,
          k.due_at ? el('span', { className: `due${k.overdue ? ' overdue' : ''}` }, ` · ${t('dash.due')} ${fmtTime(k.due_at)}${k.overdue ? ` (${t('cases.overdue')})` : ''}`) : '',
        ),
      ),
    ),
  );
}

function renderOverdue(cases) {
  const panel = $('dash-overdue');
  panel.hidden = !cases;
  if (!cases) return;
  const box = $('dash-overdue-list');
  box.textContent = '';
  if (!cases.length) {
    box.append(el('p', { className: 'empty' }, t('dash.noOverdue')));
    return;
  }
  box.append(
    el(
      'ul',
      { className: 'tasks', id: 'dash-overdue-cases' },
      cases.map((c) =>
        el(
          'li',
          { dataset: { id: String(c.id) } },
          el('a', { href: `#/cases/${c.id}` }, c.code),
          ` ${c.title || ''}`,
          c.current?.length ? ` · ${c.current.join('、')}` : '',
        ),
      ),
    ),
    el('p', {}, el('a', { href: '#/cases?overdue=1', id: 'dash-all-overdue' }, t('dash.allOverdue'))),
  );
}

const may = (resource, action) => {
  const v = state.can?.[resource]?.[action];
  return Boolean(v) && v !== 'none';
};

async function load() {
  renderUser();
  $('dash-new-case').hidden = !may('case', 'create');
  // 404: this server has no approval cases; 403: not this role's.
  const absent = () => null;
  const [checks, tasks, overdue] = await Promise.all([
    fetchJson('/api/checks?limit=10').then((b) => ({ list: b.checks }), (err) => ({ error: err.message })),
    may('task', 'read') ? fetchJson('/api/tasks').then((b) => (Array.isArray(b) ? b : b.tasks || []), absent) : null,
    may('case', 'read') ? fetchJson('/api/cases?overdue=1&limit=10').then((b) => b.cases || [], absent) : null,
  ]);
  last = { checks, tasks, overdue };
  renderChecks(checks.list || [], checks.error);
  renderTasks(tasks);
  renderOverdue(overdue);
}

export async function show() {
  if (!wired) {
    wired = true;
    document.addEventListener('landgov:lang', () => {
      if (!last) return;
      renderUser();
      renderChecks(last.checks.list || [], last.checks.error);
      renderTasks(last.tasks);
      renderOverdue(last.overdue);
    });
  }
  $('status').textContent = '';
  await load();
}
