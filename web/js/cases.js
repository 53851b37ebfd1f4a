// The approval cases (审批案件), three views of one page:
//   #/cases       the list (GET /api/cases) with filters: status, approval
//                 level, joint-review department and overdue go to the
//                 server; the text filter (code, title, enterprise) runs
//                 over the cases the server returned;
//   #/cases/new   a new case (POST /api/cases): the project's facts and its
//                 boundary, uploaded (Ministry coordinate file, GeoJSON,
//                 WKT; multipart) or drawn on the map (GeoJSON in
//                 CGCS2000 longitude/latitude);
//   #/cases/{id}  one case: its facts, the caller's own tasks on it with
//                 the actions the API allows for the step (POST
//                 /api/tasks/{id}), the boundary on the One Map's layers,
//                 the process diagram drawn by bpmn-js from the case's own
//                 process version with the current steps highlighted and
//                 the completed ones marked, the check summary (linked to
//                 the check page), the approval authority and document
//                 number, materials with their states and deadlines
//                 (deferrals), notices with their periods, penalties, and
//                 the timeline, where every entry the ledger recorded gets
//                 a "核验" button that checks its proof in the browser.
//
// What the server decides (statuses, deadlines, who may act, reasons
// required) is the server's: the page shows it and, when the server
// refuses something, its Chinese message as it came.

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

import { fetchJson, request, state as session } from './api.js';
import { t, has, currentLang, fmtNum, fmtInt, fmtShare, fmtTime } from './i18n.js';
import { createLayer, defineCrs, layersExtent, mapState } from './map.js';
import { verifyEntry, renderVerifyResult } from './ledger.js';
import { MARK, viewerClass } from './bpmn.js';
import { $, el, table } from './util.js';

// Case statuses (src/cases lg_cases_status_title), the approval levels a
// case is routed to, and the joint-review departments (lg_departments):
// the codes the filters offer; their names are in the dictionaries.
export const STATUSES = ['submitted', 'in_review', 'notice', 'approved', 'handed_over', 'returned', 'prohibited', 'rejected', 'vetoed', 'cancelled', 'closed'];
const FINAL = new Set(['handed_over', 'returned', 'prohibited', 'rejected', 'vetoed', 'cancelled', 'closed']);
const LEVELS = ['city', 'province', 'state_council'];
export const DEPARTMENTS = ['natural_resources', 'agriculture', 'ecology', 'forestry', 'water', 'housing', 'development', 'transport', 'culture', 'emergency'];
// The actions for which the API requires a reason (data/cases/default.json
// task_actions.reason_required): asked for here before sending, and the
// server checks again.
const REASON_REQUIRED = new Set(['return', 'reject', 'veto']);
// Cases read for the list at a time (the API allows up to 1000).
const LIST_LIMIT = 500;
const DAY_MS = 86400000;

export const casesState = {
  view: null,
  list: [],
  current: null, // the case shown, as GET /api/cases/{id} gave it
  timeline: [],
  myTasks: [],
  marks: null, // the diagram's markers: {current, done, end}
  viewer: null,
  map: null, // the case page's OpenLayers map, once made
  mapReady: null,
  newMap: null, // the new-case form's map, once made
  newMapReady: null,
  drawn: null,
  diagramReady: null, // resolves when the shown case's diagram is drawn
  loading: false,
};

// ---- Small helpers ---------------------------------------------------------------

/** A code's name in the page's language: the dictionary's (prefix.code)
 *  in English, the server's Chinese title in Chinese when it sent one. */
function label(prefix, code, title) {
  if (code === null || code === undefined || code === '') return title || '—';
  const key = `${prefix}.${code}`;
  if (currentLang() !== 'zh-CN' && has(key)) return t(key);
  return title || (has(key) ? t(key) : String(code));
}

const statusLabel = (code, title) => label('caseStatus', code, title);
const actionLabel = (a) => label('act', a);
const deptLabel = (d) => label('dept', d);

function can(resource, action) {
  const v = session.can?.[resource]?.[action];
  return Boolean(v) && v !== 'none';
}

/** Calendar days from filing to now, or to the last change of a case that
 *  has ended. */
export function daysElapsed(c, now = Date.now()) {
  const start = Date.parse(c.created_at);
  const end = FINAL.has(c.status) ? Date.parse(c.updated_at || c.decided_at || c.created_at) : now;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return Math.max(0, Math.floor((end - start) / DAY_MS));
}

const pastDue = (iso) => Boolean(iso) && Date.parse(iso) <= Date.now();

function statusBadge(code, title) {
  return el('span', { className: `badge case-status status-${code}`, dataset: { status: code } }, statusLabel(code, title));
}

function section(id, titleKey, ...children) {
  return el('section', { className: 'case-section', id, dataset: { section: titleKey } }, el('h3', {}, t(titleKey)), ...children);
}

function setHeading(text) {
  $('cases-title').textContent = text;
}

function showView(name) {
  casesState.view = name;
  $('cases-list-view').hidden = name !== 'list';
  $('case-new-view').hidden = name !== 'new';
  $('case-view').hidden = name !== 'case';
  document.body.dataset.casesView = name;
}

// ---- The list --------------------------------------------------------------------

function fillFilters() {
  const opts = (sel, codes, allKey, lab) => {
    const keep = sel.value;
    sel.textContent = '';
    sel.append(el('option', { value: '' }, t(allKey)), ...codes.map((c) => el('option', { value: c }, lab(c))));
    sel.value = keep;
  };
  opts($('cases-f-status'), STATUSES, 'cases.all', (c) => statusLabel(c));
  opts($('cases-f-level'), LEVELS, 'cases.all', (c) => label('level', c));
  opts($('cases-f-dept'), DEPARTMENTS, 'cases.all', deptLabel);
  $('cases-new').hidden = !can('case', 'create');
}

async function loadList() {
  const q = new URLSearchParams({ limit: String(LIST_LIMIT) });
  for (const [param, id] of [['status', 'cases-f-status'], ['level', 'cases-f-level'], ['department', 'cases-f-dept']]) {
    if ($(id).value) q.set(param, $(id).value);
  }
  if ($('cases-f-overdue').checked) q.set('overdue', '1');
  const box = $('cases-body');
  box.setAttribute('aria-busy', 'true');
  try {
    const b = await fetchJson(`/api/cases?${q}`);
    casesState.list = b.cases || [];
    casesState.listError = null;
  } catch (err) {
    casesState.list = [];
    casesState.listError = err.message;
  } finally {
    box.removeAttribute('aria-busy');
  }
  renderList();
}

