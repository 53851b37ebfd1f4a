// The One Map (一张图): the store's layers on an OpenLayers map in Web
// Mercator, read per view extent from /api/layers/{id}/features, listed by
// role with a checkbox each, coloured by role (land use by its first-level
// class), and a click shows the attributes of what lies under the pointer.
// No basemap: bureaus' networks are often closed, and the layers
// themselves are the map.
//
// The layer sources, styles and coordinate systems are exported for the
// check page's map (check.js), which shows the same layers under a
// project's boundary. Large layers (the 500,000-patch county) come as
// vector tiles from /tiles/ (createLayer), the others as GeoJSON.

import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import { toFeature } from 'ol/render/Feature.js';
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

import { fetchJson } from './api.js';
import { t, has, fmtInt, currentLang } from './i18n.js';

const proj4 = globalThis.proj4;

// Features per request: enough for a county-level view of most layers;
// beyond it the server says "truncated" and the user is asked to zoom in.
export const LIMIT = 5000;
const WORLD = 20037508.342789244;

// ---- Coordinate systems ----------------------------------------------------
// CGCS2000 geographic and its Gauss-Kruger zones (DOMAIN.md section 4), so
// that a clicked point can be shown in the layer's own CRS.
proj4.defs('EPSG:4490', '+proj=longlat +ellps=GRS80 +no_defs +type=crs');
register(proj4);

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

/** Makes EPSG:<epsg> known to OpenLayers (CGCS2000 and its zones). */
export function defineCrs(epsg) {
  const code = `EPSG:${epsg}`;
  if (epsg === 3857 || epsg === 4326 || proj4.defs(code)) return true;
  const def = gkDef(epsg);
  if (!def) return false;
  proj4.defs(code, def);
  register(proj4); // OpenLayers learns of proj4 definitions only here
  return true;
}

// ---- Colours ---------------------------------------------------------------
export const ROLE_COLOURS = {
  eprl: { stroke: '#c62828', fill: 'rgba(198, 40, 40, 0.25)', width: 2 },
  pbf: { stroke: '#b8860b', fill: 'rgba(255, 214, 0, 0.35)', width: 1.5 },
  udb: { stroke: '#6a1b9a', fill: 'rgba(106, 27, 154, 0.06)', width: 2.5, dash: [8, 4] },
  landuse: { stroke: '#6d6d6d', fill: 'rgba(200, 200, 200, 0.5)', width: 0.8 },
  plan: { stroke: '#00796b', fill: 'rgba(0, 150, 136, 0.25)', width: 1 },
  boundary: { stroke: '#0d47a1', fill: 'rgba(13, 71, 161, 0.08)', width: 3 },
  other: { stroke: '#455a64', fill: 'rgba(96, 125, 139, 0.2)', width: 1 },
  approval: { stroke: '#5d4037', fill: 'rgba(141, 110, 99, 0.15)', width: 1.5, dash: [6, 3] },
  supply: { stroke: '#00695c', fill: 'rgba(38, 166, 154, 0.3)', width: 1 },
};

