// Crash safety: `landgov serve` on a demo store (`landgov demo`, with its
// cases) takes a burst of case actions over several connections at once
// (filing cases, acting on their tasks, handing in deferred materials),
// and is killed with SIGKILL in the middle of it, after N actions were
// acknowledged and while others are still on the wire; then restarted.
// Three times in one run, at N = 5, 20 and 40, each burst on the server
// restarted by the one before.
//
// After each restart:
// - every acknowledged action (a 2xx answer received) is there, through
//   the API and in the tables: the case with its code and its process
//   instance; the task completed with the outcome given, its step and
//   its timeline entry; the materials handed in and the timeline entry;
// - nothing is half done, whatever was in flight: no case without its
//   process instance or the reverse, no completed task without its
//   history, step, timeline entry and ledger entry, no live instance
//   stuck with nothing to wait for, no ledger entry without its object
//   nor an object without its entries (queried with the database's own client);
// - `landgov ledger verify` and `landgov ledger audit` pass, and SQLite's
//   integrity check says ok.
//
// Then the same with two servers on one store (one PostgreSQL database,
// or one GeoPackage file, as the suite runs): the lanes split between
// them, one is killed in the middle of the burst while the other goes on;
// every action either acknowledged is there, the ledger verifies (one
// history: every entry has exactly one index, no fork, no gap) and the
// audit passes.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, PG, apiToken, landgov, startServer, storeQuery, storeTarget, tempDir } from './helpers.mjs';

const LANES = 4; // concurrent clients, each on a keep-alive connection of its own
const KILL_AFTER = [5, 20, 40]; // acknowledged actions before each SIGKILL

let dir;
let db;
let demo; // `landgov --json demo` output: county code, town
let server;
const tokens = {};

// The demo's accounts (src/auth/demo.c) by the candidate group they
// belong to; filled once the county code is known.
let groupUser;

// The materials of the demo's deferred case (src/demo/cases.c): all
// but one non-core item, so that a rating-A applicant is accepted with
// the rest deferred (容缺).
const ALL_BUT_ONE = ['application_form', 'pre_review', 'project_approval', 'boundary_survey', 'conversion_plan',
  'expropriation_plan', 'supply_plan', 'business_licence', 'authorisation', 'site_plan', 'mineral_overlay',
  'investment_agreement'];

/** The rows of one query, read with the database's own client. */
function sql(query) {
  return storeQuery(db, query);
}

/** One request on a lane's own connection; rejects when the connection
 *  fails (the server was killed). port: the server's (default: the
 *  current one). */
function call(agent, method, p, who, body, port = server.port) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { authorization: `Bearer ${tokens[who]}` };
    if (data) Object.assign(headers, { 'content-type': 'application/json', 'content-length': data.length });
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, body: json, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A 40 x 40 m box near the demo's town, a different one each time. */
function boundary(k) {
  const { x, y } = demo.county.town;
  const dx = ((k * 97) % 13) * 45 - 290;
  const dy = ((k * 61) % 11) * 45 - 250;
  const [x0, y0] = [Math.round(x + dx), Math.round(y + dy)];
  return {
    type: 'Polygon',
    crs: { type: 'name', properties: { name: 'EPSG:4526' } },
    coordinates: [[[x0, y0], [x0, y0 + 40], [x0 + 40, y0 + 40], [x0 + 40, y0], [x0, y0]]],
  };
}

/** One client: files cases one after another and takes each as far as
 *  the demo's accounts can (accept or defer at the window, hand in the
 *  deferred item, approve at the county, in the joint review, ...),
 *  until the burst stops or its connection fails. */
