// Shared by the API and browser tests: a fixture store built with the real
// `landgov import` from GeoJSON written here, with accounts made by the
// real `landgov user add`, a real `landgov serve` on a loopback port the
// kernel picks, clients that log in as those accounts (session cookie and
// CSRF token, or an API token), and PROJ's cs2cs as the independent judge
// of coordinate transformations.
//
// The fixture is a 10 x 10 grid of 100 m squares, 200 m apart, in
// EPSG:4526 (CGCS2000 Gauss-Kruger zone 38 with the zone prefix) near
// 114 E, 30.7 N, plus one polygon each for the permanent basic farmland,
// the ecological red line and the urban development boundary. Which
// squares a box should return is computed here from the grid's formula.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.LANDGOV_BIN || path.join(ROOT, 'build-check', 'landgov');

export const GRID = { x0: 38500000, y0: 3400000, size: 100, pitch: 200, n: 10, srs: 4526 };

/** True when the suite runs against PostgreSQL (`make api-pg`). */
export const PG = !!process.env.LG_TEST_PG;

function pgDbName(file) {
  let h = 2166136261;
  for (const c of Buffer.from(file)) h = Math.imul(h ^ c, 16777619) >>> 0;
  const base = path.basename(file).split('.')[0].toLowerCase().replace(/[^a-z0-9]/g, '_');
  return `lga_${h.toString(16).padStart(8, '0')}_${base}`.slice(0, 60);
}

