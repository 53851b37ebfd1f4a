// The quota bank (src/quota) over the API of a real `landgov serve`, on
// whichever backend the suite runs (LG_TEST_PG): permissions by role and
// jurisdiction, the balances document `landgov quota balance --json`
// prints too, bad input refused in Chinese with nothing changed, the
// double spend tried with parallel requests (transfers from one account;
// two city approvals of cases that one allocation can cover), the market
// with its compensation and statements, an enclave park with its signed
// agreement uploaded, and reconciliation catching an edit made behind the
// server's back.
//
// The store is built here: two counties of one city (360781 south of
// y0 + 1100 m, 360782 north), land-use patches of dry land (0103) west of
// x0 + 1000 and industrial land east of it, all state-owned (QSXZ 20), so
// that a case needs quota (new construction and cultivated area equal to
// its area) and no expropriation: window, county review, joint review,
// city approval.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, USERS, addUsers, apiToken, bearer, client, landgov, startServer, storeExec, storeQuery, storeTarget, tempDir } from './helpers.mjs';

const { x0, y0 } = GRID;
let dir;
let db;
let server;
let pub;
const as = {};

const MORE = {
  approver_b: { role: 'approver', level: 'county', division: '360782' },
  approver_prov: { role: 'approver', level: 'province', division: '36' },
};
const ACTORS = ['admin', 'clerk', 'reviewer', 'approver', 'approver_city', 'approver_b', 'approver_prov', 'applicant'];

const ring = (a, b, c, d) => [[[x0 + a, y0 + b], [x0 + c, y0 + b], [x0 + c, y0 + d], [x0 + a, y0 + d], [x0 + a, y0 + b]]];
const box = (a, b, c, d) => ({ type: 'Polygon', crs: { type: 'name', properties: { name: 'EPSG:4526' } }, coordinates: ring(a, b, c, d) });
const feature = (props, a, b, c, d) => ({ type: 'Feature', properties: props, geometry: { type: 'Polygon', coordinates: ring(a, b, c, d) } });

function importLayer(name, role, features) {
  const file = path.join(dir, `${name}.geojson`);
  fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } }, features }));
  landgov(db, ['import', file, '--layer', name, '--role', role]);
}

async function post(who, p, body, want) {
  const r = await as[who].json(p, { method: 'POST', body });
  if (want !== undefined) assert.equal(r.status, want, `${who} POST ${p}: ${r.text}`);
  return r;
}

async function get(who, p, want = 200) {
  const r = await as[who].json(p);
  assert.equal(r.status, want, `${who} GET ${p}: ${r.text}`);
  return r.body;
}

const balances = async (who = 'approver_prov') => (await get(who, '/api/quota/balances')).accounts;
const account = (accs, division, kind) => accs.find((a) => a.division === division && a.kind === kind);

