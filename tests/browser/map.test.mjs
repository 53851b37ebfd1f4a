// The One Map page in Debian's Chromium, driven by playwright-core: the
// page asks for a login (and says so in Chinese when the password is
// wrong), then loads with nothing from the internet, lists the layers in
// Chinese grouped by role, draws the features of the view, hides a layer
// when its box is unticked, shows a feature's attributes when it is
// clicked, and logs out. Screenshots go to test-output/browser/ for
// people to look at.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { PASSWORD, ROOT, gkToMercator, makeFixtureStore, square, startServer, tempDir } from '../api/helpers.mjs';

const SHOTS = path.join(ROOT, 'test-output', 'browser');
const CHROMIUM = process.env.LANDGOV_CHROMIUM || '/usr/bin/chromium';

let dir;
let server;
let context;
let page;
const problems = []; // console errors, page errors, failed or outside requests

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  dir = tempDir('landgov-browser-');
  server = await startServer(makeFixtureStore(dir));
  // A fresh profile each run; playwright takes it as userDataDir rather
  // than as a --user-data-dir argument.
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  });
  page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  // A request the page itself cancels (it moved to another view before the
  // answer came: net::ERR_ABORTED) is not a failure of the server.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) problems.push(`outside request: ${r.url()}`);
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Waits until OpenLayers has drawn the current state (no timing involved).
const settle = () =>
  page.evaluate(() => new Promise((resolve) => {
    const map = globalThis.landgov.state.map;
    map.once('rendercomplete', () => resolve());
    map.render();
  }));

const loaded = (name) => page.evaluate((n) => globalThis.landgov.state.olLayers[n]?.getSource().getFeatures().length ?? -1, name);

test('the page asks for a login and refuses a wrong password in Chinese', async () => {
  // The One Map is the page "#/map" of the web client (the dashboard is
  // the default page).
  await page.goto(`${server.url}#/map`);
  await page.locator('#login').waitFor({ state: 'visible' });
  assert.equal(await page.title(), '国土空间规划一张图');
  assert.match(await page.textContent('#status'), /请登录/);
  assert.equal(await page.evaluate(() => globalThis.landgov.state.layers.length), 0);
  await page.fill('#login-name', 'clerk');
  await page.fill('#login-password', 'Wrong-Pass-1');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
  assert.equal(await page.textContent('#login-error'), '用户名或密码错误');
  await page.screenshot({ path: path.join(SHOTS, 'login.png') });
  // The refused login is the one HTTP error expected here (Chromium also
  // logs it on the console).
  assert.ok(problems.some((p) => /^HTTP 401: .*\/api\/login$/.test(p)), problems.join('\n'));
  const rest = problems.filter((p) => !/401/.test(p));
  problems.length = 0;
  assert.deepEqual(rest, []);
});

test('after the login the page lists the layers in Chinese by role and draws the grid', async () => {
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.evaluate(() => globalThis.landgov.ready);
  assert.equal(await page.locator('#login').isVisible(), false);
  assert.match(await page.textContent('#user'), /窗口甲 · 受理窗口 · 360781/);
  assert.equal(await page.locator('#logout').isVisible(), true);
  const groups = await page.$$eval('#layer-list .layer-group h3', (hs) => hs.map((h) => h.textContent));
  for (const g of ['生态保护红线', '永久基本农田', '城镇开发边界', '土地利用现状']) assert.ok(groups.includes(g), `group ${g} missing from ${groups}`);
  const names = await page.$$eval('#layer-list .layer-item .name', (ns) => ns.map((n) => n.textContent));
  for (const n of ['地类图斑', '永久基本农田保护图斑', '生态保护红线', '城镇开发边界']) assert.ok(names.includes(n), `layer ${n} missing from ${names}`);
  assert.match(await page.textContent('#status'), /共 4 个图层/);
  // The view is fitted to the layers, so the whole grid is requested.
  await page.waitForFunction(() => {
    const n = (name) => globalThis.landgov.state.olLayers[name].getSource().getFeatures().length;
    return n('dltb') === 100 && n('jbnt') === 1 && n('stbhhx') === 1 && n('czkfbj') === 1;
  });
  assert.equal(await loaded('dltb'), 100);
  await settle();
  await page.screenshot({ path: path.join(SHOTS, 'map.png') });
  assert.deepEqual(problems, []);
});

test('unticking a layer hides it', async () => {
  const box = page.locator('#layer-jbnt');
  assert.equal(await box.isChecked(), true);
  await box.click();
  assert.equal(await box.isChecked(), false);
  assert.equal(await page.evaluate(() => globalThis.landgov.state.olLayers.jbnt.getVisible()), false);
  await page.locator('#layer-czkfbj').click();
  assert.equal(await page.evaluate(() => globalThis.landgov.state.olLayers.czkfbj.getVisible()), false);
  await settle();
  await page.screenshot({ path: path.join(SHOTS, 'map-layers-off.png') });
  await page.locator('#layer-czkfbj').click();
  assert.equal(await page.evaluate(() => globalThis.landgov.state.olLayers.czkfbj.getVisible()), true);
});

test('clicking a square shows its attributes', async () => {
  const s = square(4, 6);
  const [[mx, my]] = gkToMercator([[s.cx, s.cy]]);
  const [px, py] = await page.evaluate(([x, y]) => globalThis.landgov.state.map.getPixelFromCoordinate([x, y]), [mx, my]);
  const mapBox = await page.locator('#map').boundingBox();
  assert.ok(px > 0 && py > 0 && px < mapBox.width && py < mapBox.height, `pixel ${px},${py} outside the map`);
  await page.mouse.click(mapBox.x + px, mapBox.y + py);
  const feature = page.locator('#info .feature[data-layer="dltb"]');
  await feature.waitFor({ state: 'visible' });
  const text = await feature.textContent();
  assert.match(text, /地类图斑/);
  assert.match(text, new RegExp(`BSM\\s*${s.bsm}`));
  assert.match(text, new RegExp(`DLBM\\s*${s.dlbm}`));
  assert.match(text, new RegExp(`DLMC\\s*${s.dlmc}`));
  assert.match(text, /EPSG:4526/);
  await settle();
  await page.screenshot({ path: path.join(SHOTS, 'identify.png') });
  // Clicking in the gap between squares finds no land-use patch.
  const [gx, gy] = await page.evaluate(([x, y]) => globalThis.landgov.state.map.getPixelFromCoordinate([x, y]),
    gkToMercator([[s.maxx + 50, s.maxy + 50]])[0]);
  await page.mouse.click(mapBox.x + gx, mapBox.y + gy);
  await page.waitForFunction(() => !document.querySelector('#info .feature[data-layer="dltb"]'));
  assert.deepEqual(problems, []);
});

test('logging out ends the session and brings the login form back', async () => {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#user'), '');
  const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
  assert.equal(session.user, null);
  assert.deepEqual(problems, []);
});
