// 监测预警 (monitoring and enforcement, src/monitor): the batches of
// change patches (卫片图斑) a county imported, each patch with its verdict
// and the areas it rests on; the alerts with their state and deadline,
// and the moves open to one (each with a reason, on the ledger); an
// import form; and the rates per county beside seed 000's figures.
//
// Addresses: #/monitor (alerts), #/monitor/batches, #/monitor/import,
// #/monitor/analytics, #/monitor/batch-3, #/monitor/alert-7. Verdicts and
// states come from the server with their Chinese titles; the dictionaries
// name them in English.

import { fetchJson, request, state } from './api.js';
import { t, has, fmtNum, fmtInt, fmtShare, fmtTime } from './i18n.js';
import { $, el, table } from './util.js';

const TABS = ['alerts', 'batches', 'import', 'analytics'];
export const monitorState = { tab: 'alerts', last: null };

const may = (action) => {
  const v = state.can?.monitor?.[action];
  return Boolean(v) && v !== 'none';
};

// A verdict's or a state's name: the dictionary's, else the server's title.
const named = (group, code, title) => (has(`monitor.${group}.${code}`) ? t(`monitor.${group}.${code}`) : title || code);
const m2 = (v) => (typeof v === 'number' ? fmtNum(v, 2) : '-');
const errorBox = (err) => el('p', { className: 'error', role: 'alert' }, err.message);

function renderTabs(current) {
  const nav = $('monitor-tabs');
  nav.textContent = '';
  for (const tab of TABS) {
    if (tab === 'import' && !may('create')) continue;
    const a = el('a', { href: tab === 'alerts' ? '#/monitor' : `#/monitor/${tab}`, dataset: { tab } }, t(`monitor.tab.${tab}`));
    if (tab === current) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
}

async function showAlerts(body) {
  const o = await fetchJson('/api/monitor/alerts');
  monitorState.last = o;
  body.append(el('p', { className: 'hint' }, t('monitor.alertsIntro', { n: o.alerts.length, overdue: o.overdue, date: o.as_of })));
  if (!o.alerts.length) return body.append(el('p', { className: 'empty' }, t('monitor.noAlerts')));
  const rows = o.alerts.map((a) => ({
    props: { dataset: { id: a.id } },
    cells: [
      el('a', { href: `#/monitor/alert-${a.id}` }, String(a.id)), a.patch_no,
      named('verdict', a.kind, a.kind_title),
      `${named('code', a.class_before, a.class_before_title)} → ${named('code', a.class_after, a.class_after_title)}`,
      { text: m2(a.unapproved_m2), className: 'num' }, named('state', a.state, a.state_title),
      a.overdue ? `${a.deadline} ${t('monitor.overdue')}` : a.deadline,
    ],
  }));
  body.append(table([t('monitor.col.alert'), t('monitor.col.patch'), t('monitor.col.kind'), t('monitor.col.change'),
    t('monitor.col.unapproved'), t('monitor.col.state'), t('monitor.col.deadline')], rows, { id: 'monitor-alerts' }));
}

async function showAlert(body, id) {
  const a = await fetchJson(`/api/monitor/alerts/${id}`);
  body.append(el('h3', {}, t('monitor.alertTitle', { id: a.id, patch: a.patch_no })));
  body.append(el('p', {}, `${named('verdict', a.kind, a.kind_title)} · ${named('state', a.state, a.state_title)} · ${t('monitor.col.deadline')} ${a.deadline}`));
  body.append(el('p', {}, t('monitor.areas', { area: m2(a.area_m2), approved: m2(a.approved_m2), unapproved: m2(a.unapproved_m2), pbf: m2(a.pbf_m2), eprl: m2(a.eprl_m2) })));
  body.append(table([t('monitor.col.at'), t('monitor.col.actor'), t('monitor.col.state'), t('monitor.col.reason')],
    a.events.map((e) => [fmtTime(e.at), e.actor, named('state', e.to_state, e.to_title), e.reason]), { id: 'monitor-events' }));
  if (!a.next.length || !may('act')) return;
  const select = el('select', { id: 'monitor-move-to' }, a.next.map((n) => el('option', { value: n.state }, `${named('state', n.state, n.title)} (${n.basis})`)));
  const reason = el('input', { id: 'monitor-move-reason', required: true, size: 40 });
  const out = el('p', { role: 'status' });
  const form = el('form', { id: 'monitor-move' },
    el('label', {}, t('monitor.moveTo'), ' ', select), el('label', {}, t('monitor.col.reason'), ' ', reason),
    el('button', { type: 'submit' }, t('monitor.move')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await fetchJson(`/api/monitor/alerts/${id}/moves`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: select.value, reason: reason.value }),
      });
      await show(`alert-${id}`);
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  });
  body.append(form);
}

async function showBatches(body) {
  const o = await fetchJson('/api/monitor/batches');
  if (!o.batches.length) return body.append(el('p', { className: 'empty' }, t('monitor.noBatches')));
  body.append(table([t('monitor.col.batch'), t('monitor.col.name'), t('monitor.col.division'), t('monitor.col.patches'),
    t('monitor.col.area'), t('monitor.col.alerts'), t('monitor.col.detected')],
  o.batches.map((b) => [el('a', { href: `#/monitor/batch-${b.id}` }, String(b.id)), b.name, b.division, fmtInt(b.patch_count),
    { text: m2(b.area_m2), className: 'num' }, fmtInt(b.alerts), b.detected_at ? fmtTime(b.detected_at) : t('monitor.notDetected')]),
  { id: 'monitor-batches' }));
}

