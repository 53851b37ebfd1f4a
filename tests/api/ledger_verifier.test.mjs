// The standalone verifier (tools/verify/verify.mjs), which needs nothing
// of landgov, against proofs produced by the real landgov CLI: every
// entry of a 13-entry log proven against its signed checkpoint and
// against an older one, consistency between two checkpoints, a witness's
// cosignature; and a tampered entry, proof node, signature, a foreign key
// and a forked history each rejected. The verifier itself is first held
// to outside answers: the Certificate Transparency test vectors
// (transparency-dev/merkle proof/verify_test.go) and a real CT checkpoint
// cosigned by the witness remora.n621.de.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, keyPath, landgov, storeTarget, tempDir } from './helpers.mjs';

await import(path.join(ROOT, 'tools/verify/verify.mjs'));
const V = globalThis.LandgovVerify;

const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const b64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));

let dir;
let dbA;
let dbAFile;
let keyA;
let witnessKeyB;
let cp4;
let cp13;

const json = (db, args) => JSON.parse(landgov(db, ['--json', ...args]));

function record(db, id, actor = '张三') {
  landgov(db, ['ledger', 'record', '--actor', actor, '--role', '审批员', '--jurisdiction', '330102',
    '--action', 'archive.register', '--type', 'archive', '--id', id]);
}

