// Land consolidation (src/consol) over the API of a real `landgov serve`,
// on whichever backend the suite runs (LG_TEST_PG): the potential of a
// township and of a drawn unit with figures counted by hand, the project
// library with its control lines, permissions by role and jurisdiction,
// the status steps, and an acceptance posting its quotas to the quota
// bank exactly once (a refused acceptance changes nothing).
//
// The store is the unit tests' fixture (tests/unit/consol/consol_fixture.h)
// imported as GeoJSON: offsets in metres from (x0, y0) in EPSG:4526.
//   A 0101 [0,40]x[0,40] 1600   B 0103 [40,80]x[0,40] 1600 (edge with A)
//   E 0103 [0,40]x[40,60] 800 (edge with A)   C 0103 [80,110]x[40,70] 900
//   (corner with B only)   D 0102 [200,230]x[0,30] 900 (township 360781102)
//   F 0301 [110,200]x[0,40] 3600   H1 0702 [300,380]x[0,80] 6400 (core)
//   H2 0702 [400,420]x[0,20] 400 (20 m from H1)   H3 0702 [700,730]x[0,30]
//   900 (scattered)   H4 0702 [700,730]x[100,140] 1200   H5 0702
//   [1000,1020]x[0,20] 400 in the development boundary [990,1100]x[-10,100].
//   Red line [50,150]x[50,150]; basic farmland = A.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, USERS, addUsers, apiToken, bearer, client, landgov, startServer, storeTarget, tempDir } from './helpers.mjs';

const { x0, y0 } = GRID;
let dir;
let db;
let server;
let pub;
const as = {};
const ACTORS = ['admin', 'clerk', 'clerk_b', 'reviewer', 'approver', 'applicant'];

const ring = (a, b, c, d) => [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]];
const poly = (a, b, c, d) => ({ type: 'Polygon', coordinates: ring(a, b, c, d) });
const feature = (props, a, b, c, d) => ({ type: 'Feature', properties: props, geometry: poly(a, b, c, d) });
const T1 = '3607811010010000000';
const T2 = '3607811020010000000';

function importLayer(name, role, features, extra = []) {
  const file = path.join(dir, `${name}.geojson`);
  fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } }, features }));
  landgov(db, ['import', file, '--layer', name, '--role', role, ...extra]);
}

async function post(who, p, body, want) {
  const r = await as[who].json(p, { method: 'POST', body });
  if (want !== undefined) assert.equal(r.status, want, `${who} POST ${p}: ${r.text}`);
  return r;
}

async function get(who, p, want = 200) {
  const r = await as[who].json(p);
  assert.equal(r.status, want, `${who} GET ${p}: ${r.text}`);
  return r.body;
}

