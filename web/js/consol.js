// 全域土地综合整治 (land consolidation, "#/consol"), read from and written
// to /api/consol/... (src/http/api_consol.c):
//   #/consol            项目库: the projects the account may see, by status,
//                       with their type, township, area and budget
//   #/consol/potential  整治潜力 of a township: cultivated land, fragments
//                       under 3 mu, scattered rural construction land outside
//                       the development boundary, the quotas it would yield
//   #/consol/<id>       one project: the control lines found at registration
//                       with their warnings, its steps, its acceptance and the
//                       quota movements it posted
// Statuses and types are shown by the server's Chinese titles (the English
// dictionary names them otherwise); money is integer fen shown as yuan.

import { fetchJson, state as session } from './api.js';
import { t, has, currentLang, fmtInt, fmtNum } from './i18n.js';
import { $, el, table } from './util.js';

/** What the page shows, for the browser tests and the console. */
export const consolState = { tab: null, project: null, potential: null };

const TABS = ['projects', 'potential'];

const may = (action) => {
  const v = session.can?.consol?.[action];
  return Boolean(v) && v !== 'none';
};
const statusName = (code, title) => (currentLang() !== 'zh-CN' && has(`consolStatus.${code}`) ? t(`consolStatus.${code}`) : title || code);
const typeName = (code, title) => (currentLang() !== 'zh-CN' && has(`consolType.${code}`) ? t(`consolType.${code}`) : title || code);
const num = (text) => ({ text, className: 'num' });
const m2 = (v) => fmtNum(v ?? 0, 2);

function yuan(fen) {
  const a = BigInt(Math.abs(fen ?? 0));
  return `${fen < 0 ? '-' : ''}${(a / 100n).toLocaleString(currentLang())}.${String(a % 100n).padStart(2, '0')}`;
}

function card(titleKey, ...children) {
  return el('section', { className: 'card', dataset: { card: titleKey } }, el('h3', {}, t(titleKey)), ...children);
}

function renderTabs(current) {
  const nav = $('consol-tabs');
  nav.textContent = '';
  for (const tab of TABS) {
    const href = tab === 'projects' ? '#/consol' : `#/consol/${tab}`;
    nav.append(el('a', { href, className: `quota-tab${current === tab ? ' current' : ''}`, 'aria-current': current === tab ? 'page' : undefined }, t(`consol.tab.${tab}`)));
  }
}

async function showProjects(body) {
  const r = await fetchJson('/api/consol/projects');
  const rows = r.projects.map((p) => ({
    props: { dataset: { id: String(p.id), status: p.status } },
    cells: [el('a', { href: `#/consol/${p.id}` }, p.code), p.name, typeName(p.type, p.type_title), p.division, statusName(p.status, p.status_title), num(m2(p.area_m2)), num(yuan(p.budget_fen))],
  }));
  body.append(card('consol.library', rows.length
    ? table([t('consol.code'), t('consol.name'), t('consol.type'), t('consol.division'), t('consol.status'), t('consol.areaM2'), t('consol.budgetYuan')], rows, { id: 'consol-projects', className: 'data' })
    : el('p', { className: 'empty' }, t('consol.none'))));
}

function figures(p) {
  const c = p.cultivated;
  const r = p.rural_construction;
  const rows = [
    [t('consol.cultivated'), num(m2(c.area_m2))],
    [t('consol.paddy'), num(m2(c.paddy_m2))],
    [t('consol.blocks'), num(fmtInt(c.blocks))],
    [t('consol.largest'), num(m2(c.largest_block_m2))],
    [t('consol.fragments'), num(`${fmtInt(c.fragments.count)} / ${m2(c.fragments.area_m2)}`)],
    [t('consol.rural'), num(m2(r.area_m2))],
    [t('consol.outsideUdb'), num(m2(r.outside_udb_m2))],
    [t('consol.scattered'), num(`${fmtInt(r.scattered.count)} / ${m2(r.scattered.area_m2)}`)],
    [t('consol.yieldCultivated'), num(fmtInt(p.quotas.cultivated_area))],
    [t('consol.yieldLinkage'), num(fmtInt(p.quotas.linkage_surplus))],
  ];
  return table([t('consol.item'), t('consol.value')], rows, { id: 'consol-potential', className: 'data' });
}

