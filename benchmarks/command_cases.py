"""The commands of issue 24 as data: what ``bench_command.py --commands`` times and compares.

Each :class:`Case` names one command of the review, the ``spatial`` argv that
runs it, a plain geopandas script and a DuckDB spatial script doing the same
from the same file, and how their results are compared. Adding a command is
one entry in :data:`CASES`.

Argv and scripts are templates: ``{layer}`` is the survey layer in the format
being timed (GeoParquet or GeoPackage; GeoJSON where a case lists it),
``{zones}`` the plan's zones (GeoParquet in EPSG:4544), ``{points}`` a point
in each 图斑 (GeoParquet, for ``--op assign``), ``{out}`` the file a
method writes its result to (its standard output goes to ``{out}.stdout``),
``{bench}`` this folder. A script is run as ``python -c SCRIPT LAYER ZONES OUT``.

The survey layer (:func:`ensure_survey`) is synthetic (示例数据): Voronoi 图斑
over the district (``bench_tabulate.make_parcels``) in EPSG:4544, with a
``BSM``-like ``id``, a 2023 用地用海 code and name (``YDYHFLDM``, ``YDYHFLMC``)
drawn from a fixed list, and a ``note`` saying it is synthetic. The ``bad``
variant (for ``validate``) has :data:`BAD_EVERY` -th features made invalid
(bow-ties), one null geometry and one duplicate id, so that the methods have
problems to agree on.

A benchmark module, never imported by the package or the tests.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
#: Suffix of each format a case can be timed in.
FORMATS = {"parquet": ".parquet", "gpkg": ".gpkg", "geojson": ".geojson"}
#: In the ``bad`` variant, every this many features one is a bow-tie (invalid).
BAD_EVERY = 100_003
#: 2023 用地用海分类 codes the synthetic survey draws from (names read from the package's table).
CODES = ("0101", "0102", "0103", "0301", "0401", "0701", "0702", "1202", "1701", "1704")


@dataclass(frozen=True)
class Case:
    """One command of the review, timed three ways.

    Attributes
    ----------
    spatial : tuple of str
        The argv after ``spatial`` (templates, see the module).
    geopandas, duckdb : str or None
        Scripts doing the same; None where none is written yet.
    compare : str
        ``count``: the number of problem lines ``spatial`` prints equals the
        number each script prints; ``area``: the total area of the table
        (``area_km2`` of ``spatial``, ``area_m2`` of the scripts) agrees to
        1e-6; ``kinds``: the findings of each kind in ``spatial``'s table (its
        ``kind`` column) equal each script's ``kind,count`` table; ``none``: not
        compared.
    formats : tuple of str
        Formats of ``{layer}`` to time (keys of :data:`FORMATS`).
    variant : str
        ``clean`` or ``bad`` (see :func:`ensure_survey`).
    exit_codes : tuple of int
        Exit statuses of ``spatial`` that mean it ran (validate: 1, problems found).
    out_suffix : str
        Suffix of ``{out}``.
    """

    spatial: tuple[str, ...]
    geopandas: str | None = None
    duckdb: str | None = None
    compare: str = "none"
    formats: tuple[str, ...] = ("parquet", "gpkg")
    variant: str = "clean"
    exit_codes: tuple[int, ...] = (0,)
    out_suffix: str = ".csv"
    sizes: tuple[str, ...] = field(default=("100k", "1M"))
    #: The scripts' arguments (templates); the DuckDB *script* always gets LAYER ZONES OUT BENCH.
    script_args: tuple[str, ...] = ("{layer}", "{zones}", "{out}", "{bench}")
    #: ``survey`` (:func:`ensure_survey`) or ``compute`` (``compute_data.ensure``: ``{existing}``,
    #: ``{planned}``, ``{zones}``; ``{layer}`` is ``{existing}``).
    data: str = "survey"
    #: DuckDB SQL run as it is (``{name}`` filled; a quoted ``'{existing}'`` that is not
    #: GeoParquet is read by ST_Read).
    duckdb_sql: str | None = None
    #: ``compare="area"``: each method's total is the sum of the first of these columns its
    #: table has (``*_km2`` read as km²), in m²; they agree when within ``tolerance`` (relative).
    area_columns: tuple[str, ...] = ("area_km2", "area_m2")
    tolerance: float = 1e-6
    #: ``compare="rows"``: per method (``spatial`` for the toolkit), a pandas query whose
    #: matching rows of the table are counted; the counts must be equal.
    count_where: tuple[tuple[str, str], ...] = ()


VALIDATE_GEOPANDAS = """
import sys, geopandas as gpd, shapely
path = sys.argv[1]
layer = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
geoms = layer.geometry.array
null = shapely.is_missing(geoms)
invalid = ~null & ~shapely.is_valid(geoms)
dup = layer["id"].duplicated() & layer["id"].notna()
print(int(null.sum() + invalid.sum() + dup.sum()))
"""

VALIDATE_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
path = sys.argv[1]
source = f"'{path}'" if path.endswith(".parquet") else f"ST_Read('{path}')"
geom = "geometry" if path.endswith(".parquet") else "geom"
(n,) = con.execute(
    f"WITH t AS (SELECT id, {geom} AS g, row_number() OVER (PARTITION BY id ORDER BY id) AS k "
    f"FROM {source}) SELECT count(*) FILTER (WHERE g IS NULL) "
    "+ count(*) FILTER (WHERE g IS NOT NULL AND NOT ST_IsValid(g)) "
    "+ count(*) FILTER (WHERE id IS NOT NULL AND k > 1) FROM t"
).fetchone()
print(n)
"""

