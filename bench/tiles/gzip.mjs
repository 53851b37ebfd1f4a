// What gzip does to tiles (src/http/compress.c, src/http/api_tiles.c):
// every tile of one zoom over a layer's extent is asked for three times
// from a running `landgov serve`: as identity, then with Accept-Encoding:
// gzip twice (the first gzips the tile the identity request left in the
// tile cache, the second is served gzipped from the cache). Each gzipped
// tile is checked to gunzip (node's zlib) to the identity tile.
//
// Usage: node bench/tiles/gzip.mjs URL TOKEN [LAYER] [ZOOM]
//   URL    the server, e.g. http://127.0.0.1:8080/
//   TOKEN  an API token of an account that may read features

import { execFileSync } from 'node:child_process';
import http from 'node:http';
import zlib from 'node:zlib';

const [url, token, layer = 'landuse', zoomArg = '10'] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node bench/tiles/gzip.mjs URL TOKEN [LAYER] [ZOOM]');
  process.exit(2);
}
const z = Number(zoomArg);
const base = new URL(url);

function get(p, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get({ host: base.hostname, port: base.port, path: p, agent: false, headers: { authorization: `Bearer ${token}`, 'accept-encoding': acceptEncoding } }, (r) => {
        const chunks = [];
        r.on('data', (d) => chunks.push(d));
        r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      })
      .on('error', reject);
  });
}

const layers = JSON.parse((await get('/api/layers', 'identity')).body).layers;
const L = layers.find((l) => l.name === layer);
if (!L) throw new Error(`no layer ${layer}`);
// The extent's corners in longitude/latitude (cs2cs, EPSG axis order).
const [minx, miny, maxx, maxy] = L.extent;
const ll = execFileSync('cs2cs', ['-f', '%.9f', `EPSG:${L.srs_id}`, 'EPSG:4326'], {
  input: `${miny} ${minx}\n${maxy} ${maxx}\n`,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
const tileOf = (lat, lon) => {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
};
const [x0, y1] = tileOf(ll[0][0], ll[0][1]);
const [x1, y0] = tileOf(ll[1][0], ll[1][1]);

let plainBytes = 0;
let gzBytes = 0;
let n = 0;
const cachedMs = [];
for (let x = x0; x <= x1; x++) {
  for (let y = y0; y <= y1; y++) {
    const p = `/tiles/${layer}/${z}/${x}/${y}.mvt`;
    const plain = await get(p, 'identity');
    if (plain.status !== 200) continue;
    const first = await get(p, 'gzip');
    const again = await get(p, 'gzip');
    for (const g of [first, again]) {
      if (g.headers['content-encoding'] !== 'gzip') throw new Error(`${p}: not gzipped`);
      if (!zlib.gunzipSync(g.body).equals(plain.body)) throw new Error(`${p}: gunzipped tile differs`);
    }
    const handler = /dur=([\d.]+)/.exec(first.headers['server-timing'] || '')?.[1];
    console.log(
      `${p}: ${(plain.body.length / 1024).toFixed(0)} KB -> ${(first.body.length / 1024).toFixed(0)} KB ` +
        `(${((100 * first.body.length) / plain.body.length).toFixed(1)}%); gzipping: handler ${handler} ms; ` +
        `gzipped from the cache: ${again.ms.toFixed(1)} ms`,
    );
    plainBytes += plain.body.length;
    gzBytes += first.body.length;
    cachedMs.push(again.ms);
    n++;
  }
}
cachedMs.sort((a, b) => a - b);
console.log(
  `z${z}: ${n} tiles, ${(plainBytes / n / 1024).toFixed(0)} KB -> ${(gzBytes / n / 1024).toFixed(0)} KB a tile ` +
    `(${((100 * gzBytes) / plainBytes).toFixed(1)}%); gzipped from the cache p50 ${cachedMs[Math.floor(n / 2)].toFixed(1)} ms`,
);
