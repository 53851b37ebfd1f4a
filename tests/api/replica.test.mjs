// A province's read replica: `landgov serve --db PRIMARY --db-read REPLICA`
// with a real PostgreSQL hot standby fed by streaming replication
// (tests/pgtmp.sh starts a small primary of its own and a standby made
// with pg_basebackup). Tiles, layer lists, features and checks that are
// not kept are answered from the standby (its pg_stat_activity shows
// landgov's connections); a saved check and everything else writes to
// the primary; a layer imported on the primary is served once the
// standby has replayed it. PostgreSQL only: skipped on the GeoPackage
// run of the suite, run by `make api-pg`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

import { GRID, PG, ROOT, landgov, login, makeFixtureStore, startServer, tempDir } from './helpers.mjs';

const PGTMP = path.join(ROOT, 'tests', 'pgtmp.sh');
let dir;
let server;

after(async () => {
  await server?.stop().catch(() => {});
  if (dir) {
    for (const c of ['r', 'p']) spawnStop(path.join(dir, c));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function spawnStop(d) {
  try {
    execFileSync('bash', [PGTMP, 'stop', d], { stdio: 'ignore' });
  } catch {}
}

function psql(conn, sql) {
  return execFileSync('psql', [conn, '-qAt', '-c', sql], { encoding: 'utf8' }).trim();
}

async function until(what, fn, ms = 20000) {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return;
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('--db-read: reads come from a streaming replica, writes go to the primary', { skip: !PG && 'PostgreSQL only (make api-pg)' }, async () => {
  dir = tempDir('landgov-api-replica-');
  fs.chmodSync(dir, 0o755);
  const port = 57000 + (process.pid % 500), rport = port + 500;
  const primary = execFileSync('bash', [PGTMP, 'start', path.join(dir, 'p'), String(port)], { encoding: 'utf8' }).trim();
  process.env.LANDGOV_KEY_DIR = dir;
  makeFixtureStore(dir, primary);
  const rhost = execFileSync('bash', [PGTMP, 'replica', path.join(dir, 'r'), path.join(dir, 'p'), String(port), String(rport)], {
    encoding: 'utf8',
  }).trim();
  const replica = `${rhost} dbname=lg user=postgres`;
  assert.equal(psql(replica, 'SELECT pg_is_in_recovery()'), 't');
  await until('the standby to replay the fixture', () => psql(replica, 'SELECT count(*) FROM lg_layers') === '4');

  server = await startServer(primary, ['--db-read', replica]);
  const clerk = await login(server, 'clerk');
  const layers = await clerk.json('/api/layers');
  assert.equal(layers.status, 200);
  assert.deepEqual(layers.body.layers.map((l) => l.name).sort(), ['czkfbj', 'dltb', 'jbnt', 'stbhhx']);
  const dltb = layers.body.layers.find((l) => l.name === 'dltb');
  const feats = await clerk.json(`/api/layers/${dltb.id}/features?limit=1000`);
  assert.equal(feats.status, 200);
  assert.equal(feats.body.features.length, 100);
  const tile = await clerk.fetch(`/api/tiles/${dltb.name}/10/${Math.floor(((114 + 180) / 360) * 1024)}/${Math.floor(((1 - Math.log(Math.tan((30.7 * Math.PI) / 180) + 1 / Math.cos((30.7 * Math.PI) / 180)) / Math.PI) / 2) * 1024)}.mvt`);
  assert.ok(tile.status === 200 || tile.status === 204, `tile: ${tile.status}`);
  // A check not kept is answered from the standby, the same report.
  const x = GRID.x0, y = GRID.y0;
  const ring = [[x, y], [x + 150, y], [x + 150, y + 100], [x, y + 100], [x, y]];
  const quick = await clerk.json('/api/checks', { method: 'POST', body: { geometry: { type: 'Polygon', coordinates: [ring] }, srs: GRID.srs, save: false } });
  assert.equal(quick.status, 200, quick.text);
  assert.ok(Math.abs(quick.body.area.planar_m2 - 15000) < 1e-6);
  // landgov's workers hold connections to the standby.
  assert.ok(Number(psql(replica, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'landgov'")) >= 1);
  // A saved check goes to the primary (the standby cannot write).
  const saved = await clerk.json('/api/checks', { method: 'POST', body: { geometry: { type: 'Polygon', coordinates: [ring] }, srs: GRID.srs } });
  assert.equal(saved.status, 201, saved.text);
  assert.equal(psql(primary, `SELECT count(*) FROM lg_checks WHERE id = ${saved.body.id}`), '1');
  // A layer imported on the primary is served once the standby has it.
  const file = path.join(dir, 'extra.geojson');
  fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
    features: [{ type: 'Feature', properties: { MC: '新图层' }, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
  landgov(primary, ['import', file, '--layer', 'extra', '--role', 'other', '--srs', String(GRID.srs)]);
  await until('the new layer through the replica', async () => (await clerk.json('/api/layers')).body.layers.some((l) => l.name === 'extra'));
});