before(async () => {
  dir = tempDir('landgov-api-consol-');
  db = storeTarget(path.join(dir, 'consol.gpkg'));
  landgov(db, ['init']);
  const lu = (code, zl, a, b, c, d) => feature({ DLBM: code, ZLDWDM: zl }, a, b, c, d);
  importLayer('dltb', 'landuse', [
    lu('0101', T1, 0, 0, 40, 40), lu('0103', T1, 40, 0, 80, 40), lu('0103', T1, 0, 40, 40, 60),
    lu('0103', T1, 80, 40, 110, 70), lu('0102', T2, 200, 0, 230, 30), lu('0301', T1, 110, 0, 200, 40),
    lu('0702', T1, 300, 0, 380, 80), lu('0702', T1, 400, 0, 420, 20), lu('0702', T1, 700, 0, 730, 30),
    lu('0702', T1, 700, 100, 730, 140), lu('0702', T1, 1000, 0, 1020, 20),
  ], ['--class-field', 'DLBM']);
  importLayer('czkfbj', 'udb', [feature({ MC: '中心城区' }, 990, -10, 1100, 100)]);
  importLayer('stbhhx', 'eprl', [feature({ HXMC: '红线' }, 50, 50, 150, 150)]);
  importLayer('yjjbnt', 'pbf', [feature({ DLBM: '0101' }, 0, 0, 40, 40)]);
  addUsers(db);
  const tok = {};
  for (const name of ACTORS) tok[name] = apiToken(db, name);
  server = await startServer(db);
  pub = client(server);
  for (const name of ACTORS) as[name] = bearer(server, tok[name]);
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('potential of a township: fragments across shared edges only, scattered land outside the boundary', async () => {
  assert.equal((await pub.json('/api/consol/potential?township=360781101')).status, 401);
  assert.equal((await as.applicant.json('/api/consol/potential?township=360781101')).status, 403);
  assert.equal((await as.clerk_b.json('/api/consol/potential?township=360781101')).status, 403);
  const p = await get('clerk', '/api/consol/potential?township=360781101');
  // Blocks A+B+E = 4000 and C = 900 (a corner does not join): one fragment.
  assert.equal(p.cultivated.area_m2, 4900);
  assert.equal(p.cultivated.blocks, 2);
  assert.equal(p.cultivated.largest_block_m2, 4000);
  assert.deepEqual(p.cultivated.fragments, { count: 1, area_m2: 900, max_m2: 2000 });
  assert.equal(p.cultivated.paddy_m2, 1600);
  // 0702: 9300 in all, 8900 outside the boundary (H5 inside), H3 scattered.
  assert.equal(p.rural_construction.area_m2, 9300);
  assert.equal(p.rural_construction.outside_udb_m2, 8900);
  assert.deepEqual(p.rural_construction.scattered, { count: 1, area_m2: 900 });
  // 900 x 0.85 + 900 x 0.03 = 792; 900 x 0.85 = 765.
  assert.equal(p.quotas.cultivated_area, 792);
  assert.equal(p.quotas.linkage_surplus, 765);
  // The CLI prints the same document.
  const cli = JSON.parse(landgov(db, ['consol', 'potential', '--township', '360781101', '--json']));
  assert.deepEqual(cli.cultivated, p.cultivated);
});

test('potential of a drawn unit; bad input answered in Chinese', async () => {
  // [20,100]x[0,100]: A' 800 + B 1600 + E' 400 = 2800 and C' 600 (a fragment).
  const r = await post('clerk', '/api/consol/potential', { area: poly(20, 0, 100, 100), srid: 4526 }, 200);
  assert.equal(r.body.unit.area_m2, 8000);
  assert.equal(r.body.cultivated.area_m2, 3400);
  assert.deepEqual(r.body.cultivated.fragments, { count: 1, area_m2: 600, max_m2: 2000 });
  assert.equal(r.body.quotas.cultivated_area, 18);
  const bad = await post('clerk', '/api/consol/potential', { srid: 4526 }, 400);
  assert.match(bad.body.error.message, /缺少范围 area/);
  assert.equal(bad.body.error.detail, 'area');
  const t = await as.clerk.json('/api/consol/potential?township=36x');
  assert.equal(t.status, 400);
});

test('the configuration: read by staff, changed by no county clerk', async () => {
  const cfg = await get('clerk', '/api/consol/config');
  assert.equal(cfg.cultivated.fragment_max_m2, 2000);
  const r = await as.clerk.json('/api/consol/config', { method: 'PUT', body: cfg });
  assert.equal(r.status, 403, r.text);
  assert.deepEqual(await get('clerk', '/api/consol/config'), cfg);
});

const project = (over = {}) => ({
  name: '示范村建设用地复垦', type: 'reclamation', division: '360781101', budget_fen: 150000000,
  start_on: '2026-03-01', end_on: '2027-06-30', area: poly(0, 0, 100, 100), srid: 4526, ...over,
});

test('project library: registration with the control lines, scope, steps, acceptance into the quota bank once', async () => {
  // Refused input changes nothing.
  const bad = await post('clerk', '/api/consol/projects', project({ type: 'golf' }), 400);
  assert.match(bad.body.error.message, /项目类型/);
  assert.equal(bad.body.error.detail, 'type');
  assert.equal((await post('clerk_b', '/api/consol/projects', project(), undefined)).status, 403);
  assert.equal((await post('reviewer', '/api/consol/projects', project(), undefined)).status, 403);
  assert.deepEqual((await get('clerk', '/api/consol/projects')).projects, []);

  const r = await post('clerk', '/api/consol/projects', project(), 201);
  const id = r.body.id;
  assert.equal(r.headers.get('location'), `/api/consol/projects/${id}`);
  assert.equal(r.body.code, 'TZ360781-2026-001');
  assert.equal(r.body.status_title, '入库');
  // [0,100]^2 against the red line [50,150]^2: 2500; basic farmland A: 1600.
  assert.equal(r.body.controls.eprl.overlap_m2, 2500);
  assert.equal(r.body.controls.pbf.overlap_m2, 1600);
  assert.equal(r.body.controls.udb.overlap_m2, 0);
  assert.match(r.body.controls.warnings[0], /生态保护红线/);
  assert.equal((await get('clerk_b', '/api/consol/projects')).projects.length, 0);
  await get('clerk_b', `/api/consol/projects/${id}`, 403);
  assert.equal((await get('reviewer', '/api/consol/projects')).projects.length, 1);

  await post('reviewer', `/api/consol/projects/${id}/advance`, { to: 'approved', document: 'x' }, 403);
  const skip = await post('clerk', `/api/consol/projects/${id}/advance`, { to: 'implementing' }, 409);
  assert.match(skip.body.error.message, /逐步推进/);
  await post('clerk', `/api/consol/projects/${id}/advance`, { to: 'approved', document: '示县整字〔2026〕1号' }, 200);
  const impl = await post('clerk', `/api/consol/projects/${id}/advance`, { to: 'implementing' }, 200);
  assert.equal(impl.body.status_title, '实施');

  // A clerk may act on projects but not create quota: refused, nothing changed.
  const acc = { document: '示县整验〔2027〕3号', accepted_on: '2027-06-20', cultivated_m2: 800, paddy_m2: 300, linkage_m2: 700 };
  assert.equal((await post('clerk', `/api/consol/projects/${id}/accept`, acc)).status, 403);
  assert.equal((await get('approver', `/api/consol/projects/${id}`)).status, 'implementing');
  assert.deepEqual((await get('approver', '/api/quota/balances')).accounts, []);

  const ok = await post('approver', `/api/consol/projects/${id}/accept`, acc, 200);
  assert.equal(ok.body.status_title, '验收');
  assert.equal(ok.body.acceptance.movements.length, 3);
  const accounts = (await get('approver', '/api/quota/balances')).accounts;
  const avail = Object.fromEntries(accounts.map((a) => [a.kind, a.available]));
  assert.deepEqual(avail, { cultivated_area: 800, cultivated_paddy: 300, linkage_surplus: 700 });
  const again = await post('approver', `/api/consol/projects/${id}/accept`, acc, 409);
  assert.match(again.body.error.message, /只产生一次/);
  const after2 = (await get('approver', '/api/quota/balances')).accounts;
  assert.deepEqual(after2, accounts);
  const acts = (await get('clerk', `/api/consol/projects/${id}`)).acts.map((a) => a.to_title);
  assert.deepEqual(acts, ['入库', '立项', '实施', '验收']);
  // Evaluation against an after layer: [0,100]^2 as one paddy patch and
  // one forest patch: cultivated 4600 (A, B, E, C' = 600) -> 6000 in one
  // block, the fragment C' gone; the CLI prints the same document.
  importLayer('after', 'other', [
    feature({ DLBM: '0101' }, 0, 0, 100, 60), feature({ DLBM: '0301' }, 0, 60, 100, 100),
  ], ['--class-field', 'DLBM']);
  const ev = await get('clerk', `/api/consol/projects/${id}/evaluation?before=dltb&after=after`);
  assert.deepEqual(ev.cultivated_m2, { before: 4600, after: 6000, change: 1400 });
  assert.deepEqual(ev.fragments, { before: 1, after: 0, change: -1 });
  assert.deepEqual(ev.paddy_m2, { before: 1600, after: 6000, change: 4400 });
  assert.equal(ev.quotas.cultivated_area, 1400);
  await get('clerk_b', `/api/consol/projects/${id}/evaluation?before=dltb&after=after`, 403);
  const missing = await as.clerk.json(`/api/consol/projects/${id}/evaluation?before=dltb&after=nothing`);
  assert.equal(missing.status, 404);
  const cliEv = JSON.parse(landgov(db, ['consol', 'evaluate', String(id), '--before', 'dltb', '--after', 'after', '--json']));
  assert.deepEqual(cliEv.cultivated_m2, ev.cultivated_m2);
  // The ledger audit finds the project as recorded.
  assert.match(landgov(db, ['ledger', 'audit']), /一致/);
});
