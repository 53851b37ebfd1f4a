// The approval cases in Debian's Chromium, against a real `landgov serve`
// on the fixture store of helpers.mjs (a grid of 100 m squares near 114 E
// in EPSG:4526, a development boundary east of x0 + 1050 m) with two county
// outlines added as in tests/api/cases.test.mjs (360781 south of
// y0 + 1100 m, 360782 north of it), and the server's clock injected
// (LANDGOV_CLOCK_FILE) only to file one case ten days in the past:
//   - a real Ministry coordinate file from ../shared/data/ministry-txt
//     (Zhaoqing, outside both outlines) is refused with the server's
//     Chinese reason, shown on the form;
//   - a clerk files a case by uploading a Ministry coordinate file of a
//     400 m x 400 m parcel inside 360781 (written here in the format of the
//     real samples), sees its page (boundary on the map, the diagram with
//     the window's step current), is refused a deferral (rating B) with the
//     server's reason, is asked for a reason before a return, and accepts;
//     the diagram then shows the county review current and the window done;
//   - the list: the case filed ten days ago is marked overdue with 10 days
//     elapsed, the filters narrow the list; the dashboard lists it, the
//     window's task on it, and the approval measures (both cases open)
//     with their charts;
//   - after the county approver's approval (over the API), the reviewer
//     logs in, finds the joint review in the inbox, vetoes with a reason;
//     the timeline shows who did it and why, the diagram the veto's end;
//   - the veto's ledger entry verifies in the browser;
//   - the process modeler: hidden from a reviewer; an administrator opens
//     the deployed process, a task added without connections is refused by
//     the server with the element's id and line, marked on the diagram; a
//     renamed task deploys as version 2;
//   - the public progress page, without a login, shows the status by code;
//   - both dictionaries have the same keys, and the case page in English
//     shows no dictionary key;
//   - a boundary drawn on the map files a case with nothing handed in: the
//     window is refused acceptance with the server's list of what is
//     missing, records the materials on the case page, then accepts; the
//     case page fits an upright tablet.
// Screenshots go to test-output/browser/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, ROOT, apiToken, bearer, gkToMercator, landgov, makeFixtureStore, sparseSurveyRules, startServer, tempDir } from '../api/helpers.mjs';
import { SHARED, expectClean, launch, loginPage, shot } from './harness.mjs';

const { x0, y0 } = GRID;
const ENTERPRISE = '91360781MA35A0001X'; // the fixture applicant's
const SAMPLE = path.join(SHARED, 'data', 'ministry-txt', 'edcfoshan_polygon-txt__00测试数据__44120000957.txt');
const DAY = 86400;

let dir;
let server;
let context;
let page;
let problems;
let clockFile;
const as = {}; // API clients (bearer tokens) by login
let oldCase; // filed ten days before the tests run
let caseId; // filed through the page
let caseCode;

// What may show as a problem when the test provokes it: the server's
// refusals (4xx), which Chromium also logs on the console.
const refused = (status, p) => [new RegExp(`^HTTP ${status}: .*${p}$`), new RegExp(`^console: Failed to load resource: .*${status}.* @ .*${p}$`)];

const KEY_LEAK = /\b(app|nav|lang|common|error|login|map|dash|check|report|unit|chart|verdict|effect|major|authority|quota|ledger|cases|caseStatus|roleName|level|role|class|ptype|act|tl|dept|mat|notice|modeler|progress|flowEnd|metrics)\.[a-zA-Z_0-9]+\b/;

/** A GeoJSON polygon of a box given as offsets from the grid's origin (EPSG:4526). */
const box = (a, b, c, d) => ({
  type: 'Polygon',
  crs: { type: 'name', properties: { name: 'EPSG:4526' } },
  coordinates: [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]],
});

/** A Ministry coordinate file (the header of the real samples) of the box
 *  [a, c] x [b, d] m from the grid's origin: X is the northing, Y the
 *  easting with the zone number (38) in front (DOMAIN.md section 3). */
function ministryFile(a, b, c, d, name) {
  const ha = ((c - a) * (d - b)) / 1e4;
  const pts = [[b, a], [d, a], [d, c], [b, c], [b, a]];
  return [
    '[属性描述]', '坐标系=2000国家大地坐标系', '几度分带=3', '投影类型=高斯克吕格', '计量单位=米', '带号=38',
    '精度=0.001', '转换参数=,,,,,,', '[地块坐标]', `5,${ha.toFixed(4)},1,${name},面,,工业,,@`,
    ...pts.map(([n, e], i) => `J${i === 4 ? 1 : i + 1},1,${(y0 + n).toFixed(3)},${(x0 + e).toFixed(3)}`),
  ].join('\r\n') + '\r\n';
}

