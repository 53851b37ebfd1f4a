// Accounts in front of the API, against a real `landgov serve`: logging
// in and out, the session, wrong passwords, the cookie's flags, CSRF and
// Origin checks, API tokens, disabled accounts, changing one's password,
// a new role for an account, the policy table and the settings over HTTP
// (changed only by the administrator whose jurisdiction holds the whole
// store: here the province's), every account, policy and setting change on
// the ledger with who made it and `landgov ledger audit` clean after all
// of it, throttling (429 with Retry-After after five failures of a login;
// an office's shared address only after its own, higher limit), and the
// permission matrix: every role (and the public) x every resource that has
// a route today x action x own or another county's object, each expected
// outcome written out here by hand from the policy rules in
// src/auth/auth.h, not read from the seed.
//
// Compliance checks (src/http/api_checks.c), the rule set, approval cases,
// their tasks and processes (src/http/api_cases.c) are in it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, PASSWORD, USERS, addUsers, apiToken, bearer, client, landgov, login, makeFixtureStore, startServer, storeExec, storeTarget, tempDir } from './helpers.mjs';

let dir;
let db;
let server;
let pub;
const as = {}; // logged-in clients by login

// Accounts the matrix acts on, so that the fixture's own accounts keep
// their passwords: one in each county.
const TARGETS = {
  temp_a: { role: 'clerk', division: '360781' },
  temp_b: { role: 'clerk', division: '360782' },
};
// The province's administrator (Jiangxi, 36): the store holds counties of
// one province only, so its jurisdiction holds the whole store and it is
// the one who may change the policy table and the settings.
const PROVINCE = { admin_prov: { role: 'admin', division: '36', name: '省管理员' } };

// A boundary over two of the fixture's squares (EPSG:4526), for checks.
const { x0, y0 } = GRID;
const BOUNDARY = { type: 'Polygon', coordinates: [[[x0, y0], [x0, y0 + 100], [x0 + 250, y0 + 100], [x0 + 250, y0], [x0, y0]]] };
const checkIds = {}; // saved checks: a (county A's clerk), b (county B's), e (the enterprise's)
const cases = {}; // approval cases, the same way: {id, code, task (the window's)}
let rules; // the current rule set, for the rules admin row

// Acts recorded from outside the system (`landgov ledger record`), of an
// object type no module audits.
const record = (jurisdiction, id) =>
  JSON.parse(landgov(db, ['--json', 'ledger', 'record', '--actor', '测试', '--role', '受理', '--jurisdiction',
    jurisdiction, '--action', 'paper.accept', '--type', 'paper', '--id', id])).index;
const entries = {}; // ledger entries recorded for the matrix: a, b, a2 (a township of county A)

before(async () => {
  dir = tempDir('landgov-api-auth-');
  db = makeFixtureStore(dir);
  addUsers(db, TARGETS);
  addUsers(db, PROVINCE);
  entries.a = record('360781', 'A-1'); // county A
  entries.b = record('360782', 'B-1'); // its neighbour, county B
  entries.a2 = record('360781101', 'A-2'); // a township of county A
  server = await startServer(db);
  pub = client(server);
  for (const name of [...Object.keys(USERS), ...Object.keys(PROVINCE)]) as[name] = await login(server, name);
  for (const [k, who] of [['a', 'clerk'], ['b', 'clerk_b'], ['e', 'applicant']]) {
    const r = await as[who].json('/api/checks', { method: 'POST', body: { geometry: BOUNDARY, srs: 4526, name: `${who} 的项目` } });
    assert.equal(r.status, 201, r.text);
    checkIds[k] = r.body.id;
  }
  rules = (await as.admin.json('/api/rules')).body.rules;
  // Approval cases (the store has no county outlines: a case belongs to
  // its filer's county): county A's for another enterprise, with an item
  // still to come; another at county A's window; county B's; and the
  // fixture applicant's own.
  const fileCase = async (who, extra = {}) => {
    const r = await as[who].json('/api/cases', {
      method: 'POST',
      body: { title: `${who} 的项目`, type: 'industrial', rating: 'B', investment: 1000000,
        enterprise: '91360781MA35B0002Y', boundary: BOUNDARY, srs: 4526, ...extra },
    });
    assert.equal(r.status, 201, r.text);
    return { id: r.body.id, code: r.body.code, task: r.body.tasks[0].id };
  };
  cases.a = await fileCase('clerk', { materials: [{ kind: 'site_plan', state: 'missing' }] });
  cases.a2 = await fileCase('clerk');
  cases.b = await fileCase('clerk_b');
  cases.e = await fileCase('applicant');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const CHINESE = /[\u4e00-\u9fff]/;

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.error?.code, code, r.text);
  assert.match(r.body.error.message, CHINESE);
}

// ---- Logging in and out -------------------------------------------------------

test('the public has a session without a user, and the grants of the public', async () => {
  const r = await pub.json('/api/session');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.user, null);
  assert.equal(r.body.role, 'public');
  assert.equal(r.body.role_title, '公众');
  assert.equal(r.body.csrf, null);
  assert.equal(r.body.can.layer.read, 'none');
  assert.equal(r.body.can.progress.read, 'all');
  assert.equal(r.body.can.checkpoint.read, 'all');
});

