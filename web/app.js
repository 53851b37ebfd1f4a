// The One Map page (国土空间规划一张图): the store's layers on an
// OpenLayers map in Web Mercator, read per view extent from
// /api/layers/{id}/features, listed by role with a checkbox each, coloured
// by role (land use by its first-level class), and a click shows the
// attributes of what lies under the pointer. No basemap: bureaus' networks
// are often closed, and the layers themselves are the map.
//
// The map is for logged-in staff: the page asks /api/session first and
// shows a login form when nobody is logged in (or the session ended). The
// session itself is an HttpOnly cookie the page never sees; the CSRF token
// that comes with the login goes back in X-CSRF-Token on every request
// that changes something.
//
// A later client will use vector tiles; this page keeps to plain GeoJSON.

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
import { transform, transformExtent } from 'ol/proj.js';
import { register } from 'ol/proj/proj4.js';
import { createEmpty, extend, isEmpty } from 'ol/extent.js';
import 'proj4';

const proj4 = globalThis.proj4;

// Features per request: enough for a county-level view of most layers;
// beyond it the server says "truncated" and the user is asked to zoom in.
const LIMIT = 5000;
const WORLD = 20037508.342789244;

// ---- Coordinate systems ----------------------------------------------------
// CGCS2000 geographic and its Gauss-Kruger zones (DOMAIN.md section 4), so
// that a clicked point can be shown in the layer's own CRS.
proj4.defs('EPSG:4490', '+proj=longlat +ellps=GRS80 +no_defs +type=crs');

function gkDef(epsg) {
  let zone;
  let width;
  let prefixed;
  if (epsg >= 4513 && epsg <= 4533) [zone, width, prefixed] = [epsg - 4488, 3, true];
  else if (epsg >= 4534 && epsg <= 4554) [zone, width, prefixed] = [epsg - 4509, 3, false];
  else if (epsg >= 4491 && epsg <= 4501) [zone, width, prefixed] = [epsg - 4478, 6, true];
  else if (epsg >= 4502 && epsg <= 4512) [zone, width, prefixed] = [epsg - 4489, 6, false];
  else return null;
  const lon0 = width === 3 ? 3 * zone : 6 * zone - 3;
  const x0 = (prefixed ? zone * 1000000 : 0) + 500000;
  return `+proj=tmerc +lat_0=0 +lon_0=${lon0} +k=1 +x_0=${x0} +y_0=0 +ellps=GRS80 +units=m +no_defs +type=crs`;
}

function defineCrs(epsg) {
  const code = `EPSG:${epsg}`;
  if (proj4.defs(code)) return true;
  const def = gkDef(epsg);
  if (!def) return false;
  proj4.defs(code, def);
  register(proj4); // OpenLayers learns of proj4 definitions only here
  return true;
}

// ---- Colours ---------------------------------------------------------------
const ROLE_COLOURS = {
  eprl: { stroke: '#c62828', fill: 'rgba(198, 40, 40, 0.25)', width: 2 },
  pbf: { stroke: '#b8860b', fill: 'rgba(255, 214, 0, 0.35)', width: 1.5 },
  udb: { stroke: '#6a1b9a', fill: 'rgba(106, 27, 154, 0.06)', width: 2.5, dash: [8, 4] },
  landuse: { stroke: '#6d6d6d', fill: 'rgba(200, 200, 200, 0.5)', width: 0.8 },
  plan: { stroke: '#00796b', fill: 'rgba(0, 150, 136, 0.25)', width: 1 },
  boundary: { stroke: '#0d47a1', fill: 'rgba(13, 71, 161, 0.08)', width: 3 },
  other: { stroke: '#455a64', fill: 'rgba(96, 125, 139, 0.2)', width: 1 },
};

// Third Land Survey first-level classes, by the first two digits of DLBM.
const LANDUSE_CLASSES = [
  ['00', '湿地', '#5ab4ac'],
  ['01', '耕地', '#f4e04d'],
  ['02', '园地', '#f0a35e'],
  ['03', '林地', '#3a9d4f'],
  ['04', '草地', '#a6d96a'],
  ['05', '商业服务业用地', '#e34a33'],
  ['06', '工矿用地', '#a6611a'],
  ['07', '住宅用地', '#fc8d59'],
  ['08', '公共管理与公共服务用地', '#f1b6da'],
  ['09', '特殊用地', '#8c6bb1'],
  ['10', '交通运输用地', '#969696'],
  ['11', '水域及水利设施用地', '#4a90d9'],
  ['12', '其他土地', '#d9c8a9'],
];
const LANDUSE_BY_CODE = Object.fromEntries(LANDUSE_CLASSES.map(([c, n, col]) => [c, { name: n, colour: col }]));

function hexToRgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function roleStyle(role) {
  const c = ROLE_COLOURS[role] || ROLE_COLOURS.other;
  return new Style({
    fill: new Fill({ color: c.fill }),
    stroke: new Stroke({ color: c.stroke, width: c.width, lineDash: c.dash }),
  });
}

function landuseStyleFunction(classField) {
  const cache = {};
  const fallback = roleStyle('landuse');
  return (feature) => {
    const code = String(feature.get(classField) ?? '').slice(0, 2);
    const cls = LANDUSE_BY_CODE[code];
    if (!cls) return fallback;
    if (!cache[code]) {
      cache[code] = new Style({
        fill: new Fill({ color: hexToRgba(cls.colour, 0.65) }),
        stroke: new Stroke({ color: hexToRgba(cls.colour, 1), width: 0.8 }),
      });
    }
    return cache[code];
  };
}

const highlightStyle = new Style({
  stroke: new Stroke({ color: '#00e5ff', width: 3 }),
  fill: new Fill({ color: 'rgba(0, 229, 255, 0.15)' }),
});

// Draw order: land use at the bottom, control lines on top.
const ROLE_Z = { landuse: 1, plan: 2, other: 3, udb: 4, pbf: 5, eprl: 6, boundary: 7 };

// ---- Page state ------------------------------------------------------------
const $ = (id) => document.getElementById(id);
const state = { layers: [], olLayers: {}, truncated: new Set(), user: null, csrf: null, loginPending: null };

function setStatus(text) {
  $('status').textContent = text;
}

function setNotice(text, isError = false) {
  const n = $('notice');
  n.textContent = text;
  n.classList.toggle('error', isError);
}

function updateTruncationNotice() {
  const names = [...state.truncated]
    .filter((name) => state.olLayers[name]?.getVisible())
    .map((name) => state.layers.find((l) => l.name === name)?.title || name);
  setNotice(names.length ? `「${names.join('、')}」当前范围内要素超过 ${LIMIT} 个, 只显示了一部分; 请放大地图` : '');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function fetchJson(url, init = {}) {
  const method = (init.method || 'GET').toUpperCase();
  const headers = { ...(init.headers || {}) };
  if (!SAFE_METHODS.has(method) && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error(body?.error?.message || `HTTP ${r.status}`);
    err.status = r.status;
    // A session that ended while the map was open: log in again, then
    // reload what the map shows.
    if (r.status === 401 && state.user) {
      state.user = null;
      state.csrf = null;
      showUser();
      ensureLogin('会话已结束, 请重新登录').then(refreshLayers);
    }
    throw err;
  }
  return body;
}

// ---- Account ---------------------------------------------------------------
function showUser() {
  const u = state.user;
  $('user').textContent = u ? `${u.name || u.login} · ${u.role_title}${u.division ? ` · ${u.division}` : ''}` : '';
  $('logout').hidden = !u;
}

// Shows the login form until a login succeeds.
function askLogin(message) {
  return new Promise((resolve) => {
    const form = $('login-form');
    $('login-error').textContent = message || '';
    $('login').hidden = false;
    $('login-name').focus();
    const submit = async (evt) => {
      evt.preventDefault();
      $('login-error').textContent = '';
      $('login-submit').disabled = true;
      try {
        const r = await fetch('/api/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ login: $('login-name').value.trim(), password: $('login-password').value }),
        });
        const body = await r.json().catch(() => null);
        if (!r.ok) {
          $('login-error').textContent = body?.error?.message || `登录失败 (HTTP ${r.status})`;
          return;
        }
        state.user = body.user;
        state.csrf = body.csrf;
        $('login-password').value = '';
        $('login').hidden = true;
        form.removeEventListener('submit', submit);
        showUser();
        resolve();
      } catch (err) {
        $('login-error').textContent = `无法连接服务器: ${err.message}`;
      } finally {
        $('login-submit').disabled = false;
      }
    };
    form.addEventListener('submit', submit);
  });
}

// One login form at a time, however many requests found the session gone.
function ensureLogin(message) {
  if (!state.loginPending) state.loginPending = askLogin(message).finally(() => (state.loginPending = null));
  return state.loginPending;
}

