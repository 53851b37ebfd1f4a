// Approval cases driven through the default land-approval process
// (processes/land-approval.bpmn) over the API of a real `landgov serve`,
// with the clock injected through LANDGOV_CLOCK_FILE and moved by the
// test: filing and permissions, a joint-review veto, a cross-county
// committee (a veto, and mutual recognition of the boundary's check), a
// deferral (容缺) whose deadline is missed with its penalty, a supervision
// notice when a step sits past its time limit, a restart of the server in
// the middle (killed, its timers due while it was down fire at start),
// and the happy path through the statutory notices to an approval number
// and the handover.
//
// The store is the fixture of helpers.mjs (a grid of land-class squares
// with farmland, red line and development boundary near 114 E) with two
// county outlines added here: 360781 south of y0 + 1100 m, 360782 north
// of it. Dates are counted by hand on the 2026 calendar (Monday Mar 2;
// no holiday in March or early April): a period of n working days that
// starts on day d ends at 24:00 Beijing (16:00 UTC) of the n-th working
// day after d (Civil Code art. 201, 203).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, addUsers, apiToken, bearer, client, landgov, login, makeFixtureStore, sparseSurveyRules, startServer, tempDir } from './helpers.mjs';

const { x0, y0 } = GRID;
let dir;
let db;
let clockFile;
let server;
let pub;
const tok = {}; // API tokens by login: sessions end when the clock jumps days ahead
const as = {}; // bearer clients by login

// Accounts beyond the fixture's: the ecology reviewer, the neighbouring
// county's approver (a committee member) and the province's approver.
const MORE = {
  reviewer_eco: { role: 'reviewer', dept: 'ecology', division: '360781' },
  approver_b: { role: 'approver', level: 'county', division: '360782' },
  approver_prov: { role: 'approver', level: 'province', division: '36' },
};
const ACTORS = ['admin', 'clerk', 'clerk_b', 'reviewer', 'reviewer_eco', 'approver', 'approver_b', 'approver_prov', 'applicant'];
const ENTERPRISE = '91360781MA35A0001X'; // the fixture applicant's

/** A GeoJSON polygon of a box given as offsets from the grid's origin (EPSG:4526). */
const box = (a, b, c, d) => ({
  type: 'Polygon',
  crs: { type: 'name', properties: { name: 'EPSG:4526' } },
  coordinates: [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]],
});

/** Areas from GEOS on coordinates of 10^7 m: equal to a millionth. */
const near = (got, want) => assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${got} != ${want}`);

function setClock(iso) {
  fs.writeFileSync(clockFile, `${iso}\n`);
}

async function start() {
  server = await startServer(db);
  pub = client(server);
  for (const name of ACTORS) as[name] = bearer(server, tok[name]);
}

/** Moves the clock and fires what fell due (POST /api/admin/tick). */
async function tickAt(iso) {
  setClock(iso);
  const r = await as.admin.json('/api/admin/tick', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.now, iso);
  return r.body.fired;
}

async function getCase(id, who = 'clerk') {
  const r = await as[who].json(`/api/cases/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** The open task of a case at a node (of one element of a multi-instance step). */
async function taskOf(id, node, element) {
  const c = await getCase(id);
  const t = c.tasks.find((x) => x.node === node && (element === undefined || x.element === element));
  assert.ok(t, `case ${id} has no open task at ${node} ${element ?? ''}: ${JSON.stringify(c.tasks)}`);
  return t.id;
}

async function act(who, task, action, extra = {}, want = 200) {
  const r = await as[who].json(`/api/tasks/${task}`, { method: 'POST', body: { action, ...extra } });
  assert.equal(r.status, want, `${who} ${action} on task ${task}: ${r.text}`);
  return r.body;
}