before(async () => {
  dir = tempDir('landgov-browser-cases-');
  const db = makeFixtureStore(dir);
  sparseSurveyRules(db, dir); // the fixture's survey grid has gaps
  const outline = (code, name, a, b, c, d) => ({ type: 'Feature', properties: { XZQDM: code, XZQMC: name }, geometry: box(a, b, c, d) });
  const counties = path.join(dir, 'county.geojson');
  fs.writeFileSync(counties, JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } },
    features: [outline('360781', '甲县', -200, -200, 2200, 1100), outline('360782', '乙县', -200, 1100, 2200, 2400)],
  }));
  landgov(db, ['import', counties, '--layer', 'county', '--role', 'other', '--title', '县级行政区界']);
  const tokens = Object.fromEntries(['admin', 'clerk', 'approver'].map((n) => [n, apiToken(db, n)]));
  // The server starts ten days in the past, files one case, and goes back
  // to the real clock before the browser logs in.
  clockFile = path.join(dir, 'clock');
  fs.writeFileSync(clockFile, `-${10 * DAY}\n`);
  process.env.LANDGOV_CLOCK_FILE = clockFile;
  server = await startServer(db);
  for (const [n, tok] of Object.entries(tokens)) as[n] = bearer(server, tok);
  let r = await as.admin.json('/api/admin/tick', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  r = await as.clerk.json('/api/cases', {
    method: 'POST',
    body: { title: '十天前的仓储项目', type: 'warehouse', enterprise: ENTERPRISE, rating: 'C', investment: 8000000, departments: ['natural_resources'], boundary: box(1600, 100, 1900, 400) },
  });
  assert.equal(r.status, 201, r.text);
  oldCase = r.body;
  const filed = Date.parse(oldCase.created_at);
  assert.ok(Math.abs(filed - (Date.now() - 10 * DAY * 1000)) < 120000, `filed at ${oldCase.created_at}`);
  fs.writeFileSync(clockFile, '');
  r = await as.admin.json('/api/admin/tick', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  assert.ok(Math.abs(Date.parse(r.body.now) - Date.now()) < 120000, `clock back: ${r.body.now}`);
  ({ context, page, problems } = await launch(dir, server, { viewport: { width: 1400, height: 900 } }));
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  delete process.env.LANDGOV_CLOCK_FILE;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const markers = (id) => page.evaluate((x) => {
  const e = document.querySelector(`#case-diagram .djs-element[data-element-id="${x}"]`);
  return e ? [...e.classList].filter((c) => c.startsWith('lg-')) : null;
}, id);

/** Waits for the case page of id to have drawn its diagram. */
async function caseReady(id) {
  await page.waitForFunction((x) => {
    const s = globalThis.landgov.state.cases;
    return s.current?.id === x && !s.loading && s.marks !== null;
  }, id);
  await page.waitForFunction(() => document.querySelectorAll('#case-diagram .djs-element.lg-current, #case-diagram .djs-element.lg-end').length > 0);
}

/** Clicks the middle of a diagram element, as a person would (bpmn-js
 *  finds the element under the pointer itself). */
async function clickShape(id) {
  await page.evaluate((x) => {
    const m = globalThis.landgov.state.modeler.modeler;
    m.get('canvas').scrollToElement(m.get('elementRegistry').get(x));
  }, id);
  const b = await page.locator(`#modeler-canvas .djs-element[data-element-id="${id}"]`).boundingBox();
  const at = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  await page.mouse.click(at.x, at.y);
  return at;
}

async function fillCaseForm(title) {
  await page.fill('#case-title', title);
  await page.selectOption('#case-type', 'industrial');
  await page.fill('#case-enterprise', ENTERPRISE);
  await page.fill('#case-applicant', '赣州某稀土公司');
  await page.selectOption('#case-rating', 'B');
  await page.fill('#case-investment', '30000000');
  await page.check('#case-dept-natural_resources');
}

test('a real Ministry sample outside the county outlines is refused with the server\'s reason', async () => {
  assert.ok(fs.existsSync(SAMPLE), `sample missing: ${SAMPLE}`);
  await loginPage(page, `${server.url}#/cases/new`, 'clerk');
  await page.locator('#case-new-view').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#cases-title'), '新建审批案件');
  await fillCaseForm('肇庆样例地块');
  await page.setInputFiles('#case-file', SAMPLE);
  await page.click('#case-submit');
  await page.waitForFunction(() => document.querySelector('#case-form-error').textContent !== '');
  assert.match(await page.textContent('#case-form-error'), /用地范围有 7749\.13 平方米 .* 不在任何已知县级行政区界内/);
  assert.equal(await page.evaluate(() => location.hash), '#/cases/new');
  await shot(page, 'case-new-refused.png');
  expectClean(problems, refused(400, '/api/cases'));
});

test('a clerk files a case with a Ministry coordinate file, is refused a deferral, and accepts it', async () => {
  const file = path.join(dir, '稀土深加工地块.txt');
  fs.writeFileSync(file, ministryFile(1100, 100, 1500, 500, '稀土深加工地块'));
  await page.setInputFiles('#case-file', file);
  await page.fill('#case-title', '稀土深加工项目');
  await page.click('#case-submit');
  await page.waitForFunction(() => /^#\/cases\/\d+$/.test(location.hash));
  caseId = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  await caseReady(caseId);
  const c = await page.evaluate(() => globalThis.landgov.state.cases.current);
  caseCode = c.code;
  // The county's next number this year (the case filed ten days ago was
  // the first, unless that was last year).
  const year = new Date(Date.now() + 8 * 3600e3).getUTCFullYear();
  assert.equal(c.code, `360781-${year}-${oldCase.code.split('-')[1] === String(year) ? '000002' : '000001'}`);
  assert.equal(c.boundary_format, '部标准坐标文件');
  assert.equal(c.boundary_source, '稀土深加工地块.txt');
  assert.equal(c.srs_id, 4526);
  assert.deepEqual(c.divisions, ['360781']);
  assert.deepEqual(c.departments, ['natural_resources']);
  assert.match(await page.textContent('#cases-title'), new RegExp(c.code));
  assert.match(await page.textContent('#case-facts'), /待受理/);
  // 400 m x 400 m = 16.0000 ha, planar in EPSG:4526.
  assert.match(await page.textContent('#case-facts dd[data-field="area"]'), /16\.0000 公顷 \(平面, EPSG:4526\)/);
  // The boundary is on the map, at the parcel's place.
  const extent = await page.evaluate(() => {
    const layer = globalThis.landgov.state.cases.map.getLayers().getArray().find((l) => l.get('name') === 'case-boundary');
    return layer.getSource().getExtent();
  });
  assert.ok(extent[2] - extent[0] > 390 && extent[2] - extent[0] < 480, `extent ${extent}`); // 400 m, a little more in Web Mercator at 30.7 N
  // The process diagram: the window's step is current, nothing done but the start.
  assert.deepEqual(await markers('Task_Accept'), ['lg-current']);
  assert.deepEqual(await markers('Task_County'), []);
  assert.deepEqual(await markers('StartEvent_Submitted'), ['lg-done']);
  // The clerk's task, with the actions the API allows at the window.
  const panel = page.locator('.task-panel[data-node="Task_Accept"]');
  await panel.waitFor({ state: 'visible' });
  assert.deepEqual(await panel.locator('.act-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.action)), ['accept', 'defer', 'return']);
  await shot(page, 'case-submitted.png');

  // A return needs a reason: asked for here, nothing sent.
  await panel.locator('button[data-action="return"]').click();
  assert.match(await panel.locator('.error').textContent(), /须填写理由/);
  // A deferral is for rating A only: the server says so.
  await panel.locator('button[data-action="defer"]').click();
  await page.waitForFunction(() => /容缺/.test(document.querySelector('.task-panel .error')?.textContent || ''));
  assert.match(await panel.locator('.error').textContent(), /不适用容缺/);
  expectClean(problems, refused(400, `/api/tasks/${c.tasks[0].id}`));

  await panel.locator('button[data-action="accept"]').click();
  await page.waitForFunction(() => globalThis.landgov.state.cases.current?.status === 'in_review');
  await caseReady(caseId);
  assert.match(await page.textContent('#case-facts'), /审查中/);
  assert.deepEqual(await markers('Task_County'), ['lg-current']);
  assert.deepEqual(await markers('Task_Accept'), ['lg-done']);
  assert.deepEqual(await markers('Task_Check'), ['lg-done']);
  // No task of the clerk's left; the county review waits for the approver.
  assert.equal(await page.locator('.task-panel').count(), 0);
  assert.match(await page.textContent('#case-open'), /县级审查/);
  // The timeline: the clerk's acceptance, the check and the authority.
  const acted = page.locator('#case-timeline-table tr[data-event="act"]');
  assert.equal(await acted.count(), 1);
  assert.match(await acted.textContent(), /clerk.*办理: 受理/);
  assert.match(await page.textContent('#case-check'), /有条件通过/);
  assert.match(await page.textContent('#case-authority'), /省级/);
  await shot(page, 'case-accepted.png', { fullPage: true });
  expectClean(problems);
});

test('the list marks the case filed ten days ago as overdue, and the filters narrow it', async () => {
  await page.goto(`${server.url}#/cases`);
  await page.locator('#cases-table').waitFor({ state: 'visible' });
  const rows = page.locator('#cases-table tbody tr');
  assert.equal(await rows.count(), 2);
  const old = page.locator(`#cases-table tr[data-id="${oldCase.id}"]`);
  assert.equal(await old.getAttribute('data-overdue'), 'true');
  assert.match(await old.textContent(), /超期/);
  // Filed 10 x 24 h ago, still at the window: 10 calendar days.
  assert.equal(await old.locator('td[data-field="days"]').textContent(), '10');
  assert.match(await old.locator('td[data-field="current"]').textContent(), /窗口受理/);
  const mine = page.locator(`#cases-table tr[data-id="${caseId}"]`);
  assert.equal(await mine.getAttribute('data-overdue'), 'false');
  assert.equal(await mine.locator('td[data-field="days"]').textContent(), '0');
  assert.equal(await mine.locator('td[data-field="division"]').textContent(), '360781');
  await shot(page, 'cases-list.png');
  await page.check('#cases-f-overdue');
  await page.waitForFunction(() => document.querySelectorAll('#cases-table tbody tr').length === 1);
  assert.equal(await page.getAttribute('#cases-table tbody tr', 'data-id'), String(oldCase.id));
  await page.uncheck('#cases-f-overdue');
  await page.selectOption('#cases-f-status', 'in_review');
  await page.waitForFunction((id) => [...document.querySelectorAll('#cases-table tbody tr')].map((r) => r.dataset.id).join() === String(id), caseId);
  await page.selectOption('#cases-f-status', '');
  await page.waitForFunction(() => document.querySelectorAll('#cases-table tbody tr').length === 2);
  await page.fill('#cases-f-text', '仓储');
  await page.waitForFunction(() => document.querySelectorAll('#cases-table tbody tr').length === 1);
  assert.equal(await page.getAttribute('#cases-table tbody tr', 'data-id'), String(oldCase.id));
  await page.fill('#cases-f-text', '');
  // The dashboard lists the overdue case and the window's task on it.
  await page.goto(`${server.url}#/dashboard`);
  await page.locator(`#dash-overdue-cases li[data-id="${oldCase.id}"]`).waitFor({ state: 'visible' });
  await page.locator(`#dash-tasks-list li[data-case="${oldCase.id}"][data-overdue="true"]`).waitFor({ state: 'visible' });
  // The approval measures of the last 30 days: both cases, neither
  // concluded; the charts drawn.
  await page.locator('#dash-metrics').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#dash-metrics-summary dd[data-field="cases"]'), '2');
  assert.equal(await page.textContent('#dash-metrics-summary dd[data-field="concluded"]'), '0 / 2');
  await page.waitForFunction(() => ['chart-levels', 'chart-depts', 'chart-load'].every((id) => document.querySelector(`#${id} svg`)));
  await shot(page, 'dashboard-cases.png', { fullPage: true });
  expectClean(problems);
});

test('a reviewer finds the joint review in the inbox and vetoes it with a reason', async () => {
  // The county approver approves over the API.
  const c = (await as.approver.json(`/api/cases/${caseId}`)).body;
  const county = c.tasks.find((k) => k.node === 'Task_County');
  const r = await as.approver.json(`/api/tasks/${county.id}`, { method: 'POST', body: { action: 'approve', reason: '符合县级国土空间规划' } });
  assert.equal(r.status, 200, r.text);

  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/dashboard`, 'reviewer');
  const item = page.locator(`#dash-tasks-list li[data-case="${caseId}"]`);
  await item.waitFor({ state: 'visible' });
  assert.match(await item.textContent(), new RegExp(`多部门联合审查.*${caseCode}`));
  assert.equal(await item.getAttribute('data-node'), 'Task_Joint');
  await shot(page, 'dashboard-reviewer.png');
  await item.locator('a').click();
  await caseReady(caseId);
  assert.deepEqual(await markers('Task_Joint'), ['lg-current']);
  assert.deepEqual(await markers('Task_County'), ['lg-done']);
  const panel = page.locator('.task-panel[data-node="Task_Joint"]');
  await panel.waitFor({ state: 'visible' });
  assert.deepEqual(await panel.locator('.act-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.action)), ['approve', 'veto']);
  await panel.locator('button[data-action="veto"]').click();
  assert.match(await panel.locator('.error').textContent(), /否决.*须填写理由/);
  await panel.locator('textarea').fill('占用生态保护红线缓冲区');
  // A veto is asked once more, beside the check's verdict and the level;
  // cancelled, nothing is sent.
  await panel.locator('button[data-action="veto"]').click();
  const confirm = panel.locator('.confirm');
  await confirm.waitFor({ state: 'visible' });
  assert.match(await confirm.textContent(), /确认否决本案.*审查结论: 有条件通过.*审批层级: \S+/);
  await confirm.locator('button[data-cancel]').click();
  assert.equal(await panel.locator('.confirm').count(), 0);
  assert.equal((await as.approver.json(`/api/cases/${caseId}`)).body.status, 'in_review');
  await panel.locator('button[data-action="veto"]').click();
  await shot(page, 'case-veto-confirm.png');
  await panel.locator('.confirm button[data-confirm="veto"]').click();
  await page.waitForFunction(() => globalThis.landgov.state.cases.current?.status === 'vetoed');
  await caseReady(caseId);
  assert.match(await page.textContent('#case-facts'), /一票否决/);
  assert.deepEqual(await markers('End_JointVetoed'), ['lg-end']);
  // The path walked, gateways included, up to the veto's end; not the
  // branches not taken.
  const walked = await page.evaluate(() => [...document.querySelectorAll('#case-diagram .djs-connection.lg-done')].map((e) => e.dataset.elementId));
  for (const f of ['Flow_Submitted', 'Flow_CountyDone', 'Flow_CountyApproved', 'Flow_JointDone', 'Flow_JointVeto']) assert.ok(walked.includes(f), `${f} not marked: ${walked}`);
  for (const f of ['Flow_CountyRejected', 'Flow_JointOk']) assert.ok(!walked.includes(f), `${f} marked: ${walked}`);
  assert.deepEqual(await markers('Gateway_County'), ['lg-done']);
  assert.deepEqual(await markers('Task_Joint'), ['lg-done']);
  const veto = page.locator('#case-timeline-table tr[data-event="act"][data-actor="reviewer"]');
  assert.equal(await veto.count(), 1);
  assert.match(await veto.textContent(), /办理: 否决/);
  assert.match(await veto.textContent(), /理由: 占用生态保护红线缓冲区/);
  // And the approver's approval before it, with the reason given.
  assert.match(await page.textContent('#case-timeline-table tr[data-event="act"][data-actor="approver"]'), /办理: 同意.*符合县级国土空间规划/);
  await shot(page, 'case-vetoed.png', { fullPage: true });
  expectClean(problems);
});

test('the veto\'s ledger entry verifies in the browser', async () => {
  const veto = page.locator('#case-timeline-table tr[data-event="act"][data-actor="reviewer"]');
  const index = Number(await veto.getAttribute('data-ledger'));
  assert.ok(Number.isInteger(index) && index >= 0, `no ledger entry: ${index}`);
  // The same entry, asked of the ledger directly: the engine's record of
  // the reviewer completing the task.
  const list = (await as.admin.json(`/api/ledger/objects/flow.instance/${(await as.admin.json(`/api/cases/${caseId}`)).body.instance_id}`)).body.entries;
  const entry = list.find((e) => e.index === index);
  assert.deepEqual({ action: entry.action, actor: entry.actor }, { action: 'flow.task.complete', actor: 'reviewer' });
  await veto.locator('button.verify').click();
  const out = page.locator(`#case-timeline-table tr.verify-row[data-index="${index}"] .verify-result`);
  await page.waitForFunction((i) => document.querySelector(`tr.verify-row[data-index="${i}"] .verify-result`)?.dataset.ok !== undefined, index);
  assert.equal(await out.getAttribute('data-ok'), 'true', await out.textContent());
  assert.match(await out.textContent(), new RegExp(`核验通过.*第 ${index} 号条目`));
  assert.match(await out.textContent(), /flow\.task\.complete/);
  // The case's own entry of its status change verifies too.
  const status = page.locator('#case-timeline-table tr[data-event="status"]').last();
  const sIndex = Number(await status.getAttribute('data-ledger'));
  await status.locator('button.verify').click();
  await page.waitForFunction((i) => document.querySelector(`tr.verify-row[data-index="${i}"] .verify-result`)?.dataset.ok !== undefined, sIndex);
  assert.equal(await page.getAttribute(`tr.verify-row[data-index="${sIndex}"] .verify-result`, 'data-ok'), 'true');
  assert.match(await page.textContent(`tr.verify-row[data-index="${sIndex}"] .verify-result`), /case\.status/);
  await shot(page, 'case-verified.png', { fullPage: true });
  expectClean(problems);
});

test('the modeler: hidden from a reviewer; a disconnected task is refused with its id and line; a rename deploys version 2', async () => {
  assert.equal(await page.locator('#nav-modeler').isVisible(), false);
  await page.goto(`${server.url}#/modeler`);
  await page.locator('#modeler-denied').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#modeler-box').isVisible(), false);

  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/modeler`, 'admin');
  assert.equal(await page.locator('#nav-modeler').isVisible(), true);
  await page.waitForFunction(() => globalThis.landgov.state.modeler.xml !== null);
  const opened = await page.evaluate(() => {
    const m = globalThis.landgov.state.modeler;
    return { key: m.key, version: m.version, tasks: m.modeler.get('elementRegistry').filter((e) => e.type === 'bpmn:UserTask').length };
  });
  assert.deepEqual(opened, { key: 'land_approval', version: 1, tasks: 10 });
  assert.match(await page.textContent('#modeler-result'), /已打开流程 land_approval 第 1 版/);
  await shot(page, 'modeler.png');

  // A task from the palette, dropped on the canvas and left unconnected.
  const canvas = await page.locator('#modeler-canvas').boundingBox();
  await page.click('#modeler-canvas .djs-palette .entry[data-action="create.task"]');
  await page.mouse.move(canvas.x + canvas.width * 0.5, canvas.y + canvas.height - 60);
  await page.mouse.click(canvas.x + canvas.width * 0.5, canvas.y + canvas.height - 60);
  const added = await page.evaluate(() => globalThis.landgov.state.modeler.modeler.get('elementRegistry').filter((e) => e.type === 'bpmn:Task').map((e) => e.id));
  assert.equal(added.length, 1, JSON.stringify(added));
  await page.click('#modeler-deploy');
  await page.waitForFunction(() => globalThis.landgov.state.modeler.deploys === 1);
  await page.locator('#modeler-error').waitFor({ state: 'visible' });
  const msg = await page.textContent('#modeler-error');
  // The engine runs user and service tasks, not untyped ones: refused,
  // naming the element and its line.
  assert.match(msg, new RegExp(`不支持的 BPMN 元素.*id="${added[0]}".*\\(第 \\d+ 行\\)`));
  const line = Number(/第 (\d+) 行/.exec(msg)[1]);
  // The line the server names is the element's line in the XML sent.
  const sent = await page.evaluate(() => globalThis.landgov.state.modeler.lastDeploy.xml);
  assert.match(sent.split('\n')[line - 1], new RegExp(`id="${added[0]}"`));
  assert.match(await page.textContent('#modeler-excerpt .bad-line'), new RegExp(added[0]));
  assert.equal(await page.evaluate((id) => document.querySelector(`#modeler-canvas .djs-element[data-element-id="${id}"]`).classList.contains('lg-error'), added[0]), true);
  assert.equal(await page.inputValue('#modeler-prop-id'), added[0]);
  await shot(page, 'modeler-refused.png');
  expectClean(problems, refused(400, '/api/processes'));

  // The task deleted from its context pad, the county review renamed in
  // the side panel, deployed: version 2.
  const at = await clickShape(added[0]);
  // Clicked on empty canvas beside it first, so that selecting it opens
  // its context pad afresh.
  await page.mouse.click(at.x + 160, at.y);
  await clickShape(added[0]);
  await page.click('#modeler-canvas .djs-context-pad .entry[data-action="delete"]');
  assert.equal(await page.evaluate((id) => Boolean(globalThis.landgov.state.modeler.modeler.get('elementRegistry').get(id)), added[0]), false);
  await clickShape('Task_County');
  await page.fill('#modeler-prop-name', '县级审查（含规划符合性）');
  await page.press('#modeler-prop-name', 'Enter');
  await page.click('#modeler-deploy');
  await page.waitForFunction(() => globalThis.landgov.state.modeler.deploys === 2);
  assert.equal(await page.locator('#modeler-error').count(), 0, await page.textContent('#modeler-result'));
  assert.match(await page.textContent('#modeler-deployed'), /land_approval 第 2 版/);
  const defs = (await as.admin.json('/api/processes')).body.processes;
  assert.equal(defs.find((d) => d.key === 'land_approval').version, 2);
  const xml2 = await (await as.admin.fetch('/api/processes/land_approval/xml?version=2')).text();
  assert.match(xml2, /name="县级审查（含规划符合性）"/);
  // landgov's own attributes survive the round trip through bpmn-js.
  assert.match(xml2, /landgov:candidateGroups="approver:county@\{jurisdiction\}"/);
  assert.match(xml2, /landgov:handler="compliance_check"/);
  await shot(page, 'modeler-deployed.png');
  expectClean(problems);
});

test('the case page in English shows no dictionary key, and the dictionaries agree', async () => {
  const zh = JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'zh-CN.json'), 'utf8'));
  const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'en.json'), 'utf8'));
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort());
  await page.goto(`${server.url}#/cases/${caseId}`);
  await caseReady(caseId);
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await page.textContent('#case-facts'), /Vetoed/);
  assert.match(await page.textContent('#case-timeline-table'), /Decision: Veto/);
  assert.doesNotMatch(await page.innerText('body'), KEY_LEAK);
  await shot(page, 'case-en.png', { fullPage: true });
  await page.goto(`${server.url}#/cases`);
  await page.locator('#cases-table').waitFor({ state: 'visible' });
  assert.doesNotMatch(await page.innerText('body'), KEY_LEAK);
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  expectClean(problems);
});

