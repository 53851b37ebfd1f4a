// The compliance check page and the ledger verification in Debian's
// Chromium, against a real `landgov serve` on the fixture store of
// helpers.mjs (a grid of 100 m squares, basic farmland over the first
// 4 x 4 squares, a red line and a development boundary further east):
//   - a real Ministry coordinate file from ../shared/data/ministry-txt,
//     uploaded through the page, shows the same areas as POST /api/checks
//     gives for the same file (numbers read from the page's text), and the
//     file's own declared area;
//   - a polygon drawn with the mouse round four squares gets a report whose
//     class table has those squares' classes at 100 m x 100 m each (the
//     grid's formula), the basic farmland marked as a conflict in the table
//     and on the map;
//   - the XLSX download is a real workbook (a zip with xl/workbook.xml);
//     the print view shows the report alone; the server's HTML report is
//     linked;
//   - the report's ledger entry verifies in the browser, and so does an
//     entry number on the ledger page; a tampered entry, and a tampered
//     checkpoint (responses rewritten with page.route), are shown to fail.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { gkToMercator, login, makeFixtureStore, sparseSurveyRules, square, startServer, tempDir, GRID } from '../api/helpers.mjs';
import { SHARED, absentApi, expectClean, launch, loginPage, settle, shot, zipNames } from './harness.mjs';

const SAMPLE = path.join(SHARED, 'data', 'ministry-txt', 'edcfoshan_polygon-txt__00测试数据__44120000957.txt');
// The file's own header line: 5 points, 0.7749 ha (地块面积, hectares).
const SAMPLE_DECLARED_HA = 0.7749;

let dir;
let server;
let context;
let page;
let problems;
let clerk; // the same account over the API, as the judge of the page
let drawnId;

const allowed = [...absentApi('/api/tasks')];

before(async () => {
  dir = tempDir('landgov-browser-check-');
  const db = makeFixtureStore(dir);
  sparseSurveyRules(db, dir); // the fixture's survey grid has gaps
  server = await startServer(db);
  clerk = await login(server, 'clerk');
  ({ context, page, problems } = await launch(dir, server));
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The number in a report cell, as the page prints it ("7,749.13"). */
async function cellNumber(selector) {
  const text = await page.textContent(selector);
  const v = Number(text.replace(/[,\s]/g, ''));
  assert.ok(Number.isFinite(v), `${selector}: "${text}" is not a number`);
  return v;
}

test('a real Ministry coordinate file shows the areas the API reports for it', async () => {
  assert.ok(fs.existsSync(SAMPLE), `sample missing: ${SAMPLE}`);
  await loginPage(page, `${server.url}#/check`, 'clerk');
  await page.locator('#page-check').waitFor({ state: 'visible' });
  await page.setInputFiles('#check-file', SAMPLE);
  await page.click('#check-submit');
  await page.locator('#report-totals').waitFor({ state: 'visible' });
  await page.waitForFunction(() => globalThis.landgov.state.check.map.getLayers().getArray().some((l) => l.getZIndex() === 95 && l.getSource().getFeatures().length > 0));

  // The API's report for the same bytes (not saved), as the judge.
  const form = new FormData();
  form.append('file', new Blob([fs.readFileSync(SAMPLE)]), path.basename(SAMPLE));
  form.append('save', 'false');
  const r = await clerk.fetch('/api/checks', { method: 'POST', body: form });
  const api = await r.json();
  assert.equal(r.status, 200, JSON.stringify(api));
  for (const [key, digits] of [['planar_m2', 2], ['planar_ha', 4], ['planar_mu', 2], ['ellipsoidal_m2', 2], ['ellipsoidal_ha', 4], ['ellipsoidal_mu', 2]]) {
    const shown = await cellNumber(`#report-totals td[data-key="${key}"]`);
    assert.ok(Math.abs(shown - api.area[key]) <= 0.5 * 10 ** -digits + 1e-9, `${key}: page ${shown}, API ${api.area[key]}`);
  }
  // And the file's declared area, an independent figure (PROVENANCE.txt:
  // the shoelace area matches it within 0.0001 ha).
  assert.ok(Math.abs((await cellNumber('#report-totals td[data-key="planar_ha"]')) - SAMPLE_DECLARED_HA) <= 0.0001 + 0.00005);
  assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), api.verdict);
  assert.match(await page.textContent('#report-rules'), new RegExp(`第 ${api.rule_set_version} 版`));
  // Zhaoqing is outside the fixture county: no land classes, and the
  // report says so rather than showing an empty table.
  assert.equal(await page.locator('#report-classes').count(), 0);
  await settle(page, 'check');
  await shot(page, 'check-upload.png');
  expectClean(problems, allowed);
});