function matchesText(c, text) {
  if (!text) return true;
  const hay = [c.code, c.title, c.enterprise, c.division, ...(c.current || [])].join(' ').toLowerCase();
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function renderList() {
  const box = $('cases-body');
  box.textContent = '';
  if (casesState.listError) {
    box.append(el('p', { className: 'error' }, casesState.listError));
    $('cases-count').textContent = '';
    return;
  }
  const text = $('cases-f-text').value.trim();
  const list = casesState.list.filter((c) => matchesText(c, text));
  $('cases-count').textContent = t('cases.count', { n: fmtInt(list.length) }) + (casesState.list.length >= LIST_LIMIT ? ` ${t('cases.limited', { n: LIST_LIMIT })}` : '');
  if (!list.length) {
    box.append(el('p', { className: 'empty' }, t('cases.none')));
    return;
  }
  const rows = list.map((c) => {
    const days = daysElapsed(c);
    return {
      props: { className: c.overdue ? 'overdue' : '', dataset: { id: String(c.id), code: c.code, overdue: String(Boolean(c.overdue)), status: c.status } },
      cells: [
        el('a', { href: `#/cases/${c.id}` }, c.code),
        c.title || '—',
        { text: (c.divisions?.length ? c.divisions : [c.division]).join('、'), dataset: { field: 'division' } },
        statusBadge(c.status, c.status_title),
        { text: (c.current || []).join('、') || '—', dataset: { field: 'current' } },
        { text: days === null ? '—' : fmtInt(days), className: 'num', dataset: { field: 'days', value: String(days) } },
        c.overdue ? el('span', { className: 'badge overdue-mark', title: t('cases.overdueTitle') }, t('cases.overdue')) : '',
      ],
    };
  });
  box.append(
    table(
      [t('cases.code'), t('cases.title'), t('cases.county'), t('cases.state'), t('cases.current'), t('cases.days'), t('cases.overdueCol')],
      rows,
      { className: 'data', id: 'cases-table' },
    ),
  );
}

// ---- A new case ------------------------------------------------------------------

const boundaryStyle = new Style({
  stroke: new Stroke({ color: '#0d47a1', width: 3 }),
  fill: new Fill({ color: 'rgba(13, 71, 161, 0.15)' }),
});
const drawnStyle = new Style({
  stroke: new Stroke({ color: '#00838f', width: 2.5, lineDash: [6, 4] }),
  fill: new Fill({ color: 'rgba(0, 131, 143, 0.15)' }),
});

async function catalogue() {
  if (mapState.layers.length) return mapState.layers;
  if (!can('layer', 'read')) return []; // an applicant sees its boundary alone
  if (!casesState.catalogue) casesState.catalogue = fetchJson('/api/layers').then((b) => b.layers, () => []);
  return casesState.catalogue;
}

/** An OpenLayers map on target with the One Map's layers, fitted to them. */
async function makeMap(target) {
  const map = new Map({
    target,
    controls: defaultControls({ attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
    view: new View({ projection: 'EPSG:3857', center: transform([105, 35], 'EPSG:4490', 'EPSG:3857'), zoom: 4 }),
  });
  const layers = await catalogue();
  for (const layer of layers) map.addLayer(createLayer(layer));
  const extent = layersExtent(layers);
  if (!isEmpty(extent)) map.getView().fit(extent, { padding: [20, 20, 20, 20], maxZoom: 18 });
  return map;
}

let draw = null;
let drawSource = null;
let rules = null;

async function initNewMap() {
  drawSource = new VectorSource();
  const map = await makeMap('case-new-map');
  map.addLayer(new VectorLayer({ source: drawSource, style: drawnStyle, zIndex: 96 }));
  casesState.newMap = map;
  return map;
}

function drawState() {
  $('case-draw-state').textContent = draw ? t('check.drawing') : casesState.drawn ? t('check.drawn') : '';
}

function stopDraw() {
  if (draw) casesState.newMap.removeInteraction(draw);
  draw = null;
  drawState();
}

function startDraw() {
  stopDraw();
  drawSource.clear();
  casesState.drawn = null;
  draw = new Draw({ source: drawSource, type: 'Polygon' });
  draw.on('drawend', (evt) => {
    casesState.drawn = evt.feature;
    setTimeout(stopDraw); // one boundary at a time
    drawState();
  });
  casesState.newMap.addInteraction(draw);
  drawState();
}

function sourceMode() {
  return document.querySelector('input[name="case-source"]:checked')?.value || 'file';
}

function showSourceMode() {
  $('case-file-box').hidden = sourceMode() !== 'file';
  $('case-draw-box').hidden = sourceMode() !== 'draw';
  if (sourceMode() !== 'draw' && casesState.newMap) stopDraw();
}

/** The current rule set (the use codes' names, the project types), once. */
async function loadRules() {
  if (!rules) {
    try {
      rules = (await fetchJson('/api/rules')).rules;
    } catch {
      rules = {};
    }
  }
  return rules;
}

/** "1001 工业用地": a use code with its name from the rule set's code system. */
function useLabel(code) {
  if (!code) return '—';
  const name = rules?.code_systems?.find((c) => c.id === 'ydyh2023')?.names?.[code];
  return name ? `${code} ${name}` : code;
}

async function fillForm() {
  await loadRules();
  const use = $('case-use');
  const keepUse = use.value;
  use.textContent = '';
  use.append(el('option', { value: '' }, t('check.unspecified')));
  const codes = rules.code_systems?.find((c) => c.id === 'ydyh2023')?.names || {};
  for (const [code, name] of Object.entries(codes).sort(([a], [b]) => a.localeCompare(b))) {
    if (code.length > 4) continue;
    use.append(el('option', { value: code }, `${code.length > 2 ? '\u00a0\u00a0' : ''}${code} ${name}`));
  }
  use.value = keepUse;
  const type = $('case-type');
  const keepType = type.value;
  type.textContent = '';
  for (const [key, title] of Object.entries(rules.project_types || {})) {
    if (key === 'unspecified') continue; // a case's checklist depends on its type
    type.append(el('option', { value: key }, currentLang() !== 'zh-CN' && has(`ptype.${key}`) ? t(`ptype.${key}`) : title));
  }
  type.value = keepType || (rules.project_types?.industrial ? 'industrial' : type.options[0]?.value || '');
  const depts = $('case-departments');
  const checked = new Set([...depts.querySelectorAll('input:checked')].map((i) => i.value));
  depts.textContent = '';
  for (const d of DEPARTMENTS) {
    depts.append(el('label', {}, el('input', { type: 'checkbox', value: d, checked: checked.has(d), id: `case-dept-${d}` }), ' ', deptLabel(d)));
  }
  // An applicant files for its own enterprise only.
  const ent = $('case-enterprise');
  if (session.user?.enterprise) {
    ent.value = session.user.enterprise;
    ent.readOnly = true;
  }
}

function formError(text, detail) {
  const box = $('case-form-error');
  box.textContent = '';
  if (!text) return;
  box.append(el('p', {}, text));
  if (detail) box.append(el('p', { className: 'hint' }, t('cases.errorWhere', { where: detail })));
}

async function submitCase(evt) {
  evt.preventDefault();
  formError('');
  const val = (id) => $(id).value.trim();
  if (!val('case-title')) {
    formError(t('cases.needTitle'));
    $('case-title').focus();
    return;
  }
  if (!val('case-enterprise')) {
    formError(t('cases.needEnterprise'));
    $('case-enterprise').focus();
    return;
  }
  const fields = {
    title: val('case-title'),
    type: $('case-type').value,
    use: $('case-use').value,
    enterprise: val('case-enterprise'),
    applicant: val('case-applicant'),
    rating: $('case-rating').value,
    investment: val('case-investment'),
    division: val('case-division'),
  };
  const departments = [...$('case-departments').querySelectorAll('input:checked')].map((i) => i.value);
  const allMaterials = $('case-materials-all').checked;
  let init;
  if (sourceMode() === 'file') {
    const file = $('case-file').files[0];
    if (!file) {
      formError(t('check.needFile'));
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    for (const [k, v] of Object.entries(fields)) if (v !== '') form.append(k, v);
    if (val('case-srs')) form.append('srs', val('case-srs'));
    if (val('case-parcel')) form.append('parcel', val('case-parcel'));
    if (departments.length) form.append('departments', departments.join(','));
    if (!allMaterials) form.append('materials', '[]');
    init = { method: 'POST', body: form };
  } else {
    if (!casesState.drawn) {
      formError(t('check.needDrawing'));
      return;
    }
    const g = casesState.drawn.getGeometry().clone().transform('EPSG:3857', 'EPSG:4490');
    const body = { boundary: new GeoJSON().writeGeometryObject(g, { decimals: 9, rightHanded: true }), srs: 4490 };
    for (const [k, v] of Object.entries(fields)) if (v !== '') body[k] = k === 'investment' ? Number(v) : v;
    if (departments.length) body.departments = departments;
    if (!allMaterials) body.materials = [];
    init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }
  const button = $('case-submit');
  button.disabled = true;
  $('status').textContent = t('cases.filing');
  try {
    const r = await request('/api/cases', init);
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      formError(body?.error?.message || `HTTP ${r.status}`, body?.error?.detail);
      $('status').textContent = t('cases.fileFailed');
      return;
    }
    $('case-form').reset();
    fillForm();
    if (drawSource) drawSource.clear();
    casesState.drawn = null;
    drawState();
    location.hash = `#/cases/${body.id}`;
  } catch (err) {
    formError(t('error.connect', { message: err.message }));
  } finally {
    button.disabled = false;
  }
}

// ---- One case: fetching ----------------------------------------------------------

/** The ledger's entries about the case and about its process instance:
 *  [{index, action, actor, time}]; [] when the caller may not read them. */
async function ledgerEntries(c) {
  if (!can('ledger', 'read')) return [];
  const get = (type, id) => fetchJson(`/api/ledger/objects/${encodeURIComponent(type)}/${encodeURIComponent(id)}`).then((b) => b.entries || [], () => []);
  const lists = await Promise.all([get('case', c.id), c.instance_id ? get('flow.instance', c.instance_id) : []]);
  return lists.flat().sort((a, b) => a.index - b.index);
}

// Which ledger entry records a timeline entry: the one appended in the
// same transaction (same time and actor) with the action that event
// appends. A person's action on a task is recorded by the engine as the
// process instance's "flow.task.complete"; the case's own events as
// "case.<event>" (the approval decision as "case.approve"); the engine's
// start, timers and messages as "flow.<event>". Other entries of the
// timeline (a step opened, a service task run) are part of those
// transactions and have no entry of their own.
const FLOW_RECORDED = new Set(['start', 'timer', 'message', 'cancel', 'task.claim', 'vars']);
function ledgerAction(e) {
  if (e.source === 'case') {
    if (e.event === 'act') return 'flow.task.complete';
    if (e.event === 'decision') return 'case.approve';
    return `case.${e.event}`;
  }
  return FLOW_RECORDED.has(e.event) ? `flow.${e.event}` : null;
}

// Within one transaction (same time and actor) the server lists the
// engine's events before the case's journal; read in that order, a step
// opens before the decision that opened it. Steps opened and the
// process's end go after the rest of their run; nothing else moves.
const LATE = { 'task.create': 1, terminate: 2, completed: 2, terminated: 2, cancelled: 2 };
function inTransactionOrder(list) {
  const out = [];
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j < list.length && list[j].at === list[i].at && list[j].actor === list[i].actor) j++;
    const run = list.slice(i, j).map((e, k) => ({ e, k, late: e.source === 'flow' ? LATE[e.event] || 0 : 0 }));
    run.sort((a, b) => a.late - b.late || a.k - b.k);
    out.push(...run.map((r) => r.e));
    i = j;
  }
  return out;
}

/** The timeline as shown: the engine's events that repeat the case's own
 *  (its start, a completed task someone acted on, a service task that
 *  journalled its result) left out, and each entry given the index of its
 *  ledger entry (e.ledger) when it has one. Equal keys are paired in
 *  order, the timeline and the ledger both being in order. */
export function prepareTimeline(timeline, entries) {
  const acted = new Set(timeline.filter((e) => e.source === 'case' && e.event === 'act').map((e) => e.task_id));
  const journalled = new Set(timeline.filter((e) => e.source === 'case' && e.node).map((e) => `${e.node}|${e.at}`));
  const created = timeline.some((e) => e.source === 'case' && e.event === 'create');
  const shown = timeline.filter((e) => {
    if (e.source !== 'flow') return true;
    if (e.event === 'start') return !created;
    if (e.event === 'task.complete') return !acted.has(e.task_id);
    if (e.event === 'service') return !journalled.has(`${e.node}|${e.at}`);
    return true;
  });
  const pools = new globalThis.Map();
  for (const x of entries) {
    const k = `${x.action}|${x.time}|${x.actor}`;
    if (!pools.has(k)) pools.set(k, []);
    pools.get(k).push(x.index);
  }
  return inTransactionOrder(shown).map((e) => {
    const action = ledgerAction(e);
    const pool = action ? pools.get(`${action}|${e.at}|${e.actor}`) : null;
    return pool?.length ? { ...e, ledger: pool.shift() } : { ...e };
  });
}

// ---- One case: the diagram ---------------------------------------------------------

const xmlCache = {};

async function processXml(def) {
  const key = `${def.key}@${def.version}`;
  if (!xmlCache[key]) {
    xmlCache[key] = request(`/api/processes/${encodeURIComponent(def.key)}/xml?version=${def.version}`).then(async (r) => {
      if (!r.ok) {
        delete xmlCache[key];
        const b = await r.json().catch(() => null);
        throw new Error(b?.error?.message || `HTTP ${r.status}`);
      }
      return r.text();
    });
  }
  return xmlCache[key];
}

/** Which nodes are current, done, the end: from the instance's active
 *  nodes, the completed steps and the engine's events. */
export function diagramMarks(c, timeline) {
  const current = new Set((c.process?.active_nodes || []).map((n) => n.id));
  const done = new Set();
  for (const s of c.steps || []) if (s.status === 'completed') done.add(s.node);
  for (const e of timeline) {
    if (e.source === 'flow' && e.node && ['task.complete', 'service', 'multi.complete', 'join'].includes(e.event)) done.add(e.node);
    if (e.source === 'case' && e.node) done.add(e.node);
  }
  for (const id of current) done.delete(id);
  const end = c.process?.end_node ? [c.process.end_node] : [];
  return { current: [...current], done: [...done], end };
}

// The whole process at once is too small to read on a page; the diagram
// is shown at a readable scale around the current step (or the end), and
// the viewer pans and zooms (mouse wheel, drag) to the rest.
const READABLE_ZOOM = 0.75;

function focusDiagram(canvas, element) {
  canvas.zoom('fit-viewport', 'auto');
  if (!element || canvas.zoom() >= READABLE_ZOOM) return;
  canvas.zoom(READABLE_ZOOM);
  const vb = canvas.viewbox();
  const cx = element.x + (element.width || 0) / 2;
  const cy = element.y + (element.height || 0) / 2;
  canvas.viewbox({ x: cx - vb.width / 2, y: cy - vb.height / 2, width: vb.width, height: vb.height });
}

async function drawDiagram(c, timeline) {
  const box = $('case-diagram');
  const def = c.process?.definition;
  if (!def) {
    box.textContent = t('cases.noProcess');
    return;
  }
  const Viewer = await viewerClass();
  if (!casesState.viewer) casesState.viewer = new Viewer({ container: box });
  const viewer = casesState.viewer;
  const xml = await processXml(def);
  if (casesState.current?.id !== c.id) return; // another case was opened meanwhile
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const marks = diagramMarks(c, timeline);
  for (const start of registry.filter((e) => e.type === 'bpmn:StartEvent')) marks.done.push(start.id);
  const known = (id) => Boolean(registry.get(id));
  const current = marks.current.filter(known);
  const done = new Set(marks.done.filter(known));
  const end = marks.end.filter(known);
  // Gateways and catching events leave no record of their own: one was
  // passed when a flow into it comes from a node done and a flow out of
  // it reaches a node done, current or the end (repeated along chains).
  const reached = new Set([...done, ...current, ...end]);
  const passable = registry.filter((e) => /Gateway$|IntermediateCatchEvent$/.test(e.type));
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of passable) {
      if (reached.has(g.id)) continue;
      if (g.incoming?.some((f) => done.has(f.source?.id)) && g.outgoing?.some((f) => reached.has(f.target?.id))) {
        done.add(g.id);
        reached.add(g.id);
        changed = true;
      }
    }
  }
  for (const id of done) canvas.addMarker(id, MARK.done);
  for (const id of end) canvas.addMarker(id, MARK.end);
  for (const id of current) canvas.addMarker(id, MARK.current);
  // The flows walked: from a node done to a node done, current or the end.
  for (const f of registry.filter((e) => e.type === 'bpmn:SequenceFlow')) {
    if (done.has(f.source?.id) && reached.has(f.target?.id)) canvas.addMarker(f.id, MARK.done);
  }
  focusDiagram(canvas, registry.get(current[0] || end[0]));
  casesState.marks = { current, done: [...done], end, version: def.version, key: def.key };
  box.dataset.version = String(def.version);
}