OVERLAY_GEOPANDAS = """
import sys, geopandas as gpd
from pyproj import Geod
path = sys.argv[1]
parcels = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
zones = gpd.read_parquet(sys.argv[2]).to_crs(parcels.crs)[["id", "geometry"]]
pieces = gpd.overlay(parcels[["id", "geometry"]].rename(columns={"id": "a_id"}),
                     zones.rename(columns={"id": "b_id"}), how="intersection", keep_geom_type=True)
geod = Geod(ellps="GRS80")
pieces["area_m2"] = [abs(geod.geometry_area_perimeter(g)[0]) for g in pieces.geometry.to_crs(4326)]
pieces.groupby(["a_id", "b_id"], as_index=False)["area_m2"].sum().to_csv(sys.argv[3], index=False)
"""

OVERLAY_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
path, zones, out = sys.argv[1:4]
parquet = path.endswith(".parquet")
source, geom = (f"'{path}'", "geometry") if parquet else (f"ST_Read('{path}')", "geom")
lonlat = "ST_Transform(g, 'EPSG:4544', 'EPSG:4326', always_xy := true)"
con.execute(
    "COPY (WITH pieces AS ("
    f"SELECT p.id AS a_id, z.id AS b_id, ST_Intersection(p.{geom}, z.geometry) AS g "
    f"FROM {source} p JOIN '{zones}' z ON ST_Intersects(p.{geom}, z.geometry)) "
    f"SELECT a_id, b_id, SUM(ST_Area_Spheroid(ST_FlipCoordinates({lonlat}))) AS area_m2 "
    f"FROM pieces GROUP BY a_id, b_id) TO '{out}' (HEADER, DELIMITER ',')"
)
"""

DIFFERENCE_GEOPANDAS = """
import sys, geopandas as gpd
from pyproj import Geod
path = sys.argv[1]
parcels = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
zones = gpd.read_parquet(sys.argv[2]).to_crs(parcels.crs)[["geometry"]]
parts = gpd.overlay(parcels[["id", "geometry"]], zones, how="difference")
geod = Geod(ellps="GRS80")
parts["area_m2"] = [abs(geod.geometry_area_perimeter(g)[0]) for g in parts.geometry.to_crs(4326)]
parts[["id", "area_m2"]].to_csv(sys.argv[3], index=False)
"""

DIFFERENCE_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
path, zones, out = sys.argv[1:4]
parquet = path.endswith(".parquet")
source, geom = (f"'{path}'", "geometry") if parquet else (f"ST_Read('{path}')", "geom")
part = "CASE WHEN u IS NULL THEN g ELSE ST_Difference(g, u) END"
lonlat = f"ST_Transform({part}, 'EPSG:4544', 'EPSG:4326', always_xy := true)"
con.execute(
    "COPY (WITH j AS ("
    f"SELECT p.id, any_value(p.{geom}) AS g, ST_Union_Agg(z.geometry) AS u "
    f"FROM {source} p LEFT JOIN '{zones}' z ON ST_Intersects(p.{geom}, z.geometry) "
    f"GROUP BY p.id) SELECT id, ST_Area_Spheroid(ST_FlipCoordinates({lonlat})) AS area_m2 "
    f"FROM j) TO '{out}' (HEADER, DELIMITER ',')"
)
"""

