// Land after approval over HTTP (/api/stock/...) against a real `landgov
// serve`: imports of the land-market monitoring system's sheet (an XLSX
// written here, with date cells) and a Ministry coordinate file, good and
// bad; the ledgers and the idle-land JSON as of days counted by hand; the
// Excel export read back by GDAL's ogrinfo; documents with their digests
// and ledger proofs checked by the standalone verifier; site visits with a
// photo; who may see and do what (a county sees its own).
//
// Parcels (EPSG:4526, metres from the fixture's origin; areas by hand):
//   3607812021B00001 (360781)  [0,100] x [3000,3120]   1.2 ha, 600 万元,
//       contracted 2021-09-01, agreed start 2022-03-01, never started:
//       not due up to 2023-03-01 (a full year ends at 24:00 that day),
//       idle_fee from 2023-03-02 (20% of 6,000,000 = 1,200,000 yuan),
//       idle_recover from 2024-03-02.
//   3607812021B00002 (360781)  [200,300] x [3000,3080]  0.8 ha, started
//       2021-10-01: under construction.
//   3607822021B00003 (360782)  [0,200] x [3200,3300]    2 ha, completed
//       2023-01-01: completed; the neighbouring county's.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { GRID, ROOT, landgov, login, client, makeFixtureStore, startServer, tempDir } from './helpers.mjs';
import { SUPPLY_COLUMNS, ministry, xlsx } from './stock_files.mjs';

await import(path.join(ROOT, 'tools/verify/verify.mjs'));
const V = globalThis.LandgovVerify;

const { x0, y0 } = GRID;
let dir;
let db;
let server;
let key;
const as = {};

const RECTS = [
  { no: '3607812021B00001', x0: x0, y0: y0 + 3000, x1: x0 + 100, y1: y0 + 3120 },
  { no: '3607812021B00002', x0: x0 + 200, y0: y0 + 3000, x1: x0 + 300, y1: y0 + 3080 },
  { no: '3607822021B00003', x0: x0, y0: y0 + 3200, x1: x0 + 200, y1: y0 + 3300 },
];

const D = (date) => ({ date });
// The rows, column by column as SUPPLY_COLUMNS names them.
const ROWS = [
  ['3607812021B00001', '物流园', '360781', '示范县工业园', 1.2, '工业用地', '挂牌出让', 50, 600, '某物流有限公司',
    D('2021-09-01'), D('2021-10-01'), D('2022-03-01'), D('2024-03-01'), null, null, null],
  ['3607812021B00002', '家具厂', '360781', '示范县工业园', 0.8, '工业用地', '协议出让', 50, 400, '某家居有限公司',
    D('2021-06-01'), null, D('2021-09-01'), null, null, D('2021-10-01'), null],
  ['3607822021B00003', '食品厂', '360782', '乙县开发区', 2, '工业用地', '挂牌出让', 50, 900, '某食品有限公司',
    D('2021-05-01'), null, D('2021-08-01'), null, null, D('2021-08-10'), D('2023-01-01')],
];

function upload(name, rows, columns = SUPPLY_COLUMNS, bounds = ministry(RECTS)) {
  const form = new FormData();
  form.set('sheet', new Blob([xlsx(columns, rows)]), name);
  form.set('boundaries', new Blob([bounds]), '供地边界.txt');
  form.set('kind', 'supplies');
  return form;
}

async function post(who, form) {
  const r = await as[who].fetch('/api/stock/import', { method: 'POST', body: form });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text), text };
}

async function idle(who, asOf) {
  const r = await as[who].json(`/api/stock/idle?as_of=${asOf}`);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.parcels.map((p) => [p.supervision_no, p]));
}