// ---- One case: the map ------------------------------------------------------------

let caseSource = null;

async function showBoundary(c) {
  if (!casesState.mapReady) {
    caseSource = new VectorSource();
    casesState.mapReady = makeMap('case-map').then((map) => {
      map.addLayer(new VectorLayer({ source: caseSource, style: boundaryStyle, zIndex: 95, properties: { name: 'case-boundary' } }));
      casesState.map = map;
      return map;
    });
  }
  const map = await casesState.mapReady;
  map.updateSize();
  caseSource.clear();
  if (!c.boundary || !defineCrs(c.srs_id || 4326)) return;
  const features = new GeoJSON().readFeatures(c.boundary, { dataProjection: `EPSG:${c.srs_id || 4326}`, featureProjection: 'EPSG:3857' });
  for (const f of features) f.setId(`case-${c.id}`);
  caseSource.addFeatures(features);
  const extent = caseSource.getExtent();
  if (!isEmpty(extent)) map.getView().fit(extent, { padding: [40, 40, 40, 40], maxZoom: 18 });
}

// ---- One case: the sections ---------------------------------------------------------

function headSection(c) {
  const shares = c.division_shares?.length
    ? c.division_shares.map((d) => `${d.division} (${fmtShare(d.share, 1)})`).join('、')
    : (c.divisions || [c.division]).join('、');
  const facts = [
    ['cases.code', c.code],
    ['cases.state', statusBadge(c.status, c.status_title)],
    ['report.type', label('ptype', c.project_type)],
    ['report.use', useLabel(c.use_code)],
    ['cases.enterprise', `${c.applicant ? `${c.applicant} · ` : ''}${c.enterprise || '—'}`],
    ['cases.rating', c.rating || '—'],
    ['cases.investment', c.investment === null || c.investment === undefined ? '—' : `${fmtNum(c.investment, 2)} ${t('unit.yuan')}`],
    ['cases.counties', shares],
    ['cases.departments', (c.departments || []).map(deptLabel).join('、') || '—'],
    ['cases.area', `${c.planar_m2 ? `${fmtNum(c.planar_m2 / 1e4, 4)} ${t('unit.ha')} (${t('cases.planar', { epsg: c.srs_id })}); ` : ''}${fmtNum(c.ellipsoidal_m2 / 1e4, 4)} ${t('unit.ha')} (${t('cases.ellipsoidal')})`],
    ['cases.boundarySource', `${c.boundary_source || '—'} · ${c.boundary_format || ''} · EPSG:${c.srs_id ?? '?'}`],
    ['cases.filed', `${fmtTime(c.created_at)} · ${c.created_by || '—'}`],
    ['cases.level', label('level', c.level, c.level_title)],
    ['cases.documentNo', c.document_no || '—'],
  ];
  if (c.decided_at) facts.push(['cases.decided', fmtTime(c.decided_at)]);
  if (c.handed_over_at) facts.push(['cases.handedOver', fmtTime(c.handed_over_at)]);
  facts.push(['cases.days', `${fmtInt(daysElapsed(c))}`]);
  return el(
    'div',
    {},
    el('p', { className: 'case-nav no-print' }, el('a', { href: '#/cases' }, `← ${t('cases.back')}`)),
    el('dl', { className: 'facts case-facts', id: 'case-facts' }, facts.flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', { dataset: { field: k.slice(6) } }, v)])),
  );
}

/** The caller's own tasks on this case, each with the step's actions. */
function actSection(c) {
  const box = el('div', {});
  const mine = casesState.myTasks.filter((k) => k.case_id === c.id);
  const others = (c.tasks || []).filter((k) => !mine.some((m) => m.id === k.id));
  for (const k of mine) box.append(taskPanel(c, k));
  if (others.length) {
    box.append(
      section(
        'case-open',
        'cases.openSteps',
        el(
          'ul',
          { className: 'open-steps' },
          others.map((k) =>
            el(
              'li',
              { dataset: { task: String(k.id), node: k.node } },
              el('strong', {}, k.name || k.node),
              k.element ? ` (${deptLabel(k.element)})` : '',
              ' · ',
              holdersLabel(k),
              k.due_at ? el('span', { className: `due${pastDue(k.due_at) ? ' overdue' : ''}` }, ` · ${t('dash.due')} ${fmtTime(k.due_at)}${pastDue(k.due_at) ? ` (${t('cases.overdue')})` : ''}`) : '',
              k.unattended && can('task', 'admin') ? reassignForm(c, k) : '',
            ),
          ),
        ),
      ),
    );
  }
  return box;
}

/** Who can act on a task: the people by name, or 无人办理 (issue 19). */
function holdersLabel(k) {
  if (!k.holders) return t('cases.offeredTo', { groups: (k.candidate_groups || []).join('、') });
  if (k.unattended) return el('span', { className: 'badge unattended', title: t('cases.unattendedHint') }, t('cases.unattended'));
  return t('cases.offeredTo', { groups: k.holders.map((h) => h.name || h.login).join('、') });
}

/** An administrator gives a task no one can act on to a staff account. */
function reassignForm(c, k) {
  const pick = el('select', { id: `reassign-login-${k.id}` }, el('option', { value: '' }, t('cases.reassignPick')));
  const reason = el('input', { type: 'text', id: `reassign-reason-${k.id}`, maxLength: 500, placeholder: t('cases.reassignReason') });
  const error = el('div', { className: 'error', role: 'alert' });
  const button = el('button', { type: 'button', className: 'primary', id: `reassign-${k.id}` }, t('cases.reassign'));
  fetchJson('/api/users').then(
    (b) => {
      for (const u of b.users || []) {
        if (u.disabled || ['applicant', 'public'].includes(u.role)) continue;
        pick.append(el('option', { value: u.login }, `${u.name || u.login} (${u.role_title || u.role}, ${u.division})`));
      }
    },
    () => {},
  );
  button.addEventListener('click', async () => {
    error.textContent = '';
    button.disabled = true;
    try {
      const r = await request(`/api/tasks/${k.id}/assign`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: pick.value, reason: reason.value }) });
      const b = await r.json().catch(() => null);
      if (!r.ok) {
        error.textContent = b?.error?.message || `HTTP ${r.status}`;
        return;
      }
      await showCase(String(c.id));
      $('status').textContent = t('cases.reassigned');
    } catch (err) {
      error.textContent = t('error.connect', { message: err.message });
    } finally {
      button.disabled = false;
    }
  });
  return el('div', { className: 'reassign' }, pick, ' ', reason, ' ', button, error);
}