#: ``--op coverage``: the part of each 图斑 within 100 m of the zones (compared by hand:
#: the command's ``area_km2`` is the 图斑's own area, the scripts' ``area_m2`` the part within).
COVERAGE_GEOPANDAS = """
import sys, geopandas as gpd
from pyproj import Geod
path = sys.argv[1]
parcels = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
zones = gpd.read_parquet(sys.argv[2]).to_crs(parcels.crs)
zone = zones.union_all().buffer(100, quad_segs=32)
within = parcels.geometry.intersection(zone).to_crs(4326)
geod = Geod(ellps="GRS80")
parcels["area_m2"] = [abs(geod.geometry_area_perimeter(g)[0]) for g in within]
parcels[["id", "area_m2"]].to_csv(sys.argv[3], index=False)
"""

COVERAGE_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
path, zones, out = sys.argv[1:4]
parquet = path.endswith(".parquet")
source, geom = (f"'{path}'", "geometry") if parquet else (f"ST_Read('{path}')", "geom")
within = "ST_Intersection(p.{geom}, z.g)".format(geom=geom)
lonlat = f"ST_Transform({within}, 'EPSG:4544', 'EPSG:4326', always_xy := true)"
con.execute(
    f"COPY (WITH z AS (SELECT ST_Buffer(ST_Union_Agg(geometry), 100, 32) AS g FROM '{zones}') "
    f"SELECT p.id, ST_Area_Spheroid(ST_FlipCoordinates({lonlat})) AS area_m2 "
    f"FROM {source} p, z) TO '{out}' (HEADER, DELIMITER ',')"
)
"""

#: ``qc`` of the ``bad`` survey with ids and codes: the findings of each kind both scripts can
#: find, one ``kind,count`` line each (``compare="kinds"``). Invalid geometry (missing, empty or
#: invalid), duplicate ids (each feature whose id an earlier one holds), blank ids and codes, codes
#: not in the 2023 table, overlaps (pairs of repaired features sharing over 0.001 m²), gaps (holes
#: of the union of the repaired features over 0.001 m²; a hole holding a feature of its own would
#: count only its empty part in ``qc``: the synthetic survey has none) and slivers (under 1 m², or
#: 2·area/perimeter under 0.2 m). The scripts measure planar areas in EPSG:4544, ``qc`` areas of
#: record: the thresholds lie far from every area of the survey, so the counts agree.
QC_GEOPANDAS = """
import sys, tomllib, collections, numpy as np, pandas as pd, geopandas as gpd, shapely
path, out, bench = sys.argv[1], sys.argv[3], sys.argv[4]
layer = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
with open(f"{bench}/../spatial/landuse/data/ydyh_2023.toml", "rb") as f:
    classes = tomllib.load(f)["classes"]
counts = collections.Counter()
g = np.asarray(layer.geometry.array, dtype=object)
missing = shapely.is_missing(g) | shapely.is_empty(g)
valid = ~missing & shapely.is_valid(g)
counts["invalid_geometry"] = int((~valid).sum())
fixed = g.copy()
bad = ~valid & ~missing
fixed[bad] = shapely.make_valid(g[bad])
ids = layer["id"].astype("string").str.strip()
codes = layer["YDYHFLDM"].astype("string").str.strip()
filled = ids.notna() & (ids != "")
counts["duplicate_id"] = int((ids[filled].duplicated()).sum())
counts["blank_value"] = int((~filled).sum() + (codes.isna() | (codes == "")).sum())
counts["unknown_code"] = int((codes.notna() & (codes != "") & ~codes.isin(list(classes))).sum())
shapes = gpd.GeoDataFrame(geometry=fixed[~missing], crs=layer.crs).reset_index(drop=True)
pairs = gpd.sjoin(shapes, shapes, predicate="intersects")
pairs = pairs[pairs.index < pairs["index_right"]]
other = shapes.geometry.loc[pairs["index_right"]].set_axis(pairs.index)
shared = pairs.geometry.intersection(other)
counts["overlap"] = int((shared.area > 0.001).sum())
union = shapes.union_all()
holes = [shapely.Polygon(r) for p in getattr(union, "geoms", [union]) for r in p.interiors]
counts["gap"] = int(sum(h.area > 0.001 for h in holes))
area, length = shapes.area, shapes.length
counts["sliver"] = int(((area < 1.0) | (2 * area / length < 0.2)).sum())
pd.DataFrame(sorted((k, n) for k, n in counts.items() if n), columns=["kind", "count"]).to_csv(
    out, index=False)