before(async () => {
  dir = tempDir('landgov-api-stock-');
  db = makeFixtureStore(dir);
  key = JSON.parse(landgov(db, ['--json', 'ledger', 'key'])).key;
  server = await startServer(db);
  for (const name of ['admin', 'clerk', 'clerk_b', 'reviewer', 'applicant']) as[name] = await login(server, name);
  as.public = client(server);
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('bad sheets are refused, naming file, row and column, and nothing is imported', async () => {
  const cases = [
    // A missing column.
    [upload('缺列.xlsx', ROWS.slice(0, 2).map((r) => r.filter((_, i) => i !== 12)), SUPPLY_COLUMNS.filter((_, i) => i !== 12)),
      [/缺列\.xlsx/, /第 1 行/, /缺少列 "约定开工时间"/]],
    // An unparseable date: sheet row 3, 合同签订日期 is column K.
    [upload('日期.xlsx', [ROWS[0], ROWS[1].map((v, i) => (i === 10 ? '2021-02-30' : v))]),
      [/日期\.xlsx/, /第 3 行/, /合同签订日期/, /\(K 列\)/, /2021-02-30/]],
    // A negative area: row 2, column E.
    [upload('面积.xlsx', [ROWS[0].map((v, i) => (i === 4 ? -1.2 : v)), ROWS[1]]),
      [/面积\.xlsx/, /第 2 行/, /面积\(公顷\)/, /\(E 列\)/, /不能为负数/]],
    // A duplicate 电子监管号: row 3 repeats row 2.
    [upload('重复.xlsx', [ROWS[0], ROWS[1].map((v, i) => (i === 0 ? ROWS[0][0] : v))]),
      [/重复\.xlsx/, /第 3 行/, /电子监管号/, /\(A 列\)/, /与第 2 行重复/]],
    // A boundary 7.7% off its declared area (1.3 declared, 1.2 surveyed).
    [upload('不符.xlsx', [ROWS[0].map((v, i) => (i === 4 ? 1.3 : v)), ROWS[1]]),
      [/不符\.xlsx/, /第 2 行/, /面积\(公顷\)/, /1\.3000/, /1\.2000/, /超过允许的 5%/]],
  ];
  for (const [form, patterns] of cases) {
    const r = await post('clerk', form);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'invalid_input');
    for (const p of patterns) assert.match(r.body.error.message, p);
    // Nothing landed.
    assert.deepEqual(Object.keys(await idle('clerk', '2026-01-01')), []);
  }
});

test('a county imports its own rows; the neighbour imports its own', async () => {
  // All three rows by 360781's clerk: the third is 360782's. Refused whole.
  let r = await post('clerk', upload('供地表.xlsx', ROWS));
  assert.equal(r.status, 403, r.text);
  assert.match(r.body.error.message, /第 4 行/);
  assert.deepEqual(Object.keys(await idle('clerk', '2026-01-01')), []);
  r = await post('clerk', upload('供地表.xlsx', ROWS.slice(0, 2)));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.created, r.body.updated, r.body.srs_id], [2, 0, 4526]);
  r = await post('clerk_b', upload('乙县供地表.xlsx', ROWS.slice(2)));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.created, 1);
  // The same sheet again changes nothing.
  r = await post('clerk', upload('供地表.xlsx', ROWS.slice(0, 2)));
  assert.deepEqual([r.body.created, r.body.updated, r.body.unchanged], [0, 0, 2]);
});

test('the idle-land JSON, as of days counted by hand, each county its own', async () => {
  let p = await idle('clerk', '2023-03-01');
  assert.deepEqual(Object.keys(p).sort(), ['3607812021B00001', '3607812021B00002']);
  assert.deepEqual(p['3607812021B00001'], { supervision_no: '3607812021B00001', status: 'not_due', idle_since: null, fee_yuan: 0, articles: ['2'] });
  assert.equal(p['3607812021B00002'].status, 'under_construction');
  p = await idle('clerk', '2023-03-02');
  assert.deepEqual(p['3607812021B00001'], { supervision_no: '3607812021B00001', status: 'idle_fee', idle_since: '2022-03-01', fee_yuan: 1200000, articles: ['2', '14'] });
  p = await idle('clerk', '2024-03-02');
  assert.equal(p['3607812021B00001'].status, 'idle_recover');
  assert.equal(p['3607812021B00001'].fee_yuan, 0);
  // The neighbour sees its own parcel only.
  p = await idle('clerk_b', '2024-03-02');
  assert.deepEqual(Object.keys(p), ['3607822021B00003']);
  assert.equal(p['3607822021B00003'].status, 'completed');
  // The CLI prints the same document.
  const cli = JSON.parse(landgov(db, ['--json', 'stock', 'idle', '--as-of', '2023-03-02', '--division', '360781']));
  assert.deepEqual(cli.parcels.find((x) => x.supervision_no === '3607812021B00001').fee_yuan, 1200000);
  // An applicant has no part in it; the public must log in.
  assert.equal((await as.applicant.json('/api/stock/idle')).status, 403);
  assert.equal((await as.public.json('/api/stock/idle')).status, 401);
  assert.equal((await as.clerk.json('/api/stock/idle?as_of=2023-02-30')).status, 400);
});

