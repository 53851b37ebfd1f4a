// The approval measures (GET /api/metrics/approval, GET /api/cases/{id}/
// metrics, `landgov metrics`) over a real `landgov serve`, with cases
// driven through the default process and the clock injected through
// LANDGOV_CLOCK_FILE, every figure counted by hand on the 2026 calendar
// (no holiday in March).
//
// Two counties of one city, as in cases.test.mjs: 360781 south of
// y0 + 1100 m, 360782 north of it. Case A (360781) is filed Monday Mar 2
// 09:00 Beijing and accepted at once, its county review approved Thursday
// 09:00 (3 working days), its joint review (natural resources, ecology)
// approved the next Monday 09:00 (2 working days). Case B (360782) is filed
// the same Monday and left at the window. Measured on Tuesday Mar 10 09:00:
// A has lived 6 working days (Mon-Fri, Mon, and Mon 09:00 to Tue 09:00),
// 2 of them in coordination; B's acceptance (1 working day, due Tuesday
// Mar 3 at 24:00) has waited 6 working days: overdue and idle (more than
// the 5 of metrics.idle_days).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, addUsers, apiToken, bearer, client, landgov, makeFixtureStore, sparseSurveyRules, startServer, tempDir } from './helpers.mjs';

const { x0, y0 } = GRID;
let dir;
let db;
let clockFile;
let server;
let pub;
const as = {};

const MORE = {
  reviewer_eco: { role: 'reviewer', dept: 'ecology', division: '360781' },
  approver_b: { role: 'approver', level: 'county', division: '360782' },
};
const ACTORS = ['admin', 'admin_b', 'clerk', 'clerk_b', 'reviewer', 'reviewer_eco', 'approver', 'approver_city', 'applicant'];
const ENTERPRISE = '91360781MA35A0001X';

const box = (a, b, c, d) => ({
  type: 'Polygon',
  crs: { type: 'name', properties: { name: 'EPSG:4526' } },
  coordinates: [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]],
});

const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-4, `${what}: ${got} != ${want}`);

async function tickAt(iso) {
  fs.writeFileSync(clockFile, `${iso}\n`);
  const r = await as.admin.json('/api/admin/tick', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.now, iso);
}

async function file(who, boundary) {
  const r = await as[who].json('/api/cases', {
    method: 'POST',
    body: { title: '稀土深加工项目', type: 'industrial', use: '1001', enterprise: ENTERPRISE, rating: 'B',
      investment: 20000000, departments: ['natural_resources', 'ecology'], boundary },
  });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function taskOf(id, node, element) {
  const r = await as.admin.json(`/api/cases/${id}`);
  assert.equal(r.status, 200, r.text);
  const t = r.body.tasks.find((x) => x.node === node && (element === undefined || x.element === element));
  assert.ok(t, `case ${id} has no open task at ${node} ${element ?? ''}`);
  return t.id;
}

async function act(who, task, action) {
  const r = await as[who].json(`/api/tasks/${task}`, { method: 'POST', body: { action } });
  assert.equal(r.status, 200, `${who} ${action} on task ${task}: ${r.text}`);
}

const C = {};

before(async () => {
  dir = tempDir('landgov-api-metrics-');
  db = makeFixtureStore(dir);
  sparseSurveyRules(db, dir);
  addUsers(db, MORE);
  const outline = (code, name, a, b, c, d) => ({ type: 'Feature', properties: { XZQDM: code, XZQMC: name }, geometry: box(a, b, c, d) });
  const counties = path.join(dir, 'county.geojson');
  fs.writeFileSync(counties, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } },
    features: [outline('360781', '甲县', -200, -200, 2200, 1100), outline('360782', '乙县', -200, 1100, 2200, 2400)],
  }));
  landgov(db, ['import', counties, '--layer', 'county', '--role', 'other', '--title', '县级行政区界']);
  const tok = {};
  for (const name of ACTORS) tok[name] = apiToken(db, name);
  clockFile = path.join(dir, 'clock');
  fs.writeFileSync(clockFile, '2026-03-02T01:00:00Z\n'); // Monday Mar 2, 09:00 Beijing
  process.env.LANDGOV_CLOCK_FILE = clockFile;
  server = await startServer(db);
  pub = client(server);
  for (const name of ACTORS) as[name] = bearer(server, tok[name]);

  await tickAt('2026-03-02T01:00:00Z');
  C.a = await file('clerk', box(1100, 100, 1500, 500));
  C.b = await file('clerk_b', box(1100, 1300, 1500, 1700));
  assert.equal(C.b.division, '360782');
  await act('clerk', await taskOf(C.a.id, 'Task_Accept'), 'accept');
  await tickAt('2026-03-05T01:00:00Z'); // Thu 09:00
  await act('approver', await taskOf(C.a.id, 'Task_County'), 'approve');
  await tickAt('2026-03-09T01:00:00Z'); // Mon 09:00
  await act('reviewer', await taskOf(C.a.id, 'Task_Joint', 'natural_resources'), 'approve');
  await act('reviewer_eco', await taskOf(C.a.id, 'Task_Joint', 'ecology'), 'approve');
  await tickAt('2026-03-10T01:00:00Z'); // Tue 09:00
});