async function file(who, boundary, extra = {}) {
  const r = await as[who].json('/api/cases', {
    method: 'POST',
    body: {
      title: '稀土深加工项目',
      type: 'industrial',
      use: '1001',
      enterprise: ENTERPRISE,
      applicant: '赣州某稀土公司',
      rating: 'B',
      investment: 20000000,
      departments: ['natural_resources', 'ecology'],
      boundary,
      ...extra,
    },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/api/cases/${r.body.id}`);
  return r.body;
}

before(async () => {
  dir = tempDir('landgov-api-cases-');
  db = makeFixtureStore(dir);
  sparseSurveyRules(db, dir);
  addUsers(db, MORE);
  // Two county outlines: the fixture's squares lie in both.
  const outline = (code, name, a, b, c, d) => ({ type: 'Feature', properties: { XZQDM: code, XZQMC: name }, geometry: box(a, b, c, d) });
  const counties = path.join(dir, 'county.geojson');
  fs.writeFileSync(counties, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } },
    features: [outline('360781', '甲县', -200, -200, 2200, 1100), outline('360782', '乙县', -200, 1100, 2200, 2400)],
  }));
  landgov(db, ['import', counties, '--layer', 'county', '--role', 'other', '--title', '县级行政区界']);
  for (const name of ACTORS) tok[name] = apiToken(db, name);
  // Monday Mar 2, 2026, 09:00 Beijing.
  clockFile = path.join(dir, 'clock');
  setClock('2026-03-02T01:00:00Z');
  process.env.LANDGOV_CLOCK_FILE = clockFile;
  await start();
});

after(async () => {
  await server?.stop().catch(() => {});
  delete process.env.LANDGOV_CLOCK_FILE;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Cases filed at Mar 2 and followed through the tests below, in order.
const C = {};

test('filing a case: code, counties, checklist, the window\'s task; who may see it', async () => {
  // The happy path's case: 400 x 400 m inside the development boundary.
  const sess = await login(server, 'clerk'); // a browser session, with its CSRF token
  const r = await sess.json('/api/cases', {
    method: 'POST',
    body: { title: '稀土深加工项目', type: 'industrial', use: '1001', enterprise: ENTERPRISE, rating: 'B',
      investment: 30000000, departments: ['natural_resources', 'ecology'], boundary: box(1100, 100, 1500, 500) },
  });
  assert.equal(r.status, 201, r.text);
  const h = r.body;
  C.happy = h.id;
  assert.equal(h.code, '360781-2026-000001');
  assert.equal(h.division, '360781');
  assert.deepEqual(h.divisions, ['360781']);
  near(h.planar_m2, 160000);
  assert.equal(h.status, 'submitted');
  assert.equal(h.status_title, '待受理');
  assert.equal(h.created_by, 'clerk');
  assert.equal(h.created_at, '2026-03-02T01:00:00Z');
  // 12 items for every project, one more for an industrial one.
  assert.equal(h.materials.length, 13);
  assert.ok(h.materials.every((m) => m.state === 'submitted'));
  assert.equal(h.tasks.length, 1);
  assert.equal(h.tasks[0].node, 'Task_Accept');
  assert.deepEqual(h.tasks[0].candidate_groups, ['clerk@360781']);
  // One working day at the window: Tuesday Mar 3, 24:00 Beijing.
  assert.equal(h.tasks[0].due_at, '2026-03-03T16:00:00Z');
  // Without a CSRF token, a session may not file anything.
  const forged = client(server, { cookie: sess.cookie });
  assert.equal((await forged.json('/api/cases', { method: 'POST', body: {} })).status, 403);

  // The next case in the county gets the next number.
  const v = await file('clerk', box(1600, 100, 1900, 400));
  C.veto = v.id;
  assert.equal(v.code, '360781-2026-000002');

  // The window's inbox holds both; the neighbouring county's holds neither.
  const inbox = (await as.clerk.json('/api/tasks')).body.tasks.map((t) => t.case_code);
  assert.deepEqual(inbox.sort(), ['360781-2026-000001', '360781-2026-000002']);
  assert.deepEqual((await as.clerk_b.json('/api/tasks')).body.tasks, []);
  // Another county's case, by id: refused; by code too; a case that does
  // not exist: 404 for staff, 401 for the public.
  assert.equal((await as.clerk_b.json(`/api/cases/${C.happy}`)).status, 403);
  assert.equal((await as.clerk_b.json(`/api/cases/${h.code}`)).status, 403);
  assert.equal((await as.clerk_b.json(`/api/cases/${C.happy}/timeline`)).status, 403);
  assert.equal((await as.clerk.json('/api/cases/99999')).status, 404);
  assert.equal((await pub.json('/api/cases/99999')).status, 401);
  assert.equal((await pub.json(`/api/cases/${C.happy}`)).status, 401);
  // The public sees the progress by code, and nothing else.
  const p = await pub.json(`/api/public/cases/${h.code}`);
  assert.equal(p.status, 200, p.text);
  // The public sees the project, its status and its steps, and nothing
  // about people or the enterprise.
  assert.deepEqual(Object.keys(p.body).sort(), ['code', 'created_at', 'decided_at', 'document_no', 'handed_over_at', 'notices', 'status', 'status_title', 'steps', 'title']);
  assert.deepEqual([p.body.code, p.body.status, p.body.status_title, p.body.title], [h.code, 'submitted', '待受理', '稀土深加工项目']);
  assert.deepEqual(p.body.steps.map((x) => [x.status, x.created_at, x.completed_at]), [['open', '2026-03-02T01:00:00Z', null]]);
  assert.equal((await pub.json('/api/public/cases/360781-2026-999999')).status, 404);
  // The applicant sees its enterprise's cases; the list of the neighbour's
  // clerk is empty.
  const mine = (await as.applicant.json('/api/cases')).body.cases.map((c) => c.id);
  assert.deepEqual(mine.sort(), [C.happy, C.veto].sort());
  assert.deepEqual((await as.clerk_b.json('/api/cases')).body.cases, []);
  // A reviewer may read, not file.
  assert.equal((await as.reviewer.json('/api/cases', { method: 'POST', body: { boundary: box(0, 0, 10, 10) } })).status, 403);
});

test('filing with a Ministry coordinate file (multipart upload)', async () => {
  // One parcel of 100 x 100 m = 1.0000 ha; X is the northing, Y the
  // easting with the zone number (38) in front (DOMAIN.md section 3).
  const pts = [[600, 1600], [600, 1700], [700, 1700], [700, 1600], [600, 1600]];
  const txt = [
    '[属性描述]', '坐标系=2000国家大地坐标系', '几度分带=3', '投影类型=高斯克吕格', '计量单位=米', '带号=38',
    '精度=0.001', '转换参数=,,,,,,', '[地块坐标]', '5,1.0000,1,厂房地块,面,,工业,,@',
    ...pts.map(([n, e], i) => `J${i === 4 ? 1 : i + 1},1,${(y0 + n).toFixed(3)},${(x0 + e).toFixed(3)}`),
  ].join('\r\n') + '\r\n';
  const form = new FormData();
  form.set('file', new Blob([txt], { type: 'text/plain' }), '厂房地块.txt');
  for (const [k, v] of Object.entries({ title: '标准厂房', type: 'industrial', rating: 'C', investment: '5000000',
    enterprise: ENTERPRISE, departments: 'natural_resources,ecology', materials: '[]' })) form.set(k, v);
  const r = await as.clerk.fetch('/api/cases', { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  assert.equal(body.boundary_format, '部标准坐标文件');
  assert.equal(body.boundary_source, '厂房地块.txt');
  assert.equal(body.srs_id, 4526);
  near(body.planar_m2, 10000);
  assert.deepEqual(body.divisions, ['360781']);
  assert.deepEqual(body.departments, ['natural_resources', 'ecology']);
  // An empty list: nothing handed in yet.
  assert.ok(body.materials.every((m) => m.state === 'missing'));
  // A file that is not one: refused with the reason.
  const bad = new FormData();
  bad.set('file', new Blob(['not a boundary']), 'x.txt');
  for (const [k, v] of Object.entries({ title: 'x', type: 'industrial', rating: 'C', enterprise: ENTERPRISE })) bad.set(k, v);
  const b = await as.clerk.fetch('/api/cases', { method: 'POST', body: bad });
  assert.equal(b.status, 400, await b.text());
});

test('filing with a Shapefile sent as a .zip (made by ogr2ogr)', async () => {
  // A 200 x 50 m rectangle = 10,000 m2, written by GDAL, not by landgov.
  const [minx, miny, maxx, maxy] = [x0 + 1600, y0 + 600, x0 + 1800, y0 + 650];
  const src = path.join(dir, 'zip-case.geojson');
  fs.writeFileSync(src, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
    features: [{ type: 'Feature', properties: { NAME: '仓储地块' }, geometry: { type: 'Polygon',
      coordinates: [[[minx, miny], [minx, maxy], [maxx, maxy], [maxx, miny], [minx, miny]]] } }],
  }));
  const out = path.join(dir, 'zip-case.shp.zip');
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', out, src, '-lco', 'ENCODING=UTF-8'], { stdio: 'pipe' });
  const form = new FormData();
  form.set('file', new Blob([fs.readFileSync(out)], { type: 'application/zip' }), '仓储地块.zip');
  for (const [k, v] of Object.entries({ title: '仓储用房', type: 'industrial', rating: 'C', investment: '3000000',
    enterprise: ENTERPRISE, materials: '[]' })) form.set(k, v);
  const r = await as.clerk.fetch('/api/cases', { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  assert.equal(body.boundary_source, '仓储地块.zip');
  assert.equal(body.srs_id, 4526);
  near(body.planar_m2, 10000);
  assert.deepEqual(body.divisions, ['360781']);
});

test('the window: an incomplete file is not accepted; a return needs a reason', async () => {
  const missing = [{ kind: 'boundary_survey', state: 'missing' }];
  const c = await file('clerk', box(1100, 600, 1300, 700), { materials: missing });
  const t = c.tasks[0].id;
  let r = await as.clerk.json(`/api/tasks/${t}`, { method: 'POST', body: { action: 'accept' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error.message, /勘测定界/);
  r = await as.clerk.json(`/api/tasks/${t}`, { method: 'POST', body: { action: 'defer' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error.message, /不适用容缺/);
  r = await as.clerk.json(`/api/tasks/${t}`, { method: 'POST', body: { action: 'return' } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.detail, 'reason');
  // Only spaces, the ideographic one included, are no reason.
  r = await as.clerk.json(`/api/tasks/${t}`, { method: 'POST', body: { action: 'return', reason: ' \u3000\u3000 ' } });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error.message, /退回补正.*只有空格/);
  // Only the window may decide it.
  await act('reviewer', t, 'return', { reason: '材料不全' }, 403);
  const done = await act('clerk', t, 'return', { reason: '缺勘测定界报告' });
  assert.equal(done.status, 'returned');
  await act('clerk', t, 'return', { reason: '再次' }, 409);
});

test('a joint-review veto ends the case, with its reason', async () => {
  await act('clerk', await taskOf(C.veto, 'Task_Accept'), 'accept');
  let c = await getCase(C.veto);
  assert.equal(c.status, 'in_review');
  assert.equal(c.check.verdict, 'conditional');
  await act('approver', await taskOf(C.veto, 'Task_County'), 'approve');
  // Each department's reviewer acts on its own task only.
  const eco = await taskOf(C.veto, 'Task_Joint', 'ecology');
  await act('reviewer', eco, 'approve', {}, 403);
  await act('reviewer', await taskOf(C.veto, 'Task_Joint', 'natural_resources'), 'approve');
  await act('reviewer_eco', eco, 'veto', {}, 400);
  c = await act('reviewer_eco', eco, 'veto', { reason: '占用生态保护红线缓冲区' });
  assert.equal(c.status, 'vetoed');
  assert.equal(c.tasks.length, 0);
  const tl = (await as.clerk.json(`/api/cases/${C.veto}/timeline`)).body.timeline;
  const veto = tl.find((e) => e.source === 'case' && e.event === 'act' && e.detail.action === 'veto');
  assert.equal(veto.actor, 'reviewer_eco');
  assert.equal(veto.detail.reason, '占用生态保护红线缓冲区');
});

test('a cross-county case: a committee member per county, a veto, and mutual recognition of the check', async () => {
  // 400 x 500 m across the county line: 300 m in 360781, 200 m in 360782.
  const x = await file('clerk', box(1100, 800, 1500, 1300));
  assert.deepEqual(x.divisions, ['360781', '360782']);
  assert.equal(x.division, '360781');
  assert.deepEqual(x.division_shares.map((d) => d.division), ['360781', '360782']);
  near(x.division_shares[0].m2, 120000);
  near(x.division_shares[0].share, 0.6);
  near(x.division_shares[1].m2, 80000);
  // The case belongs to both counties: the neighbour's clerk reads it.
  assert.equal((await as.clerk_b.json(`/api/cases/${x.id}`)).status, 200);
  await act('clerk', x.tasks[0].id, 'accept');
  const a = await taskOf(x.id, 'Task_Committee', '360781');
  const b = await taskOf(x.id, 'Task_Committee', '360782');
  // Each county's approver speaks for its own county only.
  await act('approver', b, 'approve', {}, 403);
  assert.deepEqual((await as.approver_b.json('/api/tasks')).body.tasks.map((t) => t.id), [b]);
  await act('approver', a, 'approve');
  const v = await act('approver_b', b, 'veto', { reason: '与乙县水源地保护规划冲突' });
  assert.equal(v.status, 'vetoed');
  const first = await getCase(x.id);
  assert.equal(first.check.reused, false);

  // The same boundary filed again: its check is recognised, not repeated.
  const y = await file('clerk', box(1100, 800, 1500, 1300));
  await act('clerk', y.tasks[0].id, 'accept');
  const again = await getCase(y.id);
  assert.equal(again.check.reused, true);
  assert.equal(again.check.check_id, first.check.check_id);
  assert.equal(again.check.recognised_from_case, x.id);
  assert.equal(again.check.recognised_from_code, x.code);
  await act('approver', await taskOf(y.id, 'Task_Committee', '360781'), 'approve');
  await act('approver_b', await taskOf(y.id, 'Task_Committee', '360782'), 'approve');
  const joint = (await getCase(y.id)).tasks.filter((t) => t.node === 'Task_Joint').map((t) => t.element);
  assert.deepEqual(joint.sort(), ['ecology', 'natural_resources']);
  C.cross = y.id;
});

test('the happy path up to the notices: accepted, checked, reviewed; expropriation is announced', async () => {
  await act('clerk', await taskOf(C.happy, 'Task_Accept'), 'accept');
  let c = await getCase(C.happy);
  // 16 ha inside the development boundary, collective land (no ownership
  // field says otherwise): the county may convert it, the province must
  // approve the expropriation (Land Administration Law art. 44, 46).
  assert.equal(c.authority.conversion, 'county');
  assert.equal(c.authority.expropriation, 'province');
  assert.equal(c.level, 'province');
  await act('approver', await taskOf(C.happy, 'Task_County'), 'approve');
  await act('reviewer', await taskOf(C.happy, 'Task_Joint', 'natural_resources'), 'approve');
  c = await act('reviewer_eco', await taskOf(C.happy, 'Task_Joint', 'ecology'), 'approve');
  assert.equal(c.status, 'notice');
  // The pre-announcement: 10 working days from Monday Mar 2 (Mar 3-6,
  // 9-13, 16): it ends Monday Mar 16, 24:00 Beijing.
  assert.equal(c.notices.length, 1);
  assert.equal(c.notices[0].kind, 'expropriation_pre_announcement');
  assert.equal(c.notices[0].start_at, '2026-03-02T01:00:00Z');
  assert.equal(c.notices[0].end_at, '2026-03-16T16:00:00Z');
  assert.equal(c.notices[0].period, '10 个工作日');
});

test('a deferral (rating A): accepted with a non-core item to follow', async () => {
  const all = [
    'application_form', 'pre_review', 'project_approval', 'boundary_survey', 'conversion_plan',
    'expropriation_plan', 'supply_plan', 'business_licence', 'authorisation', 'site_plan',
    'mineral_overlay', 'investment_agreement',
  ]; // all but geohazard_assessment (non-core)
  const d = await file('clerk', box(1300, 600, 1500, 800), { rating: 'A', investment: 12345678, materials: all });
  C.defer = d.id;
  const t = d.tasks[0].id;
  await act('clerk', t, 'accept', {}, 400);
  const c = await act('clerk', t, 'defer');
  assert.equal(c.status, 'in_review');
  const m = c.materials.find((x) => x.kind === 'geohazard_assessment');
  assert.equal(m.state, 'deferred');
  // 20 working days from Monday Mar 2 (Mar 3-6, 9-13, 16-20, 23-27, 30):
  // Monday Mar 30, 24:00 Beijing.
  assert.equal(m.due_at, '2026-03-30T16:00:00Z');
  const mats = await as.applicant.json(`/api/cases/${d.id}/materials`);
  assert.equal(mats.status, 200, mats.text);
  assert.equal(mats.body.materials.find((x) => x.kind === 'geohazard_assessment').state_title, '容缺待补');
});

test('a step past its time limit: a supervision notice (timer escalation), the review goes on', async () => {
  // The county review of the deferred case opened Mar 2; its 5 working
  // days end Monday Mar 9, 24:00 Beijing.
  await tickAt('2026-03-09T15:59:59Z');
  let c = await getCase(C.defer);
  assert.equal(c.notices.length, 0);
  await tickAt('2026-03-09T16:00:00Z');
  c = await getCase(C.defer);
  assert.equal(c.notices.length, 1);
  assert.equal(c.notices[0].kind, 'supervision');
  assert.match(c.notices[0].text, /县级审查/);
  assert.equal(c.status, 'in_review');
  assert.ok(c.tasks.some((t) => t.node === 'Task_County'));
  const overdue = (await as.clerk.json('/api/cases?overdue=1')).body.cases.map((x) => x.id);
  assert.ok(overdue.includes(C.defer), `overdue: ${overdue}`);
  assert.ok(!overdue.includes(C.veto));
  const byDept = (await as.clerk.json('/api/cases?department=ecology')).body.cases.map((x) => x.id);
  assert.deepEqual(byDept, [C.cross]);
});

test('a restart in the middle: killed while waiting, timers due meanwhile fire when it starts again', async () => {
  server.proc.kill('SIGKILL');
  await server.stop().catch(() => {});
  // While no server runs, the pre-announcement period ends.
  setClock('2026-03-16T16:00:00Z');
  await start();
  // The first tick runs at start: the compensation plan is posted
  // without anyone asking.
  let c;
  for (let i = 0; i < 50; i++) {
    c = await getCase(C.happy);
    if (c.notices.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(c.notices.length, 2, JSON.stringify(c.notices));
  // Posted Tuesday Mar 17 (Beijing): 30 days, Mar 18 to Apr 16.
  assert.equal(c.notices[1].kind, 'compensation_plan');
  assert.equal(c.notices[1].end_at, '2026-04-16T16:00:00Z');
  assert.equal(c.notices[1].period, '30 个日');
  assert.equal(c.status, 'notice');
});

test('a deferral missed: the penalty, 0.5% of the investment', async () => {
  await tickAt('2026-03-30T15:59:59Z');
  assert.equal((await getCase(C.defer)).penalties.length, 0);
  await tickAt('2026-03-30T16:00:00Z');
  const c = await getCase(C.defer);
  assert.equal(c.penalties.length, 1);
  // 12,345,678 yuan x 0.5% = 61,728.39 yuan.
  assert.equal(c.penalties[0].amount, 61728.39);
  assert.equal(c.penalties[0].rate, 0.005);
  assert.equal(c.penalties[0].investment, 12345678);
  assert.match(c.penalties[0].rule, /0\.5%-1%/);
  assert.equal(c.materials.find((x) => x.kind === 'geohazard_assessment').state, 'missing');
  assert.equal(c.status, 'in_review');
  // Handed in late: recorded, the penalty stands.
  const r = await as.applicant.json(`/api/cases/${C.defer}/materials`, { method: 'POST', body: { materials: ['geohazard_assessment'] } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.materials.find((x) => x.kind === 'geohazard_assessment').state, 'supplied');
  assert.equal((await getCase(C.defer)).penalties.length, 1);
});

test('the happy path to the end: objections counted, the province approves, a number, the handover', async () => {
  await tickAt('2026-04-16T16:00:00Z');
  const t = await taskOf(C.happy, 'Task_Objections');
  await act('approver', t, 'done', { vars: { objections: 61, members: 60 } }, 400);
  await act('approver', t, 'done', { vars: { objections: 5, members: 60 } });
  const p = await taskOf(C.happy, 'Task_Province');
  // The city has no say in a province-level case.
  assert.equal((await as.approver_prov.json('/api/tasks')).body.tasks[0].id, p);
  const c = await act('approver_prov', p, 'approve');
  assert.equal(c.status, 'handed_over');
  assert.equal(c.document_no, '赣府土字〔2026〕1号'); // the province's own pattern and numbers
  assert.equal(c.decided_at, '2026-04-16T16:00:00Z');
  assert.equal(c.handed_over_at, '2026-04-16T16:00:00Z');
  assert.equal(c.tasks.length, 0);
  const pr = await pub.json(`/api/public/cases/${c.code}`);
  assert.equal(pr.body.code, c.code);
  assert.equal(pr.body.status, 'handed_over');
  assert.equal(pr.body.status_title, '已移交供地');
  assert.equal(pr.body.title, c.title);
  assert.equal(pr.body.document_no, c.document_no);
  // The steps of its path with their dates, by unit, no one's name; the
  // notices it had.
  assert.deepEqual(pr.body.steps.map((x) => x.name), c.steps.filter((x) => x.status !== 'cancelled').map((x) => x.name));
  assert.ok(pr.body.steps.every((x) => x.actor === undefined && x.completed_at));
  assert.deepEqual(pr.body.notices.map((n) => n.title), c.notices.map((n) => n.title));
  assert.ok(pr.body.notices.length > 0);
  // The timeline names everyone who acted, in order.
  const tl = (await as.clerk.json(`/api/cases/${C.happy}/timeline`)).body.timeline;
  const people = tl.filter((e) => e.source === 'case' && e.event === 'act').map((e) => e.actor);
  assert.deepEqual(people, ['clerk', 'approver', 'reviewer', 'reviewer_eco', 'approver', 'approver_prov']);
  const handlers = tl.filter((e) => e.source === 'case' && e.actor === 'system').map((e) => e.event);
  assert.ok(handlers.includes('notice'), handlers.join());
  assert.deepEqual(tl.map((e) => e.at), tl.map((e) => e.at).slice().sort());
  // The automatic check is the system's, after the clerk's acceptance that
  // started it, and listed after it (cause before effect).
  const check = tl.findIndex((e) => e.source === 'case' && e.event === 'check');
  const accept = tl.findIndex((e) => e.source === 'case' && e.event === 'act' && e.detail.node === 'Task_Accept');
  assert.equal(tl[check].actor, 'system');
  assert.equal(tl[check].detail.triggered_by, 'clerk');
  assert.ok(accept >= 0 && accept < check, `accept ${accept}, check ${check}`);
  const opened = tl.filter((e) => e.source === 'flow' && e.event === 'task.create');
  assert.ok(opened.length && opened.every((e) => e.actor === 'system'), JSON.stringify(opened[0]));
  // Listed as handed over, at the province's level.
  const list = (await as.clerk.json('/api/cases?status=handed_over&level=province')).body.cases;
  assert.deepEqual(list.map((x) => x.id), [C.happy]);
  // Every case's row agrees with its ledger entries.
  const audit = JSON.parse(landgov(db, ['--json', 'ledger', 'audit']));
  assert.deepEqual(audit.findings, []);
  assert.ok(!audit.unaudited_types.includes('case'), audit.unaudited_types.join());
});

test('processes: the deployed definition and its XML; deploying is for administrators', async () => {
  const r = await as.clerk.json('/api/processes');
  assert.equal(r.status, 200, r.text);
  const def = r.body.processes.find((d) => d.key === 'land_approval');
  assert.equal(def.version, 1);
  const x = await as.clerk.fetch('/api/processes/land_approval/xml');
  assert.equal(x.status, 200);
  const xml = await x.text();
  assert.match(xml, /landgov:candidateGroups="clerk@\{jurisdiction\}"/);
  assert.equal(xml, fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../processes/land-approval.bpmn'), 'utf8'));
  const post = (who, body) => as[who].fetch('/api/processes', { method: 'POST', body, headers: { 'content-type': 'application/xml' } });
  assert.equal((await post('clerk', xml)).status, 403);
  const same = await post('admin', xml);
  assert.equal(same.status, 200); // the very same XML: the existing version
  const bad = await post('admin', xml.replace('<bpmn:exclusiveGateway id="Gateway_Verdict"', '<bpmn:complexGateway id="Gateway_Verdict"'));
  assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
  assert.equal((await as.clerk.json('/api/admin/tick', { method: 'POST' })).status, 403);
});

test('the command line sees the same cases (landgov case list, show, inbox, timeline)', async () => {
  const list = JSON.parse(landgov(db, ['--json', 'case', 'list', '--status', 'handed_over']));
  assert.deepEqual(list.cases.map((c) => c.id), [C.happy]);
  const show = landgov(db, ['case', 'show', list.cases[0].code]);
  assert.match(show, /批准文号: 赣府土字〔2026〕1号/);
  assert.match(show, /征收土地预公告\s+2026-03-02 09:00\s+2026-03-17 00:00\s+10 个工作日/);
  // Steps name departments, levels and outcomes, not their codes.
  assert.doesNotMatch(show, /natural_resources|agriculture|\bapprove\b|\bcounty\b/);
  assert.match(show, /通过/);
  // The deferred case's county review waits for the county's approver.
  const inbox = JSON.parse(landgov(db, ['--json', 'case', 'inbox', '--as', 'approver']));
  assert.ok(inbox.tasks.some((t) => t.case_id === C.defer && t.node === 'Task_County' && t.overdue));
  // Another county's clerk may not read it from the command line either.
  assert.throws(() => landgov(db, ['case', 'show', String(C.happy), '--as', 'clerk_b']), /无权查看案件/);
  const tl = JSON.parse(landgov(db, ['--json', 'case', 'timeline', String(C.happy)]));
  assert.equal(tl.timeline.at(-1).event, 'status');
  assert.equal(tl.timeline.at(-1).detail.to, 'handed_over');
  assert.ok(tl.timeline.some((e) => e.source === 'flow' && e.event === 'completed'));
});

test('a joint review addressed to a department with no reviewer is flagged 无人办理 and reassigned', async () => {
  // The water department has no reviewer in this county (the fixture's
  // accounts and MORE): its joint-review task can be acted on by no one.
  const w = await file('clerk', box(1600, 600, 1900, 900), { departments: ['natural_resources', 'water'] });
  await act('clerk', await taskOf(w.id, 'Task_Accept'), 'accept');
  await act('approver', await taskOf(w.id, 'Task_County'), 'approve');
  let c = await getCase(w.id);
  const water = c.tasks.find((t) => t.node === 'Task_Joint' && t.element === 'water');
  const nr = c.tasks.find((t) => t.node === 'Task_Joint' && t.element === 'natural_resources');
  assert.equal(water.unattended, true);
  assert.deepEqual(water.holders, []);
  assert.equal(nr.unattended, false);
  assert.deepEqual(nr.holders.map((h) => h.login), ['reviewer']);
  // The administrator's list and the clerk's (who reads the case) show it;
  // the other county's clerk does not see it.
  for (const who of ['admin', 'clerk']) {
    const r = await as[who].json('/api/tasks/unattended');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.tasks.filter((t) => t.case_id === w.id).map((t) => t.task_id), [water.id]);
  }
  const other = await as.clerk_b.json('/api/tasks/unattended');
  assert.ok(!other.body.tasks.some((t) => t.case_id === w.id));
  // Only an administrator reassigns, with a reason that is not blank.
  const assign = (who, body, want) =>
    as[who].json(`/api/tasks/${water.id}/assign`, { method: 'POST', body }).then((r) => {
      assert.equal(r.status, want, r.text);
      return r.body;
    });
  await assign('clerk', { login: 'reviewer_eco', reason: '水利局暂无审查人员' }, 403);
  await assign('admin', { login: 'reviewer_eco', reason: '\u3000' }, 400);
  await assign('admin', { login: 'applicant', reason: '水利局暂无审查人员' }, 400);
  c = await assign('admin', { login: 'reviewer_eco', reason: '水利局暂无审查人员, 由生态环境审查员代办' }, 200);
  const moved = c.tasks.find((t) => t.id === water.id);
  assert.equal(moved.unattended, false);
  assert.deepEqual(moved.holders.map((h) => h.login), ['reviewer_eco']);
  const left = (await as.admin.json('/api/tasks/unattended')).body.tasks;
  assert.ok(!left.some((t) => t.case_id === w.id));
  // The new holder acts; the journal records who gave the task and why.
  await act('reviewer_eco', water.id, 'approve');
  const tl = (await as.clerk.json(`/api/cases/${w.id}/timeline`)).body.timeline;
  const re = tl.find((e) => e.event === 'reassign');
  assert.equal(re.actor, 'admin');
  assert.equal(re.detail.assignee, 'reviewer_eco');
  assert.match(re.detail.reason, /水利局暂无审查人员/);
});
