// The compliance check page (合规审查): a project boundary from a file (a
// Ministry coordinate file, a Shapefile as .zip, GeoJSON) or drawn on the
// map, with the project's declared use and type, sent to POST /api/checks;
// the report comes back and is shown: totals (planar and ellipsoidal, in
// m², hectares and mu), the land-class table with a chart, the three major
// classes, the control layers it touches (red line, basic farmland,
// development boundary...) highlighted on the map, the approval authority
// with the articles cited, the verdict with its reasons and the rule-set
// version. A saved check can be downloaded as XLSX, printed (print CSS, or
// the server's HTML report) and its ledger entry verified in the browser.
//
// Areas are the server's; the page formats them and computes nothing.

import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Draw from 'ol/interaction/Draw.js';
import Style from 'ol/style/Style.js';
import Fill from 'ol/style/Fill.js';
import Stroke from 'ol/style/Stroke.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { transform } from 'ol/proj.js';
import { isEmpty } from 'ol/extent.js';

import { fetchJson, request } from './api.js';
import { t, has, currentLang, fmtNum, fmtShare, fmtTime } from './i18n.js';
import { classColour, createLayer, defineCrs, layersExtent, mapState } from './map.js';
import { verifyObject, renderVerifyResult } from './ledger.js';
import { $, el, table } from './util.js';

const VERDICTS = ['pass', 'conditional', 'unreviewable', 'prohibited'];
// Roles whose overlap with a boundary is a conflict to highlight.
const CONFLICT_ROLES = new Set(['eprl', 'pbf']);

export const checkState = { map: null, report: null, catalogue: null, drawn: null, ready: null, charts: [] };

const boundaryStyle = new Style({
  stroke: new Stroke({ color: '#0d47a1', width: 3 }),
  fill: new Fill({ color: 'rgba(13, 71, 161, 0.12)' }),
});
const drawnStyle = new Style({
  stroke: new Stroke({ color: '#00838f', width: 2.5, lineDash: [6, 4] }),
  fill: new Fill({ color: 'rgba(0, 131, 143, 0.15)' }),
});
const conflictStyle = new Style({
  stroke: new Stroke({ color: '#d50000', width: 3 }),
  fill: new Fill({ color: 'rgba(213, 0, 0, 0.35)' }),
});

let boundarySource;
let conflictSource;
let drawSource;
let draw = null;
let rules = null;

// ---- The map ------------------------------------------------------------------