before(async () => {
  dir = tempDir('landgov-api-quota-');
  db = storeTarget(path.join(dir, 'quota.gpkg'));
  landgov(db, ['init']);
  importLayer('county', 'other', [
    feature({ XZQDM: '360781', XZQMC: '甲县' }, -200, -200, 2200, 1100),
    feature({ XZQDM: '360782', XZQMC: '乙县' }, -200, 1100, 2200, 2400),
  ]);
  importLayer('dltb', 'landuse', [
    feature({ DLBM: '0103', DLMC: '旱地', QSXZ: '20' }, -200, -200, 1000, 2400),
    feature({ DLBM: '0601', DLMC: '工业用地', QSXZ: '20' }, 1000, -200, 2200, 2400),
  ]);
  importLayer('czkfbj', 'udb', [feature({ MC: '中心城区' }, -200, -200, 1000, 1000)]);
  importLayer('park', 'other', [feature({ MC: '甲乙共建产业园' }, 600, 600, 1000, 1000)]);
  addUsers(db);
  addUsers(db, MORE);
  const tok = {};
  for (const name of ACTORS) tok[name] = apiToken(db, name);
  server = await startServer(db);
  pub = client(server);
  for (const name of ACTORS) as[name] = bearer(server, tok[name]);
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('permissions: who allocates, who reads what; the balances document, as the CLI prints it', async () => {
  assert.equal((await pub.json('/api/quota/balances')).status, 401);
  assert.equal((await as.applicant.json('/api/quota/balances')).status, 403);
  assert.deepEqual(await balances('clerk'), []);
  // Issued to the province from above the store, then down the levels.
  await post('approver_prov', '/api/quota/allocations', { to: '36', kind: 'new_construction', amount: 1000000, document: '国土资发〔2026〕12号' }, 201);
  await post('approver_prov', '/api/quota/allocations', { from: '36', to: '3607', kind: 'new_construction', amount: 400000, document: '赣自然资发〔2026〕3号' }, 201);
  const r = await post('approver_city', '/api/quota/allocations', { from: '360700', to: '360781', kind: 'new_construction', amount: 150000, document: '虔自然资发〔2026〕8号' }, 201);
  assert.equal(r.body.type, 'allocate');
  assert.equal(r.body.unit, 'm2');
  assert.equal(r.headers.get('location'), `/api/quota/movements/${r.body.id}`);
  // A county may not allocate from its city; a clerk may allocate nothing.
  assert.equal((await post('approver', '/api/quota/allocations', { from: '3607', to: '360781', kind: 'new_construction', amount: 1, document: 'x' })).status, 403);
  assert.equal((await post('clerk', '/api/quota/allocations', { to: '360781', kind: 'new_construction', amount: 1, document: 'x' })).status, 403);
  await post('approver_prov', '/api/quota/allocations', { to: '360781', kind: 'cultivated_area', amount: 500000, document: '国土资发〔2026〕13号' }, 201);
  // Each sees its jurisdiction: the county its own account, the city its
  // own and its county's, the province everything.
  assert.deepEqual((await balances('approver')).map((a) => `${a.division}/${a.kind}`), ['360781/cultivated_area', '360781/new_construction']);
  assert.deepEqual((await balances('approver_city')).map((a) => a.division), ['3607', '360781', '360781']);
  assert.deepEqual((await balances('approver_b')), []);
  const all = await balances();
  assert.deepEqual(account(all, '36', 'new_construction'), { division: '36', kind: 'new_construction', unit: 'm2', available: 600000, reserved: 0, consumed: 0, produced: 0 });
  assert.equal(account(all, '360781', 'new_construction').available, 150000);
  // The command line prints the same document.
  const cli = JSON.parse(landgov(db, ['--json', 'quota', 'balance']));
  assert.deepEqual(Object.keys(cli), ['accounts']);
  assert.deepEqual(cli, { accounts: all });
  for (const a of cli.accounts) assert.deepEqual(Object.keys(a), ['division', 'kind', 'unit', 'available', 'reserved', 'consumed', 'produced']);
  // One movement with its ledger proof; a neighbour may not read it.
  const m = await get('approver', `/api/quota/movements/${r.body.id}`);
  assert.equal(m.amount, 150000);
  assert.equal(typeof m.ledger_index, 'number');
  assert.equal(m.proof.index, m.ledger_index);
  assert.ok(m.proof.proof.length >= 1);
  assert.equal((await as.approver_b.json(`/api/quota/movements/${r.body.id}`)).status, 403);
  assert.equal((await as.approver.json('/api/quota/movements/99999')).status, 404);
  // Kinds are configured store-wide: not by a county's administrator.
  assert.equal((await post('admin', '/api/quota/kinds', { code: 'forest_quota', title: '林地定额', unit: 'm2' })).status, 403);
  const kinds = await get('clerk', '/api/quota/kinds');
  assert.ok(kinds.kinds.some((k) => k.code === 'cultivated_grain' && k.unit === 'kg' && k.title === '耕地占补平衡指标 (粮食产能)'));
});

test('bad input: a clear Chinese error, nothing changed', async () => {
  const before = await balances();
  const cases = [
    [{ from: '360781', to: '360782', kind: 'new_construction', amount: 12.5, document: 'x' }, 400, /amount 应为整数/],
    [{ from: '360781', to: '360782', kind: 'new_construction', amount: '12.5', document: 'x' }, 400, /amount 应为整数/],
    [{ from: '360781', to: '360782', kind: 'new_construction', amount: 0, document: 'x' }, 400, /应为正整数, 得到 0/],
    [{ from: '360781', to: '360782', kind: 'new_construction', amount: -3, document: 'x' }, 400, /应为正整数, 得到 -3/],
    [{ from: '360781', to: '360782', kind: 'land', amount: 3, document: 'x' }, 400, /未知的指标种类 "land"/],
    [{ from: '360781', to: '999999', kind: 'new_construction', amount: 3, document: 'x' }, 400, /未知的行政区 "999999"/],
    [{ from: '360781', to: '360781', kind: 'new_construction', amount: 3, document: 'x' }, 400, /不能把指标划转给自己/],
    [{ from: '360781', to: '360782', kind: 'new_construction', amount: 150001, document: 'x' }, 409, /县级 \(360781\) 新增建设用地计划指标不足, 缺 1 平方米/],
  ];
  for (const [body, status, re] of cases) {
    const r = await post('approver', '/api/quota/transfers', body);
    assert.equal(r.status, status, r.text);
    assert.match(r.body.error.message, re);
  }
  assert.deepEqual(await balances(), before);
});

test('double spend: forty parallel transfers of 1,000 m2 from an account of 10,000', async () => {
  await post('approver_prov', '/api/quota/allocations', { to: '360782', kind: 'new_construction', amount: 10000, document: '国土资发〔2026〕14号' }, 201);
  const rs = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    post('approver_b', '/api/quota/transfers', { from: '360782', to: i % 2 ? '360781' : '360783', kind: 'new_construction', amount: 1000, document: `并发-${i}` })));
  const counts = {};
  for (const r of rs) counts[r.status] = (counts[r.status] || 0) + 1;
  assert.deepEqual(counts, { 201: 10, 409: 30 });
  for (const r of rs.filter((x) => x.status === 409)) assert.match(r.body.error.message, /乙?县级 \(360782\) 新增建设用地计划指标不足/);
  const all = await balances();
  assert.equal(account(all, '360782', 'new_construction').available, 0);
  assert.equal(account(all, '360781', 'new_construction').available + account(all, '360783', 'new_construction').available, 150000 + 10000);
  const rec = await get('approver_prov', '/api/quota/reconcile');
  assert.equal(rec.ok, true, JSON.stringify(rec.differences));
});

