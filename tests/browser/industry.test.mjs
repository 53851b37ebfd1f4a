// The industrial land page (产业用地, "#/industry") in Debian's Chromium,
// against a real `landgov serve` on a store made by the real `landgov
// demo`. As the county's administrator: the parcels the API lists, one
// parcel's conditions of sale (the unconfirmed values say so), its
// agreement and its acceptances with the breach; the year's per-mu
// evaluation with as many rows and the same grades as the API; in
// English no dictionary key shows. Screenshots go to test-output/browser/
// (industry-*.png).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { landgov, startServer, storeTarget, tempDir } from '../api/helpers.mjs';
import { expectClean, launch, loginPage, shot } from './harness.mjs';

const PASSWORD = 'Demo-2026-landgov';
let dir;
let db;
let server;
let context;
let page;
let problems;

const KEY_LEAK = /\b(industry|nav)\.[a-zA-Z_0-9.]+\b/;

async function api(p) {
  return page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).json(), p);
}

async function open(hash, tab) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((t) => document.getElementById('industry-body')?.dataset.ready === t && !document.getElementById('industry-body').hasAttribute('aria-busy'), tab);
}

before(async () => {
  dir = tempDir('landgov-browser-industry-');
  db = storeTarget(path.join(dir, 'demo.gpkg'));
  landgov(db, ['demo'], { timeout: 300000 });
  server = await startServer(db);
  ({ context, page, problems } = await launch(dir, server));
  await loginPage(page, server.url, 'admin', PASSWORD);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('parcels, a parcel with its conditions, agreement and acceptances', async () => {
  await open('#/industry', 'parcels');
  const list = await api('/api/industry/parcels');
  assert.equal(await page.locator('#industry-parcels tbody tr').count(), list.parcels.length);
  assert.ok(list.parcels.length >= 5);
  const body = await page.locator('#page-industry').innerText();
  assert.match(body, /违约/);
  await shot(page, 'industry-parcels.png', { fullPage: true });
  await open('#/industry/parcel-BZD-2024-02', 'parcel');
  const text = await page.locator('#page-industry').innerText();
  assert.match(text, /容积率/);
  assert.match(text, /本局设定/); // the bureau's stricter floor-area ratio
  assert.match(text, /未与公布原文核对/);
  assert.match(text, /工业项目建设用地控制指标 \(2008\)/);
  assert.doesNotMatch(text, /mlr2008|landgov default/);
  assert.match(text, /瑞金通用机械有限公司/);
  assert.match(text, /达产复核: 违约/);
  assert.match(text, /整改期限/);
  await shot(page, 'industry-parcel.png', { fullPage: true });
  expectClean(problems);
});

test('the per-mu evaluation as the API computes it; English without keys', async () => {
  await page.evaluate(() => { globalThis.landgov.state.industry.year = 2025; });
  await open('#/industry/permu', 'permu');
  const ev = await api('/api/industry/evaluation?year=2025');
  const rows = page.locator('#industry-permu tbody tr');
  assert.equal(await rows.count(), ev.enterprises.length);
  assert.match(await rows.nth(0).innerText(), new RegExp(`${ev.enterprises[0].grade} `));
  assert.match(await rows.nth(0).innerText(), new RegExp(ev.enterprises[0].credit_code));
  await shot(page, 'industry-permu.png', { fullPage: true });
  await page.evaluate(() => { localStorage.setItem('landgov.lang', 'en'); });
  await page.reload();
  await open('#/industry/permu', 'permu');
  assert.doesNotMatch(await page.locator('#page-industry').innerText(), KEY_LEAK);
  expectClean(problems);
});