// Third Land Survey first-level classes, by the first two digits of DLBM.
export const LANDUSE_CLASSES = [
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

/** The colour of a land class code (by its first-level class), or null. */
export function classColour(code) {
  return LANDUSE_BY_CODE[String(code ?? '').slice(0, 2)]?.colour ?? null;
}

/** The name of a land class in the page's language (the dictionaries
 *  have the first-level classes and a few common second-level ones). */
export function className(code, fallback) {
  const key = `class.${code}`;
  if (has(key)) return t(key);
  return fallback ?? LANDUSE_BY_CODE[code]?.name ?? code;
}

function hexToRgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function roleStyle(role) {
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

// Modules that keep layers of their own may colour them (by a status
// field, say): a hook returns a style or style function for a catalogue
// layer, or null to leave it to the role (js/stock.js adds one).
export const styleHooks = [];

/** The style of a catalogue layer: a module's hook, land use by class,
 *  others by role. */
export function layerStyle(layer) {
  for (const hook of styleHooks) {
    const s = hook(layer);
    if (s) return s;
  }
  return layer.role === 'landuse' && layer.class_field ? landuseStyleFunction(layer.class_field) : roleStyle(layer.role);
}

const highlightStyle = new Style({
  stroke: new Stroke({ color: '#00e5ff', width: 3 }),
  fill: new Fill({ color: 'rgba(0, 229, 255, 0.15)' }),
});

// Draw order: land use at the bottom, control lines on top.
export const ROLE_Z = { landuse: 1, plan: 2, other: 3, approval: 3.5, supply: 3.6, udb: 4, pbf: 5, eprl: 6, boundary: 7 };

// ---- Page state ------------------------------------------------------------
const $ = (id) => document.getElementById(id);
// Shared with app.js (globalThis.landgov.state) and the browser tests.
export const mapState = { layers: [], olLayers: {}, truncated: new Set(), map: null, ready: null };

function setStatus(text) {
  $('status').textContent = text;
}

function setNotice(text, isError = false) {
  const n = $('notice');
  n.textContent = text;
  n.classList.toggle('error', isError);
}

function updateTruncationNotice() {
  const names = [...mapState.truncated]
    .filter((name) => mapState.olLayers[name]?.getVisible())
    .map((name) => mapState.layers.find((l) => l.name === name)?.title || name);
  setNotice(names.length ? t('map.truncated', { names: names.join('、'), limit: LIMIT }) : '');
}

function clampExtent(e) {
  return [Math.max(e[0], -WORLD), Math.max(e[1], -WORLD), Math.min(e[2], WORLD), Math.min(e[3], WORLD)];
}

/** A source that reads a catalogue layer's features in the view's extent.
 *  hooks: onTruncated(bool), onError(err), both optional. */
export function makeSource(layer, hooks = {}) {
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
          if (fc.truncated) source.removeLoadedExtent(extent);
          hooks.onTruncated?.(Boolean(fc.truncated));
          success(features);
        })
        .catch((err) => {
          source.removeLoadedExtent(extent);
          hooks.onError?.(err);
          failure();
        });
    },
  });
  return source;
}

// A layer with more features than this comes as Mapbox vector tiles from
// /tiles/{layer}/{z}/{x}/{y}.mvt (generalised per zoom by the server, a
// few attributes per feature: class, name, number, area); smaller ones as
// GeoJSON per view, every attribute included. A click on a tiled feature
// fetches the whole feature from the features API (identifyFeature).
export const TILE_MIN_FEATURES = 5000;

function makeTileSource(layer, hooks) {
  const source = new VectorTileSource({
    format: new MVT(), // the feature id is the layer's fid
    url: `/tiles/${encodeURIComponent(layer.name)}/{z}/{x}/{y}.mvt`,
  });
  source.on('tileloaderror', () => hooks.onError?.(new Error(t('map.layerFailed', { title: layer.title, message: 'tile' }))));
  return source;
}

/** An OpenLayers layer for a catalogue layer (name in its "name" property;
 *  "tiled" true for vector tiles). */
export function createLayer(layer, hooks = {}) {
  defineCrs(layer.srs_id);
  if (layer.count > TILE_MIN_FEATURES && !/POINT/i.test(layer.geometry_type || '')) {
    return new VectorTileLayer({
      source: makeTileSource(layer, hooks),
      style: layerStyle(layer),
      zIndex: ROLE_Z[layer.role] ?? 3,
      properties: { name: layer.name, tiled: true },
    });
  }
  return new VectorLayer({
    source: makeSource(layer, hooks),
    style: layerStyle(layer),
    zIndex: ROLE_Z[layer.role] ?? 3,
    properties: { name: layer.name },
  });
}

/** The extent of the catalogue's layers in EPSG:3857 (empty if none). */
export function layersExtent(layers) {
  const extent = createEmpty();
  for (const layer of layers) {
    if (layer.extent_4490) extend(extent, transformExtent(layer.extent_4490, 'EPSG:4490', 'EPSG:3857'));
  }
  return extent;
}

// ---- Layer list ------------------------------------------------------------
function swatchColours(layer) {
  const c = ROLE_COLOURS[layer.role] || ROLE_COLOURS.other;
  return { border: c.stroke, background: c.fill };
}

