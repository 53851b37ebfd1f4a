// Vector tiles against a real `landgov serve`: a tile of a synthetic
// county (`landgov gen`) decodes as a Mapbox Vector Tile 2.1 with the
// land class on every feature, and holds exactly the features the
// features API finds in the tile (every one that intersects the tile, none
// beyond the buffered tile); a square of the grid fixture comes back with
// the area cs2cs gives it; bad z/x/y are 400, an unknown layer 404, the
// public 401 and an enterprise applicant 403 (the policy's "feature"
// read); an empty tile is 204; revalidation by ETag is 304; a client
// that accepts gzip gets the tile gzipped, and gunzipped (by node's zlib)
// it is the same tile, byte for byte, as the uncompressed answer.
//
// The tile is decoded here by a small protocol-buffers reader written from
// the specification (vector_tile.proto, MVT 2.1 section 4), independent
// of the server's encoder.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import { addUsers, client, gkToMercator, landgov, login, makeFixtureStore, square, startServer, tempDir, storeTarget } from './helpers.mjs';

const H = 20037508.342789244; // pi x 6378137: half the Web Mercator world
const MVT = 'application/vnd.mapbox-vector-tile';

let dir;
let server;
let clerk;
let county; // a second server, on a synthetic county
let countyClerk;

before(async () => {
  dir = tempDir('landgov-api-tiles-');
  server = await startServer(makeFixtureStore(dir));
  clerk = await login(server, 'clerk');
  const db = storeTarget(path.join(dir, 'county.gpkg'));
  landgov(db, ['gen', '--patches', '1000', '--seed', '7']);
  addUsers(db);
  county = await startServer(db);
  countyClerk = await login(county, 'clerk');
});

