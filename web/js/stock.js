// 存量土地 (land after approval, src/stock): the three ledgers the bureau
// used to keep by hand in Excel, computed by the server as of a day, with
// filters and an Excel export of the columns bureaus use; the dashboard
// of digestion rate and idle area by county; the approvals, supplies and
// unsupplied remainders on a map, coloured by status; imports of the
// land-market monitoring system's sheets; and a page per parcel with its
// timeline, site visits and photos, the Order 53 procedure with its
// documents, and its ledger entries, each verified in the browser by the
// standalone verifier (js/ledger.js).
//
// Addresses: #/stock (dashboard), #/stock/unsupplied, #/stock/unused,
// #/stock/idle, #/stock/map, #/stock/import, #/stock/supply-12,
// #/stock/approval-3. Everything shown is the server's: statuses come
// with their titles (and the dictionaries name them in English); the
// server's Chinese texts (acts, causes, messages) are shown as they come.

import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { bbox as bboxStrategy } from 'ol/loadingstrategy.js';
import Style from 'ol/style/Style.js';
import Fill from 'ol/style/Fill.js';
import Stroke from 'ol/style/Stroke.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { isEmpty } from 'ol/extent.js';

import { fetchJson, request, state } from './api.js';
import { t, has, currentLang, fmtInt, fmtNum, fmtShare, fmtTime } from './i18n.js';
import { $, el, table } from './util.js';
import { styleHooks } from './map.js';
import { verifyEntry } from './ledger.js';

const TABS = ['summary', 'unsupplied', 'unused', 'idle', 'map', 'import'];

// Colours of statuses: the six of Order 53 (the server's configuration
// gives them too) and the four of an approval.
export const STATUS_COLOURS = {
  not_due: '#78909c',
  under_construction: '#2e7d32',
  completed: '#1565c0',
  government_delay: '#8e24aa',
  idle_fee: '#ef6c00',
  idle_recover: '#c62828',
  unsupplied: '#d84315',
  partial: '#f9a825',
  supplied: '#2e7d32',
  revoked: '#9e9e9e',
};

export const stockState = { tab: 'summary', asOf: '', division: '', config: null, map: null, last: null, page: null, colours: STATUS_COLOURS };

const today = () => {
  const d = new Date(Date.now() + 8 * 3600 * 1000); // Beijing
  return d.toISOString().slice(0, 10);
};

const may = (action) => {
  const v = state.can?.stock?.[action];
  return Boolean(v) && v !== 'none';
};

