// Every failure the API can give takes one shape,
// {"error":{"code","message","detail"}}, with the status of its kind and a
// Chinese message (401 for the public where a login is needed, 403 for an
// account the policy refuses); static files come with the right types and nothing
// outside the web directory (or outside the page's npm packages) can be
// read, however the path is spelled.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { client, login, makeFixtureStore, rawGet, startServer, tempDir } from './helpers.mjs';

let dir;
let server;
let clerk; // a logged-in window clerk: the API errors below are not permission errors

before(async () => {
  dir = tempDir('landgov-api-errors-');
  server = await startServer(makeFixtureStore(dir));
  clerk = await login(server, 'clerk');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const CHINESE = /[\u4e00-\u9fff]/;

async function expectError(path, status, code, init = {}, as = clerk) {
  const r = await as.fetch(path, init);
  const text = await r.text();
  assert.equal(r.status, status, `${init.method || 'GET'} ${path}: ${text}`);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'detail', 'message']);
  assert.equal(body.error.code, code, text);
  assert.match(body.error.message, CHINESE, `message should be in Chinese: ${body.error.message}`);
  assert.equal(typeof body.error.detail, 'string');
  return { body, headers: r.headers };
}

test('404 for an unknown route, in the error shape', async () => {
  await expectError('/api/nothing', 404, 'not_found');
  await expectError('/api/layers/dltb', 404, 'not_found');
  await expectError('/api/layers/dltb/features/extra', 404, 'not_found');
  await expectError('/api', 404, 'not_found');
});

test('404 for an unknown layer names it', async () => {
  const { body } = await expectError('/api/layers/no_such_layer/features', 404, 'not_found');
  assert.match(body.error.message, /no_such_layer/);
  await expectError('/api/layers/99999/features', 404, 'not_found');
});

test('400 for a bad bbox, naming the parameter', async () => {
  for (const bbox of ['1,2,3', '1,2,3,4,5', 'a,b,c,d', '3,2,1,4', '1,4,3,2', '1,2,3,inf', '1;2;3;4']) {
    const { body } = await expectError(`/api/layers/dltb/features?bbox=${encodeURIComponent(bbox)}`, 400, 'invalid_input');
    assert.equal(body.error.detail, 'bbox', bbox);
  }
  // Degrees out of range when the CRS is geographic.
  await expectError('/api/layers/dltb/features?crs=4490&bbox=100,30,200,40', 400, 'invalid_input');
});

test('400 for a CRS other than 4490, 3857 or the layer\'s own', async () => {
  for (const crs of ['4326', 'abc', 'EPSG:', '4527']) {
    const { body } = await expectError(`/api/layers/dltb/features?crs=${crs}`, 400, 'crs_error');
    assert.equal(body.error.detail, 'crs');
  }
});

test('400 for a limit out of 1..10000 or not a number', async () => {
  for (const limit of ['0', '-5', '10001', 'ten', '1.5']) {
    const { body } = await expectError(`/api/layers/dltb/features?limit=${limit}`, 400, 'invalid_input');
    assert.equal(body.error.detail, 'limit');
  }
});

test('405 for a known route with the wrong method, with Allow', async () => {
  let r = await expectError('/api/health', 405, 'method_not_allowed', { method: 'POST' });
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  r = await expectError('/api/layers', 405, 'method_not_allowed', { method: 'DELETE' });
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  r = await expectError('/api/layers/dltb/features', 405, 'method_not_allowed', { method: 'PUT', body: '{}' });
  await expectError('/index.html', 405, 'method_not_allowed', { method: 'POST', body: 'x' });
});

test('401 for the public where a login is needed, 403 for a refused account', async () => {
  const pub = client(server);
  let r = await expectError('/api/layers', 401, 'unauthenticated', {}, pub);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="landgov"');
  assert.match(r.body.error.message, /请先登录/);
  await expectError('/api/layers/dltb/features', 401, 'unauthenticated', {}, pub);
  // An enterprise applicant has no access to the One Map's layers.
  const applicant = await login(server, 'applicant');
  r = await expectError('/api/layers', 403, 'forbidden', {}, applicant);
  assert.match(r.body.error.message, /企业申请人 applicant .*无权查看图层/);
  assert.equal(r.headers.get('www-authenticate'), null);
  // Health is open to all; a credential that is not valid is 401 even
  // where the public would be let in.
  assert.equal((await pub.fetch('/api/health')).status, 200);
  r = await expectError('/api/health', 401, 'unauthenticated', {}, client(server, { authorization: 'Bearer lgt_nonsense' }));
  assert.equal(r.body.error.detail, 'Authorization');
});

test('413 for a body over the limit (4 MiB)', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
  await expectError('/api/layers', 413, 'limit_exceeded', {
    method: 'POST',
    body: big,
    headers: { 'content-type': 'application/json' },
  });
  // The server is still there afterwards.
  assert.equal((await fetch(`${server.url}api/health`)).status, 200);
});

test('static files: index for /, content types, the page\'s npm packages only', async () => {
  let r = await fetch(server.url);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
  const html = await r.text();
  assert.match(html, /<title>国土空间规划一张图<\/title>/);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'the page must not load anything from the internet');
  r = await fetch(`${server.url}app.js`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  r = await fetch(`${server.url}app.css`);
  assert.match(r.headers.get('content-type'), /^text\/css/);
  r = await fetch(`${server.url}vendor/ol/ol.css`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/css/);
  r = await fetch(`${server.url}vendor/ol/Map.js`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  r = await fetch(`${server.url}vendor/proj4/dist/proj4.js`);
  assert.equal(r.status, 200);
  await expectError('/vendor/playwright-core/package.json', 404, 'not_found');
  await expectError('/no-such-file.js', 404, 'not_found');
  r = await fetch(`${server.url}app.js`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
});

test('no path leads out of the web directory', async () => {
  const secret = fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const attempts = [
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/..%2fpackage.json',
    '/..%5cpackage.json',
    '/vendor/../../package.json',
    '/vendor/ol/../../package.json',
    '/vendor/ol/%2e%2e/%2e%2e/package.json',
    '/vendor/../package.json',
    '/vendor/.package-lock.json',
    '/./index.html',
    '//etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/.%2e/package.json',
    '/%00/../package.json',
  ];
  for (const p of attempts) {
    const r = await rawGet(server.port, p);
    assert.ok(r.status === 400 || r.status === 404, `${p}: status ${r.status}`);
    assert.ok(!r.body.includes('"playwright-core"') && !r.body.includes(secret.slice(0, 40)), `${p} leaked package.json`);
    assert.ok(!r.body.includes('root:'), `${p} leaked /etc/passwd`);
    if (r.headers['content-type']?.startsWith('application/json')) {
      const e = JSON.parse(r.body).error;
      assert.ok(e && e.code && e.message, `${p}: ${r.body}`);
    }
  }
});