after(async () => {
  await server?.stop().catch(() => {});
  delete process.env.LANDGOV_CLOCK_FILE;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const MARCH = '/api/metrics/approval?from=2026-03-01&to=2026-03-31';

test('a county measures its own cases: time, coordination share, levels', async () => {
  const r = await as.admin.json(MARCH);
  assert.equal(r.status, 200, r.text);
  const m = r.body;
  assert.equal(m.period.from, '2026-03-01');
  assert.equal(m.period.to, '2026-03-31');
  // Mar 2-6 and 9-10, up to today: 7 working days.
  assert.equal(m.period.working_days, 7);
  assert.equal(m.scope.scope, 'jurisdiction');
  // Only A: B belongs to the neighbouring county.
  assert.equal(m.summary.cases, 1);
  assert.deepEqual(m.cases.map((c) => c.code), [C.a.code]);
  // Mon Mar 2 09:00 to Tue Mar 10 09:00: 6 working days, 192 hours; the
  // joint review Thu 09:00 to Mon 09:00: 2 working days, 96 hours.
  near(m.summary.time.working_days, 6, 'time');
  near(m.summary.time.hours, 192, 'hours');
  near(m.summary.coordination.working_days, 2, 'coordination');
  near(m.summary.coordination.share, 0.3333, 'share');
  near(m.summary.coordination.share_hours, 0.5, 'share by hours');
  // Window (0), county review (3) and joint review (2) at the county.
  const county = m.levels.find((l) => l.level === 'county');
  near(county.working_days, 5, 'county level');
  assert.equal(county.title, '县级');
  const eco = m.departments.find((d) => d.department === 'ecology');
  near(eco.working_days, 2, 'ecology');
  assert.equal(eco.title, '生态环境');
  // Every unit measured is the county's own.
  assert.ok(m.load.length > 0);
  for (const u of m.load) assert.ok(u.division.startsWith('360781'), u.unit);
  // A's steps are neither overdue nor idle; B's are not counted here.
  assert.equal(m.summary.overdue_steps, 0);
  assert.equal(m.summary.idle_steps, 0);
  assert.equal(m.settings.load_threshold, 10);
  assert.equal(m.settings.idle_days, 5);
});

test('the neighbouring county sees its waiting case: overdue and idle', async () => {
  const r = await as.admin_b.json(MARCH);
  assert.equal(r.status, 200, r.text);
  const m = r.body;
  assert.equal(m.summary.cases, 1);
  assert.equal(m.cases[0].code, C.b.code);
  // The window's 1 working day ended Tue Mar 3 at 24:00; by Tue Mar 10
  // 09:00: Wed-Fri and Mon (96 h) and 9 hours of Tuesday.
  assert.equal(m.overdue.length, 1);
  assert.equal(m.overdue[0].node, 'Task_Accept');
  assert.equal(m.overdue[0].due_at, '2026-03-03T16:00:00Z');
  assert.equal(m.overdue[0].limit_days, 1);
  near(m.overdue[0].over.working_days, 4.375, 'over');
  near(m.overdue[0].over.hours, 153, 'over hours');
  // Waiting since Mon Mar 2 09:00: 6 working days with nobody acting.
  assert.equal(m.idle.length, 1);
  near(m.idle[0].waited.working_days, 6, 'waited');
  assert.equal(m.idle[0].idle, true);
  assert.equal(m.idle[0].staffed, true); // clerk_b could take it
  assert.ok(m.warnings.some((w) => w.includes('流程空转')), JSON.stringify(m.warnings));
  for (const u of m.load) assert.ok(u.division.startsWith('360782'), u.unit);
});

test('the city sees both counties; a division narrows it', async () => {
  let r = await as.approver_city.json(MARCH);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.summary.cases, 2);
  r = await as.approver_city.json(`${MARCH}&division=360782`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.summary.cases, 1);
  assert.equal(r.body.scope.division, '360782');
});

test('who may not measure: applicant, public, another county, bad input', async () => {
  let r = await as.applicant.json(MARCH);
  assert.equal(r.status, 403, r.text);
  assert.equal(r.body.error.code, 'forbidden');
  r = await pub.json(MARCH);
  assert.equal(r.status, 401, r.text);
  // A county asking for its neighbour's division is refused, not given nothing.
  r = await as.admin.json(`${MARCH}&division=360782`);
  assert.equal(r.status, 403, r.text);
  r = await as.admin.json('/api/metrics/approval?from=2026-02-30');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.detail, 'from');
  r = await as.admin.json('/api/metrics/approval?from=2026-03-10&to=2026-03-01');
  assert.equal(r.status, 400, r.text);
  r = await as.admin.json('/api/metrics/approval?division=36x');
  assert.equal(r.status, 400, r.text);
});

