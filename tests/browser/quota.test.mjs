// The quota bank's page (指标银行, "#/quota") in Debian's Chromium, against
// a real `landgov serve` on a store made by the real `landgov demo` (its
// quota year, a farmland project approved last year and one short of
// quota this year, trades, a fund spending, an enclave park). As the
// province's approver, who sees every account:
//   - the dashboard shows the year's gap, idle quota and landing rate
//     beside seed 000's figures, the table by division (the county short
//     of quota marked) with its chart, and the allocation proposal; the
//     figures are the API's (GET /api/quota/dashboard);
//   - balances by division and kind name every kind in Chinese (no code
//     shows), and reconciliation says the bank is consistent;
//   - movements list each with its ledger entry, and one verifies in the
//     browser;
//   - the market lists listings with their bids, trades with their
//     compensation in yuan to the fen (as the API's fen), caps used and
//     the funds; a statement opens;
//   - the enclave park shows its agreement, shares and settlements, and
//     the case in it whose approval uses the source county's quota;
//   - in English, no dictionary key shows; a county's clerk sees only its
//     county's accounts; an applicant is told it may not look.
// Screenshots go to test-output/browser/ (quota-*.png).

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

const RAW = /\b(new_construction|cultivated_area|cultivated_paddy|cultivated_grain|linkage_surplus|available|reserved|handed_over|withdrawn)\b/;
const KEY_LEAK = /\b(quota|quotaKind|quotaType|quotaStatus|quotaBucket|quotaUnit|quotaLevel|quotaParty|quotaBid|nav)\.[a-zA-Z_0-9.]+\b/;

async function api(p) {
  return page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).json(), p);
}

async function open(tab) {
  await page.evaluate((h) => { location.hash = h; }, tab ? `#/quota/${tab}` : '#/quota');
  await page.waitForFunction((t) => document.getElementById('quota-body')?.dataset.ready === (t || 'dashboard') && !document.getElementById('quota-body').hasAttribute('aria-busy'), tab);
}

/** Logs out through the page and in again as another demo account. */
async function relog(login, hash) {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await loginPage(page, `${server.url}${hash}`, login, PASSWORD);
}

async function text() {
  return page.locator('#page-quota').innerText();
}

before(async () => {
  dir = tempDir('landgov-browser-quota-');
  db = storeTarget(path.join(dir, 'demo.gpkg'));
  landgov(db, ['demo'], { timeout: 300000 });
  server = await startServer(db);
  ({ context, page, problems } = await launch(dir, server));
  await loginPage(page, server.url, 'approver.prov', PASSWORD);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the dashboard: gap, idle quota and landing rate, by division, and the proposal', async () => {
  await open();
  const d = await api('/api/quota/dashboard');
  const body = await text();
  assert.match(body, /指标缺口率/);
  assert.match(body, /参照: 15\.0% \(seed 000\)/);
  assert.match(body, /参照: 18\.4%/);
  assert.match(body, /参照: 60\.0%/);
  // The county short of quota: its gap in the table, as the API says.
  const county = d.divisions.find((r) => r.gap_m2 > 0);
  assert.ok(county, JSON.stringify(d.divisions));
  const row = page.locator(`#quota-dash-table tr[data-division="${county.division}"]`);
  assert.match(await row.innerText(), new RegExp(county.gap_m2.toLocaleString('zh-CN')));
  assert.equal(await row.locator('td.quota-short').count(), 1);
  await page.locator('#quota-chart svg').waitFor();
  // Next year's proposal from stock disposed: 0.5 x (186,667 + 53,334) = 120,000.5 -> 120,001 for the county.
  assert.match(await page.locator('#quota-proposal-table').innerText(), /120,001/);
  assert.doesNotMatch(body, RAW);
  await shot(page, 'quota-dashboard.png', { fullPage: true });
  expectClean(problems);
});

test('balances by division and kind, in Chinese; reconciliation consistent', async () => {
  await open('balances');
  const rows = await page.locator('#quota-balances-table tbody tr').count();
  const b = await api('/api/quota/balances');
  assert.equal(rows, b.accounts.length);
  const body = await text();
  for (const name of ['新增建设用地计划指标', '耕地占补平衡指标 (数量)', '耕地占补平衡指标 (粮食产能)', '增减挂钩节余指标']) assert.ok(body.includes(name), name);
  assert.match(body, /千克/);
  assert.doesNotMatch(body, RAW);
  await page.click('#quota-reconcile');
  await page.locator('#quota-reconcile-result p[data-ok="true"]').waitFor();
  assert.match(await page.locator('#quota-reconcile-result').innerText(), /一致/);
  await shot(page, 'quota-balances.png', { fullPage: true });
  expectClean(problems);
});