function taskPanel(c, k) {
  const id = k.id;
  const reason = el('textarea', { id: `act-reason-${id}`, rows: 2, maxLength: 2000 });
  const error = el('div', { className: 'error', role: 'alert', id: `act-error-${id}` });
  const extra = [];
  // Counting objections (Land Administration Law Implementing Regulations
  // art. 27: a hearing when a majority of the members object).
  let objections = null;
  let members = null;
  if (k.node === 'Task_Objections') {
    objections = el('input', { type: 'number', min: '0', step: '1', id: `act-objections-${id}` });
    members = el('input', { type: 'number', min: '1', step: '1', id: `act-members-${id}` });
    extra.push(el('label', {}, t('act.objections'), ' ', objections), el('label', {}, t('act.members'), ' ', members));
  }
  const buttons = (k.actions || []).map((a) =>
    el(
      'button',
      {
        type: 'button',
        className: ['approve', 'accept', 'done'].includes(a) ? 'primary' : ['reject', 'veto', 'return'].includes(a) ? 'danger' : '',
        dataset: { action: a },
        onclick: () => act(c, k, a, { reason, error, objections, members, buttons: panel.querySelectorAll('button') }),
      },
      actionLabel(a),
    ),
  );
  const panel = el(
    'section',
    { className: 'task-panel', dataset: { task: String(id), node: k.node }, 'aria-labelledby': `task-title-${id}` },
    el('h3', { id: `task-title-${id}` }, t('cases.yourTask', { name: k.name || k.node }), k.element ? ` (${deptLabel(k.element)})` : ''),
    el(
      'p',
      { className: 'hint' },
      k.due_at ? el('span', { className: `due${k.overdue || pastDue(k.due_at) ? ' overdue' : ''}` }, `${t('dash.due')} ${fmtTime(k.due_at)}${k.overdue || pastDue(k.due_at) ? ` (${t('cases.overdue')})` : ''}`) : '',
    ),
    el('label', { className: 'reason' }, el('span', {}, t('act.reason')), reason),
    el('p', { className: 'hint' }, t('act.reasonHint', { actions: (k.actions || []).filter((a) => REASON_REQUIRED.has(a)).map(actionLabel).join('、') || '—' })),
    ...extra,
    el('div', { className: 'act-buttons' }, buttons),
    error,
  );
  return panel;
}