test('a polygon drawn on the map gets a report with its classes and the farmland conflict', async () => {
  await page.goto(`${server.url}#/check`);
  await page.check('#check-source-draw');
  await page.locator('#check-draw-box').waitFor({ state: 'visible' });
  // Fit the map to the grid's south-west corner, then click the corners
  // of a polygon round squares (0,0), (1,0), (0,1), (1,1): its edges lie
  // in the 100 m gaps, so every square is whole inside it.
  const { x0, y0 } = GRID;
  const corners = [[x0 - 40, y0 - 40], [x0 + 350, y0 - 40], [x0 + 350, y0 + 350], [x0 - 40, y0 + 350]];
  const merc = gkToMercator(corners);
  await page.evaluate((pts) => {
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    globalThis.landgov.state.check.map.getView().fit([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: [60, 60, 60, 60] });
  }, merc);
  await settle(page, 'check');
  await page.click('#check-draw');
  const box = await page.locator('#check-map').boundingBox();
  const pixels = await page.evaluate((pts) => pts.map((p) => globalThis.landgov.state.check.map.getPixelFromCoordinate(p)), merc);
  for (const [px, py] of pixels) await page.mouse.click(box.x + px, box.y + py);
  await page.mouse.click(box.x + pixels[0][0], box.y + pixels[0][1]); // back to the start: done
  await page.waitForFunction(() => globalThis.landgov.state.check.drawn !== null);
  await page.fill('#check-name', '绘制的项目');
  await page.selectOption('#check-type', 'industrial');
  await page.click('#check-submit');
  await page.waitForFunction(() => globalThis.landgov.state.check.report?.project?.name === '绘制的项目');
  await page.locator('#report-classes').waitFor({ state: 'visible' });
  drawnId = await page.evaluate(() => globalThis.landgov.state.check.report.id);
  assert.ok(drawnId > 0);
  assert.equal(await page.evaluate(() => location.hash), `#/check/${drawnId}`);

  // The class table: each square's class at 10,000 m² (summed by code).
  const expected = {};
  for (const [i, j] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    const s = square(i, j);
    expected[s.dlbm] = (expected[s.dlbm] || 0) + 10000;
  }
  const rows = await page.$$eval('#report-classes tbody tr', (trs) => trs.map((tr) => [tr.dataset.code, tr.querySelector('td[data-key="m2"]').textContent]));
  const shown = Object.fromEntries(rows.map(([c, m2]) => [c, Number(m2.replace(/,/g, ''))]));
  assert.deepEqual(Object.keys(shown).sort(), Object.keys(expected).sort());
  for (const [code, m2] of Object.entries(expected)) assert.ok(Math.abs(shown[code] - m2) <= 0.005, `${code}: ${shown[code]} vs ${m2}`);
  // All four squares are cultivated or not by their class; the three
  // major classes add up to the land-use total.
  const majors = await page.$$eval('#report-majors tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.major, Number(tr.querySelector('td[data-key="m2"]').textContent.replace(/,/g, ''))])));
  assert.ok(Math.abs(majors.agricultural + majors.construction + majors.unused - 40000) <= 0.02, JSON.stringify(majors));

  // The basic farmland covers the polygon: a conflict, red in the table
  // and drawn on the map (feature 1 of jbnt); the verdict is "prohibited"
  // for an industrial project, with the article cited for the authority.
  assert.equal(await page.getAttribute('#report-overlaps tr[data-layer="jbnt"]', 'data-conflict'), 'true');
  assert.match(await page.getAttribute('#report-overlaps tr[data-layer="jbnt"]', 'class'), /conflict/);
  assert.equal(await page.getAttribute('#report-overlaps tr[data-layer="stbhhx"]', 'data-conflict'), 'false');
  await page.waitForFunction(() => globalThis.landgov.state.check.conflicts > 0);
  const conflictIds = await page.evaluate(() => globalThis.landgov.state.check.map.getLayers().getArray().find((l) => l.getZIndex() === 90).getSource().getFeatures().map((f) => f.get('conflict_layer') + ':' + f.getId()));
  assert.deepEqual(conflictIds, ['jbnt:1']);
  assert.equal(await page.getAttribute('#report-verdict', 'data-verdict'), 'prohibited');
  assert.match(await page.textContent('#report-verdict'), /禁止/);
  assert.equal(await page.getAttribute('#report-authority dd[data-level]', 'data-level'), 'state_council');
  assert.match(await page.textContent('#report-authority'), /《土地管理法》第四十四条/);
  // The report as the API keeps it says the same.
  const saved = await clerk.json(`/api/checks/${drawnId}`);
  assert.equal(saved.body.verdict, 'prohibited');
  assert.equal(saved.body.project.type, 'industrial');
  // ECharts draws the class chart (SVG, one slice per class) after the
  // table, on its own frame: wait for it rather than count at once.
  await page.waitForFunction((n) => document.querySelectorAll('#chart-classes svg path').length >= n,
    Object.keys(expected).length, { timeout: 10000 });
  await settle(page, 'check');
  await shot(page, 'check-draw.png');
  await page.locator('#report-classes').scrollIntoViewIfNeeded();
  await shot(page, 'check-report.png');
  expectClean(problems, allowed);
});

test('the XLSX download is a workbook; print shows the report alone; the HTML report is linked', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-xlsx')]);
  const file = path.join(dir, 'report.xlsx');
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  const names = zipNames(bytes);
  assert.ok(names?.includes('xl/workbook.xml'), `not a workbook: ${names}`);
  assert.match(download.suggestedFilename(), new RegExp(`check-${drawnId}\\.xlsx`));

  const href = await page.getAttribute('#report-html', 'href');
  assert.equal(href, `/api/checks/${drawnId}/report.html`);
  const html = await page.evaluate((h) => fetch(h).then(async (r) => [r.status, await r.text()]), href);
  assert.equal(html[0], 200);
  assert.match(html[1], /建设项目用地合规性审查报告/);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.topbar').isVisible(), false);
  assert.equal(await page.locator('#check-form').isVisible(), false);
  assert.equal(await page.locator('#check-map').isVisible(), false);
  assert.equal(await page.locator('#report-totals').isVisible(), true);
  await shot(page, 'check-print.png', { fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  expectClean(problems, allowed);
});

test('the report\'s ledger entry verifies in the browser', async () => {
  await page.click('#report-verify');
  await page.waitForFunction(() => document.querySelector('#report-ledger')?.dataset.ok);
  assert.equal(await page.getAttribute('#report-ledger', 'data-ok'), 'true', await page.textContent('#report-ledger'));
  const text = await page.textContent('#report-ledger');
  assert.match(text, /核验通过/);
  assert.match(text, new RegExp(`check ${drawnId}`));
  await shot(page, 'check-ledger-ok.png');
  expectClean(problems, allowed);
});

async function verifyOnLedgerPage(index) {
  await page.goto(`${server.url}#/ledger`);
  await page.locator('#page-ledger').waitFor({ state: 'visible' });
  await page.evaluate(() => {
    const r = document.querySelector('#ledger-result');
    r.hidden = true;
    delete r.dataset.ok;
  });
  await page.fill('#ledger-index', String(index));
  await page.click('#ledger-verify');
  await page.waitForFunction(() => document.querySelector('#ledger-result')?.dataset.ok);
  return { ok: await page.getAttribute('#ledger-result', 'data-ok'), text: await page.textContent('#ledger-result') };
}

test('the ledger page verifies an entry by number, and shows tampering as a failure', async () => {
  const list = await clerk.json(`/api/ledger/objects/check/${drawnId}`);
  const index = list.body.entries[0].index;
  let r = await verifyOnLedgerPage(index);
  assert.equal(r.ok, 'true', r.text);
  assert.match(r.text, new RegExp(`第 ${index} 号条目`));
  assert.equal(await page.evaluate(() => location.hash), `#/ledger/${index}`);
  await shot(page, 'ledger-ok.png');

  // The entry's text changed on its way (another actor): its leaf hash no
  // longer leads to the signed root.
  await page.route('**/api/ledger/entries/**', async (route) => {
    const resp = await route.fetch();
    const json = await resp.json();
    json.entry = json.entry.replace('"actor":"clerk"', '"actor":"mallory"');
    assert.match(json.entry, /mallory/);
    await route.fulfill({ response: resp, json });
  });
  r = await verifyOnLedgerPage(index);
  assert.equal(r.ok, 'false', r.text);
  assert.match(r.text, /核验失败/);
  assert.match(r.text, /叶哈希不符|根哈希.*不符/);
  await shot(page, 'ledger-tampered.png');
  await page.unroute('**/api/ledger/entries/**');

  // A checkpoint whose root was swapped: its signature no longer holds.
  await page.route('**/api/ledger/checkpoint', async (route) => {
    const resp = await route.fetch();
    const json = await resp.json();
    const lines = json.checkpoint.split('\n');
    lines[2] = Buffer.alloc(32, 7).toString('base64');
    json.checkpoint = lines.join('\n');
    await route.fulfill({ response: resp, json });
  });
  r = await verifyOnLedgerPage(index);
  assert.equal(r.ok, 'false', r.text);
  assert.match(r.text, /签名无效/);
  await page.unroute('**/api/ledger/checkpoint');

  // And untouched again, it verifies.
  r = await verifyOnLedgerPage(index);
  assert.equal(r.ok, 'true', r.text);
  expectClean(problems, allowed);
});