test('the public progress page shows the status by code without a login', async () => {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.click('#login-progress');
  await page.locator('#page-progress').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#login').isVisible(), false);
  assert.equal(await page.textContent('#user'), '');
  await page.fill('#progress-code', caseCode);
  await page.click('#progress-submit');
  await page.locator('#progress-status').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#progress-status'), '一票否决');
  assert.equal(await page.evaluate(() => location.hash), `#/progress/${caseCode}`);
  // The project's name and the steps it actually took, each done, by unit
  // and date; no notice stage, since the veto came before any notice.
  const vetoed = (await as.clerk.json(`/api/cases/${caseId}`)).body;
  assert.equal(await page.textContent('#progress-result dd[data-field="project"]'), vetoed.title);
  const steps = await page.$$eval('#progress-steps li', (lis) => lis.map((li) => [li.dataset.status, li.textContent]));
  assert.deepEqual(steps.map(([st]) => st), vetoed.steps.filter((x) => x.status !== 'cancelled').map(() => 'completed'));
  assert.match(steps.at(-1)[1], /多部门联合审查.*自然资源.*已办结/);
  assert.equal(await page.locator('#progress-notices').count(), 0);
  assert.doesNotMatch(await page.textContent('#progress-result'), /reviewer|approver|clerk/);
  await shot(page, 'progress.png');
  // By address too, on a fresh load: the old case waits at the window.
  await page.goto('about:blank');
  await page.goto(`${server.url}#/progress/${oldCase.code}`);
  await page.locator('#progress-status').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#progress-status'), '待受理');
  assert.equal(await page.textContent('#progress-result dd[data-field="project"]'), '十天前的仓储项目');
  assert.deepEqual(await page.$$eval('#progress-steps li', (lis) => lis.map((li) => li.dataset.status)), ['open']);
  assert.match(await page.textContent('#progress-steps li'), /受理.*办理中/);
  assert.equal(await page.locator('#login').isVisible(), false);
  // A code that names no case: the server's answer.
  await page.fill('#progress-code', '360781-2026-999999');
  await page.click('#progress-submit');
  await page.locator('#progress-error').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#progress-error'), /不存在|没有/);
  await shot(page, 'progress-unknown.png');
  expectClean(problems, refused(404, '/api/public/cases/360781-2026-999999'));
  // A staff page still asks for the login.
  await page.click('.nav a[data-page="cases"]');
  await page.locator('#login').waitFor({ state: 'visible' });
});