const DANGER = new Set(['reject', 'veto', 'return']);

/** A return, rejection or veto ends or sends back the case: asked once
 *  more, beside the check's verdict and the approving level (issue 19). */
function confirmAct(c, action, f) {
  const panel = f.error.parentElement;
  panel.querySelector('.confirm')?.remove();
  return new Promise((resolve) => {
    const verdict = c.check ? label('verdict', c.check.verdict, c.check.verdict_title) : t('cases.noCheck');
    const level = c.authority ? label('level', c.authority.level, c.authority.level_title) : '—';
    const done = (yes) => {
      box.remove();
      resolve(yes);
    };
    const box = el(
      'div',
      { className: 'confirm', role: 'alertdialog', 'aria-label': t('act.confirm', { action: actionLabel(action) }) },
      el('p', {}, el('strong', {}, t('act.confirm', { action: actionLabel(action) }))),
      el('p', { className: 'hint' }, `${t('report.verdict')}: ${verdict} · ${t('cases.level')}: ${level}`),
      el('button', { type: 'button', className: 'danger', dataset: { confirm: action }, onclick: () => done(true) }, t('act.confirmYes', { action: actionLabel(action) })),
      ' ',
      el('button', { type: 'button', dataset: { cancel: action }, onclick: () => done(false) }, t('act.confirmNo')),
    );
    f.error.before(box);
    box.querySelector('button').focus();
  });
}

