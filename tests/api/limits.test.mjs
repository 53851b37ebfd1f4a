// Limits on what one request may ask (src/http/limits.c), each a setting
// an administrator changes with `landgov settings set limits.KEY VALUE`:
// request body, multipart upload, JSON nesting, points per boundary, time
// per request, idle connections, and features per import (the CLI). Each
// refusal is the one error shape with a Chinese message that names the
// limit's value and its setting, and the server goes on serving.
//
// The limits are set small here so that small requests cross them; the
// numbers a request is judged by are counted in this file (bytes of the
// body, points of the ring, levels of brackets), not taken from landgov.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, apiToken, bearer, client, landgov, makeFixtureStore, startServer, tempDir } from './helpers.mjs';

const LIMITS = {
  'limits.body_bytes': 2048,
  'limits.upload_bytes': 8192,
  'limits.json_depth': 8,
  'limits.geometry_vertices': 20,
};

let dir;
let db;
let server;
let clerk; // a window clerk with an API token: checks are allowed

const CHINESE = /[\u4e00-\u9fff]/;
const { x0, y0 } = GRID;

/** A closed ring of n distinct points on a circle of 40 m inside the
 *  fixture's first square (n + 1 positions with the closing repeat). */
function circle(n) {
  const ring = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    ring.push([Math.round((x0 + 50 + 40 * Math.cos(a)) * 100) / 100, Math.round((y0 + 50 + 40 * Math.sin(a)) * 100) / 100]);
  }
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** Asserts the error shape, its status and code, a Chinese message naming
 *  the setting and the value, and detail = the setting. */
function assertLimit(r, status, code, key, value) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(r.body), ['error']);
  assert.equal(r.body.error.code, code, r.text);
  assert.match(r.body.error.message, CHINESE);
  assert.ok(r.body.error.message.includes(key), `message should name ${key}: ${r.body.error.message}`);
  assert.ok(r.body.error.message.includes(String(value)), `message should give ${value}: ${r.body.error.message}`);
  assert.equal(r.body.error.detail, key);
}

