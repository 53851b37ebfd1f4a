// Monitoring and enforcement over HTTP (/api/monitor/...) against a real
// `landgov serve` on the fixture store (basic farmland jbnt [-50,750]^2,
// red line stbhhx [1150,1950] x [1350,1950], metres from the grid's origin
// in EPSG:4526), with one approval layer imported here: pz [2000,2200] x
// [0,200]. Change patches, areas counted by hand:
//   A1 0103->0601 [2050,2150] x [50,150]  10,000, inside the approval: approved
//   A2 0101->0702 [700,800] x [0,100]     10,000, unapproved; in farmland
//      [700,750] x [0,100] = 5,000: pbf_non_farm
//   A3 0301->0602 [1900,2000]^2           10,000, unapproved; in the red line
//      [1900,1950]^2 = 2,500: construction_in_eprl
//   A4 0103->0508 [3000,3100] x [0,200]   20,000, on nothing: unapproved_construction
//   A5 0102->0201 [3000,3100] x [500,600] an orchard: no_new_construction
// Who: the county's clerk (360781) imports, detects and moves alerts; the
// neighbour's clerk sees none of it; applicants and the public nothing.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, landgov, login, client, makeFixtureStore, startServer, tempDir } from './helpers.mjs';

const { x0, y0 } = GRID;
let dir;
let db;
let server;
const as = {};

const ring = (a, b, c, d) => [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]];
const fc = (features) => JSON.stringify({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
  features: features.map(([no, before, after, box]) => ({
    type: 'Feature',
    properties: { JCBH: no, BGQDLBM: before, BGHDLBM: after },
    geometry: { type: 'Polygon', coordinates: ring(...box) },
  })),
});

const PATCHES = [
  ['A1', '0103', '0601', [2050, 50, 2150, 150]],
  ['A2', '0101', '0702', [700, 0, 800, 100]],
  ['A3', '0301', '0602', [1900, 1900, 2000, 2000]],
  ['A4', '0103', '0508', [3000, 0, 3100, 200]],
  ['A5', '0102', '0201', [3000, 500, 3100, 600]],
];

function form(name, patches, division = '360781') {
  const f = new FormData();
  f.set('file', new Blob([fc(patches)]), name);
  f.set('division', division);
  f.set('name', '2026年第4季度卫片');
  return f;
}

async function post(who, p, body) {
  const r = await as[who].fetch(p, { method: 'POST', body });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, text };
}

before(async () => {
  dir = tempDir('landgov-api-monitor-');
  db = makeFixtureStore(dir);
  const pz = path.join(dir, 'pz.geojson');
  fs.writeFileSync(pz, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
    features: [{ type: 'Feature', properties: { PZWH: '赣府土字〔2025〕1号' }, geometry: { type: 'Polygon', coordinates: ring(2000, 0, 2200, 200) } }],
  }));
  landgov(db, ['import', pz, '--layer', 'pz', '--role', 'approval', '--title', '批准用地', '--srs', String(GRID.srs)]);
  server = await startServer(db);
  for (const name of ['clerk', 'clerk_b', 'applicant']) as[name] = await login(server, name);
  as.public = client(server);
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a file with unknown class codes is refused row by row, and nothing is imported', async () => {
  const bad = [PATCHES[0], ['B2', '0199', '0601', [0, 0, 10, 10]], ['B3', '0101', 'XX', [0, 0, 10, 10]]];
  const r = await post('clerk', '/api/monitor/batches', form('卫片.geojson', bad));
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'invalid_input');
  assert.match(r.body.error.message, /卫片\.geojson/);
  assert.match(r.body.error.message, /第 2 个图斑 BGQDLBM "0199"/);
  assert.match(r.body.error.message, /第 3 个图斑 BGHDLBM "XX"/);
  const list = await as.clerk.json('/api/monitor/batches');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.batches, []);
});