// ---- Approvals consume -----------------------------------------------------------

async function fileCase(b, title) {
  const r = await post('clerk', '/api/cases', { title, type: 'industrial', use: '1001', enterprise: USERS.applicant.enterprise, rating: 'B', investment: 150000000, departments: ['natural_resources'], boundary: b }, 201);
  return r.body.id;
}

async function taskOf(id, node) {
  const c = await get('clerk', `/api/cases/${id}`);
  const t = c.tasks.find((x) => x.node === node);
  assert.ok(t, `case ${id} has no task at ${node}: ${JSON.stringify(c.tasks)}`);
  return t.id;
}

async function act(who, id, node, action, want = 200) {
  return as[who].json(`/api/tasks/${await taskOf(id, node)}`, { method: 'POST', body: { action } }).then((r) => {
    if (want) assert.equal(r.status, want, `${who} ${action} at ${node}: ${r.text}`);
    return r;
  });
}

test('two concurrent approvals never spend the same quota; the refused one says which account lacks how much', async () => {
  // Empty the county's new-construction account into the city's, so that
  // both cases reserve nothing when they are accepted.
  const left = account(await balances(), '360781', 'new_construction').available;
  await post('approver', '/api/quota/transfers', { from: '360781', to: '3607', kind: 'new_construction', amount: left, document: '上交' }, 201);
  // Two cases of 20,000 m2 of dry land each (200 x 100 m).
  const a = await fileCase(box(100, 100, 300, 200), '装备制造一期');
  const b = await fileCase(box(100, 400, 300, 500), '装备制造二期');
  for (const id of [a, b]) {
    await act('clerk', id, 'Task_Accept', 'accept');
    await act('approver', id, 'Task_County', 'approve');
    await act('reviewer', id, 'Task_Joint', 'approve');
    const q = await get('approver', `/api/quota/cases/${id}`);
    assert.equal(q.status, 'short');
    assert.deepEqual(q.lines.find((l) => l.kind === 'new_construction'), { kind: 'new_construction', title: '新增建设用地计划指标', unit: 'm2', needed: 20000, reserved: 0, consumed: 0, short: 20000, tracked: true });
  }
  // The city gives enough for one of them, and approves both at once.
  await post('approver_city', '/api/quota/allocations', { from: '3607', to: '360781', kind: 'new_construction', amount: 30000, document: '虔自然资发〔2026〕21号' }, 201);
  const ta = await taskOf(a, 'Task_City');
  const tb = await taskOf(b, 'Task_City');
  const [ra, rb] = await Promise.all([ta, tb].map((t) => as.approver_city.json(`/api/tasks/${t}`, { method: 'POST', body: { action: 'approve' } })));
  const statuses = [ra.status, rb.status].sort();
  assert.deepEqual(statuses, [200, 409], `${ra.text} ${rb.text}`);
  const refused = ra.status === 409 ? ra : rb;
  assert.match(refused.body.error.message, /县级 \(360781\) 新增建设用地计划指标不足, 缺 10,000 平方米/);
  const done = ra.status === 200 ? a : b;
  const waiting = done === a ? b : a;
  assert.equal((await get('clerk', `/api/cases/${done}`)).status, 'handed_over');
  assert.equal((await get('clerk', `/api/cases/${waiting}`)).status, 'in_review');
  await taskOf(waiting, 'Task_City'); // the task waits
  const acc = account(await balances(), '360781', 'new_construction');
  assert.equal(acc.consumed, 20000);
  assert.equal(acc.available + acc.reserved, 10000);
  // Cultivated area was covered for both: consumed for one, held for the other.
  assert.equal(account(await balances(), '360781', 'cultivated_area').consumed, 20000);
  const rec = await get('approver_prov', '/api/quota/reconcile');
  assert.equal(rec.ok, true, JSON.stringify(rec.differences));
});