async function lane(burst, id, port = server.port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = async (method, p, who, body) => {
    burst.inflight++;
    try {
      return await call(agent, method, p, who, body, port);
    } finally {
      burst.inflight--;
    }
  };
  const unexpected = (what, r) => burst.unexpected.push(`lane ${id} ${what}: ${r.status} ${r.text.slice(0, 300)}`);
  try {
    while (!burst.stop) {
      const k = burst.seq++;
      const deferred = k % 3 === 2;
      const c = await send('POST', '/api/cases', 'clerk', {
        title: `崩溃测试项目 ${burst.round}-${k}`,
        type: 'industrial',
        use: '1001',
        enterprise: 'DEMO-ENTERPRISE-1',
        applicant: '演示企业',
        rating: deferred ? 'A' : 'B',
        investment: 10000000,
        departments: ['natural_resources', 'ecology'],
        materials: deferred ? ALL_BUT_ONE : undefined,
        boundary: boundary(k),
      });
      if (c.status !== 201) {
        unexpected('file', c);
        break;
      }
      burst.ack({ kind: 'create', caseId: c.body.id, code: c.body.code });
      let open = c.body.tasks;
      for (let step = 0; step < 8 && !burst.stop && open.length; step++) {
        const t = open.find((x) => groupUser[x.candidate_groups[0]]);
        if (!t) break;
        const action = t.node === 'Task_Accept' ? (deferred ? 'defer' : 'accept') : 'approve';
        const who = groupUser[t.candidate_groups[0]];
        const r = await send('POST', `/api/tasks/${t.id}`, who, { action });
        if (r.status !== 200) {
          unexpected(`${action} task ${t.id}`, r);
          break;
        }
        burst.ack({ kind: 'act', caseId: c.body.id, taskId: t.id, action, node: t.node, who });
        open = r.body.tasks || [];
        if (t.node === 'Task_Accept' && deferred && !burst.stop) {
          const m = await send('POST', `/api/cases/${c.body.id}/materials`, 'clerk', {});
          if (m.status !== 200) {
            unexpected('supply', m);
            break;
          }
          const kinds = m.body.materials.filter((x) => x.state === 'supplied').map((x) => x.kind);
          burst.ack({ kind: 'supply', caseId: c.body.id, kinds });
          if (burst.stop) break;
          const again = await send('GET', `/api/cases/${c.body.id}`, 'clerk');
          open = again.status === 200 ? again.body.tasks : [];
        }
      }
    }
  } catch (e) {
    // The connection failed: expected only once a server was killed.
    if (!burst.killed) throw e;
    burst.lost++;
  } finally {
    agent.destroy();
  }
}

/** Runs a burst on the current server (or, given others, on all of them,
 *  lanes taking turns) and kills `victim` (default: the current one) after
 *  n acknowledged actions; resolves once the process is gone and every
 *  lane has stopped. */
async function burstAndKill(round, n, servers = [server], victim = servers[0]) {
  const burst = {
    round,
    seq: 0,
    stop: false,
    killed: false,
    inflight: 0,
    inflightAtKill: 0,
    lost: 0,
    acked: [],
    unexpected: [],
    ack(a) {
      if (this.killed) return; // answered as it died: counted, but not asked for
      this.acked.push(a);
      if (this.acked.length >= n) {
        this.killed = true;
        this.stop = true;
        this.inflightAtKill = this.inflight;
        victim.proc.kill('SIGKILL');
      }
    },
  };
  const exited = new Promise((resolve) => victim.proc.on('exit', (code, signal) => resolve(signal ?? code)));
  const lanes = [];
  for (let i = 0; i < LANES; i++) lanes.push(lane(burst, i, servers[i % servers.length].port));
  await Promise.all(lanes);
  assert.deepEqual(burst.unexpected, [], 'every action of the burst should have succeeded');
  assert.ok(burst.killed, `the burst ended before ${n} actions were acknowledged`);
  assert.equal(await exited, 'SIGKILL');
  return burst;
}

/** Every acknowledged action is in the store, through the API and the tables. */
async function assertAcknowledged(acked) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const a of acked) {
      if (a.kind === 'create') {
        const r = await call(agent, 'GET', `/api/cases/${a.caseId}`, 'clerk');
        assert.equal(r.status, 200, `acknowledged case ${a.code}: ${r.text.slice(0, 200)}`);
        assert.equal(r.body.code, a.code);
        const [row] = sql(`SELECT c.code, i.id AS inst FROM lg_cases c LEFT JOIN lg_flow_instances i ON i.id = c.instance_id WHERE c.id = ${a.caseId}`);
        assert.ok(row && row.code === a.code && row.inst, `case ${a.code} and its process instance`);
      } else if (a.kind === 'act') {
        const r = await call(agent, 'GET', `/api/tasks/${a.taskId}`, a.who);
        assert.equal(r.status, 200, `acknowledged task ${a.taskId}: ${r.text.slice(0, 200)}`);
        assert.equal(r.body.status, 'completed', `task ${a.taskId} (${a.node} ${a.action})`);
        assert.equal(r.body.outcome, a.action, `task ${a.taskId}`);
        const tl = await call(agent, 'GET', `/api/cases/${a.caseId}/timeline`, 'clerk');
        assert.equal(tl.status, 200);
        assert.ok(
          tl.body.timeline.some((e) => e.source === 'case' && e.event === 'act' && e.task_id === a.taskId),
          `timeline of case ${a.caseId} lacks the act on task ${a.taskId}`,
        );
        const [step] = sql(`SELECT status, outcome FROM lg_case_steps WHERE task_id = ${a.taskId}`);
        assert.deepEqual(step, { status: 'completed', outcome: a.action }, `step of task ${a.taskId}`);
      } else if (a.kind === 'supply') {
        assert.ok(a.kinds.length > 0);
        const rows = sql(`SELECT kind, state FROM lg_case_materials WHERE case_id = ${a.caseId}`);
        for (const k of a.kinds) assert.equal(rows.find((m) => m.kind === k)?.state, 'supplied', `case ${a.caseId} ${k}`);
        const tl = await call(agent, 'GET', `/api/cases/${a.caseId}/timeline`, 'clerk');
        assert.ok(tl.body.timeline.some((e) => e.source === 'case' && e.event === 'supply'), `case ${a.caseId}: no supply entry`);
      }
    }
  } finally {
    agent.destroy();
  }
}

