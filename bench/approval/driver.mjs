// The client side of bench/approval: N cases driven through the whole
// default land-approval process (processes/land-approval.bpmn) over the
// API of a running `landgov serve`, by CONC workers at once, each on its
// own keep-alive connection, as the staff of a bureau work side by side.
//
// A case, on state-owned industrial land that the city approves without
// expropriation notices (the fixture run.sh builds): filed at the window
// (POST /api/cases, the compliance check runs at acceptance), accepted
// (clerk), county review (county approver), joint review by the five
// default departments (one reviewer each: natural resources, agriculture,
// ecology, forestry, water), city approval (city approver), after which
// the process issues the document number and hands the case over. Each
// POST is one transition committed with its ledger entries before the
// answer comes back: 9 per case.
//
//   node driver.mjs --url http://127.0.0.1:PORT/ --tokens FILE --n 10000 --conc 8
//
// Prints one JSON document: cases, transitions, seconds, per second, and
// for each action its count, p50, p99 and max latency in milliseconds.
// Any answer but the expected status stops the run with the answer.

import fs from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const base = new URL(args.url);
const tokens = JSON.parse(fs.readFileSync(args.tokens, 'utf8'));
const N = Number(args.n ?? 1000);
const CONC = Number(args.conc ?? 8);
const X0 = Number(args.x0 ?? 38500000);
const Y0 = Number(args.y0 ?? 3400000);
const DEPARTMENTS = ['natural_resources', 'agriculture', 'ecology', 'forestry', 'water'];

const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });

function post(path, token, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const lat = {}; // action -> [ms]
let transitions = 0;

async function step(action, path, who, body, want = 200) {
  const t0 = process.hrtime.bigint();
  const r = await post(path, tokens[who], body);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== want) throw new Error(`${action} ${path} as ${who}: ${r.status} ${r.text.slice(0, 500)}`);
  (lat[action] ??= []).push(ms);
  transitions++;
  return JSON.parse(r.text);
}

const task = (c, node, element) => {
  const t = c.tasks.find((x) => x.node === node && (element === undefined || x.element === element));
  if (!t) throw new Error(`case ${c.code} has no open task at ${node} ${element ?? ''}: ${JSON.stringify(c.tasks)}`);
  return t.id;
};

/** Case i: a 50 x 50 m square on a 100 m grid, 100 to a row. */
function boundary(i) {
  const x = X0 + 100 + (i % 100) * 100;
  const y = Y0 + 100 + Math.floor(i / 100) * 100;
  return {
    type: 'Polygon',
    crs: { type: 'name', properties: { name: 'EPSG:4526' } },
    coordinates: [[[x, y], [x + 50, y], [x + 50, y + 50], [x, y + 50], [x, y]]],
  };
}

async function one(i) {
  let c = await step('create', '/api/cases', 'clerk', {
    title: `工业项目 ${i + 1}`,
    type: 'industrial',
    use: '1001',
    enterprise: '91360781MA35B0001X',
    applicant: '基准测试企业',
    rating: 'B',
    investment: 10000000,
    boundary: boundary(i),
  }, 201);
  c = await step('accept', `/api/tasks/${task(c, 'Task_Accept')}`, 'clerk', { action: 'accept' });
  c = await step('county', `/api/tasks/${task(c, 'Task_County')}`, 'county', { action: 'approve' });
  for (const d of DEPARTMENTS) c = await step('joint', `/api/tasks/${task(c, 'Task_Joint', d)}`, `reviewer_${d}`, { action: 'approve' });
  c = await step('city', `/api/tasks/${task(c, 'Task_City')}`, 'city', { action: 'approve' });
  if (c.status !== 'handed_over') throw new Error(`case ${c.code} ended ${c.status}, not handed_over`);
}

let next = 0;
async function worker() {
  while (next < N) {
    const i = next++;
    await one(i);
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: CONC }, worker));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const actions = {};
for (const [k, v] of Object.entries(lat)) {
  v.sort((a, b) => a - b);
  actions[k] = { n: v.length, p50_ms: +pct(v, 0.5).toFixed(3), p99_ms: +pct(v, 0.99).toFixed(3), max_ms: +v[v.length - 1].toFixed(3) };
}
const all = Object.values(lat).flat().sort((a, b) => a - b);
actions.all = { n: all.length, p50_ms: +pct(all, 0.5).toFixed(3), p99_ms: +pct(all, 0.99).toFixed(3), max_ms: +all[all.length - 1].toFixed(3) };
agent.destroy();
console.log(JSON.stringify({ cases: N, concurrency: CONC, transitions, seconds: +seconds.toFixed(3), per_second: +(transitions / seconds).toFixed(1), actions }));