async function showBatch(body, id) {
  const b = await fetchJson(`/api/monitor/batches/${id}`);
  body.append(el('h3', {}, `${b.name} (${b.division})`));
  body.append(el('p', {}, b.counts.map((c) => `${named('verdict', c.verdict, c.title)} ${c.n}`).join(' · ')));
  if (!b.detected_at && may('create')) {
    const out = el('p', { role: 'status' });
    body.append(el('button', { id: 'monitor-detect', onclick: async () => {
      try {
        await fetchJson(`/api/monitor/batches/${id}/detect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        await show(`batch-${id}`);
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    } }, t('monitor.detect')), out);
  }
  body.append(table([t('monitor.col.patch'), t('monitor.col.change'), t('monitor.col.area'), t('monitor.col.approved'),
    t('monitor.col.unapproved'), t('monitor.col.pbf'), t('monitor.col.eprl'), t('monitor.col.kind')],
  b.patches.map((p) => [p.patch_no, `${named('code', p.class_before, p.class_before_title)} → ${named('code', p.class_after, p.class_after_title)}`,
    { text: m2(p.area_m2), className: 'num' }, { text: m2(p.approved_m2), className: 'num' }, { text: m2(p.unapproved_m2), className: 'num' },
    { text: m2(p.pbf_m2), className: 'num' }, { text: m2(p.eprl_m2), className: 'num' },
    p.alert_id ? el('a', { href: `#/monitor/alert-${p.alert_id}` }, named('verdict', p.verdict, p.verdict_title)) : named('verdict', p.verdict, p.verdict_title)]),
  { id: 'monitor-patches' }));
}

function showImport(body) {
  const file = el('input', { type: 'file', id: 'monitor-file', accept: '.gpkg,.geojson,.json,.zip', required: true });
  const division = el('input', { id: 'monitor-division', value: state.user?.division || '', size: 9, required: true });
  const name = el('input', { id: 'monitor-name', size: 30 });
  const out = el('div', { role: 'status' });
  const form = el('form', { id: 'monitor-import' },
    el('p', { className: 'hint' }, t('monitor.importIntro')),
    el('label', {}, t('monitor.file'), ' ', file), ' ', el('label', {}, t('monitor.col.division'), ' ', division), ' ',
    el('label', {}, t('monitor.col.name'), ' ', name), ' ', el('button', { type: 'submit' }, t('monitor.importDetect')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData();
    f.set('file', file.files[0]);
    f.set('division', division.value);
    if (name.value) f.set('name', name.value);
    f.set('detect', 'true');
    const r = await request('/api/monitor/batches', { method: 'POST', body: f });
    const o = await r.json().catch(() => null);
    if (!r.ok) return out.replaceChildren(errorBox(new Error(o?.error?.message || `HTTP ${r.status}`)));
    location.hash = `#/monitor/batch-${o.id}`;
  });
  body.append(form);
}

async function showAnalytics(body) {
  const o = await fetchJson('/api/monitor/analytics');
  body.append(table([t('monitor.col.division'), t('monitor.col.alerts'), t('monitor.rate.verified'), t('monitor.rate.rectified'),
    t('monitor.rate.overdue'), t('monitor.rate.closed')],
  o.rates.map((r) => [r.division, fmtInt(r.alerts), `${fmtInt(r.verified)} (${fmtShare(r.verified_rate)})`,
    `${fmtInt(r.rectified)} (${fmtShare(r.rectified_rate)})`, `${fmtInt(r.overdue)} (${fmtShare(r.overdue_rate)})`, fmtInt(r.closed)]),
  { id: 'monitor-rates' }));
  body.append(el('p', { className: 'hint' }, o.rates_formula));
  body.append(el('h3', {}, t('monitor.seedTitle', { from: o.period.from, to: o.period.to, cases: o.period.cases, concluded: o.period.concluded })));
  body.append(table([t('monitor.col.figure'), t('monitor.col.seed'), t('monitor.col.measured'), t('monitor.col.formula')],
    o.seed_000.map((f) => [f.title, `${f.seed} ${f.unit}`, f.measured === null ? t('monitor.noConcluded') : `${fmtNum(f.measured, 4)} ${f.unit}`, f.formula]),
    { id: 'monitor-seed' }));
}

export async function show(param) {
  const m = /^(batch|alert)-(\d+)$/.exec(param || '');
  const tab = m ? (m[1] === 'batch' ? 'batches' : 'alerts') : TABS.includes(param) ? param : 'alerts';
  monitorState.tab = tab;
  renderTabs(tab);
  const body = $('monitor-body');
  body.textContent = '';
  if (!may('read')) {
    body.append(el('p', { className: 'empty', id: 'monitor-denied' }, t('monitor.denied')));
    body.dataset.ready = tab;
    return;
  }
  body.setAttribute('aria-busy', 'true');
  try {
    if (m && m[1] === 'batch') await showBatch(body, m[2]);
    else if (m) await showAlert(body, m[2]);
    else if (tab === 'batches') await showBatches(body);
    else if (tab === 'import') showImport(body);
    else if (tab === 'analytics') await showAnalytics(body);
    else await showAlerts(body);
  } catch (err) {
    body.append(errorBox(err));
  } finally {
    body.removeAttribute('aria-busy');
    body.dataset.ready = tab;
  }
}
