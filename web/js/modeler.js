// The process modeler (审批流程建模), for administrators: bpmn-js's Modeler
// opens a deployed process (GET /api/processes, /api/processes/{key}/xml),
// or a .bpmn file, lets the diagram be edited, and deploys it as a new
// version (POST /api/processes with the XML). The server validates the
// process (the engine's BPMN subset, every node reachable, gateways with
// conditions...) and refuses with a Chinese message naming the element
// and the line of the XML: the page shows it as it came, marks the
// element on the diagram and shows the XML around that line. Cases under
// way keep the version they started with.
//
// landgov's own attributes (landgov:candidateGroups, landgov:handler,
// landgov:kind, landgov:resultVariable...) are kept by bpmn-js as foreign
// attributes; the side panel shows the selected element's id, name and
// those attributes, and edits them through the modeler's command stack
// (so undo works).

import { fetchJson, request, state as session } from './api.js';
import { t } from './i18n.js';
import { MARK, modelerClass } from './bpmn.js';
import { $, el } from './util.js';

export const modelerState = { modeler: null, ready: null, opened: false, deploys: 0, key: null, version: null, xml: null, errorElements: [], lastDeploy: null, source: null };

const DEFAULT_KEY = 'land_approval';
// The attributes of landgov's namespace worth editing by hand.
const LANDGOV_ATTRS = ['landgov:candidateGroups', 'landgov:resultVariable', 'landgov:handler', 'landgov:kind', 'landgov:collection', 'landgov:elementVariable', 'landgov:dueDate'];

const isAdmin = () => Boolean(session.can?.process?.admin) && session.can.process.admin !== 'none';

let processes = [];

async function ensureModeler() {
  if (!modelerState.ready) {
    modelerState.ready = (async () => {
      const Modeler = await modelerClass();
      const modeler = new Modeler({ container: $('modeler-canvas') });
      modeler.on('selection.changed', ({ newSelection }) => showProps(newSelection[0] || null));
      modeler.on('element.changed', ({ element }) => {
        const sel = modeler.get('selection').get();
        if (sel[0] === element) showProps(element);
      });
      modelerState.modeler = modeler;
      return modeler;
    })();
  }
  return modelerState.ready;
}

async function loadProcesses() {
  processes = (await fetchJson('/api/processes')).processes || [];
  const sel = $('modeler-process');
  const keep = sel.value || modelerState.key || DEFAULT_KEY;
  sel.textContent = '';
  for (const p of processes) sel.append(el('option', { value: p.key }, `${p.name || p.key} (${p.key})`));
  if (processes.some((p) => p.key === keep)) sel.value = keep;
  fillVersions();
}

function fillVersions() {
  const p = processes.find((x) => x.key === $('modeler-process').value);
  const sel = $('modeler-version');
  sel.textContent = '';
  for (let v = p?.version || 0; v >= 1; v--) sel.append(el('option', { value: String(v) }, t('modeler.versionN', { n: v })));
}

function result(kind, ...children) {
  const box = $('modeler-result');
  box.hidden = !children.length;
  box.className = `modeler-result ${kind}`;
  box.dataset.kind = kind;
  box.textContent = '';
  box.append(...children);
}

function clearErrorMarks() {
  const canvas = modelerState.modeler?.get('canvas');
  for (const id of modelerState.errorElements) {
    try {
      canvas?.removeMarker(id, MARK.error);
    } catch {
      /* the element is gone */
    }
  }
  modelerState.errorElements = [];
}

async function importXml(xml, source) {
  const modeler = await ensureModeler();
  clearErrorMarks();
  const { warnings } = await modeler.importXML(xml);
  modeler.get('canvas').zoom('fit-viewport', 'auto');
  modelerState.xml = xml;
  modelerState.source = source;
  showProps(null);
  return warnings;
}

