// The ledger's HTTP API against a real `landgov serve`: the key, the
// checkpoint (JSON and bare C2SP note), every entry's inclusion proof,
// consistency between checkpoints, each checked with the standalone
// verifier (tools/verify) rather than with landgov's own code; clear
// errors for requests out of range; and one region witnessing another
// over HTTP with `landgov ledger witness URL`, before and after the
// witnessed log grows, and refusing a key it was not told to trust.
// The log's public face (key, checkpoints, consistency) is read without an
// account, as a witness does; entries only by an account whose
// jurisdiction holds the entry's division (here a clerk of 330102).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, ROOT, addUsers, client, landgov, login, startServer, tempDir, storeTarget } from './helpers.mjs';

await import(path.join(ROOT, 'tools/verify/verify.mjs'));
const V = globalThis.LandgovVerify;
const b64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));

let dir;
let db;
let server;
let key;
let cp4;
let pub; // no credentials: what a witness or any citizen sees
let clerk; // window clerk of 330102, where the entries were recorded

const json = (d, args) => JSON.parse(landgov(d, ['--json', ...args]));
// The log's size once served: the ten acts recorded below, then the
// entries of the two accounts added after them (adding an account is on
// the ledger too, src/auth).
const SIZE = 12;
const record = (d, id) =>
  landgov(d, ['ledger', 'record', '--actor', '王五', '--role', '科员', '--jurisdiction', '330102',
    '--action', 'case.approve', '--type', 'case', '--id', id]);

before(async () => {
  dir = tempDir('landgov-api-ledger-');
  db = storeTarget(path.join(dir, 'a.gpkg'));
  landgov(db, ['init', '--origin', 'landgov.example/330102']);
  for (let i = 0; i < 4; i++) record(db, `2026-${i}`);
  cp4 = json(db, ['ledger', 'checkpoint']);
  for (let i = 4; i < 10; i++) record(db, `2026-${i}`);
  key = json(db, ['ledger', 'key']).key;
  addUsers(db, {
    clerk: { role: 'clerk', division: '330102' },
    clerk_other: { role: 'clerk', division: '330103' },
  });
  server = await startServer(db);
  pub = client(server);
  clerk = await login(server, 'clerk');
});

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function get(p, as = pub) {
  const r = await as.fetch(p);
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), text, body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : null };
}

async function expect400(p, pattern, as = pub) {
  const r = await get(p, as);
  assert.equal(r.status, 400, `${p}: ${r.text}`);
  assert.equal(r.body.error.code, 'invalid_input');
  assert.match(r.body.error.message, pattern, r.body.error.message);
}

test('GET /api/ledger/key publishes the key the CLI shows', async () => {
  const r = await get('api/ledger/key');
  assert.equal(r.status, 200);
  assert.equal(r.body.key, key);
  assert.equal(r.body.origin, 'landgov.example/330102');
  assert.match(r.body.witness_key, /^landgov\.example\/330102\/witness\+[0-9a-f]{8}\+/);
  await V.parseVkey(r.body.witness_key);
});

test('GET /api/ledger/checkpoint signs the grown tree; the note verifies', async () => {
  const r = await get('api/ledger/checkpoint');
  assert.equal(r.status, 200);
  assert.equal(r.body.size, SIZE);
  const cp = await V.openCheckpoint(r.body.checkpoint, key);
  assert.equal(cp.size, BigInt(SIZE));
  assert.equal(V.b64encode(cp.root), r.body.root);
  const note = await get('api/ledger/checkpoint?format=note');
  assert.match(note.type, /^text\/plain/);
  assert.equal(note.text, r.body.checkpoint);
  await expect400('api/ledger/checkpoint?format=xml', /format/);
  const status = await get('api/ledger');
  assert.equal(status.body.size, SIZE);
  assert.equal(status.body.checkpoint.size, SIZE);
});

test('entries need an account whose jurisdiction holds the entry', async () => {
  let r = await get('api/ledger/entries/0');
  assert.equal(r.status, 401, r.text);
  assert.equal(r.body.error.code, 'unauthenticated');
  const other = await login(server, 'clerk_other');
  r = await get('api/ledger/entries/0', other);
  assert.equal(r.status, 403, r.text);
  assert.match(r.body.error.message, /行政区 330102/);
  r = await get('api/ledger/entries/0', clerk);
  assert.equal(r.status, 200, r.text);
});