after(async () => {
  await server?.stop().catch(() => {});
  await county?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- A protocol-buffers reader, just enough for vector_tile.proto ---------
class Reader {
  constructor(bytes, pos = 0, end = bytes.length) {
    this.b = bytes;
    this.p = pos;
    this.end = end;
  }
  varint() {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = this.b[this.p++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
  // Calls fn(field, wire, reader) for each field; fn reads the value.
  fields(fn) {
    while (this.p < this.end) {
      const key = this.varint();
      fn(Math.floor(key / 8), key & 7, this);
    }
  }
  bytes() {
    const n = this.varint();
    const r = new Reader(this.b, this.p, this.p + n);
    this.p += n;
    return r;
  }
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.p += 8;
    else if (wire === 2) this.p += this.varint();
    else if (wire === 5) this.p += 4;
    else throw new Error(`wire type ${wire}`);
  }
  packed() {
    const r = this.bytes();
    const out = [];
    while (r.p < r.end) out.push(r.varint());
    return out;
  }
  text(r) {
    return new TextDecoder().decode(this.b.subarray(r.p, r.end));
  }
}

const zigzag = (n) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

function readValue(r) {
  let v;
  r.fields((f, w, x) => {
    const dv = new DataView(x.b.buffer, x.b.byteOffset);
    if (f === 1) v = x.text(x.bytes());
    else if (f === 2) (v = dv.getFloat32(x.p, true)), (x.p += 4);
    else if (f === 3) (v = dv.getFloat64(x.p, true)), (x.p += 8);
    else if (f === 4 || f === 5) v = x.varint();
    else if (f === 6) v = zigzag(x.varint());
    else if (f === 7) v = x.varint() !== 0;
    else x.skip(w);
  });
  return v;
}

/** Rings of a geometry: [{ points: [[x, y]...], area }] (area by the
 *  surveyor's formula in tile coordinates, y down). */
function readGeometry(cmds, type) {
  const parts = [];
  let x = 0;
  let y = 0;
  let cur = null;
  for (let i = 0; i < cmds.length; ) {
    const id = cmds[i] & 7;
    const count = cmds[i] >> 3;
    i++;
    if (id === 7) {
      assert.equal(count, 1, 'ClosePath has a count of 1');
      cur.closed = true;
      continue;
    }
    for (let k = 0; k < count; k++) {
      x += zigzag(cmds[i++]);
      y += zigzag(cmds[i++]);
      if (id === 1) {
        cur = { points: [[x, y]], closed: false };
        parts.push(cur);
      } else {
        assert.equal(id, 2, `command ${id}`);
        const [px, py] = cur.points.at(-1);
        assert.ok(px !== x || py !== y, 'LineTo must move (4.3.3.2)');
        cur.points.push([x, y]);
      }
    }
  }
  for (const p of parts) {
    let a = 0;
    const n = p.points.length;
    for (let k = 0; k < n; k++) {
      const [x1, y1] = p.points[k];
      const [x2, y2] = p.points[(k + 1) % n];
      a += x1 * y2 - x2 * y1;
    }
    p.area = a / 2;
    if (type === 3) assert.ok(p.closed && n >= 3, 'a polygon ring is MoveTo, LineTo (>1), ClosePath');
  }
  return parts;
}

function decodeTile(buf) {
  const bytes = new Uint8Array(buf);
  const layers = [];
  new Reader(bytes).fields((f, w, r) => {
    if (f !== 3) return r.skip(w);
    const L = { version: 1, extent: 4096, keys: [], values: [], raw: [] };
    r.bytes().fields((lf, lw, lr) => {
      if (lf === 1) L.name = lr.text(lr.bytes());
      else if (lf === 2) L.raw.push(lr.bytes());
      else if (lf === 3) L.keys.push(lr.text(lr.bytes()));
      else if (lf === 4) L.values.push(readValue(lr.bytes()));
      else if (lf === 5) L.extent = lr.varint();
      else if (lf === 15) L.version = lr.varint();
      else lr.skip(lw);
    });
    L.features = L.raw.map((fr) => {
      const F = { id: 0, tags: [], type: 0, geometry: [] };
      fr.fields((ff, fw, x) => {
        if (ff === 1) F.id = x.varint();
        else if (ff === 2) F.tags = x.packed();
        else if (ff === 3) F.type = x.varint();
        else if (ff === 4) F.geometry = x.packed();
        else x.skip(fw);
      });
      assert.equal(F.tags.length % 2, 0, 'tags come in pairs');
      F.properties = {};
      for (let k = 0; k < F.tags.length; k += 2) {
        assert.ok(F.tags[k] < L.keys.length && F.tags[k + 1] < L.values.length, 'tag index in range');
        F.properties[L.keys[F.tags[k]]] = L.values[F.tags[k + 1]];
      }
      F.rings = readGeometry(F.geometry, F.type);
      return F;
    });
    delete L.raw;
    layers.push(L);
  });
  return layers;
}

// ---- Tile arithmetic (XYZ scheme) --------------------------------------------
function tileOf(x, y, z) {
  const s = (2 * H) / 2 ** z;
  return [Math.floor((x + H) / s), Math.floor((H - y) / s)];
}

function tileBounds(z, x, y, bufferUnits = 0) {
  const s = (2 * H) / 2 ** z;
  const b = (bufferUnits / 4096) * s;
  return [-H + x * s - b, H - (y + 1) * s - b, -H + (x + 1) * s + b, H - y * s + b];
}

function lonLatToMercator([lon, lat]) {
  return [(lon * Math.PI * 6378137) / 180, Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) * 6378137];
}

async function getTile(c, p, init) {
  const r = await c.fetch(p, init);
  const buf = await r.arrayBuffer();
  return { status: r.status, headers: r.headers, buf };
}

// ---- Tests -----------------------------------------------------------------------

test('a tile of the county decodes and holds what the features API finds there', async () => {
  const layers = (await countyClerk.json('/api/layers')).body.layers;
  const landuse = layers.find((l) => l.role === 'landuse');
  const [w, s, e, n] = landuse.extent_4490;
  const [cx, cy] = lonLatToMercator([(w + e) / 2, (s + n) / 2]);
  const z = 14;
  const [tx, ty] = tileOf(cx, cy, z);
  const r = await getTile(countyClerk, `/tiles/${landuse.name}/${z}/${tx}/${ty}.mvt`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), MVT);
  const tile = decodeTile(r.buf);
  assert.equal(tile.length, 1);
  const L = tile[0];
  assert.equal(L.name, landuse.name);
  assert.equal(L.version, 2);
  assert.equal(L.extent, 4096);
  assert.ok(L.features.length > 10, `only ${L.features.length} features`);
  assert.equal(r.headers.get('x-tile-features'), String(L.features.length));
  for (const f of L.features) {
    assert.equal(f.type, 3, 'land-use patches are polygons');
    assert.ok(f.id > 0);
    assert.match(String(f.properties.DLBM), /^\d{2}[0-9A-Z]{0,2}$/, `DLBM of ${f.id}`);
    assert.ok(f.properties.DLMC, `DLMC of ${f.id}`);
    assert.ok(typeof f.properties.TBMJ === 'number' && f.properties.TBMJ > 0, `TBMJ of ${f.id}`);
    assert.ok(f.rings[0].area > 0, `feature ${f.id}: the first ring is an exterior (positive area)`);
    for (const ring of f.rings)
      for (const [x, y] of ring.points) assert.ok(x >= -64 && x <= 4160 && y >= -64 && y <= 4160, `(${x}, ${y}) outside the buffer`);
  }
  // The features API, asked for the tile's box in EPSG:3857, finds the
  // features that intersect it exactly (GEOS): all must be in the tile;
  // and nothing in the tile lies beyond the buffered box.
  const ids = new Set(L.features.map((f) => f.id));
  const box = tileBounds(z, tx, ty).map((v) => v.toFixed(3)).join(',');
  const inTile = (await countyClerk.json(`/api/layers/${landuse.name}/features?crs=3857&limit=10000&bbox=${box}`)).body;
  assert.ok(inTile.features.length > 10);
  for (const f of inTile.features) {
    assert.ok(ids.has(f.id), `feature ${f.id} intersects the tile but is not in it`);
    const t = L.features.find((x) => x.id === f.id);
    assert.equal(t.properties.DLBM, f.properties.DLBM, `DLBM of ${f.id}`);
    assert.equal(t.properties.TBMJ, f.properties.TBMJ, `TBMJ of ${f.id}`);
  }
  const buffered = tileBounds(z, tx, ty, 64).map((v) => v.toFixed(3)).join(',');
  const near = (await countyClerk.json(`/api/layers/${landuse.name}/features?crs=3857&limit=10000&bbox=${buffered}`)).body;
  const nearIds = new Set(near.features.map((f) => f.id));
  for (const id of ids) assert.ok(nearIds.has(id), `feature ${id} is in the tile but not near it`);
});

test('a fixture square has the area cs2cs gives it', async () => {
  const sq = square(3, 4);
  const corners = gkToMercator([
    [sq.minx, sq.miny],
    [sq.maxx, sq.miny],
    [sq.maxx, sq.maxy],
    [sq.minx, sq.maxy],
  ]);
  const z = 16;
  const [cx, cy] = gkToMercator([[sq.cx, sq.cy]])[0];
  const [tx, ty] = tileOf(cx, cy, z);
  const [minx, , , maxy] = tileBounds(z, tx, ty);
  const unit = (2 * H) / 2 ** z / 4096;
  const uv = corners.map(([x, y]) => [(x - minx) / unit, (maxy - y) / unit]);
  let want = 0;
  let perimeter = 0;
  for (let k = 0; k < 4; k++) {
    const [x1, y1] = uv[k];
    const [x2, y2] = uv[(k + 1) % 4];
    want += x1 * y2 - x2 * y1;
    perimeter += Math.hypot(x2 - x1, y2 - y1);
  }
  want = Math.abs(want) / 2; // the corners go anticlockwise on the map, clockwise on screen
  const r = await getTile(clerk, `/tiles/dltb/${z}/${tx}/${ty}.mvt`);
  assert.equal(r.status, 200);
  const L = decodeTile(r.buf)[0];
  const f = L.features.find((x) => x.properties.BSM === sq.bsm);
  assert.ok(f, `square ${sq.bsm} not in the tile`);
  assert.equal(f.properties.DLBM, sq.dlbm);
  assert.equal(f.properties.DLMC, sq.dlmc);
  assert.equal(f.rings.length, 1);
  // Rounding to whole units moves each edge by at most half a unit.
  assert.ok(Math.abs(f.rings[0].area - want) <= perimeter / 2 + 1, `area ${f.rings[0].area}, cs2cs ${want}`);
  for (const [u, v] of uv) {
    const best = Math.min(...f.rings[0].points.map(([x, y]) => Math.max(Math.abs(x - u), Math.abs(y - v))));
    assert.ok(best <= 0.5 + 1e-9, `corner (${u}, ${v}): nearest vertex ${best} units away`);
  }
  // By numeric id and under /api/ too, the same bytes.
  const id = (await clerk.json('/api/layers')).body.layers.find((l) => l.name === 'dltb').id;
  const byId = await getTile(clerk, `/api/tiles/${id}/${z}/${tx}/${ty}.mvt`);
  assert.equal(byId.status, 200);
  assert.deepEqual(new Uint8Array(byId.buf), new Uint8Array(r.buf));
});

test('bad tiles are 400, an unknown layer 404, an empty tile 204', async () => {
  for (const p of ['/tiles/dltb/25/0/0.mvt', '/tiles/dltb/3/8/0.mvt', '/tiles/dltb/3/0/8.mvt', '/tiles/dltb/a/0/0.mvt',
    '/tiles/dltb/3/-1/0.mvt', '/tiles/dltb/3/0/0.png', '/tiles/dltb/3/0/0', '/tiles/dltb/3/0/1x.mvt']) {
    const r = await clerk.json(p);
    assert.equal(r.status, 400, `${p}: ${r.status} ${r.text}`);
    assert.equal(r.body.error.code, 'invalid_input');
    assert.ok(r.body.error.message.length > 0);
  }
  const r = await clerk.json('/tiles/nosuch/3/0/0.mvt');
  assert.equal(r.status, 404, r.text);
  assert.equal(r.body.error.code, 'not_found');
  const empty = await getTile(clerk, '/tiles/dltb/3/0/0.mvt');
  assert.equal(empty.status, 204);
  assert.equal(empty.buf.byteLength, 0);
});

test('tiles need the feature read permission: 401 for the public, 403 for an applicant', async () => {
  const sq = square(0, 0);
  const [cx, cy] = gkToMercator([[sq.cx, sq.cy]])[0];
  const [tx, ty] = tileOf(cx, cy, 15);
  const p = `/tiles/dltb/15/${tx}/${ty}.mvt`;
  const anon = await client(server).json(p);
  assert.equal(anon.status, 401, anon.text);
  assert.match(anon.headers.get('www-authenticate') || '', /Bearer/);
  const applicant = await login(server, 'applicant');
  const denied = await applicant.json(p);
  assert.equal(denied.status, 403, denied.text);
  // Nor does an unknown layer tell the public anything.
  assert.equal((await client(server).json('/tiles/nosuch/15/0/0.mvt')).status, 401);
});

test('ETag revalidation answers 304; the cache serves a tile again', async () => {
  const sq = square(5, 5);
  const [cx, cy] = gkToMercator([[sq.cx, sq.cy]])[0];
  const [tx, ty] = tileOf(cx, cy, 14);
  const p = `/tiles/dltb/14/${tx}/${ty}.mvt`;
  const first = await getTile(clerk, p);
  assert.equal(first.status, 200);
  const etag = first.headers.get('etag');
  assert.match(etag, /^"[!#-~]+"$/);
  assert.match(first.headers.get('cache-control'), /no-cache/);
  const again = await getTile(clerk, p);
  assert.equal(again.headers.get('x-tile-cache'), 'hit');
  assert.deepEqual(new Uint8Array(again.buf), new Uint8Array(first.buf));
  const cond = await getTile(clerk, p, { headers: { 'if-none-match': etag } });
  assert.equal(cond.status, 304);
  assert.equal(cond.buf.byteLength, 0);
  const other = await getTile(clerk, p, { headers: { 'if-none-match': '"something-else"' } });
  assert.equal(other.status, 200);
});

/** A GET through node:http, which (unlike fetch) leaves the body as it
 *  came: { status, headers, body: Buffer }. */
function rawGet(srv, p, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: srv.port, path: p, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

test('gzip: a tile asked for with Accept-Encoding: gzip gunzips to the same tile', async () => {
  const landuse = (await countyClerk.json('/api/layers')).body.layers.find((l) => l.role === 'landuse');
  const [w, s, e, n] = landuse.extent_4490;
  const [cx, cy] = lonLatToMercator([(w + e) / 2, (s + n) / 2]);
  const auth = { cookie: countyClerk.cookie };
  for (const z of [10, 14]) {
    const [tx, ty] = tileOf(cx, cy, z);
    const p = `/tiles/${landuse.name}/${z}/${tx}/${ty}.mvt`;
    const plain = await rawGet(county, p, { ...auth, 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.headers.vary || '', /Accept-Encoding/i);
    assert.ok(decodeTile(plain.body)[0].features.length > 10);
    // Twice: made (or taken from the cache uncompressed) and gzipped, then
    // the gzipped form from the cache.
    for (let i = 0; i < 2; i++) {
      const gz = await rawGet(county, p, { ...auth, 'accept-encoding': 'deflate, gzip;q=0.8' });
      assert.equal(gz.status, 200);
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gz.headers['content-type'], MVT);
      assert.match(gz.headers.vary || '', /Accept-Encoding/i);
      assert.equal(Number(gz.headers['content-length']), gz.body.length);
      assert.ok(gz.body.length < plain.body.length, `gzip ${gz.body.length} >= ${plain.body.length} bytes`);
      assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), `z${z}: gunzipped tile differs`);
      // The two forms are two representations: two ETags, each revalidating.
      assert.notEqual(gz.headers.etag, plain.headers.etag);
      const cond = await rawGet(county, p, { ...auth, 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag });
      assert.equal(cond.status, 304);
    }
    // gzip;q=0 refuses it.
    const refused = await rawGet(county, p, { ...auth, 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.ok(refused.body.equals(plain.body));
  }
  // Other answers of the API are compressed too: a page of GeoJSON.
  const fp = `/api/layers/${landuse.name}/features?limit=500`;
  const fplain = await rawGet(county, fp, { ...auth, 'accept-encoding': 'identity' });
  const fgz = await rawGet(county, fp, { ...auth, 'accept-encoding': 'gzip' });
  assert.equal(fgz.status, 200);
  assert.equal(fgz.headers['content-encoding'], 'gzip');
  assert.ok(fgz.body.length < fplain.body.length / 2);
  assert.deepEqual(JSON.parse(zlib.gunzipSync(fgz.body)), JSON.parse(fplain.body));
});