function buildLayerList() {
  const list = $('layer-list');
  list.textContent = '';
  if (mapState.layers.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = t('map.noLayersHint');
    list.append(p);
    return;
  }
  const groups = new globalThis.Map();
  for (const layer of mapState.layers) {
    if (!groups.has(layer.role)) groups.set(layer.role, { title: layer.role_title, layers: [] });
    groups.get(layer.role).layers.push(layer);
  }
  for (const [role, group] of groups) {
    const section = document.createElement('section');
    section.className = 'layer-group';
    section.dataset.role = role;
    const h = document.createElement('h3');
    h.textContent = currentLang() !== 'zh-CN' && has(`role.${role}`) ? t(`role.${role}`) : group.title;
    section.append(h);
    for (const layer of group.layers) {
      const label = document.createElement('label');
      label.className = 'layer-item';
      label.dataset.layer = layer.name;
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = mapState.olLayers[layer.name]?.getVisible() ?? true;
      box.id = `layer-${layer.name}`;
      box.addEventListener('change', () => {
        mapState.olLayers[layer.name].setVisible(box.checked);
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
      count.textContent = fmtInt(layer.count);
      label.append(box, sw, name, count);
      section.append(label);
    }
    list.append(section);
  }
  if (mapState.layers.some((l) => l.role === 'landuse')) {
    const ul = $('legend-items');
    ul.textContent = '';
    for (const [code, name, colour] of LANDUSE_CLASSES) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colour;
      li.append(sw, `${code} ${className(code, name)}`);
      ul.append(li);
    }
    $('legend').hidden = false;
  }
}

// ---- Identify --------------------------------------------------------------
function formatValue(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toLocaleString(currentLang(), { maximumFractionDigits: 4 });
  return String(v);
}

function describePoint(coord, layer) {
  const [lon, lat] = transform(coord, 'EPSG:3857', 'EPSG:4490');
  let text = t('map.clicked', { lon: lon.toFixed(6), lat: lat.toFixed(6) });
  if (layer && layer.srs_id !== 4490 && defineCrs(layer.srs_id)) {
    const [e, n] = transform(coord, 'EPSG:3857', `EPSG:${layer.srs_id}`);
    // Chinese survey convention: X is northing, Y is easting.
    text += t('map.clickedXY', { x: n.toFixed(2), y: e.toFixed(2), epsg: layer.srs_id });
  }
  return text;
}

let lastHits = null; // redrawn in the new language

function showInfo(hits, coord) {
  lastHits = { hits, coord };
  const body = $('info-body');
  body.textContent = '';
  if (hits.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = t('map.nothingHere');
    body.append(p);
  }
  for (const { layer, feature } of hits) {
    const div = document.createElement('div');
    div.className = 'feature';
    div.dataset.layer = layer.name;
    div.dataset.fid = String(feature.getId());
    const h = document.createElement('h3');
    h.textContent = t('map.featureTitle', { layer: layer.title, id: feature.getId() });
    const table = document.createElement('table');
    const props = feature.getProperties();
    for (const [k, v] of Object.entries(props)) {
      if (k === feature.getGeometryName()) continue;
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
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
  mapState.map.updateSize();
}

// ---- Map -------------------------------------------------------------------
let highlight;
let clicks = 0;

/** A hit as showInfo wants it. A vector tile's feature (a RenderFeature
 *  with the tile's few attributes and generalised shape) is replaced by
 *  the whole feature: the features API around the clicked point, the one
 *  whose id is the tile feature's (both are the fid); failing that, the
 *  tile's own. */
async function identifyFeature(hit, coordinate, resolution) {
  if (!mapState.olLayers[hit.layer.name]?.get('tiled')) return hit;
  const r = resolution * 3;
  const bbox = [coordinate[0] - r, coordinate[1] - r, coordinate[0] + r, coordinate[1] + r].map((v) => v.toFixed(2)).join(',');
  try {
    const fc = await fetchJson(`/api/layers/${encodeURIComponent(hit.layer.id)}/features?crs=3857&limit=100&bbox=${bbox}`);
    const found = new GeoJSON()
      .readFeatures(fc, { dataProjection: 'EPSG:3857', featureProjection: 'EPSG:3857' })
      .find((f) => String(f.getId()) === String(hit.feature.getId()));
    if (found) return { layer: hit.layer, feature: found };
  } catch {
    // shown from the tile below
  }
  return { layer: hit.layer, feature: toFeature(hit.feature) };
}

async function init() {
  highlight = new VectorSource();
  const map = new Map({
    target: 'map',
    controls: defaultControls({ attribution: false }).extend([new ScaleLine({ units: 'metric' })]),
    layers: [],
    view: new View({ projection: 'EPSG:3857', center: transform([105, 35], 'EPSG:4490', 'EPSG:3857'), zoom: 4 }),
  });
  mapState.map = map;
  setStatus(t('map.loadingLayers'));

  let data;
  try {
    data = await fetchJson('/api/layers');
  } catch (err) {
    setStatus(t('map.catalogueFailed', { message: err.message }));
    throw err;
  }
  mapState.layers = data.layers;
  for (const layer of mapState.layers) {
    const ol = createLayer(layer, {
      onTruncated(truncated) {
        if (truncated) mapState.truncated.add(layer.name);
        else mapState.truncated.delete(layer.name);
        updateTruncationNotice();
      },
      onError(err) {
        setNotice(t('map.layerFailed', { title: layer.title, message: err.message }), true);
      },
    });
    mapState.olLayers[layer.name] = ol;
    map.addLayer(ol);
  }
  map.addLayer(new VectorLayer({ source: highlight, style: highlightStyle, zIndex: 100 }));
  buildLayerList();
  const extent = layersExtent(mapState.layers);
  if (!isEmpty(extent)) map.getView().fit(extent, { padding: [30, 30, 30, 30], maxZoom: 18 });

  map.on('pointermove', (evt) => {
    if (evt.dragging) return;
    const [lon, lat] = transform(evt.coordinate, 'EPSG:3857', 'EPSG:4490');
    $('coords').textContent = t('map.coords', { lon: lon.toFixed(6), lat: lat.toFixed(6) });
  });

  map.on('singleclick', (evt) => {
    const hits = [];
    map.forEachFeatureAtPixel(
      evt.pixel,
      (feature, olLayer) => {
        const layer = mapState.layers.find((l) => l.name === olLayer.get('name'));
        if (layer) hits.push({ layer, feature });
      },
      { layerFilter: (l) => Boolean(l.get('name')) && l.getVisible(), hitTolerance: 2 },
    );
    // Topmost layer first.
    hits.sort((a, b) => (ROLE_Z[b.layer.role] ?? 3) - (ROLE_Z[a.layer.role] ?? 3));
    const click = ++clicks;
    const answer = (full) => {
      if (click !== clicks) return; // a later click answered first
      highlight.clear();
      for (const h of full) highlight.addFeature(h.feature.clone());
      showInfo(full, evt.coordinate);
    };
    if (!hits.some((h) => mapState.olLayers[h.layer.name]?.get('tiled'))) answer(hits);
    else Promise.all(hits.map((h) => identifyFeature(h, evt.coordinate, map.getView().getResolution()))).then(answer);
  });

  $('info-close').addEventListener('click', () => {
    $('info').hidden = true;
    lastHits = null;
    highlight.clear();
    map.updateSize();
  });

  document.addEventListener('landgov:lang', () => {
    buildLayerList();
    updateTruncationNotice();
    if (lastHits && !$('info').hidden) showInfo(lastHits.hits, lastHits.coord);
    if (!$('page-map').hidden) showStatus();
  });
  // A new login (after the session ended) reloads what the map shows.
  document.addEventListener('landgov:login', () => {
    for (const ol of Object.values(mapState.olLayers)) ol.getSource().refresh();
  });
}

function showStatus() {
  setStatus(mapState.layers.length ? t('map.layerCount', { n: mapState.layers.length }) : t('map.noLayers'));
}

/** Shows the One Map page: builds the map the first time. */
export async function show() {
  if (!mapState.ready) mapState.ready = init();
  await mapState.ready;
  mapState.map.updateSize();
  showStatus();
}