function hexToRgba(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

const styleCache = {};
function statusStyle(status, dashed = false) {
  const key = `${status}/${dashed}`;
  if (!styleCache[key]) {
    const c = STATUS_COLOURS[status] || '#607d8b';
    styleCache[key] = new Style({
      fill: new Fill({ color: hexToRgba(c, dashed ? 0.12 : 0.45) }),
      stroke: new Stroke({ color: c, width: dashed ? 1.5 : 1.2, lineDash: dashed ? [6, 3] : undefined }),
    });
  }
  return styleCache[key];
}

// The One Map colours the stock layers (as of their last refresh) by the
// status each feature carries.
styleHooks.push((layer) => {
  if (layer.role === 'approval' || layer.role === 'supply' || layer.name === 'stock_unsupplied') {
    const dashed = layer.role === 'approval';
    return (feature) => statusStyle(feature.get('status') || (layer.name === 'stock_unsupplied' ? 'unsupplied' : ''), dashed);
  }
  return null;
});

/** A status in the page's language (the server's title in Chinese). */
function statusTitle(code, title) {
  if (currentLang() !== 'zh-CN' && has(`stock.status.${code}`)) return t(`stock.status.${code}`);
  return title || (has(`stock.status.${code}`) ? t(`stock.status.${code}`) : code);
}

function badge(code, title) {
  return el('span', { className: `badge stock-status status-${code}`, style: `--c:${STATUS_COLOURS[code] || '#607d8b'}` }, statusTitle(code, title));
}

/** "2" -> 第2条, "12(1)" -> 第12条第(1)项. */
function article(a) {
  const m = /^(\d+)\((\d+)\)$/.exec(a);
  return m ? t('stock.articleItem', { n: m[1], k: m[2] }) : t('stock.article', { n: a });
}
const articles = (list) => (list || []).map(article).join('、');

/** A ledger entry's action in words: the server's (Chinese), or the
 *  dictionary's in another language. */
function actionTitle(e) {
  const m = /^stock\.act\.(\w+)$/.exec(e.action || '');
  const key = m ? `stock.action.act.${m[1]}` : `stock.action.${e.action}`;
  if (currentLang() !== 'zh-CN' && has(key)) return t(key);
  return e.action_title || (has(key) ? t(key) : e.action);
}

const ha = (v) => ({ text: fmtNum(v ?? 0, 4), className: 'num' });
const query = (extra = {}) => {
  const p = new URLSearchParams();
  if (stockState.asOf) p.set('as_of', stockState.asOf);
  if (stockState.division) p.set('division', stockState.division);
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p.toString();
};

async function config() {
  if (!stockState.config) stockState.config = await fetchJson('/api/stock/config');
  return stockState.config;
}

function setNotice(text, error = false) {
  const n = $('stock-notice');
  n.textContent = text || '';
  n.classList.toggle('error', error);
}

// ---- Tabs -------------------------------------------------------------------------

function showPane(name) {
  for (const pane of document.querySelectorAll('#page-stock .stock-pane')) pane.hidden = pane.id !== `stock-${name}`;
  for (const a of document.querySelectorAll('#stock-tabs a')) {
    if (a.dataset.tab === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- Dashboard ------------------------------------------------------------------------

let charts = [];

async function renderSummary() {
  const s = await fetchJson(`/api/stock/summary?${query()}`);
  stockState.last = s;
  const box = $('stock-summary-figures');
  box.textContent = '';
  const tot = s.totals;
  const figs = [
    ['approved', `${fmtNum(tot.approved_ha, 2)} ${t('unit.ha')}`],
    ['unsupplied', `${fmtNum(tot.unsupplied_ha, 2)} ${t('unit.ha')}`],
    ['digestion', fmtShare(tot.digestion_rate, 1)],
    ['zengcun', `${fmtNum(tot.quota_reduction_ha, 2)} ${t('unit.ha')}`],
    ['unused', `${fmtInt(tot.unused)} (${fmtNum(tot.unused_ha, 2)} ${t('unit.ha')})`],
    ['idle', `${fmtNum(tot.idle_ha, 2)} ${t('unit.ha')}`],
    ['fees', `${fmtNum(tot.fees_due_yuan, 2)} ${t('stock.yuan')}`],
  ];
  box.append(el('dl', { className: 'facts stock-figures' }, figs.flatMap(([k, v]) => [el('dt', {}, t(`stock.fig.${k}`)), el('dd', { dataset: { field: k } }, v)])));
  $('stock-summary-asof').textContent = t('stock.asOfNote', { day: s.as_of, age: s.zengcun.age_years });
  const rows = s.counties.map((c) => [
    c.county, fmtInt(c.approvals), ha(c.approved_ha), ha(c.unsupplied_ha), { text: fmtShare(c.digestion_rate, 1), className: 'num' },
    ha(c.quota_reduction_ha), fmtInt(c.supplies), fmtInt(c.unused), ha(c.idle_ha), { text: fmtNum(c.fees_due_yuan, 2), className: 'num' },
  ]);
  const tb = $('stock-summary-table');
  tb.textContent = '';
  tb.append(table(['county', 'approvals', 'approvedHa', 'unsuppliedHa', 'digestion', 'zengcunHa', 'supplies', 'unused', 'idleHa', 'fees'].map((k) => t(`stock.col.${k}`)), rows, { className: 'data', id: 'stock-counties' }));
  drawCharts(s).catch((err) => console.error(err));
}

async function drawCharts(s) {
  const echarts = await import('echarts');
  for (const c of charts) c.dispose();
  charts = [];
  if ($('stock-summary').hidden) return;
  const font = { fontFamily: getComputedStyle(document.body).fontFamily };
  const title = (key) => ({ text: t(key), left: 'center', top: 0, textStyle: { fontSize: 13 } });
  const counties = s.counties.map((c) => c.county);
  const rate = echarts.init($('stock-chart-rate'), null, { renderer: 'svg' });
  rate.setOption({
    animation: false,
    textStyle: font,
    title: title('stock.chart.rate'),
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, 1)}%` },
    grid: { left: 48, right: 12, top: 44, bottom: 32 },
    xAxis: { type: 'category', data: counties },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [{ type: 'bar', data: s.counties.map((c) => +(c.digestion_rate * 100).toFixed(2)), barMaxWidth: 48, itemStyle: { color: '#2e7d32' } }],
  });
  const idle = echarts.init($('stock-chart-idle'), null, { renderer: 'svg' });
  const kinds = ['government_delay', 'idle_fee', 'idle_recover'];
  idle.setOption({
    animation: false,
    textStyle: font,
    title: title('stock.chart.idle'),
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 40, right: 12, top: 44, bottom: 48 },
    xAxis: { type: 'category', data: counties },
    yAxis: { type: 'value', name: t('stock.parcels'), minInterval: 1 },
    series: kinds.map((k) => ({ type: 'bar', stack: 'idle', name: statusTitle(k), data: s.counties.map((c) => c.idle?.[k] ?? 0), itemStyle: { color: STATUS_COLOURS[k] }, barMaxWidth: 48 })),
  });
  const years = [...new Set(s.digestion_by_year.map((y) => y.year))].sort();
  const byYear = echarts.init($('stock-chart-years'), null, { renderer: 'svg' });
  byYear.setOption({
    animation: false,
    textStyle: font,
    title: title('stock.chart.years'),
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${fmtNum(v, 1)}%`) },
    legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 44, bottom: 48 },
    xAxis: { type: 'category', data: years.map(String) },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: counties.map((c) => ({
      type: 'line',
      name: c,
      connectNulls: true,
      data: years.map((y) => {
        const r = s.digestion_by_year.find((x) => x.county === c && x.year === y);
        return r ? +(r.digestion_rate * 100).toFixed(2) : null;
      }),
    })),
  });
  charts.push(rate, idle, byYear);
}

