// Random project boundaries for bench/check: N polygons of 1-50 ha (area
// uniform in that range), 4 to 12 vertices each, star-shaped around a
// centre drawn inside the county outline's middle 80 %, deterministic for
// a seed. Writes one GeoJSON FeatureCollection in EPSG:4526 (the "crs"
// member names it), which `landgov check --each` and ogr2ogr both read.
//
//   node bench/check/boundaries.mjs EXTENT_JSON N SEED OUT.geojson
// EXTENT_JSON: [minx, miny, maxx, maxy] of the county in EPSG:4526.
import { writeFileSync } from 'node:fs';

const [extentJson, nArg, seedArg, out] = process.argv.slice(2);
const [minx, miny, maxx, maxy] = JSON.parse(extentJson);
const n = Number(nArg ?? 1000);
let s = Number(seedArg ?? 1) >>> 0;

// mulberry32: small, well-mixed, reproducible.
function rand() {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const features = [];
for (let i = 0; i < n; i++) {
  const cx = minx + (0.1 + 0.8 * rand()) * (maxx - minx);
  const cy = miny + (0.1 + 0.8 * rand()) * (maxy - miny);
  const target = (1 + 49 * rand()) * 1e4; // m2
  const k = 4 + Math.floor(rand() * 9);
  const rot = rand() * 2 * Math.PI;
  // Radii vary by up to +-30 %; angles are evenly spaced, so the polygon
  // is star-shaped and simple. Scale afterwards to hit the target area.
  const pts = [];
  for (let j = 0; j < k; j++) {
    const a = rot + (2 * Math.PI * j) / k;
    const r = 0.7 + 0.6 * rand();
    pts.push([Math.cos(a) * r, Math.sin(a) * r]);
  }
  let area = 0;
  for (let j = 0; j < k; j++) {
    const [x1, y1] = pts[j], [x2, y2] = pts[(j + 1) % k];
    area += x1 * y2 - x2 * y1;
  }
  area = Math.abs(area) / 2;
  const scale = Math.sqrt(target / area);
  // Clockwise, as boundary surveys number their points.
  const ring = pts.map(([x, y]) => [cx + x * scale, cy + y * scale]).reverse();
  ring.push(ring[0]);
  features.push({
    type: 'Feature',
    properties: { id: i + 1 },
    geometry: { type: 'Polygon', coordinates: [ring.map(([x, y]) => [+x.toFixed(3), +y.toFixed(3)])] },
  });
}
writeFileSync(out, JSON.stringify({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4526' } },
  features,
}));