test('login sets an HttpOnly SameSite=Strict session cookie; session and logout', async () => {
  const r = await pub.json('/api/login', { method: 'POST', body: { login: 'Clerk', password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^lg_session=[A-Za-z0-9_-]{43}; /);
  const flags = cookie.split(';').slice(1).map((f) => f.trim());
  assert.deepEqual(flags.sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict']); // no Secure over http, no Max-Age
  assert.equal(r.body.user.login, 'clerk');
  assert.equal(r.body.user.role, 'clerk');
  assert.equal(r.body.user.role_title, '受理窗口');
  assert.equal(r.body.user.division, '360781');
  assert.match(r.body.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!r.text.includes(cookie.split(';')[0].split('=')[1]), 'the session token must not be in the body');
  const c = client(server, { cookie: cookie.split(';')[0] });
  let s = await c.json('/api/session');
  assert.equal(s.status, 200);
  assert.equal(s.body.user.login, 'clerk');
  assert.equal(s.body.via, 'session');
  assert.equal(s.body.csrf, r.body.csrf);
  assert.equal(s.body.can.layer.read, 'all');
  assert.equal(s.body.can.user.admin, 'none');
  assert.equal((await c.fetch('/api/layers')).status, 200);
  // Logout ends the session and clears the cookie.
  const out = await c.json('/api/logout', { method: 'POST' });
  assert.equal(out.status, 200, out.text);
  assert.match(out.headers.get('set-cookie'), /^lg_session=; .*Max-Age=0/);
  s = await c.json('/api/session');
  assertError(s, 401, 'unauthenticated');
  assert.match(s.headers.get('set-cookie'), /^lg_session=; .*Max-Age=0/);
  assertError(await c.json('/api/layers'), 401, 'unauthenticated');
  // Logging out again (or with a stale cookie) is not an error.
  assert.equal((await c.json('/api/logout', { method: 'POST' })).status, 200);
});

test('over HTTPS (behind a proxy) the cookie is Secure', async () => {
  const r = await pub.json('/api/login', {
    method: 'POST',
    body: { login: 'reviewer', password: PASSWORD },
    headers: { 'x-forwarded-proto': 'https' },
  });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('set-cookie'), /; Secure(;|$)/);
});

test('a wrong password and an unknown login get the same 401', async () => {
  const a = await pub.json('/api/login', { method: 'POST', body: { login: 'clerk', password: 'Wrong-Pass-1' } });
  assertError(a, 401, 'unauthenticated');
  assert.equal(a.body.error.message, '用户名或密码错误');
  assert.equal(a.headers.get('set-cookie'), null);
  const b = await pub.json('/api/login', { method: 'POST', body: { login: 'nobody', password: 'Wrong-Pass-1' } });
  assertError(b, 401, 'unauthenticated');
  assert.equal(b.body.error.message, a.body.error.message);
  assertError(await pub.json('/api/login', { method: 'POST', body: { login: 'clerk' } }), 400, 'invalid_input');
  assertError(await pub.json('/api/login', { method: 'POST', body: 'not json' }), 400, 'invalid_input');
});

// ---- CSRF and Origin ----------------------------------------------------------

test('a cookie session must send its CSRF token on requests that change something', async () => {
  const c = as.clerk;
  const p = '/api/users/clerk/tokens';
  // Without the header, and with a wrong one.
  let r = await client(server, { cookie: c.cookie }).json(p, { method: 'POST', body: { name: 'x' } });
  assertError(r, 403, 'forbidden');
  assert.equal(r.body.error.detail, 'X-CSRF-Token');
  r = await client(server, { cookie: c.cookie, 'x-csrf-token': 'A'.repeat(43) }).json(p, { method: 'POST', body: { name: 'x' } });
  assertError(r, 403, 'forbidden');
  r = await client(server, { cookie: c.cookie, 'x-csrf-token': c.csrf.slice(0, 42) }).json(p, { method: 'POST', body: { name: 'x' } });
  assertError(r, 403, 'forbidden');
  // Another session's token is not this one's.
  r = await client(server, { cookie: c.cookie, 'x-csrf-token': as.admin.csrf }).json(p, { method: 'POST', body: { name: 'x' } });
  assertError(r, 403, 'forbidden');
  // Reading needs none; with the right one the change is made.
  assert.equal((await client(server, { cookie: c.cookie }).json('/api/users/clerk/tokens')).status, 200);
  r = await c.json(p, { method: 'POST', body: { name: 'x' } });
  assert.equal(r.status, 201, r.text);
});

test('a request from another site is refused by its Origin', async () => {
  const c = as.clerk;
  const p = '/api/users/clerk/tokens';
  let r = await c.json(p, { method: 'POST', body: {}, headers: { origin: 'http://evil.example' } });
  assertError(r, 403, 'forbidden');
  assert.equal(r.body.error.detail, 'Origin');
  r = await c.json(p, { method: 'POST', body: {}, headers: { origin: 'null' } });
  assertError(r, 403, 'forbidden');
  r = await c.json(p, { method: 'POST', body: {}, headers: { 'sec-fetch-site': 'cross-site' } });
  assertError(r, 403, 'forbidden');
  // Even the login form cannot be posted from elsewhere.
  r = await pub.json('/api/login', { method: 'POST', body: { login: 'clerk', password: PASSWORD }, headers: { origin: 'http://evil.example' } });
  assertError(r, 403, 'forbidden');
  // The page's own origin is this server.
  r = await c.json(p, { method: 'POST', body: {}, headers: { origin: server.url.replace(/\/$/, '') } });
  assert.equal(r.status, 201, r.text);
});

// ---- API tokens ------------------------------------------------------------------

test('API tokens authenticate machine clients, need no CSRF token and can be revoked', async () => {
  const t = bearer(server, apiToken(db, 'clerk'));
  assert.equal((await t.fetch('/api/layers')).status, 200);
  const s = await t.json('/api/session');
  assert.equal(s.body.user.login, 'clerk');
  assert.equal(s.body.via, 'token');
  assert.equal(s.body.csrf, null);
  // A change without any CSRF header: a bearer token is not sent by a
  // browser on its own.
  const made = await t.json('/api/users/clerk/tokens', { method: 'POST', body: { name: '脚本', expires_days: 30 } });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.token, /^lgt_[A-Za-z0-9_-]{43}$/);
  assert.match(made.body.expires_at, /^\d{4}-\d\d-\d\dT/);
  const t2 = bearer(server, made.body.token);
  assert.equal((await t2.fetch('/api/layers')).status, 200);
  // The policy applies to tokens as to sessions.
  assertError(await t2.json('/api/users/temp_a'), 403, 'forbidden');
  // Listed (without the secret), then revoked by its owner: refused after.
  const list = await t.json('/api/users/clerk/tokens');
  const row = list.body.tokens.find((x) => x.id === made.body.id);
  assert.equal(row.name, '脚本');
  assert.ok(!list.text.includes(made.body.token));
  const del = await t.json(`/api/tokens/${made.body.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200, del.text);
  const r = await t2.json('/api/layers');
  assertError(r, 401, 'unauthenticated');
  assert.match(r.body.error.message, /已吊销/);
  assert.equal(r.headers.get('set-cookie'), null);
  // Another county's administrator cannot revoke a token of county A.
  const other = await as.admin.json('/api/users/temp_a/tokens', { method: 'POST', body: {} });
  assert.equal(other.status, 201, other.text);
  assertError(await as.admin_b.json(`/api/tokens/${other.body.id}`, { method: 'DELETE' }), 403, 'forbidden');
  assertError(await as.admin_b.json('/api/tokens/999999', { method: 'DELETE' }), 404, 'not_found');
  assertError(await as.clerk.json('/api/tokens/999999', { method: 'DELETE' }), 403, 'forbidden');
  // Malformed and unknown tokens.
  for (const h of ['Bearer lgt_short', `Bearer lgt_${'A'.repeat(43)}`, 'Basic Y2xlcms6eA==']) {
    const x = await client(server, { authorization: h }).json('/api/layers');
    assertError(x, 401, 'unauthenticated');
    assert.equal(x.headers.get('www-authenticate'), 'Bearer realm="landgov"');
  }
});

// ---- Accounts ---------------------------------------------------------------------

test('a disabled account loses its sessions and tokens and cannot log in', async () => {
  const add = await as.admin.json('/api/users', {
    method: 'POST',
    body: { login: 'temp_dis', role: 'clerk', division: '360781101', name: '乡镇窗口', password: PASSWORD },
  });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.body.user.division, '360781101');
  assert.equal(add.body.password, undefined);
  const c = await login(server, 'temp_dis');
  const t = bearer(server, apiToken(db, 'temp_dis'));
  assert.equal((await c.fetch('/api/layers')).status, 200);
  assert.equal((await t.fetch('/api/layers')).status, 200);
  const off = await as.admin.json('/api/users/temp_dis/disable', { method: 'POST' });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.user.disabled, true);
  assertError(await c.json('/api/layers'), 401, 'unauthenticated');
  const tr = await t.json('/api/layers');
  assertError(tr, 401, 'unauthenticated');
  assert.match(tr.body.error.message, /已停用/);
  const l = await pub.json('/api/login', { method: 'POST', body: { login: 'temp_dis', password: PASSWORD } });
  assertError(l, 401, 'unauthenticated');
  assert.match(l.body.error.message, /已停用/);
  // Enabled again, it may log in; its old session stays ended.
  assert.equal((await as.admin.json('/api/users/temp_dis/enable', { method: 'POST' })).status, 200);
  assertError(await c.json('/api/layers'), 401, 'unauthenticated');
  assert.equal((await (await login(server, 'temp_dis')).fetch('/api/layers')).status, 200);
  assert.equal((await t.fetch('/api/layers')).status, 200);
  // Nobody disables themselves.
  assertError(await as.admin.json('/api/users/admin/disable', { method: 'POST' }), 400, 'invalid_input');
});

test('changing one\'s own password needs the current one and renews the session', async () => {
  assert.equal((await as.admin.json('/api/users', {
    method: 'POST', body: { login: 'temp_pw', role: 'clerk', division: '360781', password: PASSWORD },
  })).status, 201);
  const c = await login(server, 'temp_pw');
  const NEW = 'Another-Pass-2027';
  let r = await c.json('/api/users/temp_pw/password', { method: 'POST', body: { password: NEW } });
  assertError(r, 400, 'invalid_input');
  r = await c.json('/api/users/temp_pw/password', { method: 'POST', body: { current_password: 'Wrong-Pass-1', password: NEW } });
  assertError(r, 403, 'forbidden');
  r = await c.json('/api/users/temp_pw/password', { method: 'POST', body: { current_password: PASSWORD, password: 'short' } });
  assertError(r, 400, 'invalid_input');
  r = await c.json('/api/users/temp_pw/password', { method: 'POST', body: { current_password: PASSWORD, password: NEW } });
  assert.equal(r.status, 200, r.text);
  // The old session ended with the old password; the answer carries a new one.
  assertError(await c.json('/api/layers'), 401, 'unauthenticated');
  const renewed = client(server, { cookie: r.headers.get('set-cookie').split(';')[0], 'x-csrf-token': r.body.csrf });
  assert.equal((await renewed.fetch('/api/layers')).status, 200);
  assert.equal((await login(server, 'temp_pw', NEW)).user.login, 'temp_pw');
  // An administrator's reset gives a generated password, shown once.
  r = await as.admin.json('/api/users/temp_pw/password', { method: 'POST', body: {} });
  assert.equal(r.status, 200, r.text);
  assert.match(r.body.password, /^[A-Za-z2-9]{16}$/);
  assertError(await renewed.json('/api/layers'), 401, 'unauthenticated');
  assert.equal((await login(server, 'temp_pw', r.body.password)).user.login, 'temp_pw');
});

test('user lists hold what the policy lets each one see', async () => {
  const logins = async (c, q = '') => {
    const r = await c.json(`/api/users${q}`);
    assert.equal(r.status, 200, r.text);
    return r.body.users.map((u) => u.login).sort();
  };
  // An administrator: the accounts of the county and its townships.
  const a = await logins(as.admin);
  for (const l of ['admin', 'applicant', 'approver', 'clerk', 'reviewer', 'temp_a']) assert.ok(a.includes(l), `${l} missing: ${a}`);
  for (const l of ['admin_b', 'clerk_b', 'approver_city', 'temp_b']) assert.ok(!a.includes(l), `${l} should not be listed: ${a}`);
  const b = await logins(as.admin_b);
  for (const l of ['admin_b', 'clerk_b', 'temp_b']) assert.ok(b.includes(l), `${l} missing: ${b}`);
  assert.ok(b.every((l) => !['admin', 'clerk', 'temp_a', 'approver_city'].includes(l)), `${b}`);
  // Everyone else: their own account only.
  assert.deepEqual(await logins(as.clerk), ['clerk']);
  assert.deepEqual(await logins(as.approver_city), ['approver_city']);
  assert.deepEqual(await logins(as.applicant), ['applicant']);
  // A division outside one's own is refused, not emptied.
  assertError(await as.admin.json('/api/users?within=360782'), 403, 'forbidden');
  assert.ok((await logins(as.admin, '?within=360781')).includes('temp_a'));
  assertError(await as.admin.json('/api/users?within=12345'), 400, 'invalid_input');
  // A login that does not exist: 404 for an administrator, refused for the rest.
  assertError(await as.admin.json('/api/users/nobody'), 404, 'not_found');
  assertError(await as.clerk.json('/api/users/nobody'), 403, 'forbidden');
});

test('the policy table over HTTP: read by administrators, set by the store-wide one only', async () => {
  let r = await as.admin.json('/api/policy');
  assert.equal(r.status, 200, r.text);
  // 6 roles x 20 resources (with "metrics", migration 55, "policy",
  // "setting", migration 42, "stock", migration 100, "industry", migration 120,
  // "quota", migration 140, "consol", migration 160, and "monitor",
  // migration 180) x 4 actions.
  assert.equal(r.body.policy.length, 6 * 20 * 4);
  assert.deepEqual(r.body.policy.find((x) => x.role === 'clerk' && x.resource === 'layer' && x.action === 'read'),
    { role: 'clerk', resource: 'layer', action: 'read', scope: 'all', editable: false });
  // A county's administrator reads it and may change nothing in it; the
  // store serves one province (all accounts are in 36).
  assert.equal(r.body.editable, false);
  assert.equal(r.body.store_division, '36');
  assert.ok(r.body.policy.every((x) => x.editable === false));
  assertError(await as.clerk.json('/api/policy'), 403, 'forbidden');
  assertError(await pub.json('/api/policy'), 401, 'unauthenticated');
  const set = (c, body) => c.json('/api/policy', { method: 'PUT', body });
  const CELL = { role: 'clerk', resource: 'layer', action: 'read', scope: 'none' };
  assertError(await set(as.clerk, CELL), 403, 'forbidden');
  assertError(await set(pub, CELL), 401, 'unauthenticated');
  r = await set(as.admin, CELL);
  assertError(r, 403, 'forbidden');
  assert.match(r.body.error.message, /行政区 36/);
  assertError(await set(as.admin_b, CELL), 403, 'forbidden');
  assert.equal((await as.clerk.json('/api/layers')).status, 200, 'a refused change changes nothing');
  // The province's administrator: the table says so, cell by cell.
  r = await as.admin_prov.json('/api/policy');
  assert.equal(r.body.editable, true);
  const cell = (role, resource, action) => r.body.policy.find((x) => x.role === role && x.resource === resource && x.action === action);
  assert.equal(cell('clerk', 'layer', 'read').editable, true);
  assert.equal(cell('public', 'progress', 'read').editable, false); // admin has no admin on progress
  assert.equal(cell('admin', 'policy', 'admin').editable, false); // console only
  // Taking the clerks' map away takes effect at once, for live sessions too.
  r = await set(as.admin_prov, CELL);
  assert.equal(r.status, 200, r.text);
  assertError(await as.clerk.json('/api/layers'), 403, 'forbidden');
  assert.equal((await as.reviewer.json('/api/layers')).status, 200);
  assert.equal((await set(as.admin_prov, { ...CELL, scope: 'all' })).status, 200);
  assert.equal((await as.clerk.json('/api/layers')).status, 200);
  // Both changes are on the ledger, by whom, at the store's division.
  const led = await as.admin_prov.json('/api/ledger/objects/policy/clerk:layer:read');
  assert.equal(led.status, 200, led.text);
  assert.equal(led.body.entries.length, 2);
  const last = JSON.parse((await as.admin_prov.json(`/api/ledger/entries/${led.body.entries[1].index}`)).body.entry);
  assert.equal(last.action, 'policy.set');
  assert.equal(last.actor, 'admin_prov');
  assert.equal(last.role, 'admin');
  assert.equal(last.jurisdiction, '36');
  // Only cells of resources one administers (admin has no admin on
  // progress); never the rows that say who administers the store; unknown
  // names and scopes; never lock the administrators out.
  assertError(await set(as.admin_prov, { role: 'public', resource: 'progress', action: 'read', scope: 'none' }), 403, 'forbidden');
  r = await set(as.admin_prov, { role: 'admin', resource: 'policy', action: 'admin', scope: 'all' });
  assertError(r, 403, 'forbidden');
  assert.match(r.body.error.message, /landgov policy/);
  assertError(await set(as.admin_prov, { role: 'admin', resource: 'setting', action: 'admin', scope: 'none' }), 403, 'forbidden');
  assertError(await set(as.admin_prov, { role: 'clerk', resource: 'nothing', action: 'read', scope: 'all' }), 400, 'invalid_input');
  assertError(await set(as.admin_prov, { role: 'clerk', resource: 'layer', action: 'read', scope: 'most' }), 400, 'invalid_input');
  assertError(await set(as.admin_prov, { role: 'public', resource: 'layer', action: 'create', scope: 'all' }), 400, 'invalid_input');
  assertError(await set(as.admin_prov, { role: 'admin', resource: 'user', action: 'admin', scope: 'own' }), 400, 'invalid_input');
  // The console may: the row that lets county administrators change the
  // table is the province's decision to make on the server, not over the web.
  landgov(db, ['policy', 'set', 'admin', 'policy', 'admin', 'all', '--actor', '运维']);
  assert.equal((await set(as.admin, CELL)).status, 200);
  assert.equal((await set(as.admin, { ...CELL, scope: 'all' })).status, 200);
  landgov(db, ['policy', 'set', 'admin', 'policy', 'admin', 'jurisdiction', '--actor', '运维']);
  assertError(await set(as.admin, CELL), 403, 'forbidden');
  const size = JSON.parse(landgov(db, ['--json', 'ledger', 'status'])).size;
  const ent = JSON.parse(JSON.parse(landgov(db, ['--json', 'ledger', 'prove', String(size - 1)])).entry);
  assert.deepEqual([ent.actor, ent.role, ent.object_id], ['运维', 'console', 'admin:policy:admin']);
});

test('settings over HTTP: read by administrators, changed by the store-wide one, on the ledger', async () => {
  let r = await as.admin.json('/api/settings');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.editable, false);
  const byKey = Object.fromEntries(r.body.settings.map((x) => [x.key, x]));
  // The per-address login limit, with its default of 50 (src/auth/session.c
  // says why), and the approval measures' settings with their ranges.
  assert.deepEqual([byKey['auth.throttle_address_failures'].value, byKey['auth.throttle_address_failures'].default], ['50', '50']);
  assert.deepEqual([byKey['metrics.load_threshold'].min, byKey['metrics.load_threshold'].max], [1, 100000]);
  assert.deepEqual([byKey['metrics.idle_days'].min, byKey['metrics.idle_days'].max], [1, 3650]);
  assert.equal(byKey['metrics.coordination_nodes'].value, 'Task_Joint,Task_Committee');
  assert.equal(byKey['auth.store_division'].editable, false);
  assertError(await as.clerk.json('/api/settings'), 403, 'forbidden');
  assertError(await pub.json('/api/settings'), 401, 'unauthenticated');
  const put = (c, key, value) => c.json('/api/settings', { method: 'PUT', body: { key, value } });
  assertError(await put(as.admin, 'auth.session_idle_s', '1200'), 403, 'forbidden');
  assertError(await put(as.clerk, 'auth.session_idle_s', '1200'), 403, 'forbidden');
  r = await put(as.admin_prov, 'auth.session_idle_s', 1200);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { key: 'auth.session_idle_s', value: '1200' });
  assert.equal(landgov(db, ['settings', 'get', 'auth.session_idle_s']).trim(), '1200');
  const led = await as.admin_prov.json('/api/ledger/objects/setting/auth.session_idle_s');
  assert.equal(led.body.entries.length, 1);
  const e = JSON.parse((await as.admin_prov.json(`/api/ledger/entries/${led.body.entries[0].index}`)).body.entry);
  assert.deepEqual([e.action, e.actor, e.role], ['setting.set', 'admin_prov', 'admin']);
  // Out of range, not an integer, unknown, or for the console only.
  r = await put(as.admin_prov, 'auth.session_idle_s', '59');
  assertError(r, 400, 'invalid_input');
  assert.match(r.body.error.message, /60 到 2592000/);
  assertError(await put(as.admin_prov, 'metrics.idle_days', 'five'), 400, 'invalid_input');
  assertError(await put(as.admin_prov, 'ledger.vkey', 'x'), 400, 'invalid_input');
  assertError(await put(as.admin_prov, 'auth.store_division', '360781'), 403, 'forbidden');
  assert.equal((await put(as.admin_prov, 'auth.session_idle_s', '1800')).status, 200);
});

test('a new role or place for an account: admin where it is and where it goes, never above oneself', async () => {
  const add = (c, body) => c.json('/api/users', { method: 'POST', body: { password: PASSWORD, ...body } });
  const put = (c, login, body) => c.json(`/api/users/${login}`, { method: 'PUT', body });
  assert.equal((await add(as.admin, { login: 'role_a', role: 'clerk', division: '360781' })).status, 201);
  // A reviewer of the ecology department, in a township of the county.
  let r = await put(as.admin, 'role_a', { role: 'reviewer', dept: 'ecology', division: '360781101' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.user.role, r.body.user.dept, r.body.user.division], ['reviewer', 'ecology', '360781101']);
  assertError(await put(as.admin, 'role_a', { role: 'approver' }), 400, 'invalid_input'); // no level
  assertError(await put(as.admin, 'role_a', { role: 'approver', level: 'county' }), 400, 'invalid_input'); // a township's code
  // Not to another county, not by another county, not above oneself.
  assertError(await put(as.admin, 'role_a', { division: '360782' }), 403, 'forbidden');
  assertError(await put(as.admin_b, 'role_a', { role: 'clerk' }), 403, 'forbidden');
  assertError(await put(as.clerk, 'role_a', { role: 'clerk' }), 403, 'forbidden');
  assertError(await put(pub, 'role_a', { role: 'clerk' }), 401, 'unauthenticated');
  r = await put(as.admin, 'role_a', { role: 'admin', division: '3607' });
  assertError(r, 403, 'forbidden');
  // An administrator of its own county (or below it) is the county's to make.
  r = await put(as.admin, 'role_a', { role: 'admin', division: '360781' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.user.dept, null);
  // The province makes a city's administrator; the county could not add one.
  assertError(await add(as.admin, { login: 'city_adm', role: 'admin', division: '3607' }), 403, 'forbidden');
  assert.equal((await add(as.admin_prov, { login: 'city_adm', role: 'admin', division: '3607' })).status, 201);
  // Nobody changes their own role.
  assertError(await put(as.admin, 'admin', { role: 'clerk' }), 403, 'forbidden');
  // The account's old sessions end with its new powers.
  const c = await login(server, 'role_a');
  assert.equal((await c.fetch('/api/users')).status, 200);
  assert.equal((await put(as.admin, 'role_a', { role: 'clerk' })).status, 200);
  assertError(await c.json('/api/users'), 401, 'unauthenticated');
  // Every step is on the ledger, by the one who took it.
  const led = await as.admin.json('/api/ledger/objects/user/role_a');
  assert.equal(led.status, 200, led.text);
  const acts = [];
  for (const x of led.body.entries) {
    const e = JSON.parse((await as.admin.json(`/api/ledger/entries/${x.index}`)).body.entry);
    acts.push(`${e.action} ${e.actor}`);
  }
  assert.deepEqual(acts, ['user.add admin', 'user.role admin', 'user.role admin', 'user.role admin']);
});

// ---- The permission matrix -------------------------------------------------------

// Who may, row by row, from the policy in src/auth/auth.h:
//   layer, feature: read all for clerk, reviewer, approver, admin; none for
//     applicant and public.
//   checkpoint: read all for everyone, the public included.
//   ledger: read by jurisdiction for staff; own (an enterprise's) for
//     applicants, and entries name no enterprise; none for the public.
//   user: read and act own for everyone but admin; admin has read,
//     create, act and admin by jurisdiction; the public nothing.
//   check: read and create by jurisdiction for staff, own (the
//     enterprise's) for applicants; a new check belongs to its maker's
//     division and enterprise.
//   rules: read all for everyone but the public; admin for admin.
//   case: read by jurisdiction for staff, own for applicants; create by
//     jurisdiction for clerks (the case belongs to the county the filer's
//     boundary lies in), own for applicants; act (hand in materials) for
//     clerks by jurisdiction and applicants on their own.
//   task: read by jurisdiction (own for applicants); act by jurisdiction,
//     and only by a member of the task's candidate groups (the window's
//     task: clerk@360781).
//   process: read all for everyone but the public; admin (firing the due
//     timers) for admin. progress: read all, the public included.
// A county's jurisdiction holds its townships; the city approver (3607)
// holds both counties; county B (360782) holds nothing of county A.
// The province's administrator (36) holds both counties, and is the only
// one whose jurisdiction holds the whole store (policy and settings).
const SUBJECTS = ['public', ...Object.keys(USERS), 'admin_prov'];
const STAFF = ['clerk', 'clerk_b', 'reviewer', 'approver', 'approver_city', 'admin', 'admin_b', 'admin_prov'];
const LOGGED_IN = [...Object.keys(USERS), 'admin_prov'];
const A = ['clerk', 'reviewer', 'approver', 'approver_city', 'admin', 'admin_prov']; // reach county A
const B = ['clerk_b', 'approver_city', 'admin_b', 'admin_prov']; // reach county B
let seq = 0;
const MATRIX = [
  { what: 'layer read', method: 'GET', path: '/api/layers', allow: STAFF },
  { what: 'feature read', method: 'GET', path: '/api/layers/dltb/features?limit=1', allow: STAFF },
  { what: 'feature read by layer id', method: 'GET', path: '/api/layers/jbnt/features?crs=4526', allow: STAFF },
  { what: 'checkpoint read', method: 'GET', path: '/api/ledger/checkpoint', allow: SUBJECTS },
  { what: 'checkpoint key', method: 'GET', path: '/api/ledger/key', allow: SUBJECTS },
  { what: 'checkpoint consistency', method: 'GET', path: '/api/ledger/consistency?from=1', allow: SUBJECTS },
  { what: 'ledger entry of county A', method: 'GET', path: () => `/api/ledger/entries/${entries.a}`, allow: A },
  { what: 'ledger entry of a township of county A', method: 'GET', path: () => `/api/ledger/entries/${entries.a2}`, allow: A },
  { what: 'ledger entry of county B, by id', method: 'GET', path: () => `/api/ledger/entries/${entries.b}`, allow: B },
  { what: 'user list', method: 'GET', path: '/api/users', allow: LOGGED_IN },
  { what: 'user read own', method: 'GET', path: (who) => `/api/users/${who}`, allow: LOGGED_IN },
  { what: 'user read, county A', method: 'GET', path: '/api/users/temp_a', allow: ['admin', 'admin_prov'] },
  { what: 'user read, county B, by login', method: 'GET', path: '/api/users/temp_b', allow: ['admin_b', 'admin_prov'] },
  { what: 'user tokens read, county A', method: 'GET', path: '/api/users/temp_a/tokens', allow: ['admin', 'admin_prov'] },
  { what: 'user create in county A', method: 'POST', path: '/api/users', status: 201, allow: ['admin', 'admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'clerk', division: '360781', password: PASSWORD }) },
  { what: 'user create in a township of county A', method: 'POST', path: '/api/users', status: 201, allow: ['admin', 'admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'clerk', division: '360781102', password: PASSWORD }) },
  { what: 'user create in county B', method: 'POST', path: '/api/users', status: 201, allow: ['admin_b', 'admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'clerk', division: '360782', password: PASSWORD }) },
  { what: 'user create in the city above both', method: 'POST', path: '/api/users', status: 201, allow: ['admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'approver', level: 'city', division: '3607', password: PASSWORD }) },
  { what: 'admin create in county A', method: 'POST', path: '/api/users', status: 201, allow: ['admin', 'admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'admin', division: '360781', password: PASSWORD }) },
  { what: 'admin create in the city above both', method: 'POST', path: '/api/users', status: 201, allow: ['admin_prov'],
    body: () => ({ login: `m_${++seq}`, role: 'admin', division: '3607', password: PASSWORD }) },
  { what: 'user act: own API token', method: 'POST', path: (who) => `/api/users/${who}/tokens`, status: 201,
    allow: LOGGED_IN, body: () => ({ name: 'matrix' }) },
  { what: 'user act: token for county A', method: 'POST', path: '/api/users/temp_a/tokens', status: 201,
    allow: ['admin', 'admin_prov'], body: () => ({}) },
  { what: 'user act: password reset, county A', method: 'POST', path: '/api/users/temp_a/password',
    allow: ['admin', 'admin_prov'], body: () => ({}) },
  { what: 'user act: password reset, county B', method: 'POST', path: '/api/users/temp_b/password',
    allow: ['admin_b', 'admin_prov'], body: () => ({}) },
  { what: 'user admin: disable, county A', method: 'POST', path: '/api/users/temp_a/disable', allow: ['admin', 'admin_prov'] },
  { what: 'user admin: enable, county A', method: 'POST', path: '/api/users/temp_a/enable', allow: ['admin', 'admin_prov'] },
  { what: 'user admin: disable, county B', method: 'POST', path: '/api/users/temp_b/disable', allow: ['admin_b', 'admin_prov'] },
  { what: 'user admin: enable, county B', method: 'POST', path: '/api/users/temp_b/enable', allow: ['admin_b', 'admin_prov'] },
  { what: 'user admin: new name, county A', method: 'PUT', path: '/api/users/temp_a', allow: ['admin', 'admin_prov'],
    body: () => ({ name: `临时甲 ${++seq}` }) },
  { what: 'user admin: new name, county B', method: 'PUT', path: '/api/users/temp_b', allow: ['admin_b', 'admin_prov'],
    body: () => ({ name: `临时乙 ${++seq}` }) },
  { what: 'policy read', method: 'GET', path: '/api/policy', allow: ['admin', 'admin_b', 'admin_prov'] },
  { what: 'policy admin: a cell, set as it is', method: 'PUT', path: '/api/policy', allow: ['admin_prov'],
    body: () => ({ role: 'clerk', resource: 'layer', action: 'read', scope: 'all' }) },
  { what: 'settings read', method: 'GET', path: '/api/settings', allow: ['admin', 'admin_b', 'admin_prov'] },
  { what: 'settings admin: one, set as it is', method: 'PUT', path: '/api/settings', allow: ['admin_prov'],
    body: () => ({ key: 'auth.password_min_len', value: '8' }) },
  { what: 'check create (not saved: 200)', method: 'POST', path: '/api/checks', allow: LOGGED_IN,
    body: () => ({ geometry: BOUNDARY, srs: 4526, save: false }) },
  { what: 'check create and save', method: 'POST', path: '/api/checks', status: 201, allow: LOGGED_IN,
    body: () => ({ geometry: BOUNDARY, srs: 4526 }) },
  { what: 'check list', method: 'GET', path: '/api/checks', allow: LOGGED_IN },
  { what: 'check read, county A', method: 'GET', path: () => `/api/checks/${checkIds.a}`, allow: A },
  { what: 'check boundary, county A', method: 'GET', path: () => `/api/checks/${checkIds.a}/boundary`, allow: A },
  { what: 'check read, county B, by id', method: 'GET', path: () => `/api/checks/${checkIds.b}`, allow: B },
  { what: 'check read, the enterprise\'s own (county A)', method: 'GET', path: () => `/api/checks/${checkIds.e}`,
    allow: [...A, 'applicant'] },
  { what: 'rules read', method: 'GET', path: '/api/rules', allow: LOGGED_IN },
  { what: 'rules admin', method: 'PUT', path: '/api/rules', status: 201, allow: ['admin', 'admin_b', 'admin_prov'],
    body: () => rules },
  { what: 'case list', method: 'GET', path: '/api/cases', allow: LOGGED_IN },
  { what: 'case read, county A', method: 'GET', path: () => `/api/cases/${cases.a.id}`, allow: A },
  { what: 'case timeline, county A, by code', method: 'GET', path: () => `/api/cases/${cases.a.code}/timeline`, allow: A },
  { what: 'case read, county B, by id', method: 'GET', path: () => `/api/cases/${cases.b.id}`, allow: B },
  { what: 'case materials, county B', method: 'GET', path: () => `/api/cases/${cases.b.id}/materials`, allow: B },
  { what: 'case read, the enterprise\'s own (county A)', method: 'GET', path: () => `/api/cases/${cases.e.id}`,
    allow: [...A, 'applicant'] },
  { what: 'case create in one\'s own county', method: 'POST', path: '/api/cases', status: 201,
    allow: ['clerk', 'clerk_b', 'applicant'],
    body: (who) => ({ title: `${who} 的矩阵项目`, type: 'industrial', rating: 'C', investment: 1,
      enterprise: '91360781MA35B0002Y', boundary: BOUNDARY, srs: 4526 }) },
  { what: 'case act: an item handed in, county A', method: 'POST', path: () => `/api/cases/${cases.a.id}/materials`,
    allow: ['clerk'], body: () => ({ materials: ['site_plan'] }) },
  { what: 'progress by code (the public page)', method: 'GET', path: () => `/api/public/cases/${cases.b.code}`,
    allow: SUBJECTS },
  { what: 'task list (inbox)', method: 'GET', path: '/api/tasks', allow: LOGGED_IN },
  { what: 'task read, county B', method: 'GET', path: () => `/api/tasks/${cases.b.task}`, allow: B },
  { what: 'task act: the window of county A', method: 'POST', path: () => `/api/tasks/${cases.a2.task}`,
    allow: ['clerk'], body: () => ({ action: 'return', reason: '材料不全, 退回补正' }) },
  { what: 'process read', method: 'GET', path: '/api/processes', allow: LOGGED_IN },
  { what: 'process admin: fire due timers', method: 'POST', path: '/api/admin/tick', allow: ['admin', 'admin_b', 'admin_prov'] },
];

test('the permission matrix: role x resource x action x own or another county', async () => {
  const wrong = [];
  let cells = 0;
  for (const row of MATRIX) {
    for (const who of SUBJECTS) {
      const c = who === 'public' ? pub : as[who];
      const p = typeof row.path === 'function' ? row.path(who) : row.path;
      const init = { method: row.method };
      if (row.body) init.body = row.body(who);
      const r = await c.json(p, init);
      const allowed = row.allow.includes(who);
      const want = allowed ? (row.status || 200) : who === 'public' ? 401 : 403;
      const code = allowed ? undefined : who === 'public' ? 'unauthenticated' : 'forbidden';
      cells++;
      if (r.status !== want || (code && r.body?.error?.code !== code))
        wrong.push(`${row.what} as ${who}: want ${want}, got ${r.status} ${r.text.slice(0, 160)}`);
    }
  }
  assert.equal(cells, MATRIX.length * SUBJECTS.length);
  assert.deepEqual(wrong, []);
});

test('check lists hold what each one\'s scope reaches', async () => {
  const ids = async (c) => {
    const r = await c.json('/api/checks');
    assert.equal(r.status, 200, r.text);
    return new Set(r.body.checks.map((x) => x.id));
  };
  const { a, b, e } = checkIds;
  const want = {
    clerk: [a, e], reviewer: [a, e], admin: [a, e], clerk_b: [b], admin_b: [b],
    approver_city: [a, b, e], applicant: [e],
  };
  for (const [who, has] of Object.entries(want)) {
    const got = await ids(as[who]);
    for (const id of [a, b, e]) assert.equal(got.has(id), has.includes(id), `${who} and check ${id}: ${[...got]}`);
  }
});

// ---- Throttling (its own store: the lock covers the whole address) ----------------

test('five failed logins lock the login (429 with Retry-After); the office\'s address only at its own limit', async () => {
  const tdir = tempDir('landgov-api-throttle-');
  const tdb = storeTarget(path.join(tdir, 't.gpkg'));
  let ts;
  try {
    landgov(tdb, ['init']);
    addUsers(tdb, { victim: { role: 'clerk', division: '360781' }, bystander: { role: 'clerk', division: '360781' } });
    // The address's limit is 50 by default (a whole office shares one
    // address); 8 here, to reach it in a few attempts.
    assert.equal(landgov(tdb, ['settings', 'get', 'auth.throttle_address_failures']).trim(), '50');
    landgov(tdb, ['settings', 'set', 'auth.throttle_address_failures', '8']);
    ts = await startServer(tdb);
    const c = client(ts);
    const attempt = (login, password) => c.json('/api/login', { method: 'POST', body: { login, password } });
    for (let i = 1; i <= 5; i++) assertError(await attempt('victim', `Wrong-Pass-${i}`), 401, 'unauthenticated');
    let r = await attempt('victim', 'Wrong-Pass-6');
    assertError(r, 429, 'too_many_requests');
    const after = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(after) && after > 0 && after <= 900, `Retry-After ${r.headers.get('retry-after')}`);
    assert.match(r.body.error.message, /锁定/);
    // Locked means locked, the right password too.
    assertError(await attempt('victim', PASSWORD), 429, 'too_many_requests');
    // A colleague behind the same address is not locked out by it.
    assert.equal((await attempt('bystander', PASSWORD)).status, 200);
    // Failures 6 to 8 from the address, on other logins: now the address is.
    for (let i = 6; i <= 8; i++) assertError(await attempt(`nobody${i}`, 'Wrong-Pass-1'), 401, 'unauthenticated');
    r = await attempt('bystander', PASSWORD);
    assertError(r, 429, 'too_many_requests');
    assert.match(r.body.error.message, /来自 127\.0\.0\.1/);
    assert.equal(await ts.stop(), 0, ts.stderr().slice(-4000));
  } finally {
    await ts?.stop().catch(() => {});
    fs.rmSync(tdir, { recursive: true, force: true });
  }
});

test('every account, policy and setting change is on the ledger: the audit finds nothing amiss', () => {
  const audit = JSON.parse(landgov(db, ['--json', 'ledger', 'audit']));
  assert.deepEqual(audit.findings, []);
  assert.deepEqual(audit.unaudited_types, ['paper']);
  // Behind landgov's back, an account made administrator is found.
  storeExec(db, "UPDATE lg_users SET role = 'admin' WHERE login = 'temp_b'");
  let err = null;
  try {
    landgov(db, ['--json', 'ledger', 'audit']);
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'the audit should fail');
  assert.match(String(err.stderr) + String(err.stdout), /user temp_b/);
  storeExec(db, "UPDATE lg_users SET role = 'clerk' WHERE login = 'temp_b'");
  assert.deepEqual(JSON.parse(landgov(db, ['--json', 'ledger', 'audit'])).findings, []);
});

test('the server stops cleanly after all this (no leaks under ASan)', async () => {
  const code = await server.stop();
  assert.equal(code, 0, `exit ${code}\n${server.stderr().slice(-4000)}`);
  assert.doesNotMatch(server.stderr(), /Sanitizer/);
});