async function showPotential(body) {
  const out = el('div', { id: 'consol-potential-out' });
  const input = el('input', { id: 'consol-township', name: 'township', required: true, pattern: '[0-9]{6,12}', placeholder: '360781101' });
  const form = el('form', { className: 'consol-form' }, el('label', {}, t('consol.township'), ' ', input), ' ', el('button', { type: 'submit' }, t('consol.compute')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.textContent = '';
    try {
      const p = await fetchJson(`/api/consol/potential?township=${encodeURIComponent(input.value.trim())}`);
      consolState.potential = p;
      out.append(figures(p), el('p', { className: 'hint' }, t('consol.yieldNote')));
    } catch (err) {
      out.append(el('p', { className: 'error', role: 'alert' }, err.message));
    }
  });
  body.append(card('consol.potential', el('p', { className: 'hint' }, t('consol.potentialIntro')), form, out));
}

async function showProject(body, id) {
  const p = await fetchJson(`/api/consol/projects/${encodeURIComponent(id)}`);
  consolState.project = p;
  const info = table([t('consol.item'), t('consol.value')], [
    [t('consol.code'), p.code], [t('consol.name'), p.name], [t('consol.type'), typeName(p.type, p.type_title)],
    [t('consol.division'), p.division], [t('consol.status'), statusName(p.status, p.status_title)],
    [t('consol.areaM2'), num(m2(p.area_m2))], [t('consol.budgetYuan'), num(yuan(p.budget_fen))],
    [t('consol.schedule'), `${p.start_on} — ${p.end_on}`],
  ], { className: 'data', id: 'consol-project' });
  const lines = ['eprl', 'pbf', 'udb'].map((k) => [t(`consol.line.${k}`), p.controls[k] ? num(m2(p.controls[k].overlap_m2)) : t('consol.noLayer')]);
  const warn = (p.controls.warnings || []).map((w) => el('p', { className: 'warning' }, w));
  const acts = table([t('consol.step'), t('consol.document'), t('consol.actor'), t('consol.at')],
    p.acts.map((a) => [statusName(a.to, a.to_title), a.document || '—', a.actor, a.at]), { className: 'data', id: 'consol-acts' });
  body.append(card('consol.project', info), card('consol.controls', table([t('consol.line'), t('consol.overlapM2')], lines, { className: 'data' }), ...warn), card('consol.acts', acts));
  if (p.acceptance) {
    const mv = p.acceptance.movements.map((m) => [has(`consolKind.${m.kind}`) ? t(`consolKind.${m.kind}`) : m.kind, num(fmtInt(m.amount)), el('a', { href: '#/quota/movements' }, String(m.movement_id))]);
    body.append(card('consol.acceptance', el('p', {}, `${p.acceptance.document} · ${p.acceptance.accepted_on}`),
      table([t('consol.kind'), t('consol.amount'), t('consol.movement')], mv, { className: 'data', id: 'consol-movements' })));
  }
}

export async function show(param) {
  const tab = param === 'potential' ? 'potential' : 'projects';
  consolState.tab = /^[0-9]+$/.test(param || '') ? 'project' : tab;
  renderTabs(tab);
  const body = $('consol-body');
  body.textContent = '';
  if (!may('read')) {
    body.append(el('p', { className: 'empty', id: 'consol-denied' }, t('consol.denied')));
    body.dataset.ready = consolState.tab;
    return;
  }
  body.setAttribute('aria-busy', 'true');
  try {
    if (consolState.tab === 'project') await showProject(body, param);
    else if (tab === 'potential') await showPotential(body);
    else await showProjects(body);
  } catch (err) {
    body.append(el('p', { className: 'error', role: 'alert' }, err.message));
  } finally {
    body.removeAttribute('aria-busy');
    body.dataset.ready = consolState.tab;
  }
}