test('the ledgers: 供而未用 with overdue days, Excel export read back by GDAL', async () => {
  let r = await as.clerk.json('/api/stock/ledger/unused?as_of=2022-06-01');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.kind_title, '供而未用土地台账');
  // Both: the second parcel was overdue from 2021-09-02 until it started
  // on 2021-10-01, which struck it off.
  assert.equal(r.body.rows.length, 2);
  const started = r.body.rows.find((x) => x.supervision_no === '3607812021B00002');
  assert.deepEqual([started.opened_on, started.open, started.struck_act, started.struck_on], ['2021-09-02', false, 'start', '2021-10-01']);
  const u = r.body.rows.find((x) => x.supervision_no === '3607812021B00001');
  assert.equal(u.supervision_no, '3607812021B00001');
  assert.equal(u.opened_on, '2022-03-02');
  // 2022-03-01 to 2022-06-01: 30 (Mar after the 1st) + 30 + 31 + 1 = 92 days.
  assert.equal(u.overdue_days, 92);
  assert.equal(u.open, true);
  assert.equal(u.method, '督促动工'); // the configured default, no plan recorded
  assert.equal(u.planned, false);
  // A plan recorded by the bureau replaces the default from its day on.
  r = await as.clerk.json('/api/stock/plans', { method: 'POST', body: { kind: 'unused', object_id: u.supply_id, reason: '企业资金紧张', method: '约谈督促, 限期开工', unit: '执法监察大队', deadline: '2026-12-31' } });
  assert.equal(r.status, 201, r.text);
  r = await as.clerk.json('/api/stock/ledger/unused?status=open');
  assert.equal(r.body.rows.length, 1);
  assert.equal(r.body.rows[0].method, '约谈督促, 限期开工');
  assert.equal(r.body.rows[0].planned, true);
  // Another county may not plan for it.
  r = await as.clerk_b.json('/api/stock/plans', { method: 'POST', body: { kind: 'unused', object_id: u.supply_id, method: 'x', unit: 'y', deadline: '2026-12-31' } });
  assert.equal(r.status, 403, r.text);
  // The neighbour's ledger holds its own parcel only (started nine days
  // late, on 2021-08-10, which struck it off).
  r = await as.clerk_b.json('/api/stock/ledger/unused?as_of=2022-06-01');
  assert.deepEqual(r.body.rows.map((x) => [x.supervision_no, x.struck_act, x.struck_on]), [['3607822021B00003', 'start', '2021-08-10']]);
  // The idle ledger as a workbook: GDAL reads the number and the fee.
  const res = await as.clerk.fetch('/api/stock/ledger/idle?as_of=2023-03-02&format=xlsx');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /spreadsheetml/);
  const file = path.join(dir, 'idle.xlsx');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const dump = execFileSync('ogrinfo', ['-al', file], { encoding: 'utf8' });
  assert.match(dump, /闲置土地台账 \(截至 2023-03-02\)/);
  assert.match(dump, /3607812021B00001/);
  assert.match(dump, /= 1200000/);
  assert.doesNotMatch(dump, /3607822021B00003/);
  // An unknown ledger is a clear error.
  r = await as.clerk.json('/api/stock/ledger/nonsense');
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /unsupplied/);
});