function pgAdmin(sql) {
  execFileSync('psql', [`${process.env.LG_TEST_PG} dbname=postgres`, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The store a test names by a file path: that path (GeoPackage), or, when
 * the suite runs against PostgreSQL (LG_TEST_PG), a new database of its own
 * (made empty from the cluster's PostGIS template; made again if the path
 * is asked for again) and its connection string. Ledger keys of a
 * PostgreSQL store go to LANDGOV_KEY_DIR, set to the file's folder.
 */
const madeDbs = new Set();
process.on('exit', () => {
  // The test's databases go with it (servers still connected are cut).
  for (const name of madeDbs) {
    try {
      pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {}
  }
});

export function storeTarget(file) {
  if (!PG) return file;
  const name = pgDbName(file);
  pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  pgAdmin(`CREATE DATABASE ${name} TEMPLATE lg_template`);
  madeDbs.add(name);
  process.env.LANDGOV_KEY_DIR = path.dirname(file);
  return `${process.env.LG_TEST_PG} dbname=${name}`;
}

/**
 * Rows of one query run on a store directly, behind landgov's back, as its
 * database's own client would (sqlite3 -json; psql): an array of objects.
 */
export function storeQuery(db, query) {
  if (!PG) {
    const out = execFileSync('sqlite3', ['-json', '-bail', db, query], { encoding: 'utf8' }).trim();
    return out ? JSON.parse(out) : [];
  }
  const out = execFileSync('psql', [db, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c',
    `SELECT coalesce(json_agg(q), '[]') FROM (${query}) q`], { encoding: 'utf8' }).trim();
  return JSON.parse(out);
}

/** Runs a statement on a store directly (behind landgov's back). */
export function storeExec(db, stmt) {
  if (!PG) execFileSync('sqlite3', ['-bail', db, stmt], { encoding: 'utf8' });
  else execFileSync('psql', [db, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' });
}

/** The ledger key file of a store made by storeTarget. */
export function keyPath(file, kind = 'ledger') {
  return PG ? path.join(path.dirname(file), `${pgDbName(file)}.${kind}.key`) : `${file}.${kind}.key`;
}

// Third Land Survey codes, so the map has a few colours to show.
const CLASSES = [
  ['0101', '水田'],
  ['0201', '果园'],
  ['0301', '乔木林地'],
  ['0404', '其他草地'],
  ['0702', '农村宅基地'],
  ['1003', '公路用地'],
  ['1101', '河流水面'],
  ['1202', '设施农用地'],
];

/** Square (i, j): column i (east), row j (north). */
export function square(i, j) {
  const minx = GRID.x0 + i * GRID.pitch;
  const miny = GRID.y0 + j * GRID.pitch;
  const [dlbm, dlmc] = CLASSES[(i + 2 * j) % CLASSES.length];
  return {
    i,
    j,
    bsm: 1000 + i * GRID.n + j,
    dlbm,
    dlmc,
    minx,
    miny,
    maxx: minx + GRID.size,
    maxy: miny + GRID.size,
    cx: minx + GRID.size / 2,
    cy: miny + GRID.size / 2,
  };
}

export function squares() {
  const out = [];
  for (let i = 0; i < GRID.n; i++) for (let j = 0; j < GRID.n; j++) out.push(square(i, j));
  return out;
}

/** BSM values of the squares that intersect a box given in EPSG:4526. */
export function expectedInBox([bx0, by0, bx1, by1]) {
  return squares()
    .filter((s) => s.minx <= bx1 && s.maxx >= bx0 && s.miny <= by1 && s.maxy >= by0)
    .map((s) => s.bsm)
    .sort((a, b) => a - b);
}

function ring(minx, miny, maxx, maxy) {
  return [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]];
}

function featureCollection(features) {
  return JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${GRID.srs}` } },
    features,
  });
}

export function landgov(db, args, opts = {}) {
  return execFileSync(BIN, ['--db', db, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ---- Accounts ----------------------------------------------------------------
// Two neighbouring counties of one city (360781 and 360782, in 3607), so
// that every permission can be tried on one's own county and on another.

/** The password of every fixture account (meets the policy: 8+ characters,
 *  three classes). */
export const PASSWORD = 'Fixture-Pass-2026';

export const USERS = {
  admin: { role: 'admin', division: '360781', name: '管理员甲' },
  admin_b: { role: 'admin', division: '360782', name: '邻县管理员' },
  clerk: { role: 'clerk', division: '360781', name: '窗口甲' },
  clerk_b: { role: 'clerk', division: '360782', name: '邻县窗口' },
  reviewer: { role: 'reviewer', dept: 'natural_resources', division: '360781' },
  approver: { role: 'approver', level: 'county', division: '360781' },
  approver_city: { role: 'approver', level: 'city', division: '3607' },
  applicant: { role: 'applicant', enterprise: '91360781MA35A0001X', division: '360781' },
};

/** Adds accounts with the real `landgov user add --password-stdin`. */
export function addUsers(db, users = USERS, password = PASSWORD) {
  for (const [login, u] of Object.entries(users)) {
    const args = ['user', 'add', login, '--role', u.role, '--division', u.division, '--password-stdin'];
    for (const k of ['dept', 'level', 'enterprise', 'name']) if (u[k]) args.push(`--${k}`, u[k]);
    execFileSync(BIN, ['--db', db, ...args], { input: `${password}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  }
}

/** A new API token for an account, made by `landgov user token`. */
export function apiToken(db, login) {
  return JSON.parse(landgov(db, ['--json', 'user', 'token', login, '--name', 'test'])).token;
}

/** An HTTP client bound to a server and a set of headers: fetch(path,
 *  init) and json(path, init) -> { status, headers, body, text }. */
export function client(server, headers = {}) {
  const c = {
    headers,
    fetch(p, init = {}) {
      return fetch(server.url + p.replace(/^\//, ''), { ...init, headers: { ...headers, ...(init.headers || {}) } });
    },
    async json(p, init = {}) {
      if (init.body !== undefined && typeof init.body !== 'string') {
        init = { ...init, body: JSON.stringify(init.body), headers: { 'content-type': 'application/json', ...(init.headers || {}) } };
      }
      const r = await c.fetch(p, init);
      const text = await r.text();
      let body = null;
      if (r.headers.get('content-type')?.includes('json')) body = JSON.parse(text);
      return { status: r.status, headers: r.headers, body, text };
    },
  };
  return c;
}

/** Logs in through POST /api/login; returns a client that sends the
 *  session cookie and the CSRF token, with .user, .csrf and .cookie. */
export async function login(server, name, password = PASSWORD) {
  const r = await client(server).json('/api/login', { method: 'POST', body: { login: name, password } });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const c = client(server, { cookie, 'x-csrf-token': r.body.csrf });
  return Object.assign(c, { user: r.body.user, csrf: r.body.csrf, cookie });
}

/** A client that authenticates with an API token (Authorization: Bearer). */
export function bearer(server, token) {
  return client(server, { authorization: `Bearer ${token}` });
}

/** Creates dir/test.gpkg (or the store given) with the four fixture
 *  layers and the accounts of USERS; returns its path (or target). */
export function makeFixtureStore(dir, target) {
  const db = target || storeTarget(path.join(dir, 'test.gpkg'));
  landgov(db, ['init']);
  const { x0, y0 } = GRID;
  const dltb = squares().map((s) => ({
    type: 'Feature',
    properties: { BSM: s.bsm, DLBM: s.dlbm, DLMC: s.dlmc, TBMJ: 10000.25, QSDWDM: '420102001001' },
    geometry: { type: 'Polygon', coordinates: ring(s.minx, s.miny, s.maxx, s.maxy) },
  }));
  const one = (props, box) => [{ type: 'Feature', properties: props, geometry: { type: 'Polygon', coordinates: ring(...box) } }];
  const layers = [
    ['dltb', 'landuse', '地类图斑', dltb],
    ['jbnt', 'pbf', '永久基本农田保护图斑', one({ BSM: 1, MC: '基本农田保护片区一' }, [x0 - 50, y0 - 50, x0 + 750, y0 + 750])],
    ['stbhhx', 'eprl', '生态保护红线', one({ BSM: 2, MC: '水源涵养红线区' }, [x0 + 1150, y0 + 1350, x0 + 1950, y0 + 1950])],
    ['czkfbj', 'udb', '城镇开发边界', one({ BSM: 3, MC: '中心城区' }, [x0 + 1050, y0 - 80, x0 + 1980, y0 + 1000])],
  ];
  for (const [name, role, title, features] of layers) {
    const file = path.join(dir, `${name}.geojson`);
    fs.writeFileSync(file, featureCollection(features));
    landgov(db, ['import', file, '--layer', name, '--role', role, '--title', title, '--srs', String(GRID.srs)]);
  }
  addUsers(db);
  return db;
}

/** The fixture's land survey is a grid of squares with gaps between them
 *  (so that every area is a hand count): a case boundary over it lies a
 *  quarter in the survey. For the suites that file cases over it, a rule
 *  set (version 2) that reviews a boundary with a tenth of it surveyed
 *  (controls.coverage.reviewable_min_share; the default, 0.5, would call
 *  such a boundary unreviewable, as it should for a real survey). */
export function sparseSurveyRules(db, dir) {
  const rules = JSON.parse(landgov(db, ['rules', 'default']));
  rules.controls.coverage.reviewable_min_share = 0.1;
  const file = path.join(dir, 'rules-sparse.json');
  fs.writeFileSync(file, JSON.stringify(rules));
  landgov(db, ['rules', 'set', file, '--note', '测试网格的地类图斑之间有空隙']);
}

/** cs2cs from one EPSG CRS to another; points and results in each CRS's
 *  EPSG axis order (EPSG:4526 northing first, EPSG:4490 latitude first). */
export function cs2cs(from, to, points) {
  const out = execFileSync('cs2cs', ['-f', '%.12f', `EPSG:${from}`, `EPSG:${to}`], {
    input: points.map((p) => p.join(' ')).join('\n') + '\n',
    encoding: 'utf8',
  });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
}

/** Easting/northing in EPSG:4526 -> [lon, lat] in EPSG:4490, by cs2cs. */
export function gkToLonLat(pts) {
  return cs2cs(4526, 4490, pts.map(([e, n]) => [n, e])).map(([lat, lon]) => [lon, lat]);
}

/** Easting/northing in EPSG:4526 -> [x, y] in EPSG:3857, by cs2cs. */
export function gkToMercator(pts) {
  return cs2cs(4526, 3857, pts.map(([e, n]) => [n, e]));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `landgov serve` on a free loopback port and waits for
 *  /api/health. stop() sends SIGTERM and resolves to the exit code. */
export async function startServer(db, extra = []) {
  const proc = spawn(
    BIN,
    ['--db', db, 'serve', '--host', '127.0.0.1', '--port', '0', '--web', path.join(ROOT, 'web'), ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANDGOV_VENDOR: path.join(ROOT, 'node_modules') } },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`landgov serve printed no URL in 30 s:\n${stdout}\n${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/landgov 已启动: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`landgov serve exited (${code}):\n${stdout}\n${stderr}`));
    });
  });
  let healthy = false;
  for (let i = 0; i < 100 && !healthy; i++) {
    try {
      healthy = (await fetch(`${url}api/health`)).ok;
    } catch {
      await sleep(100);
    }
  }
  if (!healthy) throw new Error(`/api/health never answered 200:\n${stderr}`);
  let stopped = null;
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (stopped) return stopped;
      stopped = (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        let timer;
        const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), 30000)));
        const code = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (code === 'timeout') {
          proc.kill('SIGKILL');
          throw new Error(`landgov serve did not stop within 30 s after SIGTERM:\n${stderr}`);
        }
        return code;
      })();
      return stopped;
    },
  };
}

/** A GET sent with the path exactly as given (fetch would normalise
 *  "/../"), resolving to { status, headers, body }. */
export function rawGet(port, rawPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
