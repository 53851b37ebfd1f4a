// The monitoring page (监测预警, "#/monitor") in Debian's Chromium, against
// a real `landgov serve` on a store made by the real `landgov demo` (its
// batch of ten change patches over the county, detected, two alerts moved
// along enforcement). As the county's administrator:
//   - the alerts are the API's (GET /api/monitor/alerts), each kind and
//     state named in Chinese, no code showing;
//   - the batch lists its ten patches with their verdicts;
//   - an alert's page shows its events and moves it on with a reason
//     (the new event shows, as the API then says);
//   - the figures page shows the rates per county and seed 000's figures;
//   - in English no dictionary key shows; an applicant is told it may not look.
// Screenshots go to test-output/browser/ (monitor-*.png).

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

const RAW = /\b(pending|confirmed|unfounded|filed|demolished|confiscated|unapproved_construction|pbf_non_farm|construction_in_eprl|no_new_construction)\b/;
const KEY_LEAK = /\b(monitor|nav)\.[a-zA-Z_0-9.]+\b/;

async function api(p) {
  return page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).json(), p);
}

async function open(hash, ready) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((t) => document.getElementById('monitor-body')?.dataset.ready === t && !document.getElementById('monitor-body').hasAttribute('aria-busy'), ready);
}

const text = () => page.locator('#page-monitor').innerText();

before(async () => {
  dir = tempDir('landgov-browser-monitor-');
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

test('the alerts, as the API has them, in Chinese', async () => {
  await open('#/monitor', 'alerts');
  const a = await api('/api/monitor/alerts');
  assert.equal(await page.locator('#monitor-alerts tbody tr').count(), a.alerts.length);
  const body = await text();
  for (const x of a.alerts) assert.ok(body.includes(x.kind_title) && body.includes(x.state_title), x.kind);
  assert.doesNotMatch(body, RAW);
  await shot(page, 'monitor-alerts.png', { fullPage: true });
  expectClean(problems);
});

test('the batch with its patches and verdicts', async () => {
  const b = (await api('/api/monitor/batches')).batches[0];
  await open(`#/monitor/batch-${b.id}`, 'batches');
  assert.equal(await page.locator('#monitor-patches tbody tr').count(), b.patch_count);
  const body = await text();
  assert.match(body, /合法 \(已批\)/);
  assert.match(body, /占用永久基本农田/);
  assert.doesNotMatch(body, RAW);
  expectClean(problems);
});

test('an alert moves on with a reason', async () => {
  const a = (await api('/api/monitor/alerts?state=pending')).alerts[0];
  await open(`#/monitor/alert-${a.id}`, 'alerts');
  await page.selectOption('#monitor-move-to', 'confirmed');
  await page.fill('#monitor-move-reason', '现场核查属实 (浏览器测试)');
  await page.click('#monitor-move button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#monitor-events tbody tr').length === 1);
  const after = await api(`/api/monitor/alerts/${a.id}`);
  assert.equal(after.state, 'confirmed');
  assert.match(await page.locator('#monitor-events').innerText(), /核查属实.*现场核查属实 \(浏览器测试\)/s);
  await shot(page, 'monitor-alert.png', { fullPage: true });
  expectClean(problems);
});

test('the figures: rates per county and seed 000', async () => {
  await open('#/monitor/analytics', 'analytics');
  assert.equal(await page.locator('#monitor-rates tbody tr').count(), 1);
  assert.match(await page.locator('#monitor-seed').innerText(), /7\.2/);
  expectClean(problems);
});

test('in English no key shows; an applicant may not look', async () => {
  await page.evaluate(() => globalThis.landgov.setLang('en'));
  await open('#/monitor', 'alerts');
  let body = await text();
  assert.doesNotMatch(body, KEY_LEAK);
  assert.match(body, /To verify|Verified/);
  await page.evaluate(() => globalThis.landgov.setLang('zh-CN'));
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/monitor`, 'applicant', PASSWORD);
  await page.waitForFunction(() => document.getElementById('monitor-body')?.dataset.ready);
  body = await text();
  assert.match(body, /无权查看监测预警/);
  expectClean(problems);
});