before(() => {
  dir = tempDir('landgov-verifier-');
  dbA = storeTarget(path.join(dir, 'a.gpkg'));
  dbAFile = path.join(dir, 'a.gpkg');
  landgov(dbA, ['init', '--origin', 'landgov.example/330102']);
  for (let i = 0; i < 4; i++) record(dbA, `1998-${i}`);
  cp4 = json(dbA, ['ledger', 'checkpoint']);
  for (let i = 4; i < 13; i++) record(dbA, `1998-${i}`);
  cp13 = json(dbA, ['ledger', 'checkpoint']);
  keyA = json(dbA, ['ledger', 'key']).key;
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function rejects(promise, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof V.VerifyError, `expected a verification error, got ${e}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('the verifier agrees with the Certificate Transparency vectors', async () => {
  const data = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const leaves = await Promise.all(data.map((d) => V.leafHash(hex(d))));
  const root8 = hex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  const root5 = hex('4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4');
  const root7 = hex('ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c');
  const root6 = hex('76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef');
  await V.verifyInclusion(5, 8, leaves[5], [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ].map(hex), root8);
  await V.verifyInclusion(1, 5, leaves[1], [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  ].map(hex), root5);
  await rejects(V.verifyInclusion(1, 5, leaves[2], [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  ].map(hex), root5));
  await V.verifyConsistency(6, 7, root6, root7, [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ].map(hex));
  await rejects(V.verifyConsistency(6, 7, root5, root7, [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ].map(hex)), /分叉/);
});

test('the verifier checks a real CT checkpoint and its witness cosignature', async () => {
  const note = 'arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n'
    + '— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n'
    + '— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n'
    + '— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n';
  const cp = await V.openCheckpoint(note, 'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f');
  assert.equal(cp.size, 1432088532n);
  await V.openCheckpoint(note, 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
  await rejects(V.openCheckpoint(note.replace('1432088532', '1432088533'),
    'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'), /签名无效/);
});

test('every entry of the log proves against the latest checkpoint', async () => {
  const cp = await V.openCheckpoint(cp13.checkpoint, keyA);
  assert.equal(cp.size, 13n);
  assert.equal(V.b64encode(cp.root), cp13.root);
  for (let n = 0; n < 13; n++) {
    const bundle = json(dbA, ['ledger', 'prove', String(n)]);
    assert.equal(bundle.checkpoint, cp13.checkpoint);
    const r = await V.verifyBundle(bundle, keyA);
    assert.equal(r.index, BigInt(n));
    assert.equal(r.entry.object_id, `1998-${n}`);
    assert.equal(r.entry.actor, '张三');
  }
});

test('older entries prove against an older checkpoint', async () => {
  for (let n = 0; n < 4; n++) {
    const bundle = json(dbA, ['ledger', 'prove', String(n), '--size', '4']);
    assert.equal(bundle.checkpoint, cp4.checkpoint);
    await V.verifyBundle(bundle, keyA);
  }
});

test('the two checkpoints are consistent', async () => {
  const old = await V.openCheckpoint(cp4.checkpoint, keyA);
  const cur = await V.openCheckpoint(cp13.checkpoint, keyA);
  const c = json(dbA, ['ledger', 'consistency', '4', '13']);
  const proof = c.proof.map(b64);
  await V.verifyConsistency(4, 13, old.root, cur.root, proof);
  const bad = proof.map((p) => p.slice());
  bad[0][0] ^= 1;
  await rejects(V.verifyConsistency(4, 13, old.root, cur.root, bad));
});

test('tampering of any part is rejected', async () => {
  const bundle = json(dbA, ['ledger', 'prove', '6']);
  // The entry: another actor.
  const e1 = { ...bundle, entry: bundle.entry.replace('张三', '李四'), leaf_hash: undefined };
  await rejects(V.verifyBundle(e1, keyA), /根哈希.*不符/);
  // A node of the proof.
  const p = bundle.proof.slice();
  const n = b64(p[1]);
  n[5] ^= 0x20;
  p[1] = V.b64encode(n);
  await rejects(V.verifyBundle({ ...bundle, proof: p }, keyA), /不符/);
  // Another index for the same proof.
  await rejects(V.verifyBundle({ ...bundle, index: 7 }, keyA));
  // The signature.
  const sigAt = bundle.checkpoint.lastIndexOf(' ') + 20;
  const c = bundle.checkpoint;
  const forged = c.slice(0, sigAt) + (c[sigAt] === 'A' ? 'B' : 'A') + c.slice(sigAt + 1);
  await rejects(V.verifyBundle({ ...bundle, checkpoint: forged }, keyA), /签名无效/);
  // The checkpoint's root, re-signed by nobody.
  const lines = c.split('\n');
  lines[2] = V.b64encode(new Uint8Array(32));
  await rejects(V.verifyBundle({ ...bundle, checkpoint: lines.join('\n') }, keyA), /签名无效/);
  // A key that is not the log's: another log's, and a malformed one.
  const other = storeTarget(path.join(dir, 'other.gpkg'));
  landgov(other, ['init', '--origin', 'landgov.example/330102']);
  const otherKey = json(other, ['ledger', 'key']).key;
  assert.notEqual(otherKey, keyA);
  await rejects(V.verifyBundle(bundle, otherKey), /没有/);
  await rejects(V.verifyBundle(bundle, keyA.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /编号/);
});

test('a forked history under the same key is caught by consistency', async () => {
  // The same signing key, another history: what a dishonest bureau
  // would show a second audience.
  const forkFile = path.join(dir, 'fork.gpkg');
  const fork = storeTarget(forkFile);
  fs.copyFileSync(keyPath(dbAFile), keyPath(forkFile));
  fs.chmodSync(keyPath(forkFile), 0o600);
  landgov(fork, ['init']);
  for (let i = 0; i < 13; i++) record(fork, `1998-${i}`, i === 2 ? '王五' : '张三');
  const f13 = json(fork, ['ledger', 'checkpoint']);
  const forked = await V.openCheckpoint(f13.checkpoint, keyA); // validly signed...
  const honest = await V.openCheckpoint(cp13.checkpoint, keyA);
  await rejects(V.verifyConsistency(13, 13, honest.root, forked.root, []), /分叉/);
  const old = await V.openCheckpoint(cp4.checkpoint, keyA);
  const c = json(fork, ['ledger', 'consistency', '4', '13']);
  await rejects(V.verifyConsistency(4, 13, old.root, forked.root, c.proof.map(b64)), /分叉/);
});

test('a witness cosignature made by landgov verifies', async () => {
  const dbB = storeTarget(path.join(dir, 'b.gpkg'));
  landgov(dbB, ['init', '--origin', 'landgov.example/330200']);
  witnessKeyB = json(dbB, ['ledger', 'key']).witness_key;
  const bundleFile = path.join(dir, 'bundle.json');
  fs.writeFileSync(bundleFile, landgov(dbA, ['ledger', 'bundle']));
  const out = json(dbB, ['ledger', 'witness', bundleFile, '--key', keyA]);
  await V.openCheckpoint(out.cosigned, witnessKeyB);
  await V.openCheckpoint(out.cosigned, keyA);
  const bad = out.cosigned.replace('\n13\n', '\n14\n');
  await rejects(V.openCheckpoint(bad, witnessKeyB), /签名无效/);
});