// ---- Ledgers ------------------------------------------------------------------------------

const COLUMNS = {
  unsupplied: ['approval_no', 'name', 'division', 'approved_on', 'approved_ha', 'supplied_ha', 'unsupplied_ha', 'age_years', 'zengcun', 'method', 'unit', 'deadline', 'struck'],
  unused: ['supervision_no', 'project', 'holder', 'division', 'area_ha', 'supply_method', 'contract_on', 'effective_start_on', 'overdue_days', 'status', 'method', 'unit', 'deadline', 'struck'],
  idle: ['supervision_no', 'project', 'holder', 'division', 'area_ha', 'price_wan', 'idle_since', 'status', 'fee_yuan', 'articles', 'stage', 'method', 'unit', 'deadline', 'struck'],
};

function cellOf(kind, key, r) {
  switch (key) {
    case 'approval_no':
      return el('a', { href: `#/stock/approval-${r.approval_id}` }, r.approval_no);
    case 'supervision_no':
      return el('a', { href: `#/stock/supply-${r.supply_id}` }, r.supervision_no);
    case 'approved_ha': case 'supplied_ha': case 'unsupplied_ha': case 'area_ha': case 'price_wan':
      return ha(r[key]);
    case 'fee_yuan':
      return { text: r.fee_yuan ? fmtNum(r.fee_yuan, 2) : '—', className: 'num' };
    case 'age_years': case 'overdue_days':
      return { text: fmtInt(r[key]), className: 'num' };
    case 'zengcun':
      return r.zengcun ? t('stock.yes') : '';
    case 'status':
      return badge(r.status, r.status_title);
    case 'articles':
      return articles(r.articles);
    case 'deadline':
      return el('span', { className: r.deadline_passed ? 'due overdue' : '' }, r.deadline || '—');
    case 'method':
      return el('span', { title: r.planned ? t('stock.planned') : t('stock.defaultPlan') }, r.method, r.planned ? '' : ' *');
    case 'struck':
      return r.open ? el('span', { className: 'open' }, t('stock.open')) : t('stock.struckOn', { day: r.struck_on || '', act: r.struck_act_title || r.struck_act });
    default:
      return r[key] ?? '—';
  }
}

async function renderLedger(kind) {
  const cfg = await config();
  const statusSel = $('stock-filter-status');
  const want = statusSel.value;
  statusSel.textContent = '';
  const opts = [['', t('stock.all')], ['open', t('stock.open')], ['struck', t('stock.struck')]];
  if (kind === 'idle') for (const k of ['government_delay', 'idle_fee', 'idle_recover']) opts.push([k, statusTitle(k, cfg.statuses?.[k]?.title)]);
  for (const [v, label] of opts) statusSel.append(el('option', { value: v, selected: v === want }, label));
  const extra = { status: statusSel.value, q: $('stock-filter-q').value.trim() };
  const l = await fetchJson(`/api/stock/ledger/${kind}?${query(extra)}`);
  $('stock-ledger-title').textContent = `${t(`stock.kind.${kind}`)} · ${t('stock.asOf', { day: l.as_of })}`;
  $('stock-export').href = `/api/stock/ledger/${kind}?${query({ ...extra, format: 'xlsx' })}`;
  const tot = l.totals;
  $('stock-ledger-totals').textContent =
    kind === 'unsupplied'
      ? t('stock.totals.unsupplied', { n: fmtInt(tot.count), open: fmtInt(tot.open), ha: fmtNum(tot.unsupplied_ha, 4), rate: fmtShare(tot.digestion_rate, 1), z: fmtNum(tot.zengcun_ha, 4) })
      : t(`stock.totals.${kind}`, { n: fmtInt(tot.count), open: fmtInt(tot.open), ha: fmtNum(tot.open_ha, 4), fees: fmtNum(tot.fees_due_yuan ?? 0, 2) });
  const box = $('stock-ledger-table');
  box.textContent = '';
  if (!l.rows.length) {
    box.append(el('p', { className: 'empty' }, t('stock.noRows')));
    return;
  }
  const cols = COLUMNS[kind];
  box.append(
    table(
      cols.map((c) => t(`stock.col.${c}`)),
      l.rows.map((r) => ({ props: { dataset: { open: String(r.open), status: r.status || '' } }, cells: cols.map((c) => cellOf(kind, c, r)) })),
      { className: 'data stock-ledger', id: `stock-ledger-${kind}` },
    ),
  );
  if (l.computation) {
    const c = l.computation;
    box.append(el('p', { className: 'hint' }, t('stock.computation', { n: fmtInt(c.approvals), fast: fmtInt(c.fast), geos: fmtInt(c.geos), ms: fmtNum(c.elapsed_ms, 1) })));
  }
}

