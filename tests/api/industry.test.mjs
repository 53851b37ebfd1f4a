// Industrial land (src/industry) over the API of a real `landgov serve`,
// on whichever backend the suite runs (LG_TEST_PG): permissions by role
// and county, a standard-land parcel with the default conditions of its
// industry, the admission check with its gaps, the investment agreement,
// the joint acceptance (a missing department figure refused in Chinese
// with nothing recorded; rectify with its deadline; pass), and the per-mu
// evaluation of figures entered through the API, its grades as the CLI
// prints them.
//
// Expected values by hand (1 mu = 10000/15 m2): the parcel of 20,000 m2 is
// 30 mu; a project of 4,500 万元 has 150 万元/亩 against 200 (gap 50);
// 16,000 m2 of floors give a floor-area ratio of 0.8 against 1.0 (gap 0.2).
// The agreement of 7,500 万元 is 250 per mu; 6,900 measured is 230, short
// 20: rectify until 2027-02-28 (6 months after 2026-08-31, February's
// last day). Per-mu: two enterprises above the size threshold on 30 mu
// each, taxes 600 and 300, value added 3000 and 1500, revenue 20000 and
// 10000, energy 1500 and 1500 tce, emissions 30 and 30 t, R&D 600 and
// 100, staff 300 and 300. Benchmarks: tax 900/60 = 15 per mu; value added
// 4500/60 = 75 per mu, 4500/600 = 7.5 per person, 4500/3000 = 1.5 per tce,
// 4500/60 = 75 per t; R&D 700/30000 = 2.3333 %. First: 20/15 x 40 = 53.3333,
// 100/75 x 20 = 26.6667, 10/7.5 x 10 = 13.3333, 2/1.5 x 10 = 13.3333,
// 100/75 x 10 = 13.3333, 3/2.3333 x 10 = 12.8571: 132.86, grade A (>= 120).
// Second: 10/15 x 40 = 26.6667, 50/75 x 20 = 13.3333, 5/7.5 x 10 = 6.6667,
// 1/1.5 x 10 = 6.6667, 50/75 x 10 = 6.6667, 1/2.3333 x 10 = 4.2857: 64.29,
// grade C (>= 50).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { addUsers, apiToken, bearer, client, landgov, startServer, storeQuery, storeTarget, tempDir } from './helpers.mjs';

let dir;
let db;
let server;
let pub;
const as = {};
const ACTORS = ['admin', 'clerk', 'clerk_b', 'approver', 'applicant'];

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

const ledgerSize = () => Number(storeQuery(db, 'SELECT count(*) AS n FROM lg_ledger_entries')[0].n);