async function initMap() {
  boundarySource = new VectorSource();
  conflictSource = new VectorSource();
  drawSource = new VectorSource();
  const map = new Map({
    target: 'check-map',
    controls: defaultControls({ attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
    view: new View({ projection: 'EPSG:3857', center: transform([105, 35], 'EPSG:4490', 'EPSG:3857'), zoom: 4 }),
  });
  checkState.map = map;
  // The One Map's catalogue if it is loaded, else our own copy.
  const layers = mapState.layers.length ? mapState.layers : (await fetchJson('/api/layers')).layers;
  checkState.catalogue = layers;
  for (const layer of layers) map.addLayer(createLayer(layer));
  map.addLayer(new VectorLayer({ source: conflictSource, style: conflictStyle, zIndex: 90 }));
  map.addLayer(new VectorLayer({ source: boundarySource, style: boundaryStyle, zIndex: 95 }));
  map.addLayer(new VectorLayer({ source: drawSource, style: drawnStyle, zIndex: 96 }));
  const extent = layersExtent(layers);
  if (!isEmpty(extent)) map.getView().fit(extent, { padding: [20, 20, 20, 20], maxZoom: 18 });
}

function startDraw() {
  stopDraw();
  drawSource.clear();
  checkState.drawn = null;
  draw = new Draw({ source: drawSource, type: 'Polygon' });
  draw.on('drawend', (evt) => {
    checkState.drawn = evt.feature;
    // One boundary at a time: drawing stops with the first polygon.
    setTimeout(stopDraw);
    drawState();
  });
  checkState.map.addInteraction(draw);
  drawState();
}

function stopDraw() {
  if (draw) checkState.map.removeInteraction(draw);
  draw = null;
  drawState();
}

function drawState() {
  const s = $('check-draw-state');
  if (draw) s.textContent = t('check.drawing');
  else if (checkState.drawn) s.textContent = t('check.drawn');
  else s.textContent = '';
}

/** The drawn polygon as GeoJSON in CGCS2000 longitude/latitude, its rings
 * by the right-hand rule as RFC 7946 asks (however it was clicked). */
function drawnGeometry() {
  const g = checkState.drawn.getGeometry().clone().transform('EPSG:3857', 'EPSG:4490');
  return new GeoJSON().writeGeometryObject(g, { decimals: 9, rightHanded: true });
}

// ---- The form ------------------------------------------------------------------

async function fillForm() {
  if (!rules) {
    try {
      rules = (await fetchJson('/api/rules')).rules;
    } catch {
      rules = {}; // a role that may not read the rules still checks
    }
  }
  const use = $('check-use');
  const keepUse = use.value;
  use.textContent = '';
  use.append(el('option', { value: '' }, t('check.unspecified')));
  const codes = rules.code_systems?.find((c) => c.id === 'ydyh2023')?.names || {};
  for (const [code, name] of Object.entries(codes).sort(([a], [b]) => a.localeCompare(b))) {
    if (code.length > 4) continue; // the third level is too fine for a project's declared use
    use.append(el('option', { value: code }, `${code.length > 2 ? '\u00a0\u00a0' : ''}${code} ${name}`));
  }
  use.value = keepUse;
  const type = $('check-type');
  const keepType = type.value;
  type.textContent = '';
  for (const [key, title] of Object.entries(rules.project_types || { unspecified: t('ptype.unspecified') })) {
    const label = currentLang() !== 'zh-CN' && has(`ptype.${key}`) ? t(`ptype.${key}`) : title;
    type.append(el('option', { value: key }, label));
  }
  type.value = keepType || 'unspecified';
}

function sourceMode() {
  return document.querySelector('input[name="check-source"]:checked')?.value || 'file';
}

function showSourceMode() {
  const mode = sourceMode();
  $('check-file-box').hidden = mode !== 'file';
  $('check-draw-box').hidden = mode !== 'draw';
  if (mode !== 'draw') stopDraw();
}

function setError(text, issues = []) {
  const box = $('check-error');
  box.textContent = '';
  if (!text) return;
  box.append(el('p', {}, text));
  if (issues.length) box.append(el('ul', {}, issues.map((i) => el('li', {}, i.text))));
}

async function submit(evt) {
  evt.preventDefault();
  setError('');
  const fields = {
    name: $('check-name').value.trim(),
    use: $('check-use').value,
    type: $('check-type').value,
    make_valid: $('check-make-valid').checked,
  };
  let init;
  if (sourceMode() === 'file') {
    const file = $('check-file').files[0];
    if (!file) {
      setError(t('check.needFile'));
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    for (const [k, v] of Object.entries(fields)) if (v !== '' && v !== false) form.append(k, String(v));
    init = { method: 'POST', body: form };
  } else {
    if (!checkState.drawn) {
      setError(t('check.needDrawing'));
      return;
    }
    const body = { geometry: drawnGeometry(), srs: 4490 };
    for (const [k, v] of Object.entries(fields)) if (v !== '' && v !== false) body[k] = v;
    init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }
  const button = $('check-submit');
  button.disabled = true;
  $('status').textContent = t('check.running');
  try {
    const r = await request('/api/checks', init);
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      setError(body?.error?.message || `HTTP ${r.status}`, body?.report?.validation?.issues || []);
      $('status').textContent = t('check.failed');
      return;
    }
    // The saved report's own address, without showing it a second time.
    if (body.id) history.replaceState(null, '', `#/check/${body.id}`);
    await showReport(body);
  } catch (err) {
    setError(t('error.connect', { message: err.message }));
  } finally {
    button.disabled = false;
  }
}

// ---- The report ------------------------------------------------------------------

const verdictKey = (v) => (VERDICTS.includes(v) ? v : 'none');

function section(titleKey, ...children) {
  return el('section', { className: 'report-section', dataset: { section: titleKey } }, el('h3', {}, t(titleKey)), ...children);
}

function areaCell(v, digits, key) {
  return { text: fmtNum(v, digits), className: 'num', dataset: { key, value: String(v) } };
}

function className(row) {
  // Survey class names come from the rule set in Chinese; English has the
  // first-level ones.
  if (currentLang() !== 'zh-CN' && has(`class.${row.code}`)) return t(`class.${row.code}`);
  return row.name || '';
}

function majorTitle(key, fallback) {
  return currentLang() !== 'zh-CN' && has(`major.${key}`) ? t(`major.${key}`) : fallback || t(`major.${key}`);
}

function renderReport(rep) {
  const box = $('check-report');
  box.textContent = '';
  const a = rep.area || {};
  const v = verdictKey(rep.verdict);

  // Verdict first: what a clerk reads before anything else.
  const verdict = el(
    'div',
    { className: `verdict verdict-${v}`, id: 'report-verdict', dataset: { verdict: rep.verdict ?? '' }, role: 'status' },
    el('span', { className: 'verdict-label' }, t('report.verdict')),
    el('strong', {}, currentLang() === 'zh-CN' ? rep.verdict_title || t(`verdict.${v}`) : t(`verdict.${v}`)),
  );
  const reasons = (rep.reasons || []).map((r) =>
    el(
      'li',
      { className: `effect-${r.effect}` },
      el('span', { className: 'effect' }, t(`effect.${r.effect}`)),
      ' ',
      r.text,
      r.basis?.length ? el('span', { className: 'basis' }, ` (${r.basis.join('、')})`) : null,
    ),
  );
  const head = el(
    'header',
    { className: 'report-head' },
    el('h2', { id: 'report-title', tabindex: '-1' }, t('report.title')),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, t('report.id')), el('dd', { id: 'report-id' }, rep.id ? `#${rep.id}` : t('report.unsaved')),
      el('dt', {}, t('report.project')), el('dd', {}, rep.project?.name || '—'),
      el('dt', {}, t('report.use')), el('dd', {}, rep.project?.use ? `${rep.project.use} ${rep.project.use_name || ''}` : t('check.unspecified')),
      el('dt', {}, t('report.type')), el('dd', {}, currentLang() !== 'zh-CN' && has(`ptype.${rep.project?.type}`) ? t(`ptype.${rep.project.type}`) : rep.project?.type_title || '—'),
      el('dt', {}, t('report.input')), el('dd', {}, `${rep.input?.source || ''} · ${rep.input?.format || ''} · EPSG:${rep.input?.srs_id ?? '?'}`),
      el('dt', {}, t('report.rules')), el('dd', { id: 'report-rules' }, t('report.rulesValue', { version: rep.rule_set_version, name: rep.rule_set_name || '' })),
      el('dt', {}, t('report.created')), el('dd', {}, fmtTime(rep.created_at)),
    ),
  );
  box.append(head, verdict);
  if (reasons.length) box.append(section('report.reasons', el('ul', { className: 'reasons' }, reasons)));
  if (rep.conditions?.length) box.append(section('report.conditions', el('ul', {}, rep.conditions.map((c) => el('li', {}, c)))));

  // Totals: planar in the working CRS, ellipsoidal on CGCS2000.
  box.append(
    section(
      'report.totals',
      table(
        [t('report.method'), t('unit.m2'), t('unit.ha'), t('unit.mu')],
        [
          { props: { dataset: { row: 'planar' } }, cells: [t('report.planar', { epsg: a.srs_id ?? '' }), areaCell(a.planar_m2, 2, 'planar_m2'), areaCell(a.planar_ha, 4, 'planar_ha'), areaCell(a.planar_mu, 2, 'planar_mu')] },
          { props: { dataset: { row: 'ellipsoidal' } }, cells: [t('report.ellipsoidal'), areaCell(a.ellipsoidal_m2, 2, 'ellipsoidal_m2'), areaCell(a.ellipsoidal_ha, 4, 'ellipsoidal_ha'), areaCell(a.ellipsoidal_mu, 2, 'ellipsoidal_mu')] },
        ],
        { id: 'report-totals', className: 'data' },
      ),
      rep.input?.declared_ha ? el('p', { className: 'hint' }, t('report.declared', { ha: fmtNum(rep.input.declared_ha, 4) })) : null,
    ),
  );

  // Land classes, their chart, and the three major classes.
  const rows = (rep.class_table || []).map((r) => ({
    props: { dataset: { code: r.code } },
    cells: [r.code, className(r), majorTitle(r.major, r.major_title), areaCell(r.m2, 2, 'm2'), areaCell(r.ha, 4, 'ha'), areaCell(r.mu, 2, 'mu')],
  }));
  const classSection = section(
    'report.classes',
    rows.length
      ? table([t('report.code'), t('report.className'), t('report.major'), t('unit.m2'), t('unit.ha'), t('unit.mu')], rows, { id: 'report-classes', className: 'data' })
      : el('p', { className: 'empty' }, t('report.noClasses')),
    el('div', { className: 'charts' }, el('div', { id: 'chart-classes', className: 'chart', role: 'img', 'aria-label': t('chart.classes') }), el('div', { id: 'chart-major', className: 'chart', role: 'img', 'aria-label': t('chart.major') })),
  );
  box.append(classSection);
  const mc = rep.major_classes || {};
  box.append(
    section(
      'report.majors',
      table(
        [t('report.major'), t('unit.m2'), t('unit.ha'), t('unit.mu')],
        [
          ...['agricultural', 'construction', 'unused', 'unclassified']
            .filter((k) => k !== 'unclassified' || mc[k] > 0)
            .map((k) => ({ props: { dataset: { major: k } }, cells: [majorTitle(k), areaCell(mc[k], 2, 'm2'), areaCell(mc[k] / 1e4, 4, 'ha'), areaCell(mc[k] * 0.0015, 2, 'mu')] })),
          { props: { dataset: { major: 'cultivated' } }, cells: [t('report.cultivated'), areaCell(rep.cultivated_m2, 2, 'm2'), areaCell(rep.cultivated_m2 / 1e4, 4, 'ha'), areaCell(rep.cultivated_m2 * 0.0015, 2, 'mu')] },
          { props: { dataset: { major: 'paddy' } }, cells: [t('report.paddy'), areaCell(rep.paddy_m2, 2, 'm2'), areaCell(rep.paddy_m2 / 1e4, 4, 'ha'), areaCell(rep.paddy_m2 * 0.0015, 2, 'mu')] },
        ],
        { id: 'report-majors', className: 'data' },
      ),
    ),
  );

  // Control layers: a conflict row is red, on the map too.
  const udb = rep.controls?.udb;
  const overlapRows = Object.entries(rep.overlaps || {}).map(([name, o]) => {
    let conflict = CONFLICT_ROLES.has(o.role) && o.m2 > 0;
    let note = '';
    if (o.role === 'udb' && udb?.status === 'checked') {
      conflict = udb.outside_m2 > 0;
      note = t('report.udbOutside', { m2: fmtNum(udb.outside_m2, 2) });
    }
    if (o.status !== 'checked') note = o.text || t('report.notChecked');
    const role = currentLang() !== 'zh-CN' && has(`role.${o.role}`) ? t(`role.${o.role}`) : o.role_title;
    return {
      props: { className: conflict ? 'conflict' : '', dataset: { layer: name, role: o.role || '', conflict: String(conflict) } },
      cells: [
        `${o.title || name}${role && role !== o.title ? ` (${role})` : ''}`,
        o.status === 'checked' ? t('report.checked') : t('report.notChecked'),
        areaCell(o.m2, 2, 'm2'),
        { text: o.share === undefined ? '—' : fmtShare(o.share), className: 'num' },
        { text: String(o.pieces_total ?? 0), className: 'num' },
        note,
      ],
    };
  });
  box.append(
    section(
      'report.overlaps',
      overlapRows.length
        ? table([t('report.layer'), t('report.status'), t('unit.m2'), t('report.share'), t('report.pieces'), t('report.note')], overlapRows, { id: 'report-overlaps', className: 'data' })
        : el('p', { className: 'empty' }, t('report.noLayers')),
      el('p', { className: 'hint' }, t('report.mapHint')),
    ),
  );

  // Approval authority, with the articles of the Land Administration Law.
  const au = rep.authority || {};
  const authLevel = (k, title) => (currentLang() !== 'zh-CN' && has(`authority.${au[k]}`) ? t(`authority.${au[k]}`) : title || t(`authority.${au[k]}`));
  box.append(
    section(
      'report.authority',
      el(
        'dl',
        { className: 'authority', id: 'report-authority' },
        el('dt', {}, t('report.conversion')),
        el('dd', { dataset: { level: au.conversion ?? '' } }, el('strong', {}, authLevel('conversion', au.conversion_title)), ' ', el('span', { className: 'articles' }, (au.articles?.conversion || []).join('、')), au.basis?.conversion ? el('div', { className: 'basis' }, au.basis.conversion) : null),
        el('dt', {}, t('report.expropriation')),
        el('dd', { dataset: { level: au.expropriation ?? '' } }, el('strong', {}, authLevel('expropriation', au.expropriation_title)), ' ', el('span', { className: 'articles' }, (au.articles?.expropriation || []).join('、')), au.basis?.expropriation ? el('div', { className: 'basis' }, au.basis.expropriation) : null),
      ),
      au.joint ? el('p', { className: 'basis' }, au.joint) : null,
    ),
  );

  const q = rep.quotas || {};
  const quotaRows = ['new_construction_m2', 'agricultural_conversion_m2', 'unused_conversion_m2', 'cultivated_balance_m2', 'paddy_balance_m2', 'pbf_replacement_m2']
    .filter((k) => typeof q[k] === 'number')
    .map((k) => [t(`quota.${k}`), areaCell(q[k], 2, k), areaCell(q[k] / 1e4, 4, `${k}_ha`)]);
  if (quotaRows.length) box.append(section('report.quotas', table([t('report.quota'), t('unit.m2'), t('unit.ha')], quotaRows, { className: 'data' }), q.note ? el('p', { className: 'hint' }, q.note) : null));
  if (rep.followups?.length) {
    box.append(section('report.followups', el('ul', { className: 'followups' }, rep.followups.map((f) => el('li', {}, el('strong', {}, f.title), ` ${f.text} `, el('span', { className: 'basis' }, (f.basis || []).join('、')))))));
  }
  const issues = rep.validation?.issues || [];
  if (issues.length || rep.validation?.repaired) {
    box.append(section('report.validation', rep.validation.repaired ? el('p', {}, t('report.repaired')) : null, el('ul', {}, issues.map((i) => el('li', { className: `severity-${i.severity}` }, i.text)))));
  }
  if (rep.warnings?.length) box.append(section('report.warnings', el('ul', {}, rep.warnings.map((w) => el('li', {}, typeof w === 'string' ? w : w.text || JSON.stringify(w))))));

  // What can be done with a saved report.
  if (rep.id) {
    const actions = el(
      'div',
      { className: 'report-actions no-print' },
      el('a', { className: 'button', id: 'report-xlsx', href: `/api/checks/${rep.id}/report.xlsx`, download: `check-${rep.id}.xlsx` }, t('report.xlsx')),
      el('button', { type: 'button', id: 'report-print', onclick: () => window.print() }, t('report.print')),
      el('a', { className: 'button', id: 'report-html', href: `/api/checks/${rep.id}/report.html`, target: '_blank', rel: 'noopener' }, t('report.html')),
      el('button', { type: 'button', id: 'report-verify', onclick: () => verifyReport(rep.id) }, t('report.verify')),
    );
    box.append(actions, el('div', { id: 'report-ledger', className: 'verify-result', hidden: true, role: 'status' }));
  }
  box.hidden = false;
}

