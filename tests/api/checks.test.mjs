// The compliance check over HTTP against a real `landgov serve` on the
// fixture store of helpers.mjs (a grid of 100 m squares 200 m apart, basic
// farmland over the first 4 x 4 squares, a red line and an urban boundary
// further east, no plan layer). Expected areas come from the grid's
// formula; the boundary given in CGCS2000 longitude/latitude is made with
// PROJ's cs2cs, not with landgov.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, client, gkToLonLat, login, makeFixtureStore, square, startServer, tempDir } from './helpers.mjs';

let dir;
let server;
let clerk;
let clerkB;
let admin;
let applicant;
let savedId;

const { x0, y0 } = GRID;
const box = (minx, miny, maxx, maxy) => [[[minx, miny], [minx, maxy], [maxx, maxy], [maxx, miny], [minx, miny]]];
// 250 m x 100 m from the grid's origin: all of square (0,0) and the west
// half of square (1,0), and the 100 m gap between them.
const B1 = { type: 'Polygon', coordinates: box(x0, y0, x0 + 250, y0 + 100) };
const near = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

before(async () => {
  dir = tempDir('landgov-api-checks-');
  const db = makeFixtureStore(dir);
  server = await startServer(db);
  clerk = await login(server, 'clerk');
  clerkB = await login(server, 'clerk_b');
  admin = await login(server, 'admin');
  applicant = await login(server, 'applicant');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the public may not check', async () => {
  const r = await client(server).json('/api/checks', { method: 'POST', body: { geometry: B1, srs: 4526 } });
  assert.equal(r.status, 401);
});

test('POST /api/checks with GeoJSON: areas by hand, authority, verdict, saved', async () => {
  const r = await clerk.json('/api/checks', {
    method: 'POST',
    body: { geometry: B1, srs: 4526, use: '1001', type: 'industrial', name: '示范工业项目' },
  });
  assert.equal(r.status, 201, r.text);
  const rep = r.body;
  savedId = rep.id;
  assert.ok(Number.isInteger(savedId) && savedId > 0);
  assert.equal(r.headers.get('location'), `/api/checks/${savedId}`);
  near(rep.area.planar_m2, 25000, 1e-12);
  assert.equal(typeof rep.area.ellipsoidal_m2, 'number');
  const s00 = square(0, 0), s10 = square(1, 0);
  assert.deepEqual(Object.keys(rep.classes).sort(), [s00.dlbm, s10.dlbm].sort());
  near(rep.classes[s00.dlbm], 10000, 1e-12); // 0101 水田
  near(rep.classes[s10.dlbm], 5000, 1e-12); // 0201 果园, west half
  near(rep.major_classes.agricultural, 15000, 1e-12);
  near(rep.major_classes.construction, 0);
  near(rep.major_classes.unused, 0);
  near(rep.cultivated_m2, 10000, 1e-12);
  near(rep.paddy_m2, 10000, 1e-12);
  // Basic farmland covers the whole boundary; the red line nothing.
  assert.equal(rep.overlaps.jbnt.role, 'pbf');
  near(rep.overlaps.jbnt.m2, 25000, 1e-12);
  near(rep.overlaps.jbnt.share, 1, 1e-12);
  assert.equal(rep.overlaps.jbnt.pieces[0].fid, 1);
  near(rep.overlaps.stbhhx.m2, 0);
  // No plan layer: not checked, never "no conflict".
  assert.equal(rep.overlaps.plan.status, 'not_checked');
  assert.equal(rep.plan.status, 'not_checked');
  assert.equal(rep.authority.conversion, 'state_council');
  assert.equal(rep.authority.expropriation, 'state_council');
  assert.deepEqual(rep.authority.articles.conversion, ['《土地管理法》第四十四条第二款']);
  near(rep.quotas.pbf_replacement_m2, 25000, 1e-12);
  assert.equal(rep.verdict, 'prohibited');
  assert.ok(rep.reasons.some((x) => x.rule === 'controls.pbf' && x.effect === 'prohibited'));
  assert.equal(rep.rule_set_version, 1);
  // Land outside the survey (the gap between squares) keeps it from "pass".
  near(rep.controls.landuse.uncovered_m2, 10000, 1e-12);
});