"""


#: ``qc`` in DuckDB spatial from the same file, every kind the geopandas script finds, in SQL:
#: invalid geometry (missing, empty, ``NOT ST_IsValid``), duplicate and blank ids and codes,
#: codes not in the 2023 table (the package's table as a list), slivers (planar area and
#: perimeter), overlaps (DuckDB's spatial join on ``ST_Intersects``, an R-tree on the boxes,
#: with the pairs taken once outside it: a join condition ``a.k < b.k`` beside it made DuckDB
#: drop to a nested loop, 525 s at 20k; then ``NOT ST_Touches`` and ``ST_Area`` of the
#: ``ST_Intersection`` over 0.001 m²) and gaps (``ST_CoverageUnion_Agg`` of the repaired features
#: in no overlap, ``ST_Union`` with those in one: ``ST_Union_Agg`` of all took 15 s at 20k and
#: ``ST_CoverageUnion_Agg`` of a coverage with an overlap is NULL; then the interior rings of
#: the union's polygons over 0.001 m²). Areas planar in EPSG:4544, as the geopandas script.
QC_DUCKDB = r"""
import sys, tomllib
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
path, out, bench = sys.argv[1], sys.argv[3], sys.argv[4]
parquet = path.endswith(".parquet")
source, geom = (f"'{path}'", "geometry") if parquet else (f"ST_Read('{path}')", "geom")
with open(f"{bench}/../spatial/landuse/data/ydyh_2023.toml", "rb") as f:
    codes = sorted(tomllib.load(f)["classes"])
con.execute("CREATE TEMP TABLE classes AS SELECT unnest($1::VARCHAR[]) AS code", [codes])
con.execute(
    "CREATE TEMP TABLE t AS SELECT row_number() OVER () AS k, trim(CAST(id AS VARCHAR)) AS id, "
    f"trim(CAST(YDYHFLDM AS VARCHAR)) AS code, {geom} AS raw FROM {source}"
)
con.execute(
    "CREATE TEMP TABLE s AS SELECT k, CASE WHEN ST_IsValid(raw) THEN raw "
    "ELSE ST_MakeValid(raw) END AS g FROM t WHERE raw IS NOT NULL AND NOT ST_IsEmpty(raw)"
)
counts = dict(con.execute(
    "SELECT 'invalid_geometry', count(*) FILTER (WHERE raw IS NULL OR ST_IsEmpty(raw) "
    "OR NOT ST_IsValid(raw)) FROM t UNION ALL "
    "SELECT 'duplicate_id', count(id) - count(DISTINCT id) FROM t WHERE id <> '' UNION ALL "
    "SELECT 'blank_value', count(*) FILTER (WHERE id IS NULL OR id = '') "
    "+ count(*) FILTER (WHERE code IS NULL OR code = '') FROM t UNION ALL "
    "SELECT 'unknown_code', count(*) FROM t WHERE code <> '' "
    "AND code NOT IN (SELECT code FROM classes) UNION ALL "
    "SELECT 'sliver', count(*) FILTER (WHERE ST_Area(g) < 1.0 "
    "OR 2 * ST_Area(g) / ST_Perimeter(g) < 0.2) FROM s"
).fetchall())
con.execute(
    "CREATE TEMP TABLE pairs AS SELECT a.k AS ka, b.k AS kb FROM s a JOIN s b "
    "ON ST_Intersects(a.g, b.g)"
)
con.execute(
    "CREATE TEMP TABLE over AS SELECT p.ka, p.kb FROM pairs p JOIN s a ON a.k = p.ka "
    "JOIN s b ON b.k = p.kb WHERE p.ka < p.kb AND NOT ST_Touches(a.g, b.g) "
    "AND ST_Area(ST_Intersection(a.g, b.g)) > 0.001"
)
counts["overlap"] = con.execute("SELECT count(*) FROM over").fetchone()[0]
con.execute(
    "CREATE TEMP TABLE u AS WITH o AS (SELECT ka AS k FROM over UNION SELECT kb FROM over) "
    "SELECT ST_Union(ST_CoverageUnion_Agg(g) FILTER (WHERE k NOT IN (SELECT k FROM o)), "
    "coalesce(ST_Union_Agg(g) FILTER (WHERE k IN (SELECT k FROM o)), "
    "'POLYGON EMPTY'::GEOMETRY)) AS g FROM s"
)
counts["gap"] = con.execute(
    "WITH p AS (SELECT unnest(ST_Dump(g)).geom AS p FROM u) "
    "SELECT count(*) FROM p, range(1, ST_NInteriorRings(p) + 1) r(i) "
    "WHERE ST_Area(ST_MakePolygon(ST_InteriorRingN(p, CAST(i AS INTEGER)))) > 0.001"
).fetchone()[0]
with open(out, "w", encoding="utf-8") as f:
    f.write("kind,count\n" + "".join(f"{k},{n}\n" for k, n in sorted(counts.items()) if n))