// ---- The market -------------------------------------------------------------------------

test('the market: a listing, a bid over a cap refused, a trade with its compensation to the fen, statements', async () => {
  const l = await post('approver', '/api/quota/listings', { seller: '360781', kind: 'cultivated_area', amount: 250000, reserve_price_fen: 4500, note: '耕地指标挂牌' }, 201);
  assert.equal(l.body.status, 'open');
  assert.equal(l.body.kind_title, '耕地占补平衡指标 (数量)');
  // Anyone who reads quota sees an open listing.
  assert.ok((await get('approver_b', '/api/quota/listings')).listings.some((x) => x.id === l.body.id));
  // The default cap per trade is 200,000 m2: a bid above it is refused.
  const over = await post('approver_b', `/api/quota/listings/${l.body.id}/bids`, { buyer: '360782', amount: 200001, unit_price_fen: 4600 });
  assert.equal(over.status, 400);
  assert.match(over.body.error.message, /单笔交易上限为 200,000 平方米/);
  assert.equal((await post('approver_b', `/api/quota/listings/${l.body.id}/bids`, { buyer: '360782', amount: 100, unit_price_fen: 4499 })).status, 400);
  // Only the buyer's approver may bid for it.
  assert.equal((await post('approver', `/api/quota/listings/${l.body.id}/bids`, { buyer: '360782', amount: 6667, unit_price_fen: 4537 })).status, 403);
  const bid = await post('approver_b', `/api/quota/listings/${l.body.id}/bids`, { buyer: '360782', amount: 6667, unit_price_fen: 4537 }, 201);
  // Only the seller settles.
  assert.equal((await post('approver_b', `/api/quota/listings/${l.body.id}/settle`, { bid: bid.body.bid_id })).status, 403);
  const t = await post('approver', `/api/quota/listings/${l.body.id}/settle`, { bid: bid.body.bid_id }, 201);
  // 6,667 m2 x 45.37 yuan = 302,481.79 yuan = 30,248,179 fen; 10% =
  // 3,024,817.9 -> 3,024,818 fen into 360781's fund; 27,223,361 to it.
  assert.equal(t.body.total_fen, 30248179);
  assert.equal(t.body.compensation_fen, 3024818);
  assert.equal(t.body.seller_net_fen, 27223361);
  const funds = await get('approver', '/api/quota/funds');
  assert.equal(funds.funds.find((f) => f.division === '360781').balance_fen, 3024818);
  // A trade on a withdrawn listing.
  const l2 = await post('approver', '/api/quota/listings', { seller: '360781', kind: 'cultivated_area', amount: 1000, reserve_price_fen: 3000 }, 201);
  await post('approver', `/api/quota/listings/${l2.body.id}/withdraw`, {}, 200);
  const late = await post('approver', `/api/quota/listings/${l2.body.id}/settle`, { buyer: '360782', amount: 10, unit_price_fen: 3000, agreement: '协议-9' });
  assert.equal(late.status, 409);
  assert.match(late.body.error.message, /已撤牌/);
  // Caps used, statements as a page and as a workbook.
  const caps = await get('approver_b', '/api/quota/caps');
  assert.equal(caps.caps.find((c) => c.division === '360782' && c.kind === 'cultivated_area').bought, 6667);
  const page = await as.approver.fetch(`/api/quota/trades/${t.body.id}/statement`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /302,481\.79 元/);
  const xl = await as.approver.fetch(`/api/quota/statements?year=${t.body.year}&format=xlsx`);
  assert.equal(xl.status, 200);
  const bytes = Buffer.from(await xl.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  assert.equal((await as.approver_b.fetch(`/api/quota/statements?year=${t.body.year}&within=360781`)).status, 403);
});

test('an enclave park: the signed agreement uploaded, its settlement shared to the fen', async () => {
  const pdf = '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';
  const form = new FormData();
  form.append('name', '甲乙共建产业园');
  form.append('source', '360782');
  form.append('host', '360781');
  form.append('park_layer', 'park');
  form.append('quota_from', 'source');
  form.append('start_year', '2026');
  form.append('costs', JSON.stringify({ 基础设施: 'source', 征地拆迁: 'host' }));
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), '共建协议.pdf');
  const r = await as.approver.fetch('/api/quota/enclaves', { method: 'POST', body: form });
  const e = await r.json();
  assert.equal(r.status, 201, JSON.stringify(e));
  assert.equal(typeof e.file_id, 'number');
  assert.deepEqual(e.shares[0], { from_year: 1, to_year: 3, source: 5, host: 5 });
  await post('approver', `/api/quota/enclaves/${e.id}/figures`, { year: 2026, tax_fen: 1234567, gdp_fen: 98765432101, enterprises: 6 }, 201);
  const s = await post('approver', `/api/quota/enclaves/${e.id}/settle`, { year: 2026 }, 201);
  // 1,234,567 x 5/10 = 617,283.5 -> 617,284 to the source, 617,283 to the host.
  assert.equal(s.body.source_tax_fen, 617284);
  assert.equal(s.body.host_tax_fen, 617283);
  assert.equal((await post('approver', `/api/quota/enclaves/${e.id}/settle`, { year: 2026 })).status, 409);
  // The source's approver reads it too; a case inside the park uses the
  // source's account.
  assert.equal((await get('approver_b', `/api/quota/enclaves/${e.id}`)).name, '甲乙共建产业园');
  await post('approver_prov', '/api/quota/allocations', { to: '360782', kind: 'new_construction', amount: 40000, document: '国土资发〔2026〕15号' }, 201);
  const id = await fileCase(box(700, 700, 800, 800), '园区标准厂房');
  await act('clerk', id, 'Task_Accept', 'accept');
  const q = await get('approver', `/api/quota/cases/${id}`);
  assert.equal(q.division, '360782');
  assert.equal(q.enclave_id, e.id);
  assert.equal(account(await balances(), '360782', 'new_construction').reserved, 10000);
});

