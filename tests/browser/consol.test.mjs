// The land consolidation page (全域土地综合整治, "#/consol") in Debian's
// Chromium, against a real `landgov serve` on a store made by the real
// `landgov demo` (three projects in the county's first township, one of
// them an accepted reclamation project whose quotas went to the bank).
// As the county approver:
//   - the project library lists the three projects with their Chinese
//     statuses and types, as GET /api/consol/projects gives them;
//   - the accepted project shows its control lines, its four steps and
//     the quota movements it posted, each kind by its Chinese name;
//   - the potential of township 360781101 shows the API's figures;
//   - in English no dictionary key shows; an applicant may not look.
// Screenshots go to test-output/browser/ (consol-*.png).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { landgov, startServer, storeTarget, tempDir } from '../api/helpers.mjs';
import { expectClean, launch, loginPage, shot } from './harness.mjs';

const PASSWORD = 'Demo-2026-landgov';
const RAW = /\b(registered|implementing|accepted|reclamation|farmland|ecological|cultivated_area|linkage_surplus|cultivated_paddy|cultivated_grain)\b/;
const KEY_LEAK = /\b(consol|consolKind|consolStatus|consolType|nav)\.[a-zA-Z_0-9.]+\b/;
let dir;
let db;
let server;
let context;
let page;
let problems;

async function api(p) {
  return page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).json(), p);
}

async function open(param, ready) {
  await page.evaluate((h) => { location.hash = h; }, param ? `#/consol/${param}` : '#/consol');
  await page.waitForFunction((r) => document.getElementById('consol-body')?.dataset.ready === r && !document.getElementById('consol-body').hasAttribute('aria-busy'), ready);
}

const text = () => page.locator('#page-consol').innerText();

before(async () => {
  dir = tempDir('landgov-browser-consol-');
  db = storeTarget(path.join(dir, 'demo.gpkg'));
  landgov(db, ['demo'], { timeout: 300000 });
  server = await startServer(db);
  ({ context, page, problems } = await launch(dir, server));
  await loginPage(page, server.url, 'approver', PASSWORD);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the project library and an accepted project with the quotas it produced', async () => {
  await open(undefined, 'projects');
  const list = (await api('/api/consol/projects')).projects;
  assert.equal(list.length, 3);
  assert.equal(await page.locator('#consol-projects tbody tr').count(), 3);
  const body = await text();
  for (const s of ['入库', '实施', '验收', '建设用地复垦', '农用地整理', '生态保护修复']) assert.ok(body.includes(s), s);
  assert.doesNotMatch(body, RAW);
  await shot(page, 'consol-projects.png', { fullPage: true });
  const acc = list.find((p) => p.status === 'accepted');
  await open(String(acc.id), 'project');
  const p = await api(`/api/consol/projects/${acc.id}`);
  const detail = await text();
  assert.match(detail, /生态保护红线/);
  assert.equal(await page.locator('#consol-acts tbody tr').count(), 4);
  assert.equal(await page.locator('#consol-movements tbody tr').count(), p.acceptance.movements.length);
  assert.match(detail, /增减挂钩节余指标/);
  assert.match(detail, new RegExp(p.acceptance.document.replace(/[〔〕]/g, '.')));
  assert.doesNotMatch(detail, RAW);
  await shot(page, 'consol-project.png', { fullPage: true });
  expectClean(problems);
});

test('the potential of a township, as the API computes it', async () => {
  await open('potential', 'potential');
  await page.fill('#consol-township', '360781101');
  await page.click('#page-consol button[type="submit"]');
  await page.locator('#consol-potential').waitFor();
  const p = await api('/api/consol/potential?township=360781101');
  const body = await page.locator('#consol-potential').innerText();
  assert.ok(body.includes(p.cultivated.fragments.count.toLocaleString('zh-CN')), body);
  assert.ok(body.includes(p.quotas.cultivated_area.toLocaleString('zh-CN')), body);
  await shot(page, 'consol-potential.png', { fullPage: true });
  expectClean(problems);
});

test('in English no key shows; an applicant may not look', async () => {
  await page.evaluate(() => globalThis.landgov.setLang('en'));
  await open(undefined, 'projects');
  let body = await text();
  assert.doesNotMatch(body, KEY_LEAK, body.match(KEY_LEAK)?.[0]);
  assert.match(body, /Construction-land reclamation/);
  await page.evaluate(() => globalThis.landgov.setLang('zh-CN'));
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}#/consol`, 'applicant', PASSWORD);
  await open(undefined, 'projects');
  await page.locator('#consol-denied').waitFor();
  body = await text();
  assert.match(body, /无权查看土地综合整治/);
  expectClean(problems);
});