test('movements with their ledger entries; one verifies in the browser', async () => {
  await open('movements');
  const first = page.locator('#quota-movements-table tbody tr').first();
  assert.match(await first.innerText(), /平方米|千克/);
  const body = await text();
  assert.match(body, /批准核销/);
  assert.match(body, /报批预留/);
  assert.doesNotMatch(body, RAW);
  await page.locator('#quota-movements-table button.verify').first().click();
  await page.locator('#quota-movements-table .verify-result[data-ok="true"]').waitFor({ timeout: 20000 });
  assert.match(await page.locator('#quota-movements-table .verify-result').innerText(), /quota\.movement/);
  await shot(page, 'quota-movements.png', { fullPage: true });
  expectClean(problems);
});

test('the market: listings and bids, trades with their compensation to the fen, caps, funds', async () => {
  await open('market');
  const trades = (await api('/api/quota/trades')).trades;
  assert.ok(trades.length >= 2);
  const tr = trades.find((x) => x.buyer === '4403'); // Shenzhen, 440300 as its city code
  // 40,000 m2 x 450.00 yuan = 18,000,000.00 yuan; 10%: 1,800,000.00 to the seller's fund.
  assert.equal(tr.total_fen, 1800000000);
  assert.equal(tr.compensation_fen, 180000000);
  const row = await page.locator(`#quota-trades-table tr[data-id="${tr.id}"]`).innerText();
  assert.match(row, /18,000,000\.00/);
  assert.match(row, /1,800,000\.00 \(10\.00%\)/);
  assert.match(row, /16,200,000\.00/);
  assert.ok(await page.locator('#quota-listings-table tr.quota-bid').count() >= 2);
  assert.match(await text(), /挂牌中/);
  assert.match(await text(), /已撤牌/);
  assert.ok(await page.locator('#quota-caps-table tbody tr').count() >= 1);
  assert.match(await page.locator('#quota-funds').innerText(), /XF-2026-02 废弃稀土矿山生态修复/);
  assert.doesNotMatch(await text(), RAW);
  await shot(page, 'quota-market.png', { fullPage: true });
  // The trade's statement, a printable page.
  const [popup] = await Promise.all([context.waitForEvent('page'), page.locator(`#quota-trades-table tr[data-id="${tr.id}"] a.quota-statement`).click()]);
  await popup.waitForLoadState();
  assert.match(await popup.locator('body').innerText(), /指标交易结算单/);
  await shot(popup, 'quota-statement.png', { fullPage: true });
  await popup.close();
  expectClean(problems);
});

test('the enclave park: its agreement, shares and settlements', async () => {
  await open('enclaves');
  const body = await text();
  assert.match(body, /两县共建产业合作园/);
  assert.match(body, /第 1–3 年: 5 : 5/);
  assert.match(body, /第 4 年起: 3 : 7/);
  assert.match(body, /飞出地的指标/);
  assert.match(body, /园区内的报批案件: 360781-\d{4}-\d{6}/);
  assert.match(body, /已存档 \(文件 \d+\)/);
  // The first year's tax: 18,650,000.00 yuan shared 5:5.
  assert.match(body, /9,325,000\.00/);
  assert.ok(await page.locator('.quota-settlements tbody tr').count() === 2);
  await shot(page, 'quota-enclaves.png', { fullPage: true });
  expectClean(problems);
});

test('in English no key shows; a county clerk sees its county; an applicant may not look', async () => {
  await page.evaluate(() => globalThis.landgov.setLang('en'));
  for (const tab of [undefined, 'balances', 'movements', 'market', 'enclaves']) {
    await open(tab);
    const body = await text();
    assert.doesNotMatch(body, KEY_LEAK, `${tab}: ${body.match(KEY_LEAK)?.[0]}`);
  }
  assert.match(await text(), /Enclave parks/);
  await page.evaluate(() => globalThis.landgov.setLang('zh-CN'));
  await relog('clerk', '#/quota/balances');
  await open('balances');
  const divs = await page.locator('#quota-balances-table tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.division));
  assert.ok(divs.length > 0);
  assert.ok(divs.every((d) => d.startsWith('360781')), divs.join());
  await relog('applicant', '#/quota');
  await open();
  await page.locator('#quota-denied').waitFor();
  await shot(page, 'quota-denied.png');
  expectClean(problems);
});