"""

#: ``--op assign``: the points (one in each 图斑) inside or on a zone, one row per point and
#: zone; compared by the rows with ``inside`` true (``compare="rows"``; the nearest zone of the
#: points outside is the command's own, not counted).
ASSIGN_GEOPANDAS = """
import sys, geopandas as gpd
path = sys.argv[1]
points = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
points = points[["id", "geometry"]]
zones = gpd.read_parquet(sys.argv[2]).to_crs(points.crs)[["id", "geometry"]]
inside = gpd.sjoin(points, zones, predicate="covered_by", lsuffix="point", rsuffix="zone")
inside = inside.rename(columns={"id_point": "point_id", "id_zone": "polygon_id"})
inside.assign(inside=True)[["point_id", "polygon_id", "inside"]].to_csv(sys.argv[3], index=False)
"""

ASSIGN_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
layer, zones, out = sys.argv[1:4]
stem, suffix = layer.rsplit(".", 1)
points = f"{stem}_points.{suffix}"  # the runner gives the survey: its points, same format
parquet = suffix == "parquet"
source, geom = (f"'{points}'", "geometry") if parquet else (f"ST_Read('{points}')", "geom")
con.execute(
    "COPY (SELECT p.id AS point_id, z.id AS polygon_id, true AS inside "
    f"FROM {source} p JOIN '{zones}' z ON ST_Intersects(p.{geom}, z.geometry)) "
    f"TO '{out}' (HEADER, DELIMITER ',')"
)
"""

#: ``--op assign`` doing the command's whole work (``overlay-assign-all``): the rows inside as
#: above, and for every point in no zone its nearest zone and the planar distance to it (m,
#: EPSG:4544), one row per point (``arg_min`` / ``sjoin_nearest``); compared by all rows.
ASSIGN_ALL_GEOPANDAS = """
import sys, geopandas as gpd, pandas as pd
path = sys.argv[1]
points = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
points = points[["id", "geometry"]]
zones = gpd.read_parquet(sys.argv[2]).to_crs(points.crs)[["id", "geometry"]]
inside = gpd.sjoin(points, zones, predicate="covered_by", lsuffix="point", rsuffix="zone")
inside = inside.rename(columns={"id_point": "point_id", "id_zone": "polygon_id"})
inside = inside.assign(inside=True, dist_m=0.0)[["point_id", "polygon_id", "inside", "dist_m"]]
out = points[~points.index.isin(inside.index)]
near = gpd.sjoin_nearest(out, zones, distance_col="dist_m", lsuffix="point", rsuffix="zone")
near = near[~near.index.duplicated()]  # one nearest zone a point, as the command lists it
near = near.rename(columns={"id_point": "point_id", "id_zone": "polygon_id"}).assign(inside=False)
rows = pd.concat([inside, near[["point_id", "polygon_id", "inside", "dist_m"]]]).sort_index(
    kind="stable")
rows.to_csv(sys.argv[3], index=False)
"""

