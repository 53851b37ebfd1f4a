// What the web client needs of the server beyond the older APIs, against a
// real `landgov serve` on the fixture store of helpers.mjs:
//   - a Shapefile sent as a .zip to POST /api/checks (multipart and raw
//     body), the zip made by GDAL's ogr2ogr, not by landgov; areas by hand
//     from the grid's formula;
//   - GET /api/ledger/objects/{type}/{id}: the ledger entry of a saved
//     check, whose entry text names that check, read only by accounts of
//     its jurisdiction;
//   - static files: the ledger verifier of tools/verify under /verify/
//     (and nothing else of tools/), ECharts and bpmn-js under /vendor/,
//     and the two i18n dictionaries with the same keys.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, ROOT, client, login, makeFixtureStore, rawGet, square, startServer, tempDir } from './helpers.mjs';

let dir;
let server;
let clerk;
let clerkB;
let savedId;

const { x0, y0 } = GRID;
const near = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** A zipped Shapefile of one rectangle in EPSG:4526, made by ogr2ogr. */
function shapefileZip(name, box) {
  const src = path.join(dir, `${name}.geojson`);
  const [minx, miny, maxx, maxy] = box;
  fs.writeFileSync(src, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
    features: [{ type: 'Feature', properties: { NAME: '地块一' }, geometry: { type: 'Polygon', coordinates: [[[minx, miny], [minx, maxy], [maxx, maxy], [maxx, miny], [minx, miny]]] } }],
  }));
  const out = path.join(dir, `${name}.shp.zip`);
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', out, src, '-lco', 'ENCODING=UTF-8'], { stdio: 'pipe' });
  return fs.readFileSync(out);
}

before(async () => {
  dir = tempDir('landgov-api-web-');
  server = await startServer(makeFixtureStore(dir));
  clerk = await login(server, 'clerk');
  clerkB = await login(server, 'clerk_b');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a Shapefile zip as a multipart upload is checked like any boundary', async () => {
  // 250 m x 100 m from the grid's origin: square (0,0), the 100 m gap, and
  // the west half of square (1,0).
  const zip = shapefileZip('b1', [x0, y0, x0 + 250, y0 + 100]);
  assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  const form = new FormData();
  form.append('file', new Blob([zip], { type: 'application/zip' }), '项目边界.zip');
  form.append('type', 'industrial');
  form.append('name', '压缩包项目');
  const r = await clerk.fetch('/api/checks', { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  savedId = body.id;
  assert.equal(body.input.format, 'ESRI Shapefile');
  assert.equal(body.input.source, '项目边界.zip');
  assert.equal(body.input.srs_id, 4526);
  near(body.area.planar_m2, 25000);
  near(body.classes[square(0, 0).dlbm], 10000);
  near(body.classes[square(1, 0).dlbm], 5000);
  near(body.overlaps.jbnt.m2, 25000);
});

test('the same zip as a raw body, options in the query', async () => {
  const zip = shapefileZip('b2', [x0, y0, x0 + 100, y0 + 100]);
  const r = await clerk.fetch('/api/checks?save=false', { method: 'POST', body: zip, headers: { 'content-type': 'application/zip' } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.input.format, 'ESRI Shapefile');
  near(body.area.planar_m2, 10000);
});

test('a zip without a Shapefile is a clear 400 naming the upload', async () => {
  // A zip holding one text file, written by hand: stored (no compression),
  // so the bytes are the file's (APPNOTE.TXT 4.3.7 and 4.3.12).
  const name = Buffer.from('readme.txt');
  const data = Buffer.from('no shapefile here\n');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  const zip = Buffer.concat([local, name, data, central, name, end]);
  const form = new FormData();
  form.append('file', new Blob([zip]), '资料.zip');
  const r = await clerk.fetch('/api/checks', { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 400, JSON.stringify(body));
  assert.match(body.error.message, /资料\.zip/);
  assert.match(body.error.message, /Shapefile/);
  assert.doesNotMatch(body.error.message, /landgov-upload|vsizip/);
});

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

test('GET /api/ledger/objects/check/{id} finds the entry of a saved check', async () => {
  assert.ok(savedId > 0);
  const r = await clerk.json(`/api/ledger/objects/check/${savedId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.object_type, 'check');
  assert.equal(r.body.object_id, String(savedId));
  assert.equal(r.body.truncated, false);
  assert.equal(r.body.entries.length, 1);
  const [e] = r.body.entries;
  assert.equal(e.action, 'check.create');
  assert.equal(e.actor, 'clerk');
  // The entry at that index is about this check, as its own text says.
  const proof = await clerk.json(`/api/ledger/entries/${e.index}`);
  assert.equal(proof.status, 200, proof.text);
  const entry = JSON.parse(proof.body.entry);
  assert.equal(entry.object_type, 'check');
  assert.equal(entry.object_id, String(savedId));
  assert.equal(entry.time, e.time);
});

test('an object with no entry lists none; another county may not read them; the public neither', async () => {
  const none = await clerk.json('/api/ledger/objects/check/999999');
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.body.entries, []);
  const other = await clerkB.json(`/api/ledger/objects/check/${savedId}`);
  assert.equal(other.status, 403, other.text);
  const pub = await client(server).json(`/api/ledger/objects/check/${savedId}`);
  assert.equal(pub.status, 401, pub.text);
});

test('the verifier is served under /verify/, and nothing else of tools/', async () => {
  let r = await fetch(`${server.url}verify/verify.mjs`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /javascript/);
  assert.equal(await r.text(), fs.readFileSync(path.join(ROOT, 'tools/verify/verify.mjs'), 'utf8'));
  r = await fetch(`${server.url}verify/verify.html`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  for (const p of ['/verify/cli.mjs', '/verify/', '/verify/../verify/cli.mjs', '/verify/%2e%2e/cli.mjs', '/verify/.hidden']) {
    const x = await rawGet(server.port, p);
    assert.ok(x.status === 404 || x.status === 400, `${p}: ${x.status}`);
  }
});

test('ECharts and bpmn-js are served from /vendor/', async () => {
  for (const [p, pattern] of [
    ['vendor/echarts/dist/echarts.esm.min.mjs', /export\s*\{/],
    ['vendor/bpmn-js/dist/bpmn-viewer.production.min.js', /BpmnJS/],
    ['vendor/bpmn-js/dist/bpmn-modeler.production.min.js', /BpmnJS/],
    ['vendor/bpmn-js/dist/assets/bpmn-js.css', /\.bjs-container/],
  ]) {
    const r = await fetch(server.url + p);
    assert.equal(r.status, 200, p);
    assert.match(await r.text(), pattern, p);
  }
});

test('the two dictionaries of the web client have the same keys, none empty', async () => {
  const zh = await (await fetch(`${server.url}i18n/zh-CN.json`)).json();
  const en = await (await fetch(`${server.url}i18n/en.json`)).json();
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort());
  for (const [k, v] of [...Object.entries(zh), ...Object.entries(en)]) assert.ok(typeof v === 'string' && v.length > 0, k);
  assert.equal(zh['nav.map'], '一张图');
  assert.equal(en['nav.map'], 'One Map');
});