test('a boundary drawn on the map files a case; the case page fits a tablet held upright', async () => {
  await page.goto('about:blank'); // a fresh page for the login
  await loginPage(page, `${server.url}#/cases/new`, 'clerk');
  await page.locator('#case-new-view').waitFor({ state: 'visible' });
  await page.waitForFunction(() => globalThis.landgov.state.cases.newMap !== null);
  await fillCaseForm('绘制的标准厂房');
  await page.uncheck('#case-materials-all'); // nothing handed in yet
  await page.check('#case-source-draw');
  // Round the squares (6, 1) to (7, 2), inside 360781 and the development
  // boundary; the corners lie in the 100 m gaps of the grid.
  const corners = [[1160, 160], [1560, 160], [1560, 560], [1160, 560]];
  const merc = gkToMercator(corners.map(([a, b]) => [x0 + a, y0 + b]));
  await page.evaluate((pts) => {
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    globalThis.landgov.state.cases.newMap.getView().fit([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: [60, 60, 60, 60] });
  }, merc);
  await page.evaluate(() => new Promise((r) => {
    const m = globalThis.landgov.state.cases.newMap;
    m.once('rendercomplete', () => r());
    m.render();
  }));
  await page.click('#case-draw');
  const mapBox = await page.locator('#case-new-map').boundingBox();
  const pixels = await page.evaluate((pts) => pts.map((p) => globalThis.landgov.state.cases.newMap.getPixelFromCoordinate(p)), merc);
  for (const [px, py] of pixels) await page.mouse.click(mapBox.x + px, mapBox.y + py);
  await page.mouse.click(mapBox.x + pixels[0][0], mapBox.y + pixels[0][1]);
  await page.waitForFunction(() => globalThis.landgov.state.cases.drawn !== null);
  await page.click('#case-submit');
  await page.waitForFunction(() => /^#\/cases\/\d+$/.test(location.hash));
  const id = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  await caseReady(id);
  const c = await page.evaluate(() => globalThis.landgov.state.cases.current);
  assert.equal(c.boundary_format, 'GeoJSON');
  assert.equal(c.srs_id, 4490);
  assert.deepEqual(c.divisions, ['360781']);
  // 400 m x 400 m drawn by pixels: within a pixel's width of 16 ha.
  const pixelM = await page.evaluate(() => globalThis.landgov.state.cases.newMap.getView().getResolution() * Math.cos((30.7 * Math.PI) / 180));
  assert.ok(Math.abs(c.ellipsoidal_m2 - 160000) < 4 * 400 * 2 * pixelM, `${c.ellipsoidal_m2} m² (pixel ${pixelM} m)`);
  assert.deepEqual(await markers('Task_Accept'), ['lg-current']);
  // Nothing handed in: every item missing, and the window may not accept.
  const states = () => page.$$eval('#case-materials tbody tr', (rs) => [...new Set(rs.map((r) => r.dataset.state))]);
  assert.deepEqual(await states(), ['missing']);
  assert.equal(await page.locator('#case-materials tbody tr').count(), 13); // 12 items, one more for an industrial project
  const panel = page.locator('.task-panel[data-node="Task_Accept"]');
  await panel.locator('button[data-action="accept"]').click();
  await page.waitForFunction(() => document.querySelector('.task-panel .error')?.textContent !== '');
  assert.match(await panel.locator('.error').textContent(), /材料不全, 不能受理: 缺少 建设用地申请表.*勘测定界/);
  expectClean(problems, refused(400, `/api/tasks/${c.tasks[0].id}`));
  // The materials arrive: recorded on the case page, then accepted.
  await page.click('#supply-submit');
  await page.waitForFunction(() => [...document.querySelectorAll('#case-materials tbody tr')].every((r) => r.dataset.state === 'supplied'));
  await caseReady(id);
  assert.equal(await page.locator('#supply-form').count(), 0);
  assert.match(await page.textContent('#case-timeline-table tr[data-event="supply"]'), /补正材料.*建设用地申请表/);
  await page.locator('.task-panel[data-node="Task_Accept"] button[data-action="accept"]').click();
  await page.waitForFunction(() => globalThis.landgov.state.cases.current?.status === 'in_review');
  await caseReady(id);
  // Upright tablet: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.evaluate(() => {
    globalThis.landgov.state.cases.map.updateSize();
    globalThis.landgov.state.cases.viewer.get('canvas').resized();
  });
  const r = await page.evaluate(() => ({ w: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth, page: document.querySelector('#page-cases').scrollWidth }));
  assert.ok(r.scroll <= r.w && r.page <= r.w, JSON.stringify(r));
  const map = await page.locator('#case-map').boundingBox();
  const diagram = await page.locator('#case-diagram').boundingBox();
  assert.ok(map.width > 600 && diagram.width > 600 && diagram.y > map.y, `${JSON.stringify(map)} ${JSON.stringify(diagram)}`);
  await shot(page, 'tablet-portrait-case.png');
  await page.setViewportSize({ width: 1400, height: 900 });
  expectClean(problems);
});