async function openDeployed() {
  const key = $('modeler-process').value || DEFAULT_KEY;
  const version = $('modeler-version').value;
  $('status').textContent = t('modeler.loading');
  const r = await request(`/api/processes/${encodeURIComponent(key)}/xml${version ? `?version=${version}` : ''}`);
  if (!r.ok) {
    const b = await r.json().catch(() => null);
    result('bad', el('p', {}, b?.error?.message || `HTTP ${r.status}`));
    return;
  }
  const xml = await r.text();
  modelerState.key = key;
  modelerState.version = Number(r.headers.get('X-Process-Version')) || Number(version) || null;
  const warnings = await importXml(xml, 'server');
  result(
    warnings.length ? 'warn' : 'info',
    el('p', {}, t('modeler.opened', { key, version: modelerState.version ?? '?' })),
    warnings.length ? el('p', {}, t('modeler.warnings', { n: warnings.length })) : null,
  );
  $('status').textContent = t('modeler.opened', { key, version: modelerState.version ?? '?' });
}

async function openFile(file) {
  const xml = await file.text();
  try {
    const warnings = await importXml(xml, file.name);
    result(warnings.length ? 'warn' : 'info', el('p', {}, t('modeler.fileOpened', { name: file.name })), warnings.length ? el('p', {}, t('modeler.warnings', { n: warnings.length })) : null);
  } catch (err) {
    result('bad', el('p', {}, t('modeler.fileFailed', { name: file.name, message: err.message })));
  }
}

async function download() {
  const modeler = await ensureModeler();
  const { xml } = await modeler.saveXML({ format: true });
  const a = el('a', { href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })), download: `${modelerState.key || 'process'}.bpmn` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The XML around line n (1-based), the line itself marked. */
function excerpt(xml, n) {
  const lines = xml.split('\n');
  const from = Math.max(1, n - 3);
  const to = Math.min(lines.length, n + 3);
  const pre = el('pre', { className: 'xml-excerpt', id: 'modeler-excerpt' });
  for (let i = from; i <= to; i++) {
    pre.append(el('span', { className: i === n ? 'line bad-line' : 'line', dataset: { line: String(i) } }, `${String(i).padStart(5)}  ${lines[i - 1]}\n`));
  }
  return pre;
}

/** The diagram's elements the server's message names (by id). */
function namedElements(message) {
  const registry = modelerState.modeler.get('elementRegistry');
  const ids = registry
    .getAll()
    .map((e) => e.id)
    .filter((id) => !/_(di|label)$/.test(id) && id.length > 2);
  // Longest first, so that "Task_County" does not also count "Task_C".
  ids.sort((a, b) => b.length - a.length);
  const found = [];
  let rest = message;
  for (const id of ids) {
    const re = new RegExp(`(^|[^A-Za-z0-9_-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-])`);
    if (re.test(rest)) {
      found.push(id);
      rest = rest.replace(re, '$1');
    }
  }
  return found;
}

async function deploy() {
  const modeler = await ensureModeler();
  clearErrorMarks();
  const { xml } = await modeler.saveXML({ format: true });
  const button = $('modeler-deploy');
  button.disabled = true;
  $('status').textContent = t('modeler.deploying');
  try {
    const r = await request('/api/processes', { method: 'POST', headers: { 'Content-Type': 'application/xml; charset=utf-8' }, body: xml });
    const b = await r.json().catch(() => null);
    modelerState.lastDeploy = { status: r.status, body: b, xml };
    if (!r.ok) {
      const msg = b?.error?.message || `HTTP ${r.status}`;
      const line = Number(/第\s*(\d+)\s*行/.exec(`${b?.error?.detail || ''} ${msg}`)?.[1]) || 0;
      const ids = namedElements(msg);
      const canvas = modeler.get('canvas');
      for (const id of ids) canvas.addMarker(id, MARK.error);
      modelerState.errorElements = ids;
      result(
        'bad',
        el('p', { className: 'verdict-line' }, `✘ ${t('modeler.refused')}`),
        el('p', { id: 'modeler-error' }, msg),
        b?.error?.detail ? el('p', { className: 'hint' }, t('modeler.where', { where: b.error.detail })) : null,
        ids.length ? el('p', { className: 'hint', id: 'modeler-error-elements' }, t('modeler.marked', { ids: ids.join('、') })) : null,
        line ? excerpt(xml, line) : null,
      );
      // Shown and selected once the message has taken its room above.
      if (ids.length) {
        const first = modeler.get('elementRegistry').get(ids[0]);
        canvas.resized();
        modeler.get('selection').select(first);
        canvas.scrollToElement(first, { top: 40, bottom: 40, left: 80, right: 40 });
      }
      $('status').textContent = t('modeler.refused');
      return;
    }
    modelerState.key = b.key;
    modelerState.version = b.version;
    await loadProcesses();
    $('modeler-process').value = b.key;
    fillVersions();
    $('modeler-version').value = String(b.version);
    const text = b.created ? t('modeler.deployed', { key: b.key, version: b.version }) : t('modeler.same', { key: b.key, version: b.version });
    result('ok', el('p', { className: 'verdict-line', id: 'modeler-deployed' }, `✔ ${text}`));
    $('status').textContent = text;
  } catch (err) {
    result('bad', el('p', {}, t('error.connect', { message: err.message })));
  } finally {
    button.disabled = false;
    modelerState.deploys++;
  }
}

