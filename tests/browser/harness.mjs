// Shared by the web client's browser tests (web.test.mjs, check.test.mjs):
// Debian's Chromium driven by playwright-core with a fresh profile, the
// guard of map.test.mjs that collects console errors, page errors, failed
// requests, HTTP errors and any request that leaves the test server, and
// the login. Screenshots go to test-output/browser/ for people to look at.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { PASSWORD, ROOT } from '../api/helpers.mjs';

export const SHOTS = path.join(ROOT, 'test-output', 'browser');
export const CHROMIUM = process.env.LANDGOV_CHROMIUM || '/usr/bin/chromium';
/** The project's shared data (real sample files): $LG_SHARED or ROOT/../shared. */
export const SHARED = process.env.LG_SHARED || path.resolve(ROOT, '..', 'shared');

/** Launches Chromium on a fresh profile under dir; returns { context,
 *  page, problems }. problems collects what must not happen, each as a
 *  line; expected ones are taken out with allow(). */
export async function launch(dir, server, { viewport = { width: 1280, height: 800 } } = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  // A fresh profile each run; playwright takes it as userDataDir rather
  // than as a --user-data-dir argument.
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
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
    viewport,
    locale: 'zh-CN',
    acceptDownloads: true,
  });
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} @ ${m.location()?.url || ''}`);
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
    const u = r.url();
    if (!u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`outside request: ${u}`);
  });
  return { context, page, problems };
}

/** Asserts that nothing but the allowed problems happened, and forgets
 *  them. allowed: regular expressions a problem line may match. The
 *  approval tasks API may be absent (404): the dashboard asks for it, and
 *  says nothing when there is none. */
export function expectClean(problems, allowed = []) {
  const rest = problems.filter((p) => !allowed.some((re) => re.test(p)));
  problems.length = 0;
  assert.deepEqual(rest, []);
}

/** A 404 of an API the server does not have yet, as Chromium reports it. */
export const absentApi = (p) => [new RegExp(`^HTTP 404: .*${p}$`), new RegExp(`^console: Failed to load resource: .*404.* @ .*${p}$`)];

/** Opens url and logs in through the page's own form as login. */
export async function loginPage(page, url, login, password = PASSWORD) {
  await page.goto(url);
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#login-name', login);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.evaluate(() => globalThis.landgov.ready);
  assert.equal(await page.locator('#login').isVisible(), false);
}

export const shot = (page, name, opts = {}) => page.screenshot({ path: path.join(SHOTS, name), ...opts });

/** Waits until an OpenLayers map has drawn its current state. */
export const settle = (page, which = 'map') =>
  page.evaluate((w) => new Promise((resolve) => {
    const s = globalThis.landgov.state;
    const map = w === 'check' ? s.check.map : s.map;
    map.once('rendercomplete', () => resolve());
    map.render();
  }), which);

/** The names of the files in a zip archive, read from its central
 *  directory (APPNOTE.TXT 4.3.12 and 4.3.16), to tell an XLSX (a zip with
 *  xl/workbook.xml) from anything else without a zip library. */
export function zipNames(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) return null;
    const n = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    names.push(buf.subarray(p + 46, p + 46 + n).toString('utf8'));
    p += 46 + n + extra + comment;
  }
  return names;
}
