// The dashboard (工作台): who is logged in (name, role, jurisdiction), the
// recent compliance checks the account may see (GET /api/checks), the
// inbox of approval tasks offered to the account (GET /api/tasks), each
// linked to its case, and the cases past a deadline (GET
// /api/cases?overdue=1), and the approval measures of the account's
// jurisdiction over the last 30 days (GET /api/metrics/approval: cases,
// steps passed, time per approval level and per department in working
// days, the share spent in coordination, steps overdue or idle, each
// department's daily load against its threshold) with ECharts. A panel
// whose API the role may not use (or the server does not have) stays
// hidden; nothing is made up in its place. The figures are the server's.

import { fetchJson, state } from './api.js';
import { t, has, currentLang, fmtInt, fmtNum, fmtShare, fmtTime } from './i18n.js';
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
      el('span', { className: `badge verdict-${c.verdict}` }, t(`verdict.${['pass', 'conditional', 'unreviewable', 'prohibited'].includes(c.verdict) ? c.verdict : 'none'}`)),
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

/** Open tasks that no one can act on (无人办理), with a link to the case,
 *  where an administrator reassigns them. */
function renderUnattended(list) {
  const panel = $('dash-unattended');
  panel.hidden = !list || !list.length;
  if (panel.hidden) return;
  const box = $('dash-unattended-list');
  box.textContent = '';
  box.append(
    el(
      'ul',
      { className: 'tasks', id: 'dash-unattended-tasks' },
      list.map((k) =>
        el(
          'li',
          { dataset: { id: String(k.task_id), case: String(k.case_id) } },
          el('a', { href: `#/cases/${k.case_id}` }, k.code),
          ` ${k.title || ''} · `,
          el('strong', {}, k.name),
          ' ',
          el('span', { className: 'badge unattended' }, t('cases.unattended')),
        ),
      ),
    ),
  );
}

const may = (resource, action) => {
  const v = state.can?.[resource]?.[action];
  return Boolean(v) && v !== 'none';
};

// ---- Approval measures ------------------------------------------------------

let charts = [];

function renderMetrics(m) {
  const panel = $('dash-metrics');
  for (const c of charts) c.dispose();
  charts = [];
  panel.hidden = !m;
  if (!m) return;
  const s = m.summary || {};
  $('dash-metrics-period').textContent = t('metrics.period', { from: m.period?.from ?? '', to: m.period?.to ?? '', days: m.period?.working_days ?? '' });
  const days = (v) => `${fmtNum(v ?? 0, 1)} ${t('metrics.wd')}`;
  const rows = [
    ['cases', fmtInt(s.cases)],
    ['concluded', `${fmtInt(s.concluded)} / ${fmtInt(s.filed)}`],
    ['nodes', fmtNum(s.nodes_per_concluded_case ?? 0, 1)],
    ['elapsed', days(s.elapsed_per_concluded_case?.working_days)],
    ['coordination', fmtShare(s.coordination?.share ?? 0, 1)],
    ['overdue', fmtInt(s.overdue_steps)],
    ['idle', fmtInt(s.idle_steps)],
    ['overloaded', fmtInt(s.overloaded_units)],
  ];
  const dl = $('dash-metrics-summary');
  dl.textContent = '';
  dl.append(...rows.flatMap(([k, v]) => [el('dt', {}, t(`metrics.${k}`)), el('dd', { dataset: { field: k } }, v)]));
  drawMetricCharts(m).catch((err) => console.error(err));
}

async function drawMetricCharts(m) {
  const echarts = await import('echarts');
  if ($('dash-metrics').hidden) return;
  const font = { fontFamily: getComputedStyle(document.body).fontFamily };
  const title = (key) => ({ text: t(key), left: 'center', top: 0, textStyle: { fontSize: 13 } });
  const bars = (id, key, items, name) => {
    const c = echarts.init($(id), null, { renderer: 'svg' });
    c.setOption({
      animation: false,
      textStyle: font,
      title: title(key),
      tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, 1)} ${t('metrics.wd')}` },
      grid: { left: 48, right: 12, top: 52, bottom: 40 },
      xAxis: { type: 'category', data: items.map(name), axisLabel: { interval: 0, rotate: items.length > 4 ? 25 : 0 } },
      yAxis: { type: 'value', name: t('metrics.wd') },
      series: [{ type: 'bar', data: items.map((x) => x.working_days ?? 0), barMaxWidth: 40, itemStyle: { color: '#1f4e79' } }],
    });
    charts.push(c);
  };
  const named = (prefix, code, title2) => (currentLang() !== 'zh-CN' && has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : title2 || code);
  bars('chart-levels', 'metrics.levels', m.levels || [], (x) => named('level', x.level, x.title));
  bars('chart-depts', 'metrics.depts', m.departments || [], (x) => named('dept', x.department, x.title));
  // Daily load of each unit, with the threshold it is measured against.
  const dayset = [...new Set((m.load || []).flatMap((u) => (u.days || []).map((d) => d.day)))].sort();
  const load = echarts.init($('chart-load'), null, { renderer: 'svg' });
  load.setOption({
    animation: false,
    textStyle: font,
    title: title('metrics.load'),
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 40, right: 16, top: 52, bottom: 48 },
    xAxis: { type: 'category', data: dayset },
    // The threshold stays in sight however light the load.
    yAxis: { type: 'value', name: t('metrics.items'), minInterval: 1, max: (v) => Math.max(v.max, (m.settings?.load_threshold || 0) + 1) },
    series: (m.load || []).map((u, i) => ({
      type: 'bar',
      name: `${named('dept', u.department, u.title)}@${u.division}`,
      data: dayset.map((d) => u.days?.find((x) => x.day === d)?.handled ?? 0),
      barMaxWidth: 24,
      markLine: i === 0 && m.settings?.load_threshold ? { symbol: 'none', silent: true, label: { formatter: t('metrics.threshold', { n: m.settings.load_threshold }) }, lineStyle: { color: '#c62828', type: 'dashed' }, data: [{ yAxis: m.settings.load_threshold }] } : undefined,
    })),
  });
  charts.push(load);
}

async function load() {
  renderUser();
  $('dash-new-case').hidden = !may('case', 'create');
  // 404: this server has no approval cases; 403: not this role's.
  const absent = () => null;
  const [checks, tasks, overdue, metrics, unattended] = await Promise.all([
    fetchJson('/api/checks?limit=10').then((b) => ({ list: b.checks }), (err) => ({ error: err.message })),
    may('task', 'read') ? fetchJson('/api/tasks').then((b) => (Array.isArray(b) ? b : b.tasks || []), absent) : null,
    may('case', 'read') ? fetchJson('/api/cases?overdue=1&limit=10').then((b) => b.cases || [], absent) : null,
    may('metrics', 'read') ? fetchJson('/api/metrics/approval?limit=1').catch(absent) : null,
    may('task', 'read') ? fetchJson('/api/tasks/unattended').then((b) => b.tasks || [], absent) : null,
  ]);
  last = { checks, tasks, overdue, metrics, unattended };
  renderChecks(checks.list || [], checks.error);
  renderTasks(tasks);
  renderOverdue(overdue);
  renderUnattended(unattended);
  renderMetrics(metrics);
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
      renderUnattended(last.unattended);
      renderMetrics(last.metrics);
    });
    window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  }
  $('status').textContent = '';
  await load();
}