/** Nothing is half done: each query counts violations of one invariant. */
const INVARIANTS = {
  'a case without its process instance': `SELECT c.code FROM lg_cases c LEFT JOIN lg_flow_instances i ON i.id = c.instance_id WHERE i.id IS NULL`,
  'a process instance without its case': `SELECT i.id FROM lg_flow_instances i WHERE NOT EXISTS (SELECT 1 FROM lg_cases c WHERE c.instance_id = i.id)`,
  'a case without its ledger entries': `SELECT c.id FROM lg_cases c WHERE NOT EXISTS (SELECT 1 FROM lg_ledger_entries e WHERE e.object_type = 'case' AND e.object_id = CAST(c.id AS TEXT))`,
  'a case ledger entry without its case': `SELECT e.idx FROM lg_ledger_entries e WHERE e.object_type = 'case' AND NOT EXISTS (SELECT 1 FROM lg_cases c WHERE CAST(c.id AS TEXT) = e.object_id)`,
  'an instance ledger entry without its instance': `SELECT e.idx FROM lg_ledger_entries e WHERE e.object_type = 'flow.instance' AND NOT EXISTS (SELECT 1 FROM lg_flow_instances i WHERE CAST(i.id AS TEXT) = e.object_id)`,
  'a check ledger entry without its check': `SELECT e.idx FROM lg_ledger_entries e WHERE e.object_type = 'check' AND NOT EXISTS (SELECT 1 FROM lg_checks k WHERE CAST(k.id AS TEXT) = e.object_id)`,
  'a check without its ledger entry': `SELECT k.id FROM lg_checks k WHERE NOT EXISTS (SELECT 1 FROM lg_ledger_entries e WHERE e.object_type = 'check' AND e.object_id = CAST(k.id AS TEXT))`,
  'a completed task without its history': `SELECT t.id FROM lg_flow_tasks t WHERE t.status = 'completed' AND NOT EXISTS (SELECT 1 FROM lg_flow_history h WHERE h.task_id = t.id AND h.event = 'task.complete')`,
  'a task without its case step, or a step out of step': `SELECT t.id FROM lg_flow_tasks t LEFT JOIN lg_case_steps s ON s.task_id = t.id WHERE s.id IS NULL OR s.status <> t.status OR coalesce(s.outcome, '') <> coalesce(t.outcome, '')`,
  'a completed task without its timeline entry': `SELECT t.id FROM lg_flow_tasks t JOIN lg_cases c ON c.instance_id = t.instance_id WHERE t.status = 'completed' AND NOT EXISTS (SELECT 1 FROM lg_case_events e WHERE e.case_id = c.id AND e.task_id = t.id AND e.event = 'act')`,
  'completed tasks and their ledger entries differ in number': `SELECT i.id FROM lg_flow_instances i WHERE (SELECT count(*) FROM lg_flow_tasks t WHERE t.instance_id = i.id AND t.status = 'completed') <> (SELECT count(*) FROM lg_ledger_entries e WHERE e.object_type = 'flow.instance' AND e.object_id = CAST(i.id AS TEXT) AND e.entry LIKE '%"action":"flow.task.complete"%')`,
  'a live instance with nothing to wait for (its last step half done)': `SELECT i.id FROM lg_flow_instances i WHERE i.status = 'active' AND NOT EXISTS (SELECT 1 FROM lg_flow_tasks t WHERE t.instance_id = i.id AND t.status = 'open') AND NOT EXISTS (SELECT 1 FROM lg_flow_waits w WHERE w.instance_id = i.id AND w.status = 'pending')`,
  'a supply without its timeline entry': `SELECT m.case_id FROM lg_case_materials m WHERE m.state = 'supplied' AND NOT EXISTS (SELECT 1 FROM lg_case_events e WHERE e.case_id = m.case_id AND e.event = 'supply')`,
};