test('GET /api/ledger/entries/{n}: every entry proves against the checkpoint', async () => {
  for (let n = 0; n < 10; n++) {
    const r = await get(`api/ledger/entries/${n}`, clerk);
    assert.equal(r.status, 200, r.text);
    const v = await V.verifyBundle(r.body, key);
    assert.equal(v.index, BigInt(n));
    assert.equal(v.entry.object_id, `2026-${n}`);
    assert.equal(v.entry.actor, '王五');
  }
  // Against the older checkpoint, which it names.
  const r = await get('api/ledger/entries/2?size=4', clerk);
  assert.equal(r.body.checkpoint, cp4.checkpoint);
  await V.verifyBundle(r.body, key);
});

test('out-of-range and malformed proof requests are clear errors', async () => {
  await expect400(`api/ledger/entries/${SIZE}`, /超出范围/, clerk);
  await expect400('api/ledger/entries/abc', /条目序号/, clerk);
  await expect400('api/ledger/entries/-1', /条目序号/, clerk);
  await expect400('api/ledger/entries/3?size=0', /size/, clerk);
  await expect400(`api/ledger/entries/3?size=${SIZE + 1}`, new RegExp(`只有 ${SIZE} 个条目`), clerk);
  await expect400('api/ledger/entries/5?size=4', /超出范围/, clerk);
  await expect400('api/ledger/consistency', /from/);
  await expect400(`api/ledger/consistency?from=${SIZE + 1}`, new RegExp(`起点 ${SIZE + 1} 大于终点 ${SIZE}|只有 ${SIZE} 个条目`));
  await expect400('api/ledger/consistency?from=5&to=3', /起点 5 大于终点 3/);
  await expect400('api/ledger/consistency?from=1&to=99', new RegExp(`只有 ${SIZE} 个条目`));
  await expect400('api/ledger/consistency?from=x', /from/);
});

test('GET /api/ledger/consistency proves the log only grew', async () => {
  const r = await get('api/ledger/consistency?from=4');
  assert.equal(r.status, 200);
  assert.equal(r.body.to, SIZE);
  const cur = await get('api/ledger/checkpoint');
  const oldCp = await V.openCheckpoint(cp4.checkpoint, key);
  const newCp = await V.openCheckpoint(cur.body.checkpoint, key);
  await V.verifyConsistency(4, SIZE, oldCp.root, newCp.root, r.body.proof.map(b64));
  const same = await get(`api/ledger/consistency?from=${SIZE}&to=${SIZE}`);
  assert.deepEqual(same.body.proof, []);
});

test('another region witnesses this log over HTTP', async () => {
  const dbB = storeTarget(path.join(dir, 'b.gpkg'));
  landgov(dbB, ['init', '--origin', 'landgov.example/330200']);
  const kB = json(dbB, ['ledger', 'key']);
  // First contact, with the key given out of band.
  let out = json(dbB, ['ledger', 'witness', server.url, '--key', key]);
  assert.equal(out.size, SIZE);
  await V.openCheckpoint(out.cosigned, kB.witness_key);
  // The log grows while serving; the witness fetches the consistency proof.
  record(db, '2026-10');
  record(db, '2026-11');
  out = json(dbB, ['ledger', 'witness', server.url]);
  assert.equal(out.size, SIZE + 2);
  assert.equal(out.previous, SIZE);
  await V.openCheckpoint(out.cosigned, kB.witness_key);
  // B keeps what it witnessed, and its own log records it; audit is clean.
  const audit = json(dbB, ['ledger', 'audit']);
  assert.equal(audit.ok, true);
  assert.equal(audit.objects, 2);
  // A key the witness was not told to trust is refused.
  const dbC = storeTarget(path.join(dir, 'c.gpkg'));
  landgov(dbC, ['init', '--origin', 'landgov.example/330102']);
  const wrong = json(dbC, ['ledger', 'key']).key;
  assert.throws(
    () => execFileSync(BIN, ['--db', dbB, 'ledger', 'witness', server.url, '--key', wrong], { stdio: 'pipe' }),
    (e) => e.status === 1 && /签名|密钥/.test(String(e.stderr)),
  );
});