async function verifyReport(id) {
  const out = $('report-ledger');
  out.hidden = false;
  out.className = 'verify-result';
  out.textContent = t('ledger.verifying');
  try {
    renderVerifyResult(out, await verifyObject('check', String(id)));
  } catch (err) {
    renderVerifyResult(out, null, err);
  }
}

async function drawCharts(rep) {
  for (const c of checkState.charts) c.dispose();
  checkState.charts = [];
  const rows = rep.class_table || [];
  if (!rows.length) return;
  const echarts = await import('echarts');
  const font = { fontFamily: getComputedStyle(document.body).fontFamily };
  const pie = echarts.init($('chart-classes'), null, { renderer: 'svg' });
  pie.setOption({
    animation: false,
    textStyle: font,
    title: { text: t('chart.classes'), left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'item', valueFormatter: (v) => `${fmtNum(v, 2)} ${t('unit.m2')}` },
    series: [
      {
        type: 'pie',
        radius: ['30%', '62%'],
        top: 24,
        data: rows.map((r) => ({ name: `${r.code} ${className(r)}`, value: r.m2, itemStyle: { color: classColour(r.code) || '#9e9e9e' } })),
        label: { formatter: '{b}\n{d}%' },
      },
    ],
  });
  const mc = rep.major_classes || {};
  const keys = ['agricultural', 'construction', 'unused'].concat(mc.unclassified > 0 ? ['unclassified'] : []);
  const bar = echarts.init($('chart-major'), null, { renderer: 'svg' });
  bar.setOption({
    animation: false,
    textStyle: font,
    title: { text: t('chart.major'), left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, 4)} ${t('unit.ha')}` },
    grid: { left: 60, right: 16, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: keys.map((k) => majorTitle(k)) },
    yAxis: { type: 'value', name: t('unit.ha') },
    series: [{ type: 'bar', data: keys.map((k) => ({ value: (mc[k] || 0) / 1e4, itemStyle: { color: { agricultural: '#7cb342', construction: '#e53935', unused: '#bdbdbd', unclassified: '#78909c' }[k] } })), barMaxWidth: 48 }],
  });
  checkState.charts.push(pie, bar);
}

/** Puts the checked boundary and the conflicting control features on the map. */
async function showOnMap(rep) {
  boundarySource.clear();
  conflictSource.clear();
  if (!rep.id) return;
  const fc = await fetchJson(`/api/checks/${rep.id}/boundary`);
  const m = /EPSG::?(\d+)/.exec(fc.crs?.properties?.name || '');
  const srs = m ? Number(m[1]) : 4326;
  if (!defineCrs(srs)) return;
  const format = new GeoJSON();
  const features = format.readFeatures(fc, { dataProjection: `EPSG:${srs}`, featureProjection: 'EPSG:3857' });
  boundarySource.addFeatures(features);
  const extent = boundarySource.getExtent();
  if (!isEmpty(extent)) checkState.map.getView().fit(extent, { padding: [40, 40, 40, 40], maxZoom: 18 });
  // The control features the boundary overlaps, read in its extent and
  // kept by the feature ids the report lists.
  const bbox = extent.map((v) => v.toFixed(2)).join(',');
  for (const [name, o] of Object.entries(rep.overlaps || {})) {
    if (!CONFLICT_ROLES.has(o.role) || !(o.m2 > 0) || !o.pieces?.length) continue;
    const layer = checkState.catalogue.find((l) => l.name === name);
    if (!layer) continue;
    const fids = new Set(o.pieces.map((p) => String(p.fid)));
    const found = await fetchJson(`/api/layers/${encodeURIComponent(layer.id)}/features?crs=3857&limit=5000&bbox=${bbox}`);
    const hits = format.readFeatures(found, { dataProjection: 'EPSG:3857', featureProjection: 'EPSG:3857' }).filter((f) => fids.has(String(f.getId())));
    for (const f of hits) f.set('conflict_layer', name);
    conflictSource.addFeatures(hits);
  }
  checkState.conflicts = conflictSource.getFeatures().length;
}

async function showReport(rep) {
  checkState.report = rep;
  renderReport(rep);
  $('status').textContent = t('check.done', { verdict: t(`verdict.${verdictKey(rep.verdict)}`) });
  await Promise.all([drawCharts(rep), showOnMap(rep)]);
  $('report-title')?.focus({ preventScroll: false });
}

// ---- Page ------------------------------------------------------------------------

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $('check-form').addEventListener('submit', submit);
  for (const r of document.querySelectorAll('input[name="check-source"]')) r.addEventListener('change', showSourceMode);
  $('check-draw').addEventListener('click', startDraw);
  $('check-draw-clear').addEventListener('click', () => {
    stopDraw();
    drawSource.clear();
    checkState.drawn = null;
    drawState();
  });
  window.addEventListener('resize', () => checkState.charts.forEach((c) => c.resize()));
  document.addEventListener('landgov:lang', () => {
    if (!rules) return;
    fillForm();
    drawState();
    if (checkState.report && !$('check-report').hidden) {
      renderReport(checkState.report);
      drawCharts(checkState.report);
    }
  });
}

/** Shows the check page; with an id, the saved check's report. */
export async function show(id) {
  wire();
  if (!checkState.ready) checkState.ready = initMap();
  await checkState.ready;
  checkState.map.updateSize();
  await fillForm();
  showSourceMode();
  if (id) {
    if (checkState.report?.id === Number(id)) {
      $('status').textContent = t('check.done', { verdict: t(`verdict.${verdictKey(checkState.report.verdict)}`) });
      return;
    }
    $('status').textContent = t('check.loading');
    try {
      await showReport(await fetchJson(`/api/checks/${encodeURIComponent(id)}`));
    } catch (err) {
      setError(err.message);
      $('check-report').hidden = true;
    }
  } else {
    $('status').textContent = t('check.ready');
  }
}