function multipart(fields, file, filename = 'boundary.geojson') {
  const boundary = '----landgov-limits-test';
  let body = '';
  for (const [k, v] of Object.entries(fields)) {
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  }
  body += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`;
  body += `Content-Type: application/octet-stream\r\n\r\n${file}\r\n--${boundary}--\r\n`;
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function health() {
  assert.equal((await fetch(`${server.url}api/health`)).status, 200, 'the server should still answer');
}

before(async () => {
  dir = tempDir('landgov-api-limits-');
  db = makeFixtureStore(dir);
  for (const [k, v] of Object.entries(LIMITS)) landgov(db, ['settings', 'set', k, String(v)]);
  server = await startServer(db);
  clerk = bearer(server, apiToken(db, 'clerk'));
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('settings: the limits are listed with their defaults, and refused out of range', () => {
  const all = JSON.parse(landgov(db, ['--json', 'settings'])).settings;
  const byKey = Object.fromEntries(all.map((s) => [s.key, s]));
  assert.equal(byKey['limits.body_bytes'].value, '2048');
  assert.equal(byKey['limits.body_bytes'].default, String(4 * 1024 * 1024));
  assert.equal(byKey['limits.request_ms'].value, '30000');
  assert.throws(() => landgov(db, ['settings', 'set', 'limits.json_depth', '1']), /limits\.json_depth/);
  assert.throws(() => landgov(db, ['settings', 'set', 'limits.json_depth', 'deep']), /整数/);
  assert.throws(() => landgov(db, ['settings', 'set', 'ledger.vkey', 'x']), /ledger\.vkey/);
});

test('request body over limits.body_bytes: 413 naming the limit', async () => {
  const pad = ' '.repeat(2100); // JSON allows blanks: only the size is wrong
  const body = `{"geometry":${JSON.stringify(circle(8))},"srs":4526,"save":false}${pad}`;
  assert.ok(Buffer.byteLength(body) > 2048);
  const r = await clerk.json('/api/checks', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.body_bytes', 2048);
  // Under the limit the same check passes.
  const ok = await clerk.json('/api/checks', { method: 'POST', body: { geometry: circle(8), srs: 4526, save: false } });
  assert.equal(ok.status, 200, ok.text);
  await health();
});

test('multipart upload: limits.upload_bytes, not limits.body_bytes', async () => {
  // 4 KiB: over the body limit, under the upload limit: accepted.
  const small = JSON.stringify({ type: 'Feature', properties: {}, geometry: circle(8) }) + ' '.repeat(4000);
  let m = multipart({ srs: '4526', save: 'false' }, small);
  assert.ok(Buffer.byteLength(m.body) > 2048 && Buffer.byteLength(m.body) < 8192);
  let r = await clerk.json('/api/checks', { method: 'POST', body: m.body, headers: m.headers });
  assert.equal(r.status, 200, r.text);
  // 10 KiB: over the upload limit.
  m = multipart({ srs: '4526', save: 'false' }, small + ' '.repeat(6000));
  assert.ok(Buffer.byteLength(m.body) > 8192);
  r = await clerk.json('/api/checks', { method: 'POST', body: m.body, headers: m.headers });
  assertLimit(r, 413, 'limit_exceeded', 'limits.upload_bytes', 8192);
  await health();
});

test('JSON nested deeper than limits.json_depth: 413, in a body or an uploaded file', async () => {
  // 9 levels: the object, then 8 arrays.
  const deep = `{"geometry":{"type":"Polygon","coordinates":${'['.repeat(7)}1${']'.repeat(7)}}}`;
  let r = await clerk.json('/api/checks', { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.json_depth', 8);
  // Brackets inside strings are text, not nesting.
  const quoted = { geometry: circle(8), srs: 4526, save: false, name: '[[[[[[[[[[{{{{{{{{{{' };
  r = await clerk.json('/api/checks', { method: 'POST', body: quoted });
  assert.equal(r.status, 200, r.text);
  // Any JSON endpoint: logging in.
  r = await client(server).json('/api/login', { method: 'POST', body: `{"login":${'['.repeat(20)}${']'.repeat(20)}}`, headers: { 'content-type': 'application/json' } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.json_depth', 8);
  // A GeoJSON file sent as the raw body, and as a multipart file.
  const file = `{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[${JSON.stringify(circle(8))}]}]}]}}`;
  r = await clerk.json('/api/checks?srs=4526&save=false', { method: 'POST', body: file, headers: { 'content-type': 'application/geo+json' } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.json_depth', 8);
  const m = multipart({ srs: '4526', save: 'false' }, file);
  r = await clerk.json('/api/checks', { method: 'POST', body: m.body, headers: m.headers });
  assertLimit(r, 413, 'limit_exceeded', 'limits.json_depth', 8);
  await health();
});

test('a boundary of more points than limits.geometry_vertices: 413 naming the count', async () => {
  // 30 points + the closing repeat = 31 positions, over 20.
  let r = await clerk.json('/api/checks', { method: 'POST', body: { geometry: circle(30), srs: 4526, save: false } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.geometry_vertices', 20);
  assert.ok(r.body.error.message.includes('31'), r.body.error.message);
  // 16 + 1 is under.
  r = await clerk.json('/api/checks', { method: 'POST', body: { geometry: circle(16), srs: 4526, save: false } });
  assert.equal(r.status, 200, r.text);
  // The same limit for a Ministry coordinate file sent as the body.
  const pts = circle(30).coordinates[0];
  const lines = ['[属性描述]', '坐标系=2000国家大地坐标系', '几度分带=3', '精度=0.01', '[地块坐标]', `${pts.length},0.4993,1,圆形地块,面,,工业用地,,@`];
  pts.forEach(([x, y], k) => lines.push(`J${(k % 30) + 1},1,${y.toFixed(2)},${x.toFixed(2)}`));
  r = await clerk.json('/api/checks?save=false', { method: 'POST', body: lines.join('\r\n') + '\r\n', headers: { 'content-type': 'text/plain' } });
  assertLimit(r, 413, 'limit_exceeded', 'limits.geometry_vertices', 20);
  await health();
});

test('positions shorter than [x, y] are refused, and the server stays up (found by fuzzing)', async () => {
  // GEOS 3.11's GeoJSON reader crashed the whole process on these.
  for (const geometry of [
    { type: 'Point', coordinates: [] },
    { type: 'Polygon', coordinates: [[[x0, y0], [x0 + 10, y0], []]] },
    { type: 'MultiPolygon', coordinates: [[[[x0, y0], [x0 + 10, y0], [x0 + 10, y0 + 10], [x0]]]] },
  ]) {
    const r = await clerk.json('/api/checks', { method: 'POST', body: { geometry, srs: 4526, save: false } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'invalid_input');
    assert.match(r.body.error.message, /\[x, y\]/);
    await health();
  }
});

test('features per import: limits.import_features, --max-features overrides', () => {
  const file = path.join(dir, 'five.geojson');
  const features = [0, 1, 2, 3, 4].map((i) => ({
    type: 'Feature',
    properties: { N: i },
    geometry: { type: 'Polygon', coordinates: [[[x0 + i * 200, y0], [x0 + i * 200 + 10, y0], [x0 + i * 200 + 10, y0 + 10], [x0 + i * 200, y0]]] },
  }));
  fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } }, features }));
  landgov(db, ['settings', 'set', 'limits.import_features', '3']);
  let failed = null;
  try {
    landgov(db, ['import', file, '--layer', 'five', '--role', 'other']);
  } catch (e) {
    failed = e;
  }
  assert.ok(failed, 'an import of 5 features over a limit of 3 must fail');
  assert.match(failed.stderr, /5 个要素/);
  assert.match(failed.stderr, /limits\.import_features/);
  assert.doesNotMatch(landgov(db, ['layers']), /five/, 'nothing of the refused import may land');
  const out = landgov(db, ['--json', 'import', file, '--layer', 'five', '--role', 'other', '--max-features', '5']);
  assert.equal(JSON.parse(out).count, 5);
  landgov(db, ['settings', 'set', 'limits.import_features', '2000000']);
});

test('time per request (limits.request_ms) and idle connections (limits.idle_timeout_s)', async () => {
  const dir2 = tempDir('landgov-api-limits-time-');
  const db2 = makeFixtureStore(dir2);
  // 1 ms: any check takes longer than that before its overlays begin
  // (loading the rule set alone does), so it is refused at that point.
  landgov(db2, ['settings', 'set', 'limits.request_ms', '1']);
  landgov(db2, ['settings', 'set', 'limits.idle_timeout_s', '1']);
  const s2 = await startServer(db2);
  try {
    const c = bearer(s2, apiToken(db2, 'clerk'));
    const r = await c.json('/api/checks', { method: 'POST', body: { geometry: circle(8), srs: 4526, save: false } });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, 'timeout');
    assert.equal(r.body.error.detail, 'limits.request_ms');
    assert.match(r.body.error.message, /limits\.request_ms/);
    assert.match(r.body.error.message, /1 毫秒/);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    // Quick requests are unaffected.
    assert.equal((await fetch(`${s2.url}api/health`)).status, 200);

    // A client that sends half a request and then nothing is disconnected;
    // the bound here only keeps a broken server from hanging the test.
    const closed = await new Promise((resolve, reject) => {
      const sock = net.connect(s2.port, '127.0.0.1', () => sock.write('GET /api/health HTTP/1.1\r\nHost: x\r\n'));
      const guard = setTimeout(() => {
        sock.destroy();
        resolve(false);
      }, 30000);
      sock.on('close', () => {
        clearTimeout(guard);
        resolve(true);
      });
      sock.on('error', reject);
      sock.resume();
    });
    assert.ok(closed, 'an idle half-sent request must be closed by the server');
  } finally {
    await s2.stop().catch(() => {});
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});