test('a county imports and detects its batch; areas and verdicts as counted by hand', async () => {
  // The neighbour may not file a batch for this county.
  let r = await post('clerk_b', '/api/monitor/batches', form('卫片.geojson', PATCHES));
  assert.equal(r.status, 403, r.text);
  r = await post('clerk', '/api/monitor/batches', form('卫片.geojson', PATCHES));
  assert.equal(r.status, 201, r.text);
  const id = r.body.id;
  assert.equal(r.body.patch_count, 5);
  assert.equal(r.body.area_m2, 60000);
  r = await as.clerk.json(`/api/monitor/batches/${id}/detect`, { method: 'POST', body: { date: '2026-11-02' } });
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.body.patches.map((p) => [p.patch_no, p]));
  assert.equal(by.A1.verdict, 'approved');
  assert.equal(by.A1.approved_m2, 10000);
  assert.equal(by.A2.verdict, 'pbf_non_farm');
  assert.deepEqual([by.A2.unapproved_m2, by.A2.pbf_m2], [10000, 5000]);
  assert.equal(by.A2.verdict_title, '占用永久基本农田');
  assert.equal(by.A3.verdict, 'construction_in_eprl');
  assert.equal(by.A3.eprl_m2, 2500);
  assert.equal(by.A4.verdict, 'unapproved_construction');
  assert.equal(by.A4.unapproved_m2, 20000);
  assert.equal(by.A5.verdict, 'no_new_construction');
  // Detected once.
  r = await as.clerk.json(`/api/monitor/batches/${id}/detect`, { method: 'POST', body: {} });
  assert.equal(r.status, 409, r.text);
  // Three alerts, due 20 working days after Monday 2026-11-02: 2026-11-30.
  r = await as.clerk.json(`/api/monitor/alerts?batch=${id}&date=2026-11-02`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.alerts.map((a) => a.patch_no), ['A2', 'A3', 'A4']);
  for (const a of r.body.alerts) assert.deepEqual([a.state, a.deadline, a.overdue], ['pending', '2026-11-30', false]);
  r = await as.clerk.json(`/api/monitor/alerts?batch=${id}&date=2026-12-01`);
  assert.equal(r.body.overdue, 3);
  // The geometry comes back in EPSG:4490.
  r = await as.clerk.json(`/api/monitor/batches/${id}?geometry=true`);
  assert.equal(r.body.patches[0].geometry.type, 'MultiPolygon');
  // The neighbour sees nothing of it.
  r = await as.clerk_b.json('/api/monitor/batches');
  assert.deepEqual(r.body.batches, []);
  r = await as.clerk_b.json(`/api/monitor/batches/${id}`);
  assert.equal(r.status, 403, r.text);
  r = await as.clerk_b.json('/api/monitor/alerts');
  assert.deepEqual(r.body.alerts, []);
});

test('an alert moves through enforcement in order, each move with who and why', async () => {
  const list = await as.clerk.json('/api/monitor/alerts');
  const id = list.body.alerts.find((a) => a.patch_no === 'A4').id;
  const move = (who, to, reason) => as[who].json(`/api/monitor/alerts/${id}/moves`, { method: 'POST', body: { to, reason } });
  let r = await move('clerk', 'filed', '立案');
  assert.equal(r.status, 409, r.text);
  assert.match(r.body.error.message, /待核查.*不能转为 立案.*confirmed 核查属实/);
  r = await move('clerk', 'confirmed', '');
  assert.equal(r.status, 400, r.text);
  r = await move('clerk_b', 'confirmed', '核查属实');
  assert.equal(r.status, 403, r.text);
  for (const [to, reason] of [['confirmed', '现场核查属实'], ['filed', '立案查处'], ['confiscated', '没收地上建筑物'], ['closed', '结案']]) {
    r = await move('clerk', to, reason);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.state, to);
  }
  assert.deepEqual(r.body.events.map((e) => [e.to_state, e.actor, e.reason]), [
    ['confirmed', 'clerk', '现场核查属实'], ['filed', 'clerk', '立案查处'],
    ['confiscated', 'clerk', '没收地上建筑物'], ['closed', 'clerk', '结案']]);
  assert.deepEqual(r.body.next, []);
  // Each move on the ledger, and the rows agree with their entries.
  const audit = JSON.parse(landgov(db, ['--json', 'ledger', 'audit']));
  assert.equal(audit.findings.length, 0, JSON.stringify(audit.findings));
});

test('the rates per county and seed 000\'s figures say what they count', async () => {
  // 360781's three alerts: A4 verified, confiscated and closed; A2 and A3
  // pending with their deadline 2026-11-30 behind any day this runs.
  let r = await as.clerk.json('/api/monitor/analytics?from=2026-01-01&to=2026-12-31');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.rates.map((x) => [x.division, x.alerts, x.verified, x.rectified, x.overdue, x.closed]),
    [['360781', 3, 1, 1, 2, 1]]);
  assert.ok(Math.abs(r.body.rates[0].verified_rate - 1 / 3) < 1e-9, String(r.body.rates[0].verified_rate));
  assert.deepEqual(r.body.seed_000.map((f) => [f.key, f.seed]),
    [['nodes_per_case', 7.2], ['days_per_case', 263], ['coordination_share', 0.42]]);
  // The fixture has no case: nothing concluded, nothing measured.
  assert.equal(r.body.period.concluded, 0);
  assert.equal(r.body.seed_000[0].measured, null);
  r = await as.clerk_b.json('/api/monitor/analytics');
  assert.deepEqual(r.body.rates, []);
});

test('applicants and the public see no monitoring', async () => {
  let r = await as.applicant.json('/api/monitor/alerts');
  assert.equal(r.status, 403, r.text);
  r = await as.public.json('/api/monitor/batches');
  assert.equal(r.status, 401, r.text);
});
