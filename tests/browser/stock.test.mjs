// The land-stock pages (存量土地, "#/stock") in Debian's Chromium, against
// a real `landgov serve` on a demo store (`landgov demo`: a few hundred
// approvals and supplies with ten years of history):
//   - the dashboard shows the figures and charts the summary API gives;
//   - the idle-land ledger lists exactly the parcels the API lists, the
//     status filter narrows it, the Excel export downloads a workbook;
//   - a parcel's page shows its status, timeline and documents, and one
//     of its ledger entries verifies in the browser;
//   - the map draws the supplies coloured by status;
//   - the neighbouring county's clerk sees its own parcels only;
//   - in English no dictionary key shows.
// Screenshots go to test-output/browser/stock-*.png.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, login, startServer, storeTarget, tempDir } from '../api/helpers.mjs';
import { SHOTS, expectClean, launch, loginPage, shot, zipNames } from './harness.mjs';

const DEMO_PASSWORD = 'Demo-2026-landgov';
const KEY_LEAK = /\b(stock|nav)\.[a-zA-Z_]+\.?[a-zA-Z_]*\b/;

let dir;
let server;
let context;
let page;
let problems;
let api; // the county administrator's API client

before(async () => {
  dir = tempDir('landgov-browser-stock-');
  const db = storeTarget(path.join(dir, 'demo.gpkg'));
  execFileSync(BIN, ['--db', db, 'demo', '--patches', '2000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server = await startServer(db);
  api = await login(server, 'admin', DEMO_PASSWORD);
  ({ context, page, problems } = await launch(dir, server, { viewport: { width: 1400, height: 900 } }));
  await loginPage(page, `${server.url}#/stock`, 'admin', DEMO_PASSWORD);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the dashboard: figures and charts of the summary', async () => {
  await page.locator('#stock-summary-figures dd[data-field="digestion"]').waitFor();
  const s = (await api.json('/api/stock/summary')).body;
  const shown = await page.locator('#stock-summary-figures dd[data-field="digestion"]').textContent();
  assert.equal(shown, `${(s.totals.digestion_rate * 100).toFixed(1)}%`);
  assert.equal(await page.locator('#stock-counties tbody tr').count(), s.counties.length);
  await page.locator('#stock-chart-rate svg').waitFor();
  await page.locator('#stock-chart-idle svg').waitFor();
  await shot(page, 'stock-summary.png', { fullPage: true });
  expectClean(problems);
});

test('the idle-land ledger: the rows of the API, a status filter, the Excel export', async () => {
  await page.click('#stock-tabs a[data-tab="idle"]');
  await page.locator('#stock-ledger-idle').waitFor();
  const l = (await api.json('/api/stock/ledger/idle')).body;
  assert.ok(l.rows.length > 5, `only ${l.rows.length} idle entries in the demo`);
  assert.equal(await page.locator('#stock-ledger-idle tbody tr').count(), l.rows.length);
  const numbers = await page.locator('#stock-ledger-idle tbody tr td:first-child').allTextContents();
  assert.deepEqual(numbers, l.rows.map((r) => r.supervision_no));
  await shot(page, 'stock-idle.png', { fullPage: true });
  // Only the parcels idle a full year (the fee stage).
  await page.selectOption('#stock-filter-status', 'idle_fee');
  await page.click('#stock-ledger-filters button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#stock-ledger-idle tbody tr')].every((tr) => tr.dataset.status === 'idle_fee'));
  const fee = l.rows.filter((r) => r.status === 'idle_fee').length;
  assert.equal(await page.locator('#stock-ledger-idle tbody tr').count(), fee);
  // The workbook.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#stock-export')]);
  const file = path.join(dir, 'idle.xlsx');
  await download.saveAs(file);
  assert.ok(zipNames(fs.readFileSync(file)).includes('xl/workbook.xml'));
  expectClean(problems);
});

