// The time per request (limits.request_ms) reaches the long work behind
// three APIs: the geometry validation every compliance check starts with
// (POST /api/checks), whole-layer planning conflicts (POST /api/conflicts)
// and feature queries (GET /api/layers/{id}/features).
//
// The boundary is a crafted "comb" of 99998 points (inside every limit):
// 24999 horizontal teeth that all span the same 145 m in x, which a sweep
// along x alone compares pairwise (minutes); it must be answered as any
// boundary is. With the default limits each request gets its normal
// answer; with limits.request_ms = 1 each is refused with the 503 timeout
// error (no timing is asserted: 1 ms is less than reading the 2 MB
// boundary, or opening the layers, takes). The store is a synthetic
// county (`landgov gen`), the comb inside its extent.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { addUsers, apiToken, bearer, landgov, startServer, tempDir, storeTarget } from './helpers.mjs';

let dir;
let db;
let tokens;
let origin; // the comb's lower left corner, inside the county (EPSG:4526)

// The comb: the back from (0, 0) up x = 0, teeth from x = S to x = L,
// each H thick with a gap G: tooth i's bottom edge at y = i (H + G).
const N = 24999;
const [S, L, H, G] = [5, 150, 0.02, 0.02];

/** The comb as GeoJSON (EPSG:4526), coordinates rounded to the mm. */
function comb([x0, y0]) {
  const r = (v) => Math.round(v * 1000) / 1000;
  const pts = [[x0, y0]];
  let y = y0;
  for (let i = 0; i < N; i++) {
    pts.push([x0 + L, r(y)], [x0 + L, r(y + H)]);
    y += H;
    if (i < N - 1) {
      pts.push([x0 + S, r(y)], [x0 + S, r(y + G)]);
      y += G;
    }
  }
  pts.push([x0, r(y)], [x0, y0]);
  return { type: 'Polygon', crs: { type: 'name', properties: { name: 'EPSG:4526' } }, coordinates: [pts] };
}

// By hand: the back S x (N H + (N - 1) G) and N teeth (L - S) x H.
const COMB_M2 = S * (N * H + (N - 1) * G) + N * (L - S) * H;
const COMB_POINTS = 1 + 2 * N + 2 * (N - 1) + 2;

async function withServer(fn) {
  const server = await startServer(db);
  try {
    return await fn({ admin: bearer(server, tokens.admin), clerk: bearer(server, tokens.clerk) });
  } finally {
    await server.stop().catch(() => {});
  }
}

before(() => {
  dir = tempDir('landgov-api-deadline-');
  db = storeTarget(path.join(dir, 'county.gpkg'));
  const gen = JSON.parse(landgov(db, ['--json', 'gen', '--patches', '1000', '--seed', '3']));
  const [minx, miny, maxx, maxy] = gen.county.extent;
  assert.ok(maxx - minx > 400 && maxy - miny > 1200, `county too small: ${gen.county.extent}`);
  origin = [Math.round(minx) + 100, Math.round(miny) + 100];
  addUsers(db);
  tokens = { admin: apiToken(db, 'admin'), clerk: apiToken(db, 'clerk') };
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const checkBody = () => ({ geometry: comb(origin), save: false, type: 'industrial', use: '1001' });

test('with the default limits: the comb is checked, conflicts and features answer', async () => {
  assert.equal(comb(origin).coordinates[0].length, COMB_POINTS);
  assert.ok(COMB_POINTS <= 100000, 'the comb is inside limits.geometry_vertices');
  await withServer(async ({ admin, clerk }) => {
    const r = await clerk.json('/api/checks', { method: 'POST', body: checkBody() });
    assert.equal(r.status, 200, r.text.slice(0, 500));
    assert.equal(r.body.validation.valid, true, JSON.stringify(r.body.validation).slice(0, 500));
    assert.equal(r.body.validation.errors, 0);
    const a = r.body.area.planar_m2;
    assert.ok(Math.abs(a - COMB_M2) < 1e-6 * COMB_M2, `area ${a} != ${COMB_M2}`);
    assert.ok(['pass', 'conditional', 'prohibited'].includes(r.body.verdict));

    const c = await admin.json('/api/conflicts', { method: 'POST', body: { a: 'landuse', b: 'plan' } });
    assert.equal(c.status, 200, c.text);
    assert.ok(c.body.overlap_m2 > 0);
    const f = await clerk.json('/api/layers/landuse/features?limit=10000');
    assert.equal(f.status, 200, f.text.slice(0, 300));
    assert.ok(f.body.features.length > 64);
  });
});

test('with limits.request_ms = 1: each is refused with 503 timeout', async () => {
  landgov(db, ['settings', 'set', 'limits.request_ms', '1']);
  try {
    await withServer(async ({ admin, clerk }) => {
      const expect503 = (r, stage) => {
        assert.equal(r.status, 503, r.text.slice(0, 500));
        assert.equal(r.body.error.code, 'timeout');
        assert.equal(r.body.error.detail, 'limits.request_ms');
        assert.match(r.body.error.message, /1 毫秒/);
        assert.ok(r.body.error.message.includes(stage), `${stage} not in: ${r.body.error.message}`);
        assert.ok(Number(r.headers.get('retry-after')) > 0);
      };
      expect503(await clerk.json('/api/checks', { method: 'POST', body: checkBody() }), '几何校验');
      expect503(await admin.json('/api/conflicts', { method: 'POST', body: { a: 'landuse', b: 'plan' } }), '规划冲突分析');
      expect503(await clerk.json('/api/layers/landuse/features?limit=10000'), '要素查询');
      // The server goes on serving.
      assert.equal((await clerk.json('/api/layers')).status, 200);
    });
  } finally {
    landgov(db, ['settings', 'set', 'limits.request_ms', '30000']);
  }
});