async function act(c, k, action, f) {
  f.error.textContent = '';
  const reason = f.reason.value.trim();
  if (REASON_REQUIRED.has(action) && !reason) {
    f.error.textContent = t('act.needReason', { action: actionLabel(action) });
    f.reason.focus();
    return;
  }
  if (DANGER.has(action) && !(await confirmAct(c, action, f))) return;
  const body = { action };
  if (reason) body.reason = reason;
  if (f.objections) {
    body.vars = {};
    if (f.objections.value !== '') body.vars.objections = Number(f.objections.value);
    if (f.members.value !== '') body.vars.members = Number(f.members.value);
  }
  for (const b of f.buttons) b.disabled = true;
  $('status').textContent = t('act.sending');
  try {
    const r = await request(`/api/tasks/${k.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const b = await r.json().catch(() => null);
    if (!r.ok) {
      f.error.textContent = b?.error?.message || `HTTP ${r.status}`;
      $('status').textContent = t('act.refused');
      return;
    }
    await showCase(String(c.id));
    $('status').textContent = t('act.sent', { action: actionLabel(action), status: statusLabel(b.status, b.status_title) });
  } catch (err) {
    f.error.textContent = t('error.connect', { message: err.message });
  } finally {
    for (const b of f.buttons) b.disabled = false;
  }
}

function checkSection(c) {
  const ch = c.check;
  const au = c.authority;
  const parts = [];
  if (ch) {
    const verdict = ['pass', 'conditional', 'unreviewable', 'prohibited'].includes(ch.verdict) ? ch.verdict : 'none';
    parts.push(
      el(
        'p',
        { id: 'case-check-verdict', dataset: { verdict: ch.verdict || '' } },
        `${t('report.verdict')}: `,
        el('span', { className: `badge verdict-${verdict}` }, label('verdict', verdict, ch.verdict_title)),
        ` · ${t('report.rulesValue', { version: ch.rule_set_version ?? '?', name: '' }).trim()}`,
        ch.area_m2 !== undefined ? ` · ${fmtNum(ch.area_m2 / 1e4, 4)} ${t('unit.ha')}` : '',
        ' · ',
        ch.check_id ? el('a', { href: `#/check/${ch.check_id}`, id: 'case-check-link' }, t('cases.checkLink', { id: ch.check_id })) : '—',
      ),
    );
    if (ch.reused) parts.push(el('p', { className: 'hint' }, t('cases.recognised', { case: ch.recognised_from_code ?? ch.recognised_from_case ?? '—' })));
    if (ch.reasons?.length) {
      parts.push(el('ul', { className: 'reasons' }, ch.reasons.map((r) => el('li', { className: `effect-${r.effect}` }, el('span', { className: 'effect' }, label('effect', r.effect)), ' ', r.text))));
    }
  } else {
    parts.push(el('p', { className: 'empty' }, t('cases.noCheck')));
  }
  if (au) {
    const level = (k) => label('authority', au[k]);
    parts.push(
      el(
        'dl',
        { className: 'authority', id: 'case-authority' },
        el('dt', {}, t('cases.level')),
        el('dd', { dataset: { level: au.level ?? '' } }, el('strong', {}, label('level', au.level, au.level_title))),
        el('dt', {}, t('report.conversion')),
        el('dd', { dataset: { level: au.conversion ?? '' } }, el('strong', {}, level('conversion')), au.basis?.conversion ? el('div', { className: 'basis' }, au.basis.conversion) : null),
        el('dt', {}, t('report.expropriation')),
        el('dd', { dataset: { level: au.expropriation ?? '' } }, el('strong', {}, level('expropriation')), au.basis?.expropriation ? el('div', { className: 'basis' }, au.basis.expropriation) : null),
        el('dt', {}, t('cases.articles')),
        el('dd', { className: 'articles' }, (au.articles || []).join('、') || '—'),
        el('dt', {}, t('cases.documentNo')),
        el('dd', { id: 'case-document-no' }, c.document_no || '—'),
      ),
    );
  }
  return section('case-check', 'cases.checkTitle', ...parts);
}

function materialsSection(c) {
  const rows = (c.materials || []).map((m) => {
    const late = m.state === 'deferred' && pastDue(m.due_at);
    return {
      props: { className: late ? 'overdue' : '', dataset: { kind: m.kind, state: m.state } },
      cells: [
        m.name || m.kind,
        m.core ? t('cases.core') : t('cases.nonCore'),
        el('span', { className: `badge material-${m.state}` }, label('mat', m.state, m.state_title)),
        { text: m.due_at ? `${fmtTime(m.due_at)}${late ? ` (${t('cases.overdue')})` : ''}` : '—', dataset: { field: 'due' } },
        m.supplied_at ? `${fmtTime(m.supplied_at)}${m.supplied_by ? ` · ${m.supplied_by}` : ''}` : '—',
        { text: m.basis || '', className: 'basis' },
      ],
    };
  });
  const parts = [
    rows.length
      ? table([t('cases.material'), t('cases.coreCol'), t('cases.state'), t('cases.due'), t('cases.supplied'), t('cases.basis')], rows, { className: 'data', id: 'case-materials' })
      : el('p', { className: 'empty' }, t('cases.noMaterials')),
  ];
  const open = (c.materials || []).filter((m) => m.state === 'deferred' || m.state === 'missing');
  if (open.length && can('case', 'act') && !FINAL.has(c.status)) {
    const error = el('div', { className: 'error', role: 'alert', id: 'supply-error' });
    const boxes = open.map((m) => el('label', {}, el('input', { type: 'checkbox', value: m.kind, checked: true }), ' ', m.name || m.kind));
    const button = el('button', { type: 'submit', id: 'supply-submit' }, t('cases.supply'));
    parts.push(
      el(
        'form',
        {
          className: 'supply-form',
          id: 'supply-form',
          onsubmit: async (evt) => {
            evt.preventDefault();
            error.textContent = '';
            const kinds = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
            if (!kinds.length) {
              error.textContent = t('cases.supplyNone');
              return;
            }
            button.disabled = true;
            try {
              await fetchJson(`/api/cases/${c.id}/materials`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ materials: kinds }) });
              await showCase(String(c.id));
              $('status').textContent = t('cases.suppliedDone');
            } catch (err) {
              error.textContent = err.message;
            } finally {
              button.disabled = false;
            }
          },
        },
        el('fieldset', {}, el('legend', {}, t('cases.supplyTitle')), el('div', { className: 'choices' }, boxes)),
        button,
        error,
      ),
    );
  }
  return section('case-materials-section', 'cases.materials', ...parts);
}