// ---- Map ------------------------------------------------------------------------------------

function makeSource(what) {
  const format = new GeoJSON();
  const source = new VectorSource({
    format,
    strategy: bboxStrategy,
    loader(extent, resolution, projection, success, failure) {
      const bbox = extent.map((v) => Math.max(-20037508, Math.min(20037508, v)).toFixed(1)).join(',');
      fetchJson(`/api/stock/map/${what}?${query({ crs: '3857', bbox })}`)
        .then((fc) => {
          const features = format.readFeatures(fc, { dataProjection: 'EPSG:3857', featureProjection: 'EPSG:3857' });
          source.addFeatures(features);
          success(features);
          // The first answer (to the world's box) brings everything in
          // scope: the view fits it once.
          const m = stockState.map;
          if (m && !m.fitted && features.length) {
            m.fitted = true;
            m.map.updateSize();
            const ext = source.getExtent();
            if (!isEmpty(ext)) m.map.getView().fit(ext, { padding: [20, 20, 20, 20], maxZoom: 16 });
          }
        })
        .catch((err) => {
          setNotice(err.message, true);
          source.removeLoadedExtent(extent);
          failure();
        });
    },
  });
  return source;
}

async function renderMap() {
  if (!stockState.map) {
    const layers = {
      approvals: new VectorLayer({ source: makeSource('approvals'), style: (f) => statusStyle(f.get('status'), true), zIndex: 1, properties: { what: 'approvals' } }),
      unsupplied: new VectorLayer({ source: makeSource('unsupplied'), style: () => statusStyle('unsupplied'), zIndex: 2, properties: { what: 'unsupplied' } }),
      supplies: new VectorLayer({ source: makeSource('supplies'), style: (f) => statusStyle(f.get('status')), zIndex: 3, properties: { what: 'supplies' } }),
    };
    const map = new Map({
      target: 'stock-mapview',
      controls: defaultControls({ attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
      layers: Object.values(layers),
      view: new View({ projection: 'EPSG:3857', center: [12800000, 2970000], zoom: 11 }),
    });
    stockState.map = { map, layers, asOf: null };
    for (const [what, layer] of Object.entries(layers)) {
      const box = $(`stock-map-${what}`);
      box.checked = true;
      box.addEventListener('change', () => layer.setVisible(box.checked));
    }
    map.on('singleclick', (evt) => {
      const hits = [];
      map.forEachFeatureAtPixel(evt.pixel, (f, l) => hits.push({ f, what: l.get('what') }), { hitTolerance: 2 });
      const info = $('stock-map-info');
      info.textContent = '';
      for (const { f, what } of hits) {
        const p = f.getProperties();
        const href = what === 'supplies' ? `#/stock/supply-${p.id}` : `#/stock/approval-${p.id}`;
        info.append(el('p', {}, el('a', { href }, p.supervision_no || p.approval_no), ' ', p.project || p.name || '', ' ', badge(p.status, p.status_title)));
      }
      if (!hits.length) info.append(el('p', { className: 'empty' }, t('map.nothingHere')));
    });
    // The first load asks for the whole world's box (the server answers
    // with everything in scope); the loader fits the view to it.
    map.getView().setZoom(2);
  }
  const legend = $('stock-map-legend');
  legend.textContent = '';
  for (const k of Object.keys(STATUS_COLOURS)) {
    const sw = el('span', { className: 'swatch' });
    sw.style.background = hexToRgba(STATUS_COLOURS[k], 0.45);
    sw.style.borderColor = STATUS_COLOURS[k];
    legend.append(el('li', {}, sw, statusTitle(k)));
  }
  const m = stockState.map;
  const key = `${stockState.asOf}/${stockState.division}`;
  if (m.asOf !== null && m.asOf !== key) for (const l of Object.values(m.layers)) l.getSource().refresh();
  m.asOf = key;
  m.map.updateSize();
}

// ---- Import ------------------------------------------------------------------------------------

async function renderImport() {
  const cfg = await config();
  const sel = $('stock-case-method');
  if (!sel.options.length) for (const m of cfg.supply_methods || []) sel.append(el('option', { value: m }, m));
  const cases = $('stock-case');
  cases.textContent = '';
  const list = await fetchJson('/api/stock/cases').then((b) => b.cases, () => []);
  if (!list.length) cases.append(el('option', { value: '' }, t('stock.noCases')));
  for (const c of list) cases.append(el('option', { value: String(c.id) }, `${c.code} ${c.title} (${c.document_no || ''})`));
}

async function submitImport(evt) {
  evt.preventDefault();
  const out = $('stock-import-result');
  out.textContent = t('stock.importing');
  out.className = 'hint';
  const form = new FormData();
  form.set('kind', $('stock-import-kind').value);
  const sheet = $('stock-import-sheet').files[0];
  const bounds = $('stock-import-bounds').files[0];
  if (sheet) form.set('sheet', sheet, sheet.name);
  if (bounds) form.set('boundaries', bounds, bounds.name);
  const r = await request('/api/stock/import', { method: 'POST', body: form });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    out.className = 'error';
    out.textContent = body?.error?.message || `HTTP ${r.status}`;
    return;
  }
  out.className = 'ok';
  out.textContent = t('stock.imported', { rows: body.rows, created: body.created, updated: body.updated, unchanged: body.unchanged });
}

async function submitCaseSupply(evt) {
  evt.preventDefault();
  const out = $('stock-case-result');
  const f = Object.fromEntries(['supervision_no', 'land_use', 'contract_on', 'agreed_start_on', 'price_wan', 'holder'].map((k) => [k, $(`stock-case-${k}`).value.trim()]));
  f.method = $('stock-case-method').value;
  f.case_id = Number($('stock-case').value);
  try {
    const p = await fetchJson('/api/stock/supplies', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(f) });
    out.className = 'ok';
    out.textContent = '';
    location.hash = `#/stock/supply-${p.record.id}`;
  } catch (err) {
    out.className = 'error';
    out.textContent = err.message;
  }
}