test('a parcel: status, timeline, documents, a ledger entry verified in the browser', async () => {
  // A parcel with a document: the first whose procedure has begun.
  const l = (await api.json('/api/stock/ledger/idle?status=open')).body;
  const row = l.rows.find((r) => r.stage !== '未启动');
  assert.ok(row, 'no idle parcel with its procedure begun in the demo');
  await page.goto(`${server.url}#/stock/supply-${row.supply_id}`);
  await page.locator('#stock-verdict').waitFor();
  const p = (await api.json(`/api/stock/supplies/${row.supply_id}`)).body;
  assert.equal(await page.locator('#stock-parcel-title').textContent().then((x) => x.includes(p.record.supervision_no)), true);
  assert.equal(await page.locator('#stock-timeline li').count(), p.timeline.length);
  const docs = p.acts.filter((a) => a.file_id);
  assert.ok(docs.length > 0);
  assert.equal(await page.locator('#stock-acts a.doc').count(), docs.length);
  assert.equal(await page.locator('#stock-verdict dd[data-field="idle_since"]').textContent(), p.verdict.idle_since);
  await shot(page, 'stock-parcel.png');
  // Verify the latest entry against a signed checkpoint, here.
  const last = page.locator('#stock-proofs li').last();
  await last.locator('button').click();
  await last.locator('.proof.ok').waitFor();
  // Entries are named in words, not by their action codes.
  assert.doesNotMatch(await page.locator('#stock-proofs').innerText(), /stock\.(act|supply|visit)/);
  await shot(page, 'stock-parcel-proofs.png');
  // The document opens as its printable page.
  const [doc] = await Promise.all([context.waitForEvent('page'), page.locator('#stock-acts a.doc').first().click()]);
  await doc.waitForLoadState();
  assert.match(await doc.locator('h1').textContent(), /闲置土地/);
  await doc.screenshot({ path: path.join(SHOTS, 'stock-document.png'), fullPage: true });
  await doc.close();
  expectClean(problems);
});

test('the map: supplies coloured by status', async () => {
  await page.goto(`${server.url}#/stock/map`);
  await page.waitForFunction(() => {
    const m = globalThis.landgov.state.stock.map;
    return m && m.layers.supplies.getSource().getFeatures().length > 0;
  });
  const n = await page.evaluate(() => globalThis.landgov.state.stock.map.layers.supplies.getSource().getFeatures().length);
  const all = (await api.json('/api/stock/map/supplies?crs=3857')).body.features.length;
  assert.equal(n, all);
  await page.evaluate(() => new Promise((resolve) => {
    const m = globalThis.landgov.state.stock.map.map;
    m.once('rendercomplete', resolve);
    m.render();
  }));
  await shot(page, 'stock-map.png');
  expectClean(problems);
});

test('the One Map shows the stock layers, each parcel coloured by its status', async () => {
  await page.goto(`${server.url}#/map`);
  await page.locator('.layer-group[data-role="supply"]').waitFor();
  await page.locator('.layer-group[data-role="approval"]').waitFor();
  // A supply's colour is its status's (as of the layers' last refresh).
  await page.waitForFunction(() => globalThis.landgov.state.olLayers.stock_supplies?.getSource().getFeatures().length > 0);
  const checked = await page.evaluate(() => {
    const ol = globalThis.landgov.state.olLayers.stock_supplies;
    const colours = globalThis.landgov.state.stock.colours;
    const style = ol.getStyleFunction();
    return ol.getSource().getFeatures().slice(0, 50).map((f) => [f.get('status'), style(f).getStroke().getColor(), colours[f.get('status')]]);
  });
  assert.ok(checked.length > 0);
  for (const [status, stroke, want] of checked) assert.equal(stroke, want, status);
  await page.waitForFunction(() => globalThis.landgov.state.olLayers.landuse?.getSource().getFeatures().length > 0);
  await page.evaluate(() => new Promise((resolve) => {
    const m = globalThis.landgov.state.map;
    m.once('rendercomplete', resolve);
    m.render();
  }));
  await shot(page, 'stock-onemap.png');
  expectClean(problems);
});

test('the neighbouring county sees its own; in English no key shows', async () => {
  const b = await login(server, 'clerk.360782', DEMO_PASSWORD);
  const mine = (await b.json('/api/stock/ledger/unsupplied')).body.rows;
  assert.ok(mine.length > 0);
  assert.ok(mine.every((r) => r.division.startsWith('360782')));
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/stock/unsupplied`, 'clerk.360782', DEMO_PASSWORD);
  await page.locator('#stock-ledger-unsupplied').waitFor();
  assert.equal(await page.locator('#stock-ledger-unsupplied tbody tr').count(), mine.length);
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.locator('#stock-ledger-unsupplied').waitFor();
  const text = await page.locator('#page-stock').innerText();
  assert.doesNotMatch(text, KEY_LEAK);
  assert.match(text, /Approved, not supplied/);
  await shot(page, 'stock-unsupplied-en.png', { fullPage: true });
  await page.click('#lang-toggle');
  expectClean(problems);
});