function refreshLayers() {
  for (const ol of Object.values(state.olLayers)) ol.getSource().refresh();
}

async function logout() {
  await fetchJson('/api/logout', { method: 'POST' }).catch(() => {});
  // A fresh page: nothing of the last user's map stays on screen.
  location.reload();
}

function clampExtent(e) {
  return [Math.max(e[0], -WORLD), Math.max(e[1], -WORLD), Math.min(e[2], WORLD), Math.min(e[3], WORLD)];
}

function makeSource(layer) {
  const format = new GeoJSON();
  const source = new VectorSource({
    format,
    strategy: bboxStrategy,
    loader(extent, resolution, projection, success, failure) {
      const bbox = clampExtent(extent).map((v) => v.toFixed(2)).join(',');
      const url = `/api/layers/${encodeURIComponent(layer.id)}/features?crs=3857&limit=${LIMIT}&bbox=${bbox}`;
      fetchJson(url)
        .then((fc) => {
          const features = format.readFeatures(fc, {
            dataProjection: 'EPSG:3857',
            featureProjection: 'EPSG:3857',
          });
          source.addFeatures(features);
          // A truncated answer must not count as loaded, or zooming in
          // would never ask again.
          if (fc.truncated) {
            source.removeLoadedExtent(extent);
            state.truncated.add(layer.name);
          } else {
            state.truncated.delete(layer.name);
          }
          updateTruncationNotice();
          success(features);
        })
        .catch((err) => {
          source.removeLoadedExtent(extent);
          setNotice(`读取「${layer.title}」失败: ${err.message}`, true);
          failure();
        });
    },
  });
  return source;
}

// ---- Layer list ------------------------------------------------------------
function swatchColours(layer) {
  const c = ROLE_COLOURS[layer.role] || ROLE_COLOURS.other;
  return { border: c.stroke, background: c.fill };
}

function buildLayerList() {
  const list = $('layer-list');
  list.textContent = '';
  if (state.layers.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = '数据库中还没有图层。请用 landgov import 导入, 或用 landgov demo 生成示范数据。';
    list.append(p);
    return;
  }
  const groups = new globalThis.Map();
  for (const layer of state.layers) {
    if (!groups.has(layer.role)) groups.set(layer.role, { title: layer.role_title, layers: [] });
    groups.get(layer.role).layers.push(layer);
  }
  for (const [role, group] of groups) {
    const section = document.createElement('section');
    section.className = 'layer-group';
    section.dataset.role = role;
    const h = document.createElement('h3');
    h.textContent = group.title;
    section.append(h);
    for (const layer of group.layers) {
      const label = document.createElement('label');
      label.className = 'layer-item';
      label.dataset.layer = layer.name;
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = true;
      box.id = `layer-${layer.name}`;
      box.addEventListener('change', () => {
        state.olLayers[layer.name].setVisible(box.checked);
        updateTruncationNotice();
      });
      const sw = document.createElement('span');
      sw.className = 'swatch';
      const colours = swatchColours(layer);
      sw.style.borderColor = colours.border;
      sw.style.background = colours.background;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = layer.title;
      name.title = `${layer.name} · EPSG:${layer.srs_id}`;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = layer.count.toLocaleString('zh-CN');
      label.append(box, sw, name, count);
      section.append(label);
    }
    list.append(section);
  }
  if (state.layers.some((l) => l.role === 'landuse')) {
    const ul = $('legend-items');
    ul.textContent = '';
    for (const [code, name, colour] of LANDUSE_CLASSES) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colour;
      li.append(sw, `${code} ${name}`);
      ul.append(li);
    }
    $('legend').hidden = false;
  }
}

// ---- Identify --------------------------------------------------------------
function formatValue(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toLocaleString('zh-CN', { maximumFractionDigits: 4 });
  return String(v);
}

function describePoint(coord, layer) {
  const [lon, lat] = transform(coord, 'EPSG:3857', 'EPSG:4490');
  let text = `点击位置: 经度 ${lon.toFixed(6)}°, 纬度 ${lat.toFixed(6)}° (EPSG:4490)`;
  if (layer && layer.srs_id !== 4490 && defineCrs(layer.srs_id)) {
    const [e, n] = transform(coord, 'EPSG:3857', `EPSG:${layer.srs_id}`);
    // Chinese survey convention: X is northing, Y is easting.
    text += `; X ${n.toFixed(2)}, Y ${e.toFixed(2)} (EPSG:${layer.srs_id})`;
  }
  return text;
}