test('the procedure: documents numbered and served with their digest; out of order refused; ledger proofs verify', async () => {
  const id = (await as.clerk.json('/api/stock/supplies/3607812021B00001')).body.record.id;
  const act = (who, body) => as[who].json(`/api/stock/supplies/${id}/acts`, { method: 'POST', body });
  let r = await act('clerk', { act: 'determine', on: '2023-03-02' });
  assert.equal(r.status, 409, r.text);
  assert.match(r.body.error.message, /调查通知书/);
  r = await act('clerk_b', { act: 'investigate', on: '2022-09-01' });
  assert.equal(r.status, 403, r.text);
  r = await act('clerk', { act: 'investigate', on: '2022-09-01' });
  assert.equal(r.status, 201, r.text);
  const a = r.body.acts.at(-1);
  assert.equal(a.doc_no, '360781闲调〔2022〕1号');
  assert.equal(a.doc_title, '闲置土地调查通知书');
  r = await act('clerk', { act: 'determine', on: '2022-10-15' });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /尚不构成闲置土地/);
  r = await act('clerk', { act: 'determine', on: '2023-03-02' });
  assert.equal(r.status, 201, r.text);
  // The document, as stored: its bytes hash to the digest the store
  // recorded for it, which the response names.
  const res = await as.clerk.fetch(`/api/stock/files/${a.file_id}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  const body = Buffer.from(await res.arrayBuffer());
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  assert.equal(res.headers.get('x-content-sha256'), sha);
  const doc = (await as.clerk.json(`/api/stock/supplies/${id}`)).body.documents.find((d) => d.id === a.file_id);
  assert.equal(doc.sha256, sha);
  assert.match(body.toString('utf8'), /360781闲调〔2022〕1号/);
  assert.match(body.toString('utf8'), /某物流有限公司/);
  assert.equal((await as.clerk_b.fetch(`/api/stock/files/${a.file_id}`)).status, 403);
  // Every ledger entry of the parcel proves against a signed checkpoint.
  const page = (await as.clerk.json(`/api/stock/supplies/${id}`)).body;
  assert.ok(page.ledger.length >= 3, JSON.stringify(page.ledger));
  for (const e of page.ledger) {
    const p = await as.clerk.json(`/api/ledger/entries/${e.index}`);
    assert.equal(p.status, 200, p.text);
    const v = await V.verifyBundle(p.body, key);
    assert.equal(v.entry.action, e.action);
  }
  assert.deepEqual(page.ledger.map((e) => e.action).slice(-2), ['stock.act.investigate', 'stock.act.determine']);
  // The timeline names the documents in order of their days.
  const tl = page.timeline.map((t) => `${t.on} ${t.title}`);
  assert.ok(tl.indexOf('2022-09-01 发出闲置土地调查通知书') < tl.indexOf('2023-03-02 下达闲置土地认定书'), tl.join('\n'));
  assert.equal(page.verdict.status, 'idle_recover');
});

test('a site visit with a photo', async () => {
  const id = (await as.clerk.json('/api/stock/supplies/3607812021B00002')).body.record.id;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077' +
    '53de0000000c4944415408d763f8cfc00000030101001' + '8dd8db00000000049454e44ae426082', 'hex');
  const form = new FormData();
  for (const [k, v] of Object.entries({ visited_on: '2023-06-01', developed_m2: '2000', invested_wan: '100',
    total_investment_wan: '1000', stopped_since: '2022-05-10', cause: '资金不足', officer: '执法监察大队 刘工' })) form.set(k, v);
  form.set('photo', new Blob([png], { type: 'image/png' }), '现场-东.png');
  let r = await as.clerk.fetch(`/api/stock/supplies/${id}/visits`, { method: 'POST', body: form });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  const photo = body.visits[0].photos[0];
  assert.equal(photo.mime, 'image/png');
  assert.equal(photo.name, '现场-东.png');
  assert.equal(photo.sha256, crypto.createHash('sha256').update(png).digest('hex'));
  // 2,000 of 8,000 m2 built and 10% invested, stopped since 2022-05-10:
  // idle from the visit's day (2023-06-01) on.
  const p = await idle('clerk', '2023-06-01');
  assert.equal(p['3607812021B00002'].status, 'idle_fee');
  assert.equal(p['3607812021B00002'].idle_since, '2022-05-10');
  assert.equal(p['3607812021B00002'].fee_yuan, 800000);
  r = await as.clerk.fetch(`/api/stock/files/${photo.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  // The ledger audit finds every record as recorded.
  const audit = JSON.parse(landgov(db, ['--json', 'ledger', 'audit']));
  assert.equal(audit.findings.length, 0, JSON.stringify(audit.findings));
});

test('the dashboard and the map', async () => {
  let r = await as.clerk.json('/api/stock/summary?as_of=2024-03-02');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.counties.map((c) => c.county), ['360781']);
  const c = r.body.counties[0];
  assert.equal(c.supplies, 2);
  assert.equal(c.idle.idle_recover, 1);
  r = await as.admin.json('/api/stock/map/supplies?crs=3857');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.type, 'FeatureCollection');
  assert.deepEqual(r.body.features.map((f) => f.properties.supervision_no).sort(), ['3607812021B00001', '3607812021B00002']);
  const f = r.body.features.find((x) => x.properties.supervision_no === '3607812021B00001');
  assert.equal(f.properties.status, 'idle_recover');
  assert.equal(f.properties.status_title, '闲置满两年 (无偿收回)');
  r = await as.clerk.json('/api/stock/map/nothing');
  assert.equal(r.status, 400);
});