// ---- A parcel ---------------------------------------------------------------------------------------

const FACTS = {
  supply: ['supervision_no', 'project', 'holder', 'division', 'location', 'declared_m2', 'land_use', 'method', 'term_years', 'price_yuan', 'contract_on', 'agreed_delivery_on', 'agreed_start_on', 'agreed_completion_on', 'actual_delivery_on', 'actual_start_on', 'actual_completion_on', 'source_ref'],
  approval: ['approval_no', 'name', 'kind', 'division', 'approved_on', 'declared_m2', 'area_m2', 'source_ref'],
};

function factValue(k, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (k === 'declared_m2' || k === 'area_m2') return `${fmtNum(v / 1e4, 4)} ${t('unit.ha')}`;
  if (k === 'price_yuan') return `${fmtNum(v, 2)} ${t('stock.yuan')}`;
  if (k === 'kind') return t(`stock.kindOf.${v}`);
  return String(v);
}

function entryBox(key, e) {
  if (!e) return null;
  return el(
    'section',
    { className: 'card stock-entry', dataset: { entry: key, open: String(e.open) } },
    el('h3', {}, t(`stock.kind.${key}`)),
    el('dl', { className: 'facts' },
      el('dt', {}, t('stock.openedOn')), el('dd', {}, e.opened_on || '—'),
      el('dt', {}, t('stock.col.struck')), el('dd', {}, e.open ? t('stock.open') : t('stock.struckOn', { day: e.struck_on || '', act: e.struck_act })),
      el('dt', {}, t('stock.col.reason')), el('dd', {}, e.reason || '—'),
      el('dt', {}, t('stock.col.method')), el('dd', {}, e.method, e.planned ? '' : ` (${t('stock.defaultPlan')})`),
      el('dt', {}, t('stock.col.unit')), el('dd', {}, e.unit),
      el('dt', {}, t('stock.col.deadline')), el('dd', { className: e.deadline_passed ? 'due overdue' : '' }, e.deadline || '—')),
  );
}

function ledgerList(entries) {
  return el(
    'ol',
    { className: 'stock-proofs', id: 'stock-proofs' },
    entries.map((e) => {
      const out = el('span', { className: 'proof' });
      const btn = el('button', { type: 'button', className: 'small' }, t('stock.verify'));
      btn.addEventListener('click', async () => {
        out.textContent = t('stock.verifying');
        out.className = 'proof';
        try {
          const r = await verifyEntry(e.index);
          out.className = 'proof ok';
          out.textContent = t('stock.verified', { size: r.checkpoint.size });
        } catch (err) {
          out.className = 'proof error';
          out.textContent = err.message;
        }
      });
      return el('li', { dataset: { index: String(e.index), action: e.action } }, el('a', { href: `#/ledger/${e.index}` }, `#${e.index}`), ` ${actionTitle(e)} · ${fmtTime(e.time)} · ${e.actor} `, btn, ' ', out);
    }),
  );
}