ASSIGN_ALL_DUCKDB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from bench_tabulate import duckdb_connection
con = duckdb_connection()
layer, zones, out = sys.argv[1:4]
stem, suffix = layer.rsplit(".", 1)
points = f"{stem}_points.{suffix}"  # the runner gives the survey: its points, same format
parquet = suffix == "parquet"
source, geom = (f"'{points}'", "geometry") if parquet else (f"ST_Read('{points}')", "geom")
con.execute(
    f"CREATE TEMP TABLE p AS SELECT row_number() OVER () AS k, id, {geom} AS g FROM {source}"
)
con.execute(f"CREATE TEMP TABLE z AS SELECT id, geometry AS g FROM '{zones}'")
con.execute(
    "CREATE TEMP TABLE i AS SELECT p.k, p.id AS point_id, z.id AS polygon_id "
    "FROM p JOIN z ON ST_Intersects(p.g, z.g)"
)
con.execute(
    "COPY (SELECT point_id, polygon_id, inside, dist_m FROM ("
    "SELECT k, point_id, polygon_id, true AS inside, 0.0 AS dist_m FROM i UNION ALL "
    "SELECT p.k, any_value(p.id), arg_min(z.id, ST_Distance(p.g, z.g)), false, "
    "min(ST_Distance(p.g, z.g)) FROM p CROSS JOIN z WHERE p.k NOT IN (SELECT k FROM i) "
    f"GROUP BY p.k) ORDER BY k) TO '{out}' (HEADER, DELIMITER ',')"
)
"""

#: A table command's output options.
CSV_OUT = ("--format", "csv", "--out", "{out}")

#: The commands of issue 24. Entries without scripts are timed for ``spatial`` alone.
CASES: dict[str, Case] = {
    "validate": Case(
        ("validate", "{layer}"),
        VALIDATE_GEOPANDAS,
        VALIDATE_DUCKDB,
        compare="count",
        formats=("parquet", "gpkg", "geojson"),
        variant="bad",
        exit_codes=(0, 1),
        out_suffix=".txt",
    ),
    "overlay": Case(
        ("overlay", "{layer}", "{zones}", *CSV_OUT),
        OVERLAY_GEOPANDAS,
        OVERLAY_DUCKDB,
        compare="area",
    ),
    "overlay-difference": Case(
        ("overlay", "{layer}", "{zones}", "--op", "difference", *CSV_OUT),
        DIFFERENCE_GEOPANDAS,
        DIFFERENCE_DUCKDB,
        compare="area",
    ),
    "overlay-coverage": Case(
        ("overlay", "{layer}", "{zones}", "--op", "coverage", "--distance-m", "100", *CSV_OUT),
        COVERAGE_GEOPANDAS,
        COVERAGE_DUCKDB,
    ),
    "overlay-assign": Case(
        ("overlay", "{points}", "{zones}", "--op", "assign", *CSV_OUT),
        ASSIGN_GEOPANDAS,
        ASSIGN_DUCKDB,
        compare="rows",
        script_args=("{points}", "{zones}", "{out}", "{bench}"),
        count_where=(
            ("spatial", "inside == True"),
            ("geopandas", "inside == True"),
            ("duckdb", "inside == True"),
        ),
    ),
    "overlay-assign-all": Case(
        ("overlay", "{points}", "{zones}", "--op", "assign", *CSV_OUT),
        ASSIGN_ALL_GEOPANDAS,
        ASSIGN_ALL_DUCKDB,
        compare="rows",
        script_args=("{points}", "{zones}", "{out}", "{bench}"),
        count_where=(
            ("spatial", "dist_m >= 0"),
            ("geopandas", "dist_m >= 0"),
            ("duckdb", "dist_m >= 0"),
        ),
    ),
    "balance-zones": Case(("balance", "{layer}", "--zones", "{zones}", *CSV_OUT)),
    "balance-existing-planned": Case(
        ("balance", "--existing", "{layer}", "--planned", "{layer}", *CSV_OUT)
    ),
    "diff": Case(("diff", "{layer}", "{layer}", "--format", "csv", "--out", "{out}")),
    "qc": Case(
        ("qc", "{layer}", "--id-field", "id", "--class-field", "YDYHFLDM", *CSV_OUT),
        QC_GEOPANDAS,
        QC_DUCKDB,
        compare="kinds",
        formats=("parquet", "gpkg"),
        variant="bad",
        exit_codes=(0, 1),
    ),
    # The plan's zones against a 永久基本农田-like layer (the survey's 耕地): the area each zone
    # occupies, summed, against the scripts' pieces of the zones and that layer.
    "check-constraint": Case(
        ("check", "--zones", "{zones}", "--constraint", "永久基本农田={layer}", *CSV_OUT),
        OVERLAY_GEOPANDAS,
        OVERLAY_DUCKDB,
        compare="area",
        variant="farmland",
        exit_codes=(0, 1),
        area_columns=("occupied_m2", "area_m2"),
        tolerance=1e-5,
    ),
}


def survey_path(label: str, fmt: str, variant: str = "clean") -> Path:
    """Where the synthetic survey of ``label`` features is cached in ``fmt``."""
    return OUT / f"survey_{label}_{variant}{FORMATS[fmt]}"


def zones_path() -> Path:
    """The plan's zones and clusters as GeoParquet in EPSG:4544 (written once)."""
    path = OUT / "survey_zones_4544.parquet"
    if not path.exists():
        import geopandas as gpd  # noqa: PLC0415

        from spatial.io.atomic import atomic_path  # noqa: PLC0415

        zones = gpd.read_file(ROOT / "geodata" / "zones.geojson")[["id", "geometry"]]
        OUT.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            zones.to_crs(4544).to_parquet(tmp)
    return path


