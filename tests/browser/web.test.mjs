// The web client's shell in Debian's Chromium, against a real `landgov
// serve` on the fixture store of helpers.mjs: after the login the
// dashboard shows who is logged in and the recent checks (one made over
// the API beforehand), and the inbox of approval tasks (empty here);
// the language switches to English and back, is remembered across a
// reload and moves <html lang>, with no dictionary key left showing; the
// navigation works from the keyboard (skip link, Tab to the navigation,
// Enter); the One Map and the check page fit a tablet either way up; the
// approval-cases page lists the cases (none here) with its filters and
// offers a clerk to file one (tests/browser/cases.test.mjs goes on from
// there); bpmn-js
// loads from /vendor/ and draws the project's own process. Screenshots of
// each page go to test-output/browser/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, login, makeFixtureStore, startServer, tempDir } from '../api/helpers.mjs';
import { expectClean, launch, loginPage, settle, shot } from './harness.mjs';

let dir;
let server;
let context;
let page;
let problems;
let clerk;
let checkId;
let tasksStatus; // what GET /api/tasks answers on this server
let casesStatus;

// Nothing is expected to fail here.
const allowed = [];
// Any dictionary key ("nav.map", "report.totals") showing as text means a
// missing translation.
const KEY_LEAK = /\b(app|nav|lang|common|error|login|map|dash|check|report|unit|chart|verdict|effect|major|authority|quota|ledger|cases|caseStatus|roleName|level|role|class|ptype|act|tl|dept|mat|notice|modeler|progress|flowEnd|metrics)\.[a-zA-Z_0-9]+\b/;

before(async () => {
  dir = tempDir('landgov-browser-web-');
  server = await startServer(makeFixtureStore(dir));
  clerk = await login(server, 'clerk');
  const { x0, y0 } = { x0: 38500000, y0: 3400000 };
  const r = await clerk.json('/api/checks', {
    method: 'POST',
    body: { geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x0, y0 + 100], [x0 + 100, y0 + 100], [x0 + 100, y0], [x0, y0]]] }, srs: 4526, name: '工作台上的审查', type: 'industrial' },
  });
  assert.equal(r.status, 201, r.text);
  checkId = r.body.id;
  tasksStatus = (await clerk.fetch('/api/tasks')).status;
  casesStatus = (await clerk.fetch('/api/cases')).status;
  ({ context, page, problems } = await launch(dir, server));
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('after the login the dashboard shows the account and the recent checks', async () => {
  await loginPage(page, server.url, 'clerk');
  await page.locator('#page-dashboard').waitFor({ state: 'visible' });
  assert.equal(await page.getAttribute('.nav a[data-page="dashboard"]', 'aria-current'), 'page');
  assert.match(await page.textContent('#user'), /窗口甲 · 受理窗口 · 360781/);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  const facts = await page.$$eval('#dash-user dd', (dds) => Object.fromEntries(dds.map((d) => [d.dataset.field, d.textContent])));
  assert.equal(facts.name, '窗口甲');
  assert.equal(facts.role, '受理窗口');
  assert.equal(facts.division, '360781');
  const row = page.locator(`#dash-checks-table tr[data-id="${checkId}"]`);
  assert.match(await row.textContent(), /工作台上的审查/);
  assert.match(await row.textContent(), /禁止/);
  // The inbox of the window's tasks (none yet), and the overdue cases.
  assert.equal(tasksStatus, 200);
  await page.locator('#dash-inbox').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#dash-tasks'), /没有待办任务/);
  await page.locator('#dash-overdue').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#dash-overdue-list'), /没有超期案件/);
  assert.equal(await page.locator('#dash-new-case').isVisible(), true);
  assert.doesNotMatch(await page.innerText('body'), KEY_LEAK);
  await shot(page, 'dashboard.png');
  // A recent check opens its report.
  await row.locator('a').click();
  await page.locator('#report-totals').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => location.hash), `#/check/${checkId}`);
  // Let the check map load what it shows before the next test reloads.
  await page.waitForFunction(() => globalThis.landgov.state.check.map.getLayers().getArray().some((l) => l.getZIndex() === 95 && l.getSource().getFeatures().length > 0));
  await settle(page, 'check');
  expectClean(problems, allowed);
});

test('English on request, remembered, and back to Chinese', async () => {
  await page.goto(`${server.url}#/dashboard`);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.textContent('.nav a[data-page="map"]'), 'One Map');
  assert.equal(await page.textContent('#lang-toggle'), '中文');
  assert.match(await page.textContent('#user'), /窗口甲 · Front-desk clerk · 360781/);
  assert.match(await page.textContent('#dash-checks-table'), /Prohibited/);
  // Remembered across a reload.
  await page.reload();
  await page.evaluate(() => globalThis.landgov.ready);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.title(), 'Territorial Spatial Planning One Map');
  assert.doesNotMatch(await page.innerText('body'), KEY_LEAK);
  await shot(page, 'dashboard-en.png');
  // The check report in English: units and headings translated, the
  // server's Chinese texts as they came.
  await page.goto(`${server.url}#/check/${checkId}`);
  await page.locator('#report-totals').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#report-totals thead'), /ha/);
  assert.match(await page.textContent('#report-verdict'), /Prohibited/);
  assert.doesNotMatch(await page.innerText('body'), KEY_LEAK);
  await shot(page, 'check-en.png');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await page.textContent('.nav a[data-page="map"]'), '一张图');
  assert.match(await page.textContent('#report-verdict'), /禁止/);
  assert.equal(await page.evaluate(() => localStorage.getItem('landgov.lang')), 'zh-CN');
  expectClean(problems, allowed);
});