function noticesSection(c) {
  if (!c.notices?.length) return null;
  const rows = c.notices.map((n) => ({
    props: { dataset: { kind: n.kind } },
    cells: [
      el('div', {}, el('strong', {}, n.title || label('notice', n.kind)), n.text ? el('details', {}, el('summary', {}, t('cases.noticeText')), el('p', {}, n.text)) : null),
      fmtTime(n.start_at),
      { text: n.end_at ? fmtTime(n.end_at) : '—', dataset: { field: 'end' } },
      n.period || '—',
      { text: n.basis || '', className: 'basis' },
    ],
  }));
  return section('case-notices', 'cases.notices', table([t('cases.notice'), t('cases.start'), t('cases.end'), t('cases.period'), t('cases.basis')], rows, { className: 'data', id: 'case-notices-table' }));
}

function penaltiesSection(c) {
  if (!c.penalties?.length) return null;
  const rows = c.penalties.map((p) => {
    let kinds = p.materials;
    try {
      if (typeof kinds === 'string') kinds = JSON.parse(kinds);
    } catch {
      /* shown as it is */
    }
    const names = Array.isArray(kinds) ? kinds.map((k) => c.materials?.find((m) => m.kind === k)?.name || k).join('、') : kinds || '';
    return [
      { text: `${fmtNum(p.amount, 2)} ${t('unit.yuan')}`, className: 'num', dataset: { field: 'amount', value: String(p.amount) } },
      { text: fmtShare(p.rate, 2), className: 'num' },
      { text: `${fmtNum(p.investment, 2)} ${t('unit.yuan')}`, className: 'num' },
      names,
      { text: p.rule || '', className: 'basis' },
      fmtTime(p.created_at),
    ];
  });
  return section('case-penalties', 'cases.penalties', table([t('cases.amount'), t('cases.rate'), t('cases.investment'), t('cases.lateMaterials'), t('cases.rule'), t('report.created')], rows, { className: 'data', id: 'case-penalties-table' }));
}

/** What a timeline entry says: [what, note]. */
function describe(e, c) {
  const d = e.detail || {};
  const ev = e.event;
  if (e.source === 'case') {
    switch (ev) {
      case 'create':
        return [t('tl.create'), `${d.code || c.code} · ${d.boundary_format || ''}`];
      case 'act': {
        const vars = d.vars && (d.vars.objections !== undefined || d.vars.members !== undefined) ? ` ${t('tl.objections', { objections: d.vars.objections ?? '—', members: d.vars.members ?? '—' })}` : '';
        const deferred = Array.isArray(d.deferred) && d.deferred.length ? ` ${t('tl.deferred', { kinds: d.deferred.map((k) => c.materials?.find((m) => m.kind === k)?.name || k).join('、') })}` : '';
        return [t('tl.act', { action: actionLabel(d.action) }), `${d.reason ? `${t('tl.reason')}: ${d.reason}` : ''}${vars}${deferred}`.trim()];
      }
      case 'status':
        return [t('tl.status', { from: statusLabel(d.from), to: statusLabel(d.to, d.title) }), ''];
      case 'check':
        return [t('tl.check', { verdict: label('verdict', d.verdict, d.verdict_title) }), d.reused ? t('tl.reused') : (d.reasons || []).map((r) => r.text).join('; ')];
      case 'authority':
        return [t('tl.authority', { level: label('level', d.level, d.level_title) }), (d.articles || []).join('、')];
      case 'notice':
        return [t('tl.notice', { title: d.title || label('notice', d.kind) }), d.end_at ? t('tl.until', { end: fmtTime(d.end_at), period: d.period || '' }) : ''];
      case 'penalty':
        return [t('tl.penalty', { amount: fmtNum(d.amount, 2) }), d.rule || ''];
      case 'decision':
        return [t('tl.decision', { no: d.document_no || '' }), d.issuer || ''];
      case 'handover':
        return [t('tl.handover'), ''];
      case 'supply':
        return [t('tl.supply'), (d.materials || []).map((k) => c.materials?.find((m) => m.kind === k)?.name || k).join('、')];
      default:
        return [has(`tl.${ev}`) ? t(`tl.${ev}`) : ev, ''];
    }
  }
  switch (ev) {
    case 'start':
      return [t('tl.flowStart'), d.key || ''];
    case 'task.create':
      return [t('tl.taskCreate'), `${t('cases.offeredTo', { groups: (d.candidate_groups || []).join('、') })}${d.element ? ` (${deptLabel(d.element)})` : ''}`];
    case 'task.complete':
      return [t('tl.taskComplete', { outcome: actionLabel(d.outcome) }), ''];
    case 'service':
      return [t('tl.service'), d.handler || ''];
    case 'timer':
      return [t('tl.timer'), ''];
    case 'message':
      return [t('tl.message', { name: d.name || '' }), ''];
    case 'multi.complete':
      return [t('tl.multiComplete'), ''];
    case 'join':
      return [t('tl.join'), ''];
    case 'terminate':
      return [t('tl.terminate'), ''];
    case 'task.claim':
      return [t('tl.claim'), ''];
    case 'cancel':
      return [t('tl.cancel'), d.reason || ''];
    case 'vars':
      return [t('tl.vars'), (d.names || []).join('、')];
    case 'completed':
    case 'terminated':
    case 'cancelled':
      return [t(`tl.flowEnd`), label('flowEnd', ev)];
    default:
      return [ev, ''];
  }
}

/** Who did it: a person (with their role), or the system, naming the
 *  person whose action it followed from. */
function actorLabel(e) {
  const by = e.triggered_by || e.detail?.triggered_by;
  if (e.actor === 'system') return by ? t('tl.systemAfter', { who: by }) : t('tl.system');
  return `${e.actor || '—'}${e.role ? ` (${label('roleName', e.role)})` : ''}`;
}

