// 产业用地 (industrial land, src/industry), two tabs of one page read from
// /api/industry/... (src/http/api_industry.c):
//   #/industry             标准地: the parcels in the caller's scope; a
//                          parcel (#/industry/parcel-BZD-2024-01) with its
//                          conditions of sale (each value's source, and
//                          whether it was confirmed against the published
//                          table), its investment agreement and its
//                          acceptances item by item with the shortfall.
//   #/industry/permu       亩均效益评价: a year's evaluation of the
//                          caller's county, every indicator's value,
//                          benchmark and points per enterprise, grades.
// Labels come from the module's dictionary (web/i18n/<lang>/industry.json);
// the server's Chinese texts (titles, reasons, messages) are shown as they
// come.

import { fetchJson, state as session } from './api.js';
import { t, has, fmtNum } from './i18n.js';
import { $, el, table } from './util.js';

const TABS = ['parcels', 'permu'];

/** What the page shows, for the browser tests and the console. */
export const industryState = { tab: null, parcel: null, year: null, loaded: null };

const num = (v, d = 2) => ({ text: v === null || v === undefined ? '—' : fmtNum(v, d), className: 'num' });
const sourceName = (c) => (has(`industry.source.${c}`) ? t(`industry.source.${c}`) : c);
const resultName = (r) => (r ? (has(`industry.result.${r}`) ? t(`industry.result.${r}`) : r) : '—');

function may(action) {
  const v = session.can?.industry?.[action];
  return Boolean(v) && v !== 'none';
}

function renderTabs() {
  const nav = $('industry-tabs');
  nav.textContent = '';
  for (const tab of TABS) {
    const href = tab === 'parcels' ? '#/industry' : `#/industry/${tab}`;
    const cur = industryState.tab === tab || (tab === 'parcels' && industryState.tab === 'parcel');
    nav.append(el('a', { href, className: `quota-tab industry-tab${cur ? ' current' : ''}`, dataset: { tab }, 'aria-current': cur ? 'page' : undefined }, t(`industry.tab.${tab}`)));
  }
}

function card(titleKey, ...children) {
  return el('section', { className: 'card industry-card' }, el('h3', {}, t(titleKey)), ...children);
}

/** A card across the whole width of the page's grid (wide tables). */
const wide = (c) => {
  c.style.gridColumn = '1 / -1';
  return c;
};

async function showParcels(body) {
  const r = await fetchJson('/api/industry/parcels');
  industryState.loaded = r;
  if (!r.parcels.length) {
    body.append(el('p', { className: 'empty' }, t('industry.noParcels')));
    return;
  }
  const rows = r.parcels.map((p) => [
    el('a', { href: `#/industry/parcel-${encodeURIComponent(p.code)}` }, p.code), p.name, p.division, p.industry,
    num(p.area_m2 / (10000 / 15)), p.enterprise || '—', resultName(p.result),
  ]);
  body.append(wide(card('industry.parcels', table(['code', 'name', 'division', 'industry', 'mu', 'enterprise', 'result'].map((k) => t(`industry.col.${k}`)), rows, { className: 'data', id: 'industry-parcels' }))));
}

function conditionsTable(cond) {
  const rows = Object.entries(cond).map(([, c]) => [
    c.title, `${c.op} ${fmtNum(c.value, 2)} ${c.unit || ''}`, sourceName(c.source),
    c.confirmed === false ? t('industry.unconfirmed') : c.source === 'bureau' ? t('industry.bureau') : t('industry.confirmed'),
  ]);
  return table(['indicator', 'required', 'source', 'checked'].map((k) => t(`industry.col.${k}`)), rows, { className: 'data', id: 'industry-conditions' });
}

function acceptanceCard(a) {
  const rows = a.items.map((i) => [i.title, i.department, `${i.op} ${fmtNum(i.required, 2)}`, num(i.actual), i.met ? t('industry.met') : t('industry.short'), num(i.shortfall)]);
  const head = `${a.inspected_on} ${t(`industry.stage.${a.stage}`)}: ${resultName(a.result)}${a.deadline ? ` (${t('industry.deadline')} ${a.deadline})` : ''}`;
  return el('div', { className: 'industry-acceptance', dataset: { result: a.result } }, el('h4', {}, head),
    table(['indicator', 'department', 'required', 'actual', 'met', 'shortfall'].map((k) => t(`industry.col.${k}`)), rows, { className: 'data' }));
}