test('reconcile: clean, then an edit behind the server\'s back is found; the ledger audit agrees', async () => {
  let rec = await get('approver_prov', '/api/quota/reconcile');
  assert.equal(rec.ok, true, JSON.stringify(rec.differences));
  assert.equal((await as.approver.json('/api/quota/reconcile')).status, 403);
  const audit0 = JSON.parse(landgov(db, ['--json', 'ledger', 'audit']));
  assert.deepEqual(audit0.findings, []);
  storeExec(db, "UPDATE lg_quota_accounts SET available = available + 500 WHERE division = '360781' AND kind = 'cultivated_area'");
  rec = await get('approver_prov', '/api/quota/reconcile');
  assert.equal(rec.ok, false);
  const d = rec.differences.find((x) => x.what === 'balance' && x.division === '360781' && x.kind === 'cultivated_area' && x.bucket === 'available');
  assert.ok(d, JSON.stringify(rec.differences));
  assert.equal(d.stored - d.from_movements, 500);
  assert.equal(d.from_movements, d.from_ledger);
  // A movement's amount changed with the database's own tools.
  const [m] = storeQuery(db, "SELECT max(id) AS id FROM lg_quota_movements WHERE type = 'trade'");
  const drop = PGdrop('lg_quota_movements');
  storeExec(db, `${drop} UPDATE lg_quota_movements SET amount = amount + 1 WHERE id = ${m.id}`);
  let audit = null;
  try {
    landgov(db, ['ledger', 'audit']);
  } catch (e) {
    audit = e;
  }
  assert.ok(audit, 'landgov ledger audit should fail');
  assert.match(audit.stdout, /quota\.movement/);
  let failed = null;
  try {
    landgov(db, ['quota', 'reconcile']);
  } catch (e) {
    failed = e;
  }
  assert.ok(failed, 'landgov quota reconcile should fail');
  assert.match(failed.stdout, new RegExp(`流水 ${m.id} 与账本不符`));
});

/** The statement that drops a table's append-only triggers, on the suite's backend. */
function PGdrop(table) {
  return process.env.LG_TEST_PG
    ? `DROP TRIGGER IF EXISTS ${table}_append_only_u ON ${table};`
    : `DROP TRIGGER IF EXISTS ${table}_append_only_u;`;
}