function timelineSection(c) {
  const rows = casesState.timeline.map((e, i) => {
    const [what, note] = describe(e, c);
    const cells = [
      fmtTime(e.at),
      actorLabel(e),
      el('strong', {}, what),
      e.node_name || e.node || '',
      note,
      e.ledger !== undefined
        ? el('button', { type: 'button', className: 'verify', dataset: { index: String(e.ledger) }, onclick: (evt) => verifyRow(evt.currentTarget, e.ledger) }, t('ledger.verify'))
        : '',
    ];
    return { props: { dataset: { i: String(i), source: e.source, event: e.event, actor: e.actor || '', ledger: e.ledger === undefined ? '' : String(e.ledger) } }, cells };
  });
  return section(
    'case-timeline',
    'cases.timeline',
    el('p', { className: 'hint' }, t('cases.timelineHint')),
    rows.length
      ? table([t('report.created'), t('cases.actor'), t('cases.what'), t('cases.step'), t('cases.note'), t('cases.ledger')], rows, { className: 'data timeline', id: 'case-timeline-table' })
      : el('p', { className: 'empty' }, t('cases.noTimeline')),
  );
}

/** Verifies a timeline entry's ledger entry; the outcome in a row below. */
async function verifyRow(button, index) {
  const tr = button.closest('tr');
  let out = tr.nextElementSibling;
  if (!out || !out.classList.contains('verify-row')) {
    out = el('tr', { className: 'verify-row', dataset: { index: String(index) } }, el('td', { colSpan: 6 }, el('div', { className: 'verify-result', role: 'status' })));
    tr.after(out);
  }
  const box = out.querySelector('.verify-result');
  box.className = 'verify-result';
  box.textContent = t('ledger.verifying');
  button.disabled = true;
  try {
    renderVerifyResult(box, await verifyEntry(index));
  } catch (err) {
    renderVerifyResult(box, null, err);
  } finally {
    button.disabled = false;
  }
}

function renderCase() {
  const c = casesState.current;
  setHeading(t('cases.caseTitle', { code: c.code, title: c.title || '' }));
  $('case-head').textContent = '';
  $('case-head').append(headSection(c));
  $('case-act').textContent = '';
  $('case-act').append(actSection(c));
  const box = $('case-sections');
  box.textContent = '';
  for (const s of [checkSection(c), materialsSection(c), noticesSection(c), penaltiesSection(c), timelineSection(c)]) if (s) box.append(s);
}

async function showCase(idOrCode) {
  $('status').textContent = t('cases.loadingCase');
  casesState.loading = true; // until the page and its diagram are drawn
  casesState.marks = null;
  let c;
  try {
    c = await fetchJson(`/api/cases/${encodeURIComponent(idOrCode)}`);
  } catch (err) {
    casesState.current = null;
    setHeading(t('nav.cases'));
    $('case-head').textContent = '';
    $('case-head').append(el('p', { className: 'error', id: 'case-error' }, err.message), el('p', {}, el('a', { href: '#/cases' }, `← ${t('cases.back')}`)));
    $('case-act').textContent = '';
    $('case-sections').textContent = '';
    $('status').textContent = '';
    casesState.loading = false;
    return;
  }
  casesState.current = c;
  const [timeline, , myTasks, entries] = await Promise.all([
    fetchJson(`/api/cases/${c.id}/timeline`).then((b) => b.timeline || [], () => []),
    loadRules(),
    can('task', 'read') ? fetchJson('/api/tasks').then((b) => b.tasks || [], () => []) : [],
    ledgerEntries(c),
  ]);
  if (casesState.current !== c) return; // another case was opened meanwhile
  casesState.rawTimeline = timeline;
  casesState.timeline = prepareTimeline(timeline, entries);
  casesState.myTasks = myTasks;
  renderCase();
  $('status').textContent = statusLabel(c.status, c.status_title);
  casesState.diagramReady = Promise.all([
    drawDiagram(c, timeline).catch((err) => {
      $('case-diagram').textContent = t('cases.diagramFailed', { message: err.message });
    }),
    showBoundary(c),
  ]);
  await casesState.diagramReady;
  casesState.loading = false;
}

// ---- Page --------------------------------------------------------------------------

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  for (const id of ['cases-f-status', 'cases-f-level', 'cases-f-dept', 'cases-f-overdue']) $(id).addEventListener('change', () => loadList());
  $('cases-f-text').addEventListener('input', renderList);
  $('cases-filter').addEventListener('submit', (evt) => {
    evt.preventDefault();
    loadList();
  });
  $('case-form').addEventListener('submit', submitCase);
  for (const r of document.querySelectorAll('input[name="case-source"]')) r.addEventListener('change', showSourceMode);
  $('case-draw').addEventListener('click', startDraw);
  $('case-draw-clear').addEventListener('click', () => {
    stopDraw();
    drawSource?.clear();
    casesState.drawn = null;
    drawState();
  });
  document.addEventListener('landgov:lang', () => {
    if ($('page-cases').hidden) return;
    if (casesState.view === 'list') {
      setHeading(t('nav.cases'));
      fillFilters();
      renderList();
    } else if (casesState.view === 'new') {
      setHeading(t('cases.newTitle'));
      fillForm();
      drawState();
    } else if (casesState.current) {
      renderCase();
    }
  });
  // Another account logged in: what was shown may not be theirs.
  document.addEventListener('landgov:user', () => {
    casesState.myTasks = [];
    casesState.list = [];
  });
}

/** Shows the list, the new-case form ("new") or one case (id or code). */
export async function show(param) {
  wire();
  $('status').textContent = '';
  if (!param) {
    showView('list');
    setHeading(t('nav.cases'));
    fillFilters();
    // "#/cases?overdue=1&status=in_review": filters given in the address.
    const q = new URLSearchParams(location.hash.split('?')[1] || '');
    if (q.has('overdue')) $('cases-f-overdue').checked = q.get('overdue') === '1';
    for (const [param2, id] of [['status', 'cases-f-status'], ['level', 'cases-f-level'], ['department', 'cases-f-dept']]) {
      if (q.has(param2)) $(id).value = q.get(param2);
    }
    await loadList();
    return;
  }
  if (param === 'new') {
    showView('new');
    setHeading(t('cases.newTitle'));
    await fillForm();
    showSourceMode();
    if (!casesState.newMapReady) casesState.newMapReady = initNewMap();
    const map = await casesState.newMapReady;
    map.updateSize();
    drawState();
    return;
  }
  showView('case');
  await showCase(param);
}