function assertNothingHalfDone() {
  for (const [what, q] of Object.entries(INVARIANTS)) {
    const rows = sql(q);
    assert.deepEqual(rows, [], `${what}: ${JSON.stringify(rows).slice(0, 300)}`);
  }
  // SQLite's own check of the file (PostgreSQL's storage has its own
  // recovery, which the invariants above and the audit below judge).
  if (!PG) assert.deepEqual(sql('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  for (const cmd of ['verify', 'audit']) {
    const r = spawnSync(BIN, ['--db', db, 'ledger', cmd], { encoding: 'utf8' });
    assert.equal(r.status, 0, `landgov ledger ${cmd}:\n${r.stdout}\n${r.stderr}`);
  }
}

before(async () => {
  dir = tempDir('landgov-api-crash-');
  db = storeTarget(path.join(dir, 'demo.gpkg'));
  demo = JSON.parse(landgov(db, ['--json', 'demo', '--patches', '200']));
  const code = demo.county.code;
  groupUser = {
    [`clerk@${code}`]: 'clerk',
    [`approver:county@${code}`]: 'approver',
    [`reviewer:natural_resources@${code}`]: 'reviewer',
    [`reviewer:ecology@${code}`]: 'reviewer.eco',
    [`approver:city@${code.slice(0, 4)}`]: 'approver.city',
    [`approver:province@${code.slice(0, 2)}`]: 'approver.prov',
  };
  for (const who of Object.values(groupUser)) tokens[who] = apiToken(db, who);
  server = await startServer(db);
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL in the middle of a burst of case actions loses nothing acknowledged and leaves nothing half done', async (t) => {
  const before = sql('SELECT count(*) AS n FROM lg_cases')[0].n;
  assert.ok(before > 0, 'the demo store has cases');
  assertNothingHalfDone();
  const all = [];
  let inflight = 0;
  let lost = 0;
  for (let round = 0; round < KILL_AFTER.length; round++) {
    const burst = await burstAndKill(round, KILL_AFTER[round]);
    inflight += burst.inflightAtKill;
    lost += burst.lost;
    const count = (k) => burst.acked.filter((a) => a.kind === k).length;
    t.diagnostic(
      `kill ${round + 1} after ${burst.acked.length} acknowledged (${count('create')} filed, ${count('act')} acted, ` +
        `${count('supply')} supplied); ${burst.inflightAtKill} in flight, ${burst.lost} connections lost`,
    );
    server = await startServer(db); // restart on the same store
    all.push(...burst.acked);
    await assertAcknowledged(all);
    assertNothingHalfDone();
  }
  const kinds = new Set(all.map((a) => a.kind));
  for (const k of ['create', 'act', 'supply']) assert.ok(kinds.has(k), `no acknowledged ${k} in the bursts`);
  // The kills did catch requests on the wire (else nothing was tested
  // but a quiet shutdown).
  assert.ok(inflight > 0 && lost > 0, `requests in flight at the kills: ${inflight}, connections lost: ${lost}`);
  const after = sql('SELECT count(*) AS n FROM lg_cases')[0].n;
  assert.ok(after >= before + all.filter((a) => a.kind === 'create').length);
});

test('two servers on one store: one is killed in a burst through both, nothing acknowledged is lost, one history', async (t) => {
  const other = await startServer(db);
  try {
    const before = sql('SELECT count(*) AS n FROM lg_ledger_entries')[0].n;
    const burst = await burstAndKill(9, 30, [server, other], server);
    const count = (k) => burst.acked.filter((a) => a.kind === k).length;
    t.diagnostic(
      `killed one of two after ${burst.acked.length} acknowledged (${count('create')} filed, ${count('act')} acted); ` +
        `${burst.inflightAtKill} in flight, ${burst.lost} connections lost`,
    );
    // Both servers did work: the lanes of each acknowledged something.
    assert.ok(count('create') >= 2);
    server = await startServer(db);
    await assertAcknowledged(burst.acked);
    assertNothingHalfDone();
    // One history: indexes 0..n-1, each once, whichever server wrote them.
    const [idx] = sql('SELECT count(*) AS n, count(DISTINCT idx) AS d, min(idx) AS lo, max(idx) AS hi FROM lg_ledger_entries');
    assert.equal(Number(idx.n), Number(idx.d));
    assert.equal(Number(idx.lo), 0);
    assert.equal(Number(idx.hi), Number(idx.n) - 1);
    assert.ok(Number(idx.n) > Number(before));
  } finally {
    await other.stop().catch(() => {});
  }
});