async function parcelMap(boundary) {
  const box = $('stock-parcel-map');
  box.textContent = '';
  if (!boundary) return;
  const format = new GeoJSON();
  const f = format.readFeature({ type: 'Feature', geometry: boundary }, { dataProjection: 'EPSG:4490', featureProjection: 'EPSG:3857' });
  const src = new VectorSource({ features: [f] });
  const map = new Map({ target: box, controls: defaultControls({ attribution: false }), layers: [new VectorLayer({ source: src, style: statusStyle('partial') })], view: new View({ projection: 'EPSG:3857' }) });
  map.getView().fit(src.getExtent(), { padding: [30, 30, 30, 30], maxZoom: 18 });
}

function actForm(type, cfg, id) {
  const acts = Object.entries(cfg.acts).filter(([k]) => (type === 'approval' ? k === 'revoke' : k !== 'revoke'));
  const actSel = el('select', { id: 'stock-act' }, acts.map(([k, v]) => el('option', { value: k }, v.title)));
  const causeSel = el('select', { id: 'stock-act-cause' }, el('option', { value: '' }, '—'), (cfg.government_causes || []).map((c) => el('option', { value: c.code }, `${c.title} (${article(c.article)})`)));
  const methodSel = el('select', { id: 'stock-act-method' }, el('option', { value: '' }, '—'), (cfg.art12_methods || []).map((c) => el('option', { value: c.code }, `${c.title} (${article(c.article)})`)));
  const out = el('p', { id: 'stock-act-result', role: 'status' });
  const form = el(
    'form',
    { className: 'stock-form', id: 'stock-act-form' },
    el('h3', {}, t('stock.recordAct')),
    el('label', {}, t('stock.act'), actSel),
    el('label', {}, t('stock.date'), el('input', { type: 'date', id: 'stock-act-on', required: true, value: today() })),
    el('label', {}, t('stock.cause'), causeSel),
    el('label', {}, t('stock.art12'), methodSel),
    el('label', {}, t('stock.newDate'), el('input', { type: 'date', id: 'stock-act-new' })),
    el('label', {}, t('stock.amount'), el('input', { type: 'number', step: '0.01', id: 'stock-act-amount' })),
    el('label', {}, t('stock.note'), el('input', { id: 'stock-act-note' })),
    el('button', { type: 'submit', className: 'primary' }, t('stock.submit')),
    out,
  );
  form.addEventListener('submit', async (evt) => {
    evt.preventDefault();
    const body = { act: actSel.value, on: $('stock-act-on').value, cause: causeSel.value || undefined, method: methodSel.value || undefined, new_date: $('stock-act-new').value || undefined, note: $('stock-act-note').value || undefined };
    const amount = $('stock-act-amount').value;
    if (amount) body.amount = Number(amount);
    try {
      await fetchJson(`/api/stock/${type === 'supply' ? 'supplies' : 'approvals'}/${id}/acts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      await renderParcel(type, id);
      $('stock-act-result').className = 'ok';
      $('stock-act-result').textContent = t('stock.recorded');
    } catch (err) {
      out.className = 'error';
      out.textContent = err.message;
    }
  });
  return form;
}

function visitForm(id) {
  const out = el('p', { id: 'stock-visit-result', role: 'status' });
  const field = (k, type = 'text', extra = {}) => el('label', {}, t(`stock.visit.${k}`), el('input', { type, id: `stock-visit-${k}`, ...extra }));
  const form = el(
    'form',
    { className: 'stock-form', id: 'stock-visit-form' },
    el('h3', {}, t('stock.addVisit')),
    field('visited_on', 'date', { required: true, value: today() }),
    field('developed_m2', 'number', { step: '0.01', min: '0' }),
    field('invested_wan', 'number', { step: '0.01', min: '0' }),
    field('total_investment_wan', 'number', { step: '0.01', min: '0' }),
    field('stopped_since', 'date'),
    field('started_on', 'date'),
    field('completed_on', 'date'),
    field('cause'),
    field('officer', 'text', { required: true, value: state.user?.name || '' }),
    el('label', {}, t('stock.visit.photos'), el('input', { type: 'file', id: 'stock-visit-photo', accept: 'image/*', multiple: true })),
    el('button', { type: 'submit', className: 'primary' }, t('stock.submit')),
    out,
  );
  form.addEventListener('submit', async (evt) => {
    evt.preventDefault();
    const fd = new FormData();
    for (const k of ['visited_on', 'developed_m2', 'invested_wan', 'total_investment_wan', 'stopped_since', 'started_on', 'completed_on', 'cause', 'officer']) {
      const v = $(`stock-visit-${k}`).value.trim();
      if (v) fd.set(k, v);
    }
    for (const f of $('stock-visit-photo').files) fd.append('photo', f, f.name);
    const r = await request(`/api/stock/supplies/${id}/visits`, { method: 'POST', body: fd });
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      out.className = 'error';
      out.textContent = body?.error?.message || `HTTP ${r.status}`;
      return;
    }
    await renderParcel('supply', id);
    $('stock-visit-result').className = 'ok';
    $('stock-visit-result').textContent = t('stock.recorded');
  });
  return form;
}

async function renderParcel(type, id) {
  const cfg = await config();
  const p = await fetchJson(`/api/stock/${type === 'supply' ? 'supplies' : 'approvals'}/${id}?${query()}`);
  stockState.page = p;
  const box = $('stock-parcel');
  box.textContent = '';
  const r = p.record;
  const head = el('div', { className: 'stock-parcel-head' },
    el('h3', { id: 'stock-parcel-title' }, type === 'supply' ? `${r.supervision_no} ${r.project}` : `${r.approval_no} ${r.name}`, ' ',
      type === 'supply' ? badge(p.verdict.status, p.verdict.status_title) : null),
    el('p', { className: 'hint' }, t('stock.asOf', { day: p.as_of }), ' · ', el('a', { href: '#/stock/' + (type === 'supply' ? 'idle' : 'unsupplied') }, t('stock.back'))));
  box.append(head);
  const facts = el('dl', { className: 'facts' }, FACTS[type].flatMap((k) => [el('dt', {}, t(`stock.fact.${k}`)), el('dd', { dataset: { field: k } }, factValue(k, r[k]))]));
  const cards = el('div', { className: 'cards' }, el('section', { className: 'card' }, el('h3', {}, t('stock.record')), facts));
  if (type === 'supply') {
    const v = p.verdict;
    cards.append(
      el('section', { className: 'card stock-verdict', id: 'stock-verdict' },
        el('h3', {}, t('stock.verdict')),
        el('dl', { className: 'facts' },
          el('dt', {}, t('stock.col.status')), el('dd', {}, badge(v.status, v.status_title)),
          el('dt', {}, t('stock.col.articles')), el('dd', { dataset: { field: 'articles' } }, articles(v.articles) || '—'),
          el('dt', {}, t('stock.effectiveStart')), el('dd', {}, v.effective_start || '—'),
          el('dt', {}, t('stock.col.idle_since')), el('dd', { dataset: { field: 'idle_since' } }, v.idle_since || '—'),
          el('dt', {}, t('stock.idleFrom')), el('dd', {}, v.idle_from || '—'),
          el('dt', {}, t('stock.col.fee_yuan')), el('dd', { dataset: { field: 'fee_yuan' } }, v.fee_yuan ? `${fmtNum(v.fee_yuan, 2)} ${t('stock.yuan')}` : '—'),
          el('dt', {}, t('stock.nextChange')), el('dd', {}, v.next_change || '—'),
          v.cause ? [el('dt', {}, t('stock.cause')), el('dd', {}, v.cause)] : null,
          v.art12_method ? [el('dt', {}, t('stock.art12')), el('dd', {}, v.art12_method)] : null)),
      entryBox('unused', p.unused),
      entryBox('idle', p.idle),
    );
  } else {
    const f = p.figures;
    cards.append(
      el('section', { className: 'card', id: 'stock-figures' }, el('h3', {}, t('stock.kind.unsupplied')),
        el('dl', { className: 'facts' },
          el('dt', {}, t('stock.col.approved_ha')), el('dd', {}, fmtNum(f.approved_ha, 4)),
          el('dt', {}, t('stock.col.supplied_ha')), el('dd', {}, fmtNum(f.supplied_ha, 4)),
          el('dt', {}, t('stock.col.unsupplied_ha')), el('dd', { dataset: { field: 'unsupplied_ha' } }, fmtNum(f.unsupplied_ha, 4)),
          el('dt', {}, t('stock.col.age_years')), el('dd', {}, fmtInt(f.age_years)),
          el('dt', {}, t('stock.col.zengcun')), el('dd', {}, f.zengcun ? t('stock.yes') : t('stock.no')))),
      entryBox('unsupplied', p.unsupplied),
    );
  }
  cards.append(el('section', { className: 'card' }, el('h3', {}, t('stock.map')), el('div', { id: 'stock-parcel-map', className: 'stock-parcel-map' })));
  box.append(cards);
  // Timeline.
  box.append(el('section', { className: 'card wide' }, el('h3', {}, t('stock.timeline')),
    el('ol', { className: 'stock-timeline', id: 'stock-timeline' }, (p.timeline || []).map((e) => el('li', { dataset: { kind: e.kind } }, el('time', {}, e.on), ' ', el('strong', {}, e.title), e.detail ? ` · ${e.detail}` : '')))));
  if (type === 'supply') {
    box.append(el('section', { className: 'card wide' }, el('h3', {}, t('stock.visits')),
      p.visits.length
        ? table(['visited_on', 'developed_m2', 'invested_wan', 'total_investment_wan', 'stopped_since', 'cause', 'officer', 'photos'].map((k) => t(`stock.visit.${k}`)),
          p.visits.map((v) => [v.visited_on, { text: v.developed_m2 === null ? '—' : fmtNum(v.developed_m2, 2), className: 'num' }, { text: v.invested_wan === null ? '—' : fmtNum(v.invested_wan, 2), className: 'num' },
            { text: v.total_investment_wan === null ? '—' : fmtNum(v.total_investment_wan, 2), className: 'num' }, v.stopped_since || '—', v.cause || '—', v.officer,
            el('span', {}, v.photos.map((ph) => el('a', { href: `/api/stock/files/${ph.id}`, target: '_blank', rel: 'noopener', title: `SHA-256 ${ph.sha256}` }, ph.name, ' ')))]),
          { className: 'data', id: 'stock-visits' })
        : el('p', { className: 'empty' }, t('stock.noVisits'))));
  }
  box.append(el('section', { className: 'card wide' }, el('h3', {}, t('stock.acts')),
    p.acts.length
      ? table(['date', 'act', 'document', 'articles', 'note'].map((k) => t(`stock.actCol.${k}`)),
        p.acts.map((a) => [a.acted_on, a.title || a.act,
          a.file_id ? el('a', { href: `/api/stock/files/${a.file_id}`, target: '_blank', rel: 'noopener', className: 'doc' }, `${a.doc_title || ''} ${a.doc_no}`) : (a.cause_title || a.method_title || (a.amount_yuan ? `${fmtNum(a.amount_yuan, 2)} ${t('stock.yuan')}` : '—')),
          articles(a.articles), a.note || '']),
        { className: 'data', id: 'stock-acts' })
      : el('p', { className: 'empty' }, t('stock.noActs'))));
  box.append(el('section', { className: 'card wide' }, el('h3', {}, t('stock.ledgerProofs')), el('p', { className: 'hint' }, t('stock.proofHint')), ledgerList(p.ledger || [])));
  const forms = el('div', { className: 'cards stock-forms' });
  if (type === 'supply' && may('create')) forms.append(el('section', { className: 'card' }, visitForm(id)));
  if (may('act')) forms.append(el('section', { className: 'card' }, actForm(type, cfg, id)));
  if (forms.childElementCount) box.append(forms);
  parcelMap(p.boundary).catch((err) => console.error(err));
}

// ---- The page -----------------------------------------------------------------------------------------

let wired = false;

function wire() {
  wired = true;
  stockState.asOf = today();
  $('stock-asof').value = stockState.asOf;
  $('stock-filters').addEventListener('submit', (evt) => {
    evt.preventDefault();
    stockState.asOf = $('stock-asof').value || today();
    stockState.division = $('stock-division').value.trim();
    show(currentParam).catch(report);
  });
  $('stock-ledger-filters').addEventListener('submit', (evt) => {
    evt.preventDefault();
    renderLedger(stockState.tab).catch(report);
  });
  $('stock-import-form').addEventListener('submit', (evt) => submitImport(evt).catch(report));
  $('stock-case-form').addEventListener('submit', (evt) => submitCaseSupply(evt).catch(report));
  document.addEventListener('landgov:lang', () => {
    if (!$('page-stock').hidden) show(currentParam).catch(report);
  });
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
}

function report(err) {
  console.error(err);
  setNotice(err.message, true);
}

let currentParam;

/** Shows the page: a tab, or a parcel ("supply-12", "approval-3"). */
export async function show(param) {
  if (!wired) wire();
  currentParam = param;
  setNotice('');
  $('status').textContent = '';
  const m = /^(supply|approval)-(\d+)$/.exec(param || '');
  if (m) {
    showPane('parcel');
    await renderParcel(m[1], Number(m[2]));
    return;
  }
  const tab = TABS.includes(param) ? param : 'summary';
  stockState.tab = tab;
  const ledger = ['unsupplied', 'unused', 'idle'].includes(tab);
  showPane(ledger ? 'ledger' : tab);
  for (const a of document.querySelectorAll('#stock-tabs a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('stock-import-tab').hidden = !may('create');
  if (tab === 'summary') await renderSummary();
  else if (ledger) await renderLedger(tab);
  else if (tab === 'map') await renderMap();
  else if (tab === 'import') await renderImport();
}
