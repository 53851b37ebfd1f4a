-- bench/tiles, the PostGIS side: every tile of bench_tiles (loaded by
-- run.sh from the same list landgov serves) made by ST_AsMVT over
-- ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y)) with
-- ST_AsMVT's defaults (extent 4096, buffer 64, clipping on), the same
-- attributes landgov puts in its tiles (DLBM, DLMC, TBMJ, TBBH; fid as
-- the feature id), and the candidates found through the GiST index with
-- the buffered tile carried into EPSG:4526 (edges densified, as landgov
-- does). Timed per tile on the server with clock_timestamp(), so no
-- client round trip and no transfer is counted against PostGIS. Two
-- passes; the second is reported.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION lg_tile(tz int, tx int, ty int, OUT tile bytea, OUT n bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT ST_AsMVT(q, 'landuse', 4096, 'geom', 'fid'), count(*) INTO tile, n FROM (
    SELECT fid, dlbm, dlmc, tbmj, tbbh,
           ST_AsMVTGeom(ST_Transform(l.geom, 3857), ST_TileEnvelope(tz, tx, ty), 4096, 64, true) AS geom
      FROM landuse l
     WHERE l.geom && ST_Transform(ST_Segmentize(ST_TileEnvelope(tz, tx, ty, margin => 64.0 / 4096),
                                                (40075016.68557849 / 2 ^ tz) / 32), 4526)
  ) q WHERE q.geom IS NOT NULL;
END $$;

DROP TABLE IF EXISTS bench_tile_times;
CREATE TABLE bench_tile_times (pass int, seq int, z int, x int, y int, ms float8, bytes int, features bigint);

DO $$
DECLARE
  rec record;
  t0 timestamptz;
  ms float8;
  r record;
BEGIN
  FOR pass IN 1..2 LOOP
    FOR rec IN SELECT seq, z, x, y FROM bench_tiles ORDER BY seq LOOP
      t0 := clock_timestamp();
      SELECT * INTO r FROM lg_tile(rec.z, rec.x, rec.y);
      ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
      INSERT INTO bench_tile_times VALUES (pass, rec.seq, rec.z, rec.x, rec.y, ms,
                                           coalesce(length(r.tile), 0), r.n);
    END LOOP;
  END LOOP;
END $$;