test('GET the saved check, its page, its workbook and its boundary', async () => {
  const r = await clerk.json(`/api/checks/${savedId}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.id, savedId);
  assert.equal(r.body.project.name, '示范工业项目');
  const html = await clerk.fetch(`/api/checks/${savedId}/report.html`);
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /text\/html/);
  const text = await html.text();
  assert.match(text, /建设项目用地合规性审查报告/);
  assert.match(text, /审查结论: 禁止/);
  const x = await clerk.fetch(`/api/checks/${savedId}/report.xlsx`);
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  const bytes = Buffer.from(await x.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK'); // a zip, as XLSX is
  const g = await clerk.json(`/api/checks/${savedId}/boundary`);
  assert.equal(g.status, 200);
  assert.equal(g.body.geometry.type, 'Polygon');
  assert.ok(g.body.crs.properties.name.endsWith('4526'));
  const list = await clerk.json('/api/checks');
  assert.ok(list.body.checks.some((c) => c.id === savedId && c.verdict === 'prohibited'));
});

test('another county, and an applicant, may not read this county clerk\'s check', async () => {
  assert.equal((await clerkB.json(`/api/checks/${savedId}`)).status, 403);
  assert.equal((await applicant.json(`/api/checks/${savedId}`)).status, 403);
  const listB = await clerkB.json('/api/checks');
  assert.equal(listB.status, 200);
  assert.ok(!listB.body.checks.some((c) => c.id === savedId));
  assert.equal((await clerk.json('/api/checks/999999')).status, 404);
});

test('a boundary in CGCS2000 longitude/latitude is reprojected (cs2cs makes it)', async () => {
  const ring = gkToLonLat(B1.coordinates[0]);
  const r = await clerk.json('/api/checks', {
    method: 'POST',
    body: { geometry: { type: 'Polygon', coordinates: [ring] }, srs: 4490, save: false },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id, undefined);
  assert.equal(r.body.input.srs_id, 4490);
  near(r.body.area.planar_m2, 25000, 1e-6);
  near(r.body.classes['0101'], 10000, 1e-6);
});

// A Ministry file: J1..J5 going clockwise round square (0,0), X northing,
// Y easting with the zone prefix.
const mtxt = [
  '[属性描述]', '坐标系=2000国家大地坐标系', '几度分带=3', '投影类型=高斯克吕格', '计量单位=米', '带号=38',
  '精度=0.001', '转换参数=,,,,,,', '[地块坐标]', '5,1.0000,1,上传地块,面,,工业,0601,@',
  `J1,1,${y0}.000,${x0}.000`, `J2,1,${y0 + 100}.000,${x0}.000`, `J3,1,${y0 + 100}.000,${x0 + 100}.000`,
  `J4,1,${y0}.000,${x0 + 100}.000`, `J1,1,${y0}.000,${x0}.000`, '',
].join('\r\n');

test('a Ministry coordinate file as a multipart upload', async () => {
  const form = new FormData();
  form.append('file', new Blob([mtxt], { type: 'text/plain' }), '边界.txt');
  form.append('use', '1001');
  form.append('type', 'industrial');
  form.append('save', 'false');
  const r = await clerk.fetch('/api/checks', { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.input.format, '部标准坐标文件');
  assert.equal(body.input.source, '边界.txt');
  near(body.area.planar_m2, 10000, 1e-12);
  near(body.input.declared_ha, 1.0, 1e-12);
  near(body.classes['0101'], 10000, 1e-12);
});

test('the same file as a raw body, options in the query', async () => {
  const r = await clerk.fetch('/api/checks?type=transport&save=0', { method: 'POST', body: mtxt, headers: { 'content-type': 'text/plain' } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.project.type, 'transport');
  // Transport may cross farmland with State Council approval: conditional.
  assert.equal(body.verdict, 'conditional');
});

test('an invalid boundary: 400 naming the crossing, then repaired on request', async () => {
  const tie = { type: 'Polygon', coordinates: [[[x0, y0], [x0 + 100, y0 + 100], [x0 + 100, y0], [x0, y0 + 100], [x0, y0]]] };
  const r = await clerk.json('/api/checks', { method: 'POST', body: { geometry: tie, srs: 4526 } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'geometry_error');
  // The web page's words, not a command-line flag.
  assert.match(r.body.error.message, /勾选「自动修复无效的几何」/);
  assert.doesNotMatch(r.body.error.message, /--make-valid/);
  assert.equal(r.body.report.validation.valid, false);
  assert.equal(r.body.report.validation.issues[0].kind, 'self_intersection');
  assert.match(r.body.report.validation.issues[0].text, /相交于/);
  const ok = await clerk.json('/api/checks', { method: 'POST', body: { geometry: tie, srs: 4526, make_valid: true, save: false } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.validation.repaired, true);
  near(ok.body.area.planar_m2, 5000, 1e-12); // two triangles of 100 x 50 / 2
});

test('bad requests are clear errors', async () => {
  for (const [init, pattern] of [
    [{ method: 'POST', body: {} }, /geometry/],
    [{ method: 'POST', body: { geometry: { type: 'Polygon', coordinates: [] } } }, /./],
    [{ method: 'POST', body: { geometry: B1, srs: 4526, type: 'spaceport' } }, /spaceport/],
    [{ method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } }, /./],
    [{ method: 'POST', body: '', headers: { 'content-type': 'text/plain' } }, /空/],
  ]) {
    const r = await clerk.json('/api/checks', init);
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.error.message, pattern);
  }
});

test('POST /api/conflicts: land use against basic farmland', async () => {
  const r = await clerk.json('/api/conflicts', { method: 'POST', body: { a: 'dltb', b: 'jbnt' } });
  assert.equal(r.status, 200, r.text);
  // The farmland box [x0-50, x0+750]^2 holds the first 4 x 4 squares whole.
  near(r.body.overlap_m2, 160000, 1e-12);
  near(r.body.layer_b.m2, 640000, 1e-12);
  near(r.body.share_of_b, 0.25, 1e-12);
  assert.equal(r.body.pairs, 16);
  assert.equal((await clerk.json('/api/conflicts', { method: 'POST', body: { a: 'dltb', b: 'nosuch' } })).status, 404);
});

test('rule sets: read by staff, replaced by an administrator as a new version', async () => {
  const cur = await clerk.json('/api/rules');
  assert.equal(cur.status, 200);
  assert.equal(cur.body.version, 1);
  assert.equal(cur.body.rules.authority.expropriation.cultivated_ha, 35);
  const next = structuredClone(cur.body.rules);
  next.authority.expropriation.cultivated_ha = 30;
  const denied = await clerk.json('/api/rules', { method: 'PUT', body: next });
  assert.equal(denied.status, 403);
  const put = await admin.json('/api/rules?note=' + encodeURIComponent('地方标准'), { method: 'PUT', body: next });
  assert.equal(put.status, 201, put.text);
  assert.equal(put.body.version, 2);
  const hist = await clerk.json('/api/rules/history');
  assert.deepEqual(hist.body.versions.map((v) => v.version), [2, 1]);
  const bad = await admin.json('/api/rules', { method: 'PUT', body: { format: 1 } });
  assert.equal(bad.status, 400);
  // A new check names the new version.
  const r = await clerk.json('/api/checks', { method: 'POST', body: { geometry: B1, srs: 4526, save: false } });
  assert.equal(r.body.rule_set_version, 2);
});