test('one case\'s measures, for those who may measure it', async () => {
  const r = await as.clerk.json(`/api/cases/${C.a.id}/metrics`);
  assert.equal(r.status, 200, r.text);
  const m = r.body;
  assert.equal(m.code, C.a.code);
  near(m.elapsed.working_days, 6, 'elapsed');
  near(m.coordination.share, 0.3333, 'share');
  // Window, county review, two departments.
  assert.equal(m.nodes.passed, 4);
  const county = m.steps.find((s) => s.node === 'Task_County');
  near(county.time.working_days, 3, 'county review');
  near(county.time.hours, 72, 'county review hours');
  assert.equal(m.steps.filter((s) => s.coordination).length, 2);
  // By code too.
  assert.equal((await as.clerk.json(`/api/cases/${C.a.code}/metrics`)).status, 200);
  // Another county's staff, the applicant, the public: refused; no such case: 404.
  assert.equal((await as.clerk_b.json(`/api/cases/${C.a.id}/metrics`)).status, 403);
  assert.equal((await as.applicant.json(`/api/cases/${C.a.id}/metrics`)).status, 403);
  assert.equal((await pub.json(`/api/cases/${C.a.id}/metrics`)).status, 401);
  assert.equal((await as.clerk.json('/api/cases/99999/metrics')).status, 404);
});

test('the command line agrees, and its settings are checked', () => {
  const m = JSON.parse(landgov(db, ['--json', 'metrics', 'approval', '--from', '2026-03-01', '--to', '2026-03-31', '--as', 'admin_b']));
  assert.equal(m.summary.cases, 1);
  assert.equal(m.cases[0].code, C.b.code);
  const all = JSON.parse(landgov(db, ['--json', 'metrics', 'approval', '--from', '2026-03-01', '--to', '2026-03-31']));
  assert.equal(all.summary.cases, 2);
  const table = landgov(db, ['metrics', 'approval', '--from', '2026-03-01', '--to', '2026-03-31', '--as', 'admin_b']);
  assert.match(table, /审批效能统计: 2026-03-01 至 2026-03-31/);
  assert.match(table, /流程空转/);
  assert.match(table, new RegExp(C.b.code));
  // The applicant may not measure from the command line either.
  assert.throws(() => landgov(db, ['metrics', 'approval', '--as', 'applicant']), /无权/);
  assert.throws(() => landgov(db, ['metrics', 'set', 'metrics.load_threshold', '0']), /metrics\.load_threshold/);
  landgov(db, ['metrics', 'set', 'metrics.load_threshold', '12']);
  assert.equal(JSON.parse(landgov(db, ['--json', 'metrics', 'settings']))['metrics.load_threshold'], 12);
});

test('the threshold the administrator set is the one the server applies', async () => {
  const r = await as.admin.json(MARCH);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.settings.load_threshold, 12);
});
