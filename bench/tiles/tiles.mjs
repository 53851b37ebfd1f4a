// bench/tiles, the client side (run.sh drives it):
//
//   node tiles.mjs list URL TOKEN ZOOMS SAMPLE SEED OUT.csv
//       the tiles of the sweep: at each zoom every tile over the county's
//       box when there are at most SAMPLE of them, else SAMPLE tiles drawn
//       at random (seeded) among those whose centre lies inside the county
//       outline (read from landgov's features API in EPSG:3857)
//   node tiles.mjs run URL TOKEN LAYER TILES.csv PASSES OUT.json
//       GETs every tile in turn on one keep-alive connection, PASSES
//       times; per tile of the last pass: latency (request sent to last
//       byte received), the handler's own time (Server-Timing), status,
//       bytes, features
//   node tiles.mjs report LANDGOV.json POSTGIS.csv [FULL.json] [CACHED.json]
//       the table: per zoom and overall, tiles/s and p50/p99 for
//       landgov over HTTP, landgov inside the server and PostGIS inside
//       the server, and the ratios
import fs from 'node:fs';
import http from 'node:http';

const H = 20037508.342789244;

function rng(seed) {
  // mulberry32: a small seeded generator, so the sample is the same each run
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function get(agent, url, token) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), ms });
      });
    });
    req.on('error', reject);
  });
}

function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygons(x, y, polys) {
  return polys.some((rings) => inRing(x, y, rings[0]) && !rings.slice(1).some((h) => inRing(x, y, h)));
}

async function list([url, token, zooms, sample, seed, out]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r = await get(agent, `${url}api/layers/county/features?crs=3857&limit=1`, token);
  if (r.status !== 200) throw new Error(`county outline: ${r.status} ${r.body}`);
  const g = JSON.parse(r.body).features[0].geometry;
  const polys = g.type === 'MultiPolygon' ? g.coordinates : [g.coordinates];
  let [minx, miny, maxx, maxy] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const rings of polys)
    for (const [x, y] of rings[0]) (minx = Math.min(minx, x)), (maxx = Math.max(maxx, x)), (miny = Math.min(miny, y)), (maxy = Math.max(maxy, y));
  const random = rng(Number(seed));
  const lines = ['z,x,y'];
  for (const z of zooms.split(/[ ,]+/).map(Number)) {
    const s = (2 * H) / 2 ** z;
    const [x0, x1] = [Math.floor((minx + H) / s), Math.floor((maxx + H) / s)];
    const [y0, y1] = [Math.floor((H - maxy) / s), Math.floor((H - miny) / s)];
    const all = [];
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) all.push([x, y]);
    let chosen;
    if (all.length <= Number(sample)) {
      chosen = all;
    } else {
      const inside = all.filter(([x, y]) => inPolygons(-H + (x + 0.5) * s, H - (y + 0.5) * s, polys));
      chosen = [];
      const pool = inside.slice();
      while (chosen.length < Number(sample) && pool.length) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    }
    for (const [x, y] of chosen) lines.push(`${z},${x},${y}`);
  }
  fs.writeFileSync(out, lines.join('\n') + '\n');
  agent.destroy();
}

function readTiles(file) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