before(async () => {
  dir = tempDir('landgov-api-industry-');
  db = storeTarget(path.join(dir, 'industry.gpkg'));
  landgov(db, ['init']);
  addUsers(db);
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

const PARCEL = { code: 'BZD-2026-01', name: '电子信息产业园 A-01', division: '360781', industry: '39', area_m2: 20000 };

test('permissions and the parcel with its conditions', async () => {
  assert.equal((await pub.json('/api/industry/parcels')).status, 401);
  assert.equal((await as.applicant.json('/api/industry/parcels')).status, 403);
  // A county clerk may not make a parcel in the neighbouring county.
  assert.equal((await post('clerk_b', '/api/industry/parcels', PARCEL)).status, 403);
  const r = await post('clerk', '/api/industry/parcels', PARCEL, 201);
  assert.equal(r.headers.get('location'), `/api/industry/parcels/${r.body.id}`);
  assert.equal(r.body.mu, 30);
  assert.equal(r.body.conditions.floor_area_ratio_min.value, 1);
  assert.equal(r.body.conditions.floor_area_ratio_min.confirmed, false);
  assert.equal(r.body.conditions.building_coverage_min.value, 30);
  // Twice the same number: a conflict, in Chinese.
  const dup = await post('clerk', '/api/industry/parcels', PARCEL, 409);
  assert.match(dup.body.error.message, /已存在/);
  // An industry the table does not list.
  const bad = await post('clerk', '/api/industry/parcels', { ...PARCEL, code: 'X', industry: '05' }, 400);
  assert.match(bad.body.error.message, /行业代码/);
  // The neighbour neither sees it in the list nor reads it.
  assert.deepEqual((await get('clerk_b', '/api/industry/parcels')).parcels, []);
  assert.equal((await as.clerk_b.json('/api/industry/parcels/BZD-2026-01')).status, 403);
  assert.equal((await get('clerk', '/api/industry/parcels')).parcels.length, 1);
  const cond = await get('clerk', '/api/industry/conditions/3911');
  assert.equal(cond.floor_area_ratio_min.value, 1);
});

test('admission: each condition with its gap, the verdict in Chinese', async () => {
  const project = { name: '服务器主板', industry: '3911', investment_wan: 4500, floor_area_m2: 16000, footprint_m2: 9000, office_living_m2: 1000, green_m2: 2000 };
  const r = await post('clerk', '/api/industry/parcels/BZD-2026-01/admission', project, 200);
  assert.equal(r.body.verdict, 'refused');
  assert.equal(r.body.verdict_title, '不予准入');
  const item = (k) => r.body.items.find((i) => i.key === k);
  assert.equal(item('investment_intensity_min').actual, 150);
  assert.equal(item('investment_intensity_min').gap, 50);
  assert.equal(item('floor_area_ratio_min').gap, 0.2);
  assert.equal(item('building_coverage_min').met, true);
  assert.equal(r.body.reasons.length, 2);
  const ok = await post('clerk', '/api/industry/parcels/BZD-2026-01/admission', { ...project, investment_wan: 7500, floor_area_m2: 24000 }, 200);
  assert.equal(ok.body.verdict, 'admitted');
  const missing = await post('clerk', '/api/industry/parcels/BZD-2026-01/admission', { industry: '39' }, 400);
  assert.match(missing.body.error.message, /固定资产投资/);
});

test('the agreement and the joint acceptance, on the ledger', async () => {
  const c = { credit_code: '91360781MA35E00011', enterprise: '赣江电子有限公司', investment_wan: 7500, output_per_mu_wan: 400, tax_per_mu_wan: 20, signed_on: '2025-03-01', start_on: '2025-06-01', completion_on: '2026-08-31', production_on: '2028-03-01' };
  const badCode = await post('approver', '/api/industry/parcels/BZD-2026-01/commitment', { ...c, credit_code: '91360781MA35E00012' }, 400);
  assert.match(badCode.body.error.message, /统一社会信用代码/);
  const r = await post('approver', '/api/industry/parcels/BZD-2026-01/commitment', c, 201);
  assert.equal(r.body.commitment.enterprise, '赣江电子有限公司');
  const actuals = { investment_wan: 6900, floor_area_m2: 24000, footprint_m2: 9000, office_living_m2: 1000 };
  const n0 = ledgerSize();
  const missing = await post('approver', '/api/industry/parcels/BZD-2026-01/acceptances', { stage: 'completion', on: '2026-08-31', actuals }, 400);
  assert.match(missing.body.error.message, /住房城乡建设部门的绿地率实测值/);
  assert.equal(ledgerSize(), n0);
  const a = await post('approver', '/api/industry/parcels/BZD-2026-01/acceptances', { stage: 'completion', on: '2026-08-31', actuals: { ...actuals, green_m2: 2000 } }, 201);
  assert.equal(a.body.result, 'rectify');
  assert.equal(a.body.deadline, '2027-02-28');
  const inv = a.body.items.find((i) => i.key === 'investment_intensity');
  assert.deepEqual([inv.required, inv.actual, inv.shortfall], [250, 230, 20]);
  assert.equal(ledgerSize(), n0 + 1);
  const entry = storeQuery(db, 'SELECT object_type, entry FROM lg_ledger_entries ORDER BY idx DESC LIMIT 1')[0];
  assert.equal(entry.object_type, 'industry.acceptance');
  assert.match(entry.entry, /industry\.acceptance\.decide/);
  const p = await post('approver', '/api/industry/parcels/BZD-2026-01/acceptances', { stage: 'completion', on: '2027-02-20', actuals: { ...actuals, investment_wan: 7800, green_m2: 2000 } }, 201);
  assert.equal(p.body.result, 'pass');
  const parcel = await get('clerk', '/api/industry/parcels/BZD-2026-01');
  assert.deepEqual(parcel.acceptances.map((x) => x.result), ['rectify', 'pass']);
});

test('per-mu evaluation of figures entered through the API; the CLI prints the same grades', async () => {
  const row = (cc, name, tax, va, rev, rd) => ({ year: 2025, credit_code: cc, name, division: '360781', area_m2: 20000, tax_wan: tax, value_added_wan: va, revenue_wan: rev, energy_tce: 1500, emission_t: 30, rd_wan: rd, employees: 300 });
  const rows = [row('91360781MA35E00011', '赣江电子', 600, 3000, 20000, 600), row('91360781MA35E00024', '瑞金机械', 300, 1500, 10000, 100)];
  // A bad row refuses the whole batch, naming it.
  const bad = await post('clerk', '/api/industry/figures', { rows: [rows[0], { ...rows[1], tax_wan: -5 }] }, 400);
  assert.match(bad.body.error.message, /第 2 行/);
  assert.equal(Number(storeQuery(db, 'SELECT count(*) AS n FROM lg_industry_figures')[0].n), 0);
  await post('clerk', '/api/industry/figures', { rows }, 201);
  const ev = await get('clerk', '/api/industry/evaluation?year=2025');
  assert.equal(ev.benchmarks.tax_per_mu, 15);
  const first = ev.enterprises.find((e) => e.credit_code === '91360781MA35E00011');
  const second = ev.enterprises.find((e) => e.credit_code === '91360781MA35E00024');
  assert.equal(first.score, 132.86);
  assert.equal(first.grade, 'A');
  assert.equal(first.rank, 1);
  assert.equal(second.score, 64.29);
  assert.equal(second.grade, 'C');
  // Kept: only who may act; then on the ledger.
  assert.equal((await post('clerk_b', '/api/industry/evaluations', { year: 2025, division: '360781' })).status, 403);
  const kept = await post('approver', '/api/industry/evaluations', { year: 2025 }, 201);
  assert.ok(kept.body.id > 0);
  const cli = JSON.parse(landgov(db, ['--json', 'industry', 'evaluate', '--year', '2025', '--division', '360781']));
  assert.deepEqual(cli.enterprises.map((e) => [e.credit_code, e.score, e.grade]), ev.enterprises.map((e) => [e.credit_code, e.score, e.grade]));
});