// ---- The selected element's properties -------------------------------------------

function showProps(element) {
  const box = $('modeler-props');
  box.textContent = '';
  if (!element || element.type === 'bpmn:Process' || element.type === 'label') {
    box.append(el('p', { className: 'hint' }, t('modeler.selectHint')));
    return;
  }
  const modeling = modelerState.modeler.get('modeling');
  const bo = element.businessObject;
  const field = (labelKey, value, onChange, props = {}) => {
    const input = el('input', { value: value ?? '', ...props });
    if (onChange) input.addEventListener('change', () => onChange(input.value.trim()));
    else input.readOnly = true;
    return el('label', {}, el('span', {}, labelKey.startsWith('landgov:') ? labelKey : t(labelKey)), input);
  };
  box.append(
    el('h3', {}, t('modeler.props')),
    el('p', { className: 'mono' }, element.type.replace(/^bpmn:/, '')),
    field('modeler.id', bo.id, null, { id: 'modeler-prop-id' }),
    field('modeler.name', bo.name, (v) => modeling.updateLabel(element, v), { id: 'modeler-prop-name' }),
  );
  const attrs = bo.$attrs || {};
  const shown = LANDGOV_ATTRS.filter((a) => a in attrs || /Task$/.test(element.type));
  for (const a of Object.keys(attrs)) if (a.startsWith('landgov:') && !shown.includes(a)) shown.push(a);
  for (const a of shown) {
    box.append(field(a, attrs[a], (v) => modeling.updateProperties(element, { [a]: v || undefined }), { dataset: { attr: a }, spellcheck: 'false' }));
  }
  if (element.type === 'bpmn:SequenceFlow') {
    const cond = bo.conditionExpression?.body ?? '';
    box.append(
      field('modeler.condition', cond, (v) => {
        const moddle = modelerState.modeler.get('moddle');
        modeling.updateProperties(element, { conditionExpression: v ? moddle.create('bpmn:FormalExpression', { body: v }) : undefined });
      }, { id: 'modeler-prop-condition', spellcheck: 'false' }),
    );
  }
}

// ---- Page ----------------------------------------------------------------------

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $('modeler-bar').addEventListener('submit', (evt) => {
    evt.preventDefault();
    openDeployed().catch((err) => result('bad', el('p', {}, err.message)));
  });
  $('modeler-process').addEventListener('change', fillVersions);
  $('modeler-file').addEventListener('change', (evt) => {
    const f = evt.target.files[0];
    if (f) openFile(f);
    evt.target.value = '';
  });
  $('modeler-download').addEventListener('click', () => download());
  $('modeler-deploy').addEventListener('click', () => deploy());
  document.addEventListener('landgov:lang', () => {
    if ($('page-modeler').hidden || !modelerState.modeler) return;
    fillVersions();
    if (modelerState.version) $('modeler-version').value = String(modelerState.version);
    showProps(modelerState.modeler.get('selection').get()[0] || null);
  });
}

/** Shows the modeler (administrators) with the deployed process open. */
export async function show() {
  wire();
  $('status').textContent = '';
  const admin = isAdmin();
  $('modeler-denied').hidden = admin;
  $('modeler-box').hidden = !admin;
  if (!admin) return;
  const modeler = await ensureModeler();
  await loadProcesses();
  if (modelerState.opened) return; // keep what is being edited
  modelerState.opened = true;
  if (processes.length) {
    await openDeployed();
  } else {
    // Nothing deployed yet (the land-approval process is deployed with
    // the first case): an empty diagram to start from.
    await modeler.createDiagram();
    result('info', el('p', {}, t('modeler.none')));
  }
}