async function run([url, token, layer, tilesFile, passes, out]) {
  const tiles = readTiles(tilesFile);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let rows = [];
  for (let p = 0; p < Number(passes); p++) {
    rows = [];
    for (const [z, x, y] of tiles) {
      const r = await get(agent, `${url}tiles/${layer}/${z}/${x}/${y}.mvt`, token);
      if (r.status !== 200 && r.status !== 204) throw new Error(`${z}/${x}/${y}: ${r.status} ${r.body}`);
      const st = /tile;dur=([0-9.]+)/.exec(r.headers['server-timing'] || '');
      rows.push({ z, x, y, ms: r.ms, server_ms: st ? Number(st[1]) : NaN, status: r.status, bytes: r.body.length,
        features: Number(r.headers['x-tile-features'] ?? -1), cache: r.headers['x-tile-cache'] || '' });
    }
  }
  fs.writeFileSync(out, JSON.stringify(rows));
  agent.destroy();
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(rows, key = 'ms') {
  const ms = rows.map((r) => r[key]).sort((a, b) => a - b);
  const sum = ms.reduce((a, b) => a + b, 0);
  return {
    n: rows.length,
    tps: rows.length / (sum / 1000),
    p50: pct(ms, 50),
    p99: pct(ms, 99),
    bytes: rows.reduce((a, r) => a + r.bytes, 0) / Math.max(1, rows.length),
    features: rows.reduce((a, r) => a + Math.max(0, r.features), 0) / Math.max(1, rows.length),
  };
}

function report([lgFile, pgFile, fullFile, cachedFile]) {
  const lg = JSON.parse(fs.readFileSync(lgFile, 'utf8'));
  const pg = fs.readFileSync(pgFile, 'utf8').trim().split('\n').map((l) => {
    const [z, x, y, ms, bytes, features] = l.split(',').map(Number);
    return { z, x, y, ms, bytes, features };
  });
  const full = fullFile && fs.existsSync(fullFile) ? JSON.parse(fs.readFileSync(fullFile, 'utf8')) : null;
  const cached = cachedFile && fs.existsSync(cachedFile) ? JSON.parse(fs.readFileSync(cachedFile, 'utf8')) : null;
  const zooms = [...new Set(lg.map((r) => r.z))].sort((a, b) => a - b);
  const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const c = (v, w, d = 2) => f(v, d).padStart(w);
  const kb = (v) => (v / 1024).toFixed(1).padStart(7);
  const table = (title, side) => {
    console.log(title);
    console.log('            |   landgov over HTTP (client)    | landgov in server (handler) |       PostGIS in server (SQL)       | ratio (tiles/s)');
    console.log('   zoom   n | tiles/s  p50 ms  p99 ms     KB  | tiles/s  p50 ms  p99 ms     | tiles/s  p50 ms   p99 ms     KB    | server   HTTP');
    const line = (label, rows, prow) => {
      const a = summary(rows), s = summary(rows, 'server_ms'), b = summary(prow);
      console.log(
        `   ${label.padEnd(4)} ${String(a.n).padStart(3)} |${c(a.tps, 8, 1)}${c(a.p50, 8)}${c(a.p99, 8)}${kb(a.bytes)}  |${c(s.tps, 8, 1)}${c(s.p50, 8)}${c(s.p99, 8)}     |` +
          `${c(b.tps, 8, 1)}${c(b.p50, 8)}${c(b.p99, 9)}${kb(b.bytes)}    |${c(s.tps / b.tps, 6)} ${c(a.tps / b.tps, 6)}`,
      );
    };
    for (const z of zooms) line(`z${z}`, side.filter((r) => r.z === z), pg.filter((r) => r.z === z));
    line('all', side, pg);
    const feats = zooms.map((z) => `z${z} ${f(summary(side.filter((r) => r.z === z)).features, 0)}/${f(summary(pg.filter((r) => r.z === z)).features, 0)}`);
    console.log(`   features per tile, landgov/PostGIS: ${feats.join(', ')}`);
  };
  table('landgov (default: generalised below z14), cache off', lg);
  if (full) {
    console.log();
    table('landgov at full detail (tiles.full_detail = 1), cache off', full);
  }
  if (cached) {
    const s = summary(cached);
    const hits = cached.filter((r) => r.cache === 'hit').length;
    console.log();
    console.log(`   landgov with the tile cache, second pass (${hits}/${cached.length} hits): ${f(s.tps, 1)} tiles/s, p50 ${f(s.p50)} ms, p99 ${f(s.p99)} ms over HTTP`);
  }
  const a = summary(lg);
  const s = summary(lg, 'server_ms');
  const b = summary(pg);
  console.log();
  console.log(`RATIO, uncached, all zooms: in server ${f(s.tps / b.tps)}x tiles/s, ${f(b.p99 / s.p99)}x p99; ` +
    `landgov over HTTP against PostGIS in SQL ${f(a.tps / b.tps)}x tiles/s, ${f(b.p99 / a.p99)}x p99`);
}

const [cmd, ...args] = process.argv.slice(2);
const cmds = { list, run, report };
if (!cmds[cmd]) {
  console.error('usage: node tiles.mjs list|run|report ...');
  process.exit(2);
}
await cmds[cmd](args);