async function showParcel(body, code) {
  const p = await fetchJson(`/api/industry/parcels/${encodeURIComponent(code)}`);
  industryState.parcel = p;
  body.append(card('industry.parcel', el('p', {}, `${p.code} ${p.name} · ${p.division} · ${t('industry.col.industry')} ${p.industry} · ${fmtNum(p.mu, 2)} ${t('industry.mu')}${p.supply_no ? ` · ${t('industry.supply')} ${p.supply_no}` : ''}`), conditionsTable(p.conditions)));
  const c = p.commitment;
  if (c) {
    body.append(card('industry.commitment', table([t('industry.col.item'), t('industry.col.value')], [
      [t('industry.enterprise'), `${c.enterprise} (${c.credit_code})`],
      [t('industry.investment'), `${fmtNum(c.investment_wan, 2)} ${t('industry.wan')}`],
      [t('industry.outputPerMu'), `${fmtNum(c.output_per_mu_wan, 2)} ${t('industry.wanPerMu')}`],
      [t('industry.taxPerMu'), `${fmtNum(c.tax_per_mu_wan, 2)} ${t('industry.wanPerMu')}`],
      [t('industry.dates'), `${c.signed_on} / ${c.start_on} / ${c.completion_on} / ${c.production_on}`],
    ], { className: 'data' })));
  } else {
    body.append(el('p', { className: 'empty' }, t('industry.noCommitment')));
  }
  if (p.acceptances.length) body.append(card('industry.acceptances', ...p.acceptances.map(acceptanceCard)));
}

async function showPermu(body) {
  const year = industryState.year || new Date().getFullYear() - 1;
  const form = el('form', { className: 'industry-toolbar' },
    el('label', {}, t('industry.year'), ' ', el('input', { type: 'number', id: 'industry-year', value: String(year), min: '1990', max: '2200' })),
    el('button', { type: 'submit' }, t('industry.apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    industryState.year = Number($('industry-year').value);
    show('permu').catch((err) => console.error(err));
  });
  const head = wide(el('section', { className: 'card industry-card' }, form));
  body.append(head);
  let r;
  try {
    r = await fetchJson(`/api/industry/evaluation?year=${year}`);
  } catch (err) {
    head.append(el('p', { className: 'empty', id: 'industry-permu-empty' }, err.message));
    return;
  }
  industryState.loaded = r;
  const grades = ['A', 'B', 'C', 'D'].map((g) => `${g} ${r.grades[g] || 0}`).join(' · ');
  head.append(el('p', { className: 'hint' }, t('industry.permuSummary', { year: r.year, n: r.enterprises.length, grades })));
  const rows = r.enterprises.map((e) => [String(e.rank), e.name, e.credit_code, e.above_size ? t('industry.above') : t('industry.below'),
    num(e.score), `${e.grade} ${e.grade_title || ''}${(e.flags || []).map((f) => ` · ${f.title}`).join('')}`,
    e.indicators.map((i) => `${i.title} ${i.value === null ? '—' : fmtNum(i.value, 2)} / ${fmtNum(i.benchmark, 2)} → ${fmtNum(i.ratio, 3)} × ${fmtNum(i.weight, 0)} = ${fmtNum(i.points, 2)}`).join('; ')]);
  body.append(wide(card('industry.permu', table(['rank', 'enterprise', 'creditCode', 'size', 'score', 'grade', 'detail'].map((k) => t(`industry.col.${k}`)), rows, { className: 'data', id: 'industry-permu' }))));
}

export async function show(param) {
  const parcel = param && param.startsWith('parcel-') ? decodeURIComponent(param.slice(7)) : null;
  industryState.tab = parcel ? 'parcel' : TABS.includes(param) ? param : 'parcels';
  renderTabs();
  const body = $('industry-body');
  body.textContent = '';
  if (!may('read')) {
    body.append(el('p', { className: 'empty', id: 'industry-denied' }, t('industry.denied')));
    body.dataset.ready = industryState.tab;
    return;
  }
  body.setAttribute('aria-busy', 'true');
  try {
    if (parcel) await showParcel(body, parcel);
    else if (industryState.tab === 'permu') await showPermu(body);
    else await showParcels(body);
  } catch (err) {
    body.append(el('p', { className: 'error' }, err.message));
  } finally {
    body.removeAttribute('aria-busy');
    body.dataset.ready = industryState.tab;
  }
}
