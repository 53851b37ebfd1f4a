// The One Map API against a real `landgov serve`: health, the layer
// catalogue, features in EPSG:4490, EPSG:3857 and the layer's own CRS
// (coordinates checked against cs2cs), box filtering (expected squares
// from the grid's formula), limits, and 50 requests at once; all as a
// logged-in window clerk (the permission matrix is auth.test.mjs's).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import {
  GRID,
  expectedInBox,
  gkToLonLat,
  gkToMercator,
  login,
  makeFixtureStore,
  square,
  startServer,
  tempDir,
} from './helpers.mjs';

let dir;
let server;
let clerk;

before(async () => {
  dir = tempDir('landgov-api-layers-');
  const db = makeFixtureStore(dir);
  server = await startServer(db);
  clerk = await login(server, 'clerk');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function getJson(path, expectStatus = 200) {
  const r = await clerk.fetch(path);
  const text = await r.text();
  assert.equal(r.status, expectStatus, `${path}: ${text}`);
  return { body: JSON.parse(text), headers: r.headers };
}

function features(fc) {
  assert.equal(fc.type, 'FeatureCollection');
  assert.ok(Array.isArray(fc.features));
  assert.equal(fc.numberReturned, fc.features.length);
  return fc.features;
}

const bsms = (fc) => features(fc).map((f) => f.properties.BSM).sort((a, b) => a - b);

/** Every expected point has a vertex of the feature's outer ring within tol. */
function assertVertices(feature, expected, tol, what) {
  const g = feature.geometry;
  const rings = g.type === 'MultiPolygon' ? g.coordinates[0] : g.coordinates;
  const vertices = rings[0];
  for (const [x, y] of expected) {
    const best = Math.min(...vertices.map(([vx, vy]) => Math.max(Math.abs(vx - x), Math.abs(vy - y))));
    assert.ok(best <= tol, `${what}: no vertex near (${x}, ${y}); nearest differs by ${best}; ring ${JSON.stringify(vertices)}`);
  }
}

const corners = (s) => [
  [s.minx, s.miny],
  [s.maxx, s.miny],
  [s.maxx, s.maxy],
  [s.minx, s.maxy],
];

test('GET /api/health reports status, version, schema and layer count', async () => {
  const { body, headers } = await getJson('/api/health');
  assert.match(headers.get('content-type'), /^application\/json/);
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.ok(Number.isInteger(body.schema_version) && body.schema_version >= 1);
  assert.equal(body.layers, 4);
});

test('GET /api/layers lists every layer with role, CRS, count and extents', async () => {
  const { body } = await getJson('/api/layers');
  assert.equal(body.layers.length, 4);
  for (const l of body.layers) {
    for (const k of ['id', 'name', 'title', 'role', 'role_title', 'class_field', 'geometry_type', 'srs_id', 'count', 'extent', 'extent_4490'])
      assert.ok(k in l, `layer ${l.name} lacks ${k}`);
  }
  const byName = Object.fromEntries(body.layers.map((l) => [l.name, l]));
  const dltb = byName.dltb;
  assert.equal(dltb.title, '地类图斑');
  assert.equal(dltb.role, 'landuse');
  assert.equal(dltb.role_title, '土地利用现状');
  assert.equal(dltb.class_field, 'DLBM');
  assert.equal(dltb.srs_id, 4526);
  assert.equal(dltb.count, 100);
  const last = square(GRID.n - 1, GRID.n - 1);
  assert.deepEqual(dltb.extent, [GRID.x0, GRID.y0, last.maxx, last.maxy]);
  // The 4490 extent must hold every corner of the grid, as cs2cs puts them.
  const ll = gkToLonLat([[GRID.x0, GRID.y0], [last.maxx, GRID.y0], [last.maxx, last.maxy], [GRID.x0, last.maxy]]);
  const [w, s, e, n] = dltb.extent_4490;
  const eps = 1e-9;
  for (const [lon, lat] of ll) assert.ok(lon >= w - eps && lon <= e + eps && lat >= s - eps && lat <= n + eps, `${lon},${lat} outside ${dltb.extent_4490}`);
  assert.ok(Math.abs(w - Math.min(...ll.map((p) => p[0]))) < 1e-7);
  assert.ok(Math.abs(n - Math.max(...ll.map((p) => p[1]))) < 1e-7);
  assert.equal(byName.jbnt.role_title, '永久基本农田');
  assert.equal(byName.stbhhx.role_title, '生态保护红线');
  assert.equal(byName.czkfbj.role_title, '城镇开发边界');
  assert.equal(byName.jbnt.count, 1);
});

test('features in EPSG:4490 match cs2cs and carry every attribute', async () => {
  const { body, headers } = await getJson('/api/layers/dltb/features?crs=4490&limit=10000');
  assert.match(headers.get('content-type'), /^application\/geo\+json/);
  assert.equal(body.crs.properties.name, 'urn:ogc:def:crs:EPSG::4490');
  assert.equal(features(body).length, 100);
  assert.equal(body.truncated, false);
  const s = square(3, 7);
  const f = body.features.find((x) => x.properties.BSM === s.bsm);
  assert.ok(f, `no feature with BSM ${s.bsm}`);
  assert.equal(f.type, 'Feature');
  assert.ok(Number.isInteger(f.id));
  assert.deepEqual(f.properties, { BSM: s.bsm, DLBM: s.dlbm, DLMC: s.dlmc, TBMJ: 10000.25, QSDWDM: '420102001001' });
  // 1e-9 degrees is about 0.1 mm.
  assertVertices(f, gkToLonLat(corners(s)), 1e-9, 'EPSG:4490');
  // The default CRS is 4490.
  const dflt = (await getJson('/api/layers/dltb/features?limit=10000')).body;
  assert.equal(dflt.crs.properties.name, 'urn:ogc:def:crs:EPSG::4490');
  assertVertices(dflt.features.find((x) => x.properties.BSM === s.bsm), gkToLonLat(corners(s)), 1e-9, 'default CRS');
});

test('features in EPSG:3857 and in the layer CRS match cs2cs and the source', async () => {
  const s = square(8, 1);
  const merc = (await getJson('/api/layers/dltb/features?crs=EPSG:3857&limit=10000')).body;
  assert.equal(merc.crs.properties.name, 'urn:ogc:def:crs:EPSG::3857');
  assertVertices(merc.features.find((x) => x.properties.BSM === s.bsm), gkToMercator(corners(s)), 1e-3, 'EPSG:3857');
  const own = (await getJson('/api/layers/dltb/features?crs=4526&limit=10000')).body;
  assertVertices(own.features.find((x) => x.properties.BSM === s.bsm), corners(s), 0, 'EPSG:4526');
});

test('a layer is found by numeric id as well as by name', async () => {
  const { body } = await getJson('/api/layers');
  const id = body.layers.find((l) => l.name === 'jbnt').id;
  const byId = (await getJson(`/api/layers/${id}/features?crs=4526`)).body;
  const byName = (await getJson('/api/layers/jbnt/features?crs=4526')).body;
  assert.deepEqual(byId, byName);
  assert.equal(byId.features[0].properties.MC, '基本农田保护片区一');
});

test('bbox in the layer CRS returns exactly the squares it touches', async () => {
  const { x0, y0 } = GRID;
  const boxes = [
    [x0 + 450, y0 + 1050, x0 + 850, y0 + 1250], // squares i 2..4, j 5..6
    [x0 + 120, y0 + 120, x0 + 180, y0 + 180], // the gap between four squares
    [x0 - 1000, y0 - 1000, x0 + 50, y0 + 50], // one corner square
    [x0, y0, x0 + 1900, y0 + 1900], // everything
  ];
  for (const b of boxes) {
    const got = (await getJson(`/api/layers/dltb/features?crs=4526&limit=10000&bbox=${b.join(',')}`)).body;
    assert.deepEqual(bsms(got), expectedInBox(b), `bbox ${b}`);
  }
  assert.equal(expectedInBox(boxes[0]).length, 6);
});

test('bbox in EPSG:4490 and EPSG:3857 selects the square around a cs2cs point', async () => {
  const s = square(6, 2);
  const [[lon, lat]] = gkToLonLat([[s.cx, s.cy]]);
  // 0.0002 degrees (about 20 m) around the centre stays inside the 100 m square.
  const d = 0.0002;
  let got = (await getJson(`/api/layers/dltb/features?crs=4490&bbox=${lon - d},${lat - d},${lon + d},${lat + d}`)).body;
  assert.deepEqual(bsms(got), [s.bsm]);
  const t = square(1, 9);
  const [[mx, my]] = gkToMercator([[t.cx, t.cy]]);
  got = (await getJson(`/api/layers/dltb/features?crs=3857&bbox=${mx - 20},${my - 20},${mx + 20},${my + 20}`)).body;
  assert.deepEqual(bsms(got), [t.bsm]);
  // The whole world in Web Mercator still finds the county, and a box
  // over Europe finds nothing.
  const w = 20037508.34;
  got = (await getJson(`/api/layers/dltb/features?crs=3857&limit=10000&bbox=${-w},${-w},${w},${w}`)).body;
  assert.equal(features(got).length, 100);
  got = (await getJson('/api/layers/dltb/features?crs=4490&bbox=0,45,10,50')).body;
  assert.equal(features(got).length, 0);
  // Near 24 E on the equator no point can be put into zone 38 at all
  // (cs2cs prints "*"): still an empty answer, not an error.
  got = (await getJson('/api/layers/dltb/features?crs=4490&bbox=19,-6,29,6')).body;
  assert.equal(features(got).length, 0);
});

test('limit caps the answer and says when it was truncated', async () => {
  let r = await getJson('/api/layers/dltb/features?limit=7');
  assert.equal(features(r.body).length, 7);
  assert.equal(r.body.truncated, true);
  assert.equal(r.headers.get('x-feature-count'), '7');
  assert.equal(r.headers.get('x-truncated'), 'true');
  r = await getJson('/api/layers/dltb/features?limit=100');
  assert.equal(features(r.body).length, 100);
  assert.equal(r.body.truncated, false);
  // Default limit 1000 is above the layer's 100 features.
  r = await getJson('/api/layers/dltb/features');
  assert.equal(features(r.body).length, 100);
  assert.equal(r.body.truncated, false);
  r = await getJson('/api/layers/dltb/features?limit=10000');
  assert.equal(features(r.body).length, 100);
});

test('50 requests at once all succeed with the right answers', async () => {
  const { x0, y0 } = GRID;
  const jobs = [];
  for (let k = 0; k < 50; k++) {
    if (k % 10 === 0) {
      jobs.push(fetch(`${server.url}api/health`).then(async (r) => {
        assert.equal(r.status, 200);
        assert.equal((await r.json()).status, 'ok');
      }));
      continue;
    }
    const i = k % GRID.n;
    const j = Math.floor(k / 5) % GRID.n;
    const b = [x0 + i * 200 - 30, y0 + j * 200 - 30, x0 + i * 200 + 230, y0 + j * 200 + 30];
    const crs = k % 2 ? 4526 : 4490;
    let url = `${server.url}api/layers/dltb/features?crs=4526&bbox=${b.join(',')}`;
    if (crs === 4490) url = `${server.url}api/layers/dltb/features?crs=4490&limit=10000`;
    jobs.push(fetch(url, { headers: clerk.headers }).then(async (r) => {
      assert.equal(r.status, 200, url);
      const fc = await r.json();
      if (crs === 4526) assert.deepEqual(bsms(fc), expectedInBox(b), url);
      else assert.equal(fc.features.length, 100);
    }));
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((x) => x.status === 'rejected');
  assert.equal(failed.length, 0, failed.map((x) => x.reason?.message).join('\n'));
});

test('SIGTERM stops the server cleanly (exit code 0, no leaks under ASan)', async () => {
  const code = await server.stop();
  assert.equal(code, 0, `exit ${code}\n${server.stderr().slice(-4000)}`);
  assert.match(server.stdout(), /已停止/);
});