def _make_survey(n: int):
    """``n`` synthetic 图斑 in EPSG:4544 with ids, 2023 codes and names (示例数据)."""
    import numpy as np  # noqa: PLC0415

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_tabulate import make_parcels  # noqa: PLC0415

    from spatial.landuse.classes import load_classes  # noqa: PLC0415

    classes = load_classes()
    parcels = make_parcels(n).to_crs(4544)
    rng = np.random.default_rng(24)
    codes = np.array(CODES, dtype=object)[rng.integers(0, len(CODES), len(parcels))]
    names = {code: classes[code].name_zh for code in CODES}
    parcels["id"] = [f"500120{k:010d}" for k in range(len(parcels))]
    parcels["YDYHFLDM"] = codes
    parcels["YDYHFLMC"] = [names[c] for c in codes]
    parcels["note"] = "示例数据 synthetic"
    return parcels[["id", "YDYHFLDM", "YDYHFLMC", "note", "geometry"]]


def _spoil(parcels):
    """The ``bad`` variant: bow-ties every :data:`BAD_EVERY` features, a null, a duplicate id."""
    import shapely  # noqa: PLC0415

    parcels = parcels.copy()
    geoms = parcels.geometry.array.copy()
    for k in range(7, len(parcels), BAD_EVERY):
        x0, y0, x1, y1 = shapely.bounds(geoms[k])
        geoms[k] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    geoms[len(parcels) // 3] = None
    parcels.geometry = geoms
    parcels.loc[parcels.index[len(parcels) // 2], "id"] = parcels["id"].iloc[1]
    return parcels


def ensure_survey(label: str, formats: tuple[str, ...], variant: str = "clean") -> dict[str, Path]:
    """Generate (once) and cache the survey layer of ``label`` features in each format."""
    paths = {fmt: survey_path(label, fmt, variant) for fmt in formats}
    if all(p.exists() for p in paths.values()):
        return paths
    from spatial.io.atomic import atomic_path  # noqa: PLC0415

    t0 = time.perf_counter()
    parcels = _make_survey(SIZES[label])
    if variant == "bad":
        parcels = _spoil(parcels)
    if variant == "farmland":  # a 永久基本农田-like constraint layer: the survey's 01 耕地
        parcels = parcels[parcels["YDYHFLDM"].str.startswith("01")]
    seconds = time.perf_counter() - t0
    print(f"  generated {len(parcels):,} 图斑 in {seconds:.1f} s", file=sys.stderr, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    for fmt, path in paths.items():
        if path.exists():
            continue
        with atomic_path(path) as tmp:
            if fmt == "parquet":
                parcels.to_parquet(tmp, row_group_size=100_000)
            else:
                driver = "GPKG" if fmt == "gpkg" else "GeoJSON"
                parcels.to_file(tmp, driver=driver, layer=path.stem, engine="pyogrio")
    return paths


def fill(template: tuple[str, ...] | str, **values: str) -> list[str]:
    """Fill the ``{name}`` placeholders of an argv template."""
    items = [template] if isinstance(template, str) else list(template)
    return [re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), t) for t in items]


def _count_lines(path: Path) -> int:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return sum(1 for line in text.splitlines() if line.strip())


def _count_printed(path: Path) -> int:
    return int(path.read_text(encoding="utf-8").split()[-1])


#: How each method's result is read for ``compare="count"``.
COUNTERS: dict[str, Callable[[Path], int]] = {
    "spatial": _count_lines,
    "geopandas": _count_printed,
    "duckdb": _count_printed,
}


def total_area_km2(path: Path) -> float:
    """The total area of a table a method wrote: ``area_km2``, or ``area_m2`` / 1e6."""
    import pandas as pd  # noqa: PLC0415

    table = pd.read_csv(path)
    if "area_km2" in table.columns:
        return float(table["area_km2"].sum())
    return float(table["area_m2"].sum()) / 1e6


def ensure_points(layer: Path) -> Path:
    """A point inside each feature of a survey layer, cached beside it in the layer's format
    (GeoParquet or GeoPackage: the points of the GeoParquet survey)."""
    path = layer.with_name(layer.stem + "_points" + layer.suffix)
    if not path.exists():
        import geopandas as gpd  # noqa: PLC0415

        from spatial.io.atomic import atomic_path  # noqa: PLC0415

        survey = gpd.read_parquet(layer.with_suffix(".parquet"))
        survey.geometry = survey.geometry.representative_point()
        with atomic_path(path) as tmp:
            if path.suffix == ".parquet":
                survey.to_parquet(tmp, row_group_size=100_000)
            else:
                survey.to_file(tmp, driver="GPKG", engine="pyogrio")
    return path


def _from_compute(name: str, entry: dict[str, object]) -> tuple[str, Case]:
    """A case of ``command_cases_compute.CASES`` (plain dicts) as a :class:`Case` and its key."""
    script, args = entry.get("geopandas") or (None, ())  # type: ignore[misc]
    case = Case(
        tuple(entry["spatial"]),  # type: ignore[arg-type]
        script,
        compare=str(entry.get("compare", "none")),
        formats=tuple(entry.get("formats", ("parquet", "gpkg"))),  # type: ignore[arg-type]
        exit_codes=tuple(entry.get("exit_codes", (0,))),  # type: ignore[arg-type]
        script_args=tuple(args),
        data="compute",
        duckdb_sql=entry.get("duckdb"),  # type: ignore[arg-type]
        area_columns=tuple(entry.get("area_columns", ("area_km2", "area_m2"))),  # type: ignore[arg-type]
        tolerance=float(entry.get("tolerance", 1e-6)),  # type: ignore[arg-type]
        count_where=tuple(entry.get("count_where", ())),  # type: ignore[arg-type]
    )
    return name.replace("--", "").strip().replace(" ", "-"), case


def all_cases() -> dict[str, Case]:
    """The one case table: :data:`CASES` and ``command_cases_compute.CASES`` (key: the command
    with dashes, ``balance --zones`` -> ``balance-zones``). A compute case replaces a case of
    the same key that has no script; a case here with scripts is kept."""
    import command_cases_compute  # noqa: PLC0415 - beside this file

    table = dict(CASES)
    for name, entry in command_cases_compute.CASES.items():
        key, case = _from_compute(name, entry)
        if key not in table or (table[key].geopandas is None and table[key].duckdb is None):
            table[key] = case
    return table