test('the keyboard reaches the navigation and opens a page', async () => {
  // A freshly loaded page: sequential focus starts at the top.
  await page.goto(`${server.url}#/dashboard`);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  await page.reload();
  await page.evaluate(() => globalThis.landgov.ready);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  // The first Tab reaches the skip link, which moves focus to the page.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'skip-link');
  assert.equal(await page.locator('#skip-link').isVisible(), true);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'dash-title');
  assert.equal(await page.evaluate(() => location.hash), '#/dashboard');
  // From the top again, Tab on to the ledger link of the navigation.
  await page.reload();
  await page.evaluate(() => globalThis.landgov.ready);
  await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
  let steps = 0;
  for (; steps < 12; steps++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.dataset?.page === 'ledger')) break;
  }
  assert.ok(steps < 12, 'the navigation link was never focused');
  // Focus is visible.
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await shot(page, 'keyboard-nav.png');
  await page.keyboard.press('Enter');
  await page.locator('#page-ledger').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => location.hash), '#/ledger');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ledger-title');
  assert.equal(await page.getAttribute('.nav a[data-page="ledger"]', 'aria-current'), 'page');
  await shot(page, 'ledger.png');
  expectClean(problems, allowed);
});

/** Nothing wider than the viewport, every navigation link inside it. */
async function fitsViewport() {
  const r = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const links = [...document.querySelectorAll('.nav a')].map((a) => a.getBoundingClientRect());
    return { w, scroll: document.documentElement.scrollWidth, bodyScroll: document.body.scrollWidth, linksOut: links.filter((b) => b.left < 0 || b.right > w + 0.5).length };
  });
  assert.ok(r.scroll <= r.w && r.bodyScroll <= r.w, `content wider than the viewport: ${JSON.stringify(r)}`);
  assert.equal(r.linksOut, 0, JSON.stringify(r));
}

for (const [name, viewport] of [['landscape', { width: 1024, height: 768 }], ['portrait', { width: 768, height: 1024 }]]) {
  test(`a tablet, ${name} (${viewport.width}x${viewport.height}): the map and the check page fit`, async () => {
    await page.setViewportSize(viewport);
    await page.goto(`${server.url}#/map`);
    await page.waitForFunction(() => globalThis.landgov.state.olLayers.dltb?.getSource().getFeatures().length === 100);
    await settle(page);
    await fitsViewport();
    const map = await page.locator('#map').boundingBox();
    assert.ok(map.width >= viewport.width * 0.5 && map.height >= 250, `map too small: ${JSON.stringify(map)}`);
    assert.equal(await page.locator('#layer-jbnt').isVisible(), true);
    await shot(page, `tablet-${name}-map.png`);
    await page.goto(`${server.url}#/check/${checkId}`);
    await page.locator('#report-totals').waitFor({ state: 'visible' });
    await settle(page, 'check');
    await fitsViewport();
    assert.equal(await page.locator('#check-map').isVisible(), true);
    await shot(page, `tablet-${name}-check.png`);
    await page.goto(`${server.url}#/dashboard`);
    await page.locator('#dash-checks-table').waitFor({ state: 'visible' });
    await fitsViewport();
    await shot(page, `tablet-${name}-dashboard.png`);
    expectClean(problems, allowed);
  });
}

test('the cases page lists the cases (none yet) and offers a clerk to file one', async () => {
  assert.equal(casesStatus, 200);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.url}#/cases`);
  await page.locator('#cases-list-view').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('#cases-count').textContent !== '');
  assert.equal(await page.textContent('#cases-title'), '审批案件');
  assert.match(await page.textContent('#cases-body'), /没有案件/);
  assert.match(await page.textContent('#cases-count'), /共 0 件/);
  assert.ok((await page.locator('#cases-f-status option').count()) > 5);
  assert.equal(await page.locator('#cases-new').isVisible(), true);
  await shot(page, 'cases.png');
  expectClean(problems, allowed);
});

test('bpmn-js loads from /vendor/ and draws the project\'s land-approval process', async () => {
  const xml = fs.readFileSync(path.join(ROOT, 'processes', 'land-approval.bpmn'), 'utf8');
  await page.addStyleTag({ url: '/vendor/bpmn-js/dist/assets/bpmn-js.css' });
  await page.addScriptTag({ url: '/vendor/bpmn-js/dist/bpmn-viewer.production.min.js' });
  const r = await page.evaluate(async (text) => {
    const div = document.createElement('div');
    div.style.cssText = 'position:fixed;inset:60px 0 0 0;background:#fff;z-index:5000';
    document.body.append(div);
    const viewer = new globalThis.BpmnJS({ container: div });
    const { warnings } = await viewer.importXML(text);
    viewer.get('canvas').zoom('fit-viewport');
    const tasks = viewer.get('elementRegistry').filter((e) => e.type === 'bpmn:UserTask').length;
    return { warnings: warnings.length, tasks, shapes: div.querySelectorAll('.djs-shape').length };
  }, xml);
  assert.ok(r.tasks > 0 && r.shapes > r.tasks, JSON.stringify(r));
  await shot(page, 'bpmn-viewer.png');
  expectClean(problems, allowed);
});