function showInfo(hits, coord) {
  const body = $('info-body');
  body.textContent = '';
  if (hits.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = '此处没有要素';
    body.append(p);
  }
  for (const { layer, feature } of hits) {
    const div = document.createElement('div');
    div.className = 'feature';
    div.dataset.layer = layer.name;
    div.dataset.fid = String(feature.getId());
    const h = document.createElement('h3');
    h.textContent = `${layer.title} · 要素 ${feature.getId()}`;
    const table = document.createElement('table');
    const props = feature.getProperties();
    for (const [k, v] of Object.entries(props)) {
      if (k === feature.getGeometryName()) continue;
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = k;
      const td = document.createElement('td');
      td.textContent = formatValue(v);
      tr.append(th, td);
      table.append(tr);
    }
    const where = document.createElement('div');
    where.className = 'where';
    where.textContent = describePoint(coord, layer);
    div.append(h, table, where);
    body.append(div);
  }
  $('info').hidden = false;
  state.map.updateSize();
}

// ---- Map -------------------------------------------------------------------
async function main() {
  register(proj4);
  const highlight = new VectorSource();
  const map = new Map({
    target: 'map',
    controls: defaultControls({ attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
    layers: [],
    view: new View({ projection: 'EPSG:3857', center: transform([105, 35], 'EPSG:4490', 'EPSG:3857'), zoom: 4 }),
  });
  state.map = map;
  $('logout').addEventListener('click', logout);

  let session = null;
  try {
    session = await fetchJson('/api/session');
  } catch (err) {
    if (err.status !== 401) {
      setStatus(`无法连接服务器: ${err.message}`);
      throw err;
    }
  }
  if (session?.user) {
    state.user = session.user;
    state.csrf = session.csrf;
    showUser();
  } else {
    setStatus('请登录');
    await ensureLogin(session ? '' : '会话已结束, 请重新登录');
  }
  setStatus('正在加载图层…');

  let data;
  try {
    data = await fetchJson('/api/layers');
  } catch (err) {
    setStatus(`无法读取图层目录: ${err.message}`);
    throw err;
  }
  state.layers = data.layers;
  const extent = createEmpty();
  for (const layer of state.layers) {
    defineCrs(layer.srs_id);
    const style = layer.role === 'landuse' && layer.class_field
      ? landuseStyleFunction(layer.class_field)
      : roleStyle(layer.role);
    const ol = new VectorLayer({
      source: makeSource(layer),
      style,
      zIndex: ROLE_Z[layer.role] ?? 3,
      properties: { name: layer.name },
    });
    state.olLayers[layer.name] = ol;
    map.addLayer(ol);
    if (layer.extent_4490) extend(extent, transformExtent(layer.extent_4490, 'EPSG:4490', 'EPSG:3857'));
  }
  map.addLayer(new VectorLayer({ source: highlight, style: highlightStyle, zIndex: 100 }));
  buildLayerList();
  setStatus(state.layers.length ? `共 ${state.layers.length} 个图层` : '没有图层');
  if (!isEmpty(extent)) map.getView().fit(extent, { padding: [30, 30, 30, 30], maxZoom: 18 });

  map.on('pointermove', (evt) => {
    if (evt.dragging) return;
    const [lon, lat] = transform(evt.coordinate, 'EPSG:3857', 'EPSG:4490');
    $('coords').textContent = `经度 ${lon.toFixed(6)}°  纬度 ${lat.toFixed(6)}°  (CGCS2000)`;
  });

  map.on('singleclick', (evt) => {
    const hits = [];
    map.forEachFeatureAtPixel(
      evt.pixel,
      (feature, olLayer) => {
        const layer = state.layers.find((l) => l.name === olLayer.get('name'));
        if (layer) hits.push({ layer, feature });
      },
      { layerFilter: (l) => Boolean(l.get('name')) && l.getVisible(), hitTolerance: 2 },
    );
    // Topmost layer first.
    hits.sort((a, b) => (ROLE_Z[b.layer.role] ?? 3) - (ROLE_Z[a.layer.role] ?? 3));
    highlight.clear();
    for (const h of hits) highlight.addFeature(h.feature.clone());
    showInfo(hits, evt.coordinate);
  });

  $('info-close').addEventListener('click', () => {
    $('info').hidden = true;
    highlight.clear();
    map.updateSize();
  });
}

// For the browser tests and for poking around in the console.
globalThis.landgov = {
  state,
  ready: main().catch((err) => {
    console.error(err);
    throw err;
  }),
};