test('a task no one can act on is flagged 无人办理 on the dashboard and the case, and the administrator reassigns it', async () => {
  // Water has no reviewer in this county: its joint-review task stalls.
  let r = await as.clerk.json('/api/cases', {
    method: 'POST',
    body: { title: '水厂扩建项目', type: 'industrial', use: '1001', enterprise: ENTERPRISE, rating: 'B', investment: 9000000, departments: ['natural_resources', 'water'], boundary: box(1600, 600, 1900, 900) },
  });
  assert.equal(r.status, 201, r.text);
  const w = r.body;
  r = await as.clerk.json(`/api/tasks/${w.tasks[0].id}`, { method: 'POST', body: { action: 'accept' } });
  assert.equal(r.status, 200, r.text);
  const county = r.body.tasks.find((k) => k.node === 'Task_County');
  r = await as.approver.json(`/api/tasks/${county.id}`, { method: 'POST', body: { action: 'approve' } });
  assert.equal(r.status, 200, r.text);
  const water = r.body.tasks.find((k) => k.node === 'Task_Joint' && k.element === 'water');
  assert.equal(water.unattended, true);

  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/dashboard`, 'admin');
  const item = page.locator(`#dash-unattended-tasks li[data-id="${water.id}"]`);
  await item.waitFor({ state: 'visible' });
  assert.match(await item.textContent(), new RegExp(`${w.code}.*水厂扩建项目.*无人办理`));
  await shot(page, 'dashboard-unattended.png');
  await item.locator('a').click();
  await caseReady(w.id);
  // The use code with its name (GB/T 21010 / 用地用海分类).
  assert.match(await page.textContent('#case-facts'), /拟用途1001 工业用地/);
  const step = page.locator(`.open-steps li[data-task="${water.id}"]`);
  assert.match(await step.textContent(), /无人办理/);
  // The other joint-review task names its reviewer, not a group code.
  const nr = page.locator('.open-steps li[data-node="Task_Joint"]').filter({ hasNotText: '无人办理' });
  assert.doesNotMatch(await nr.first().textContent(), /reviewer:|@3607/);
  await page.waitForFunction((id) => document.querySelectorAll(`#reassign-login-${id} option`).length > 1, water.id);
  await page.selectOption(`#reassign-login-${water.id}`, 'reviewer');
  await page.fill(`#reassign-reason-${water.id}`, '水利局暂无审查人员, 由自然资源审查员代办');
  await shot(page, 'case-reassign.png');
  await page.click(`#reassign-${water.id}`);
  await page.waitForFunction(() => document.querySelector('#status').textContent === '已改派');
  await caseReady(w.id);
  assert.doesNotMatch(await page.locator(`.open-steps li[data-task="${water.id}"]`).textContent(), /无人办理/);
  const c = (await as.clerk.json(`/api/cases/${w.id}`)).body;
  assert.deepEqual(c.tasks.find((k) => k.id === water.id).holders.map((h) => h.login), ['reviewer']);
  expectClean(problems);
});
