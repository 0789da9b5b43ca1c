"""The review's compute commands as benchmark cases: plain data, no code run on import.

Each case names the ``spatial`` command's arguments, a plain geopandas script and
DuckDB spatial SQL doing the same from the same files (``{existing}``,
``{planned}``, ``{zones}``, ``{out}`` are filled in by the runner,
``benchmarks/bench_command.py``, which reads these cases through
``command_cases.all_cases()``; the layers are ``benchmarks/compute_data.py``'s
synthetic 三调-like parcels in EPSG:4544, GeoParquet or GeoPackage). The scripts
take the same paths as ``sys.argv[1:]``. Optional keys: ``compare`` (``area``,
``rows``), ``area_columns``, ``tolerance``, ``count_where``, ``formats``,
``exit_codes`` (see ``command_cases.Case``). Areas: the geopandas script measures pieces
geodesically
(pyproj.Geod, GRS80) in lon/lat, DuckDB with ``ST_Area_Spheroid``; the toolkit's
areas are of record (CGCS2000, the survey rule) and reconciled to each zone, so
the figures agree to about 1e-5 relative, not to the last bit.
"""

from __future__ import annotations

#: Per zone and class: the parcels cut by the zones, areas summed (no 未覆盖 row, no checks).
BALANCE_GEOPANDAS = """
import sys, geopandas as gpd
from pyproj import Geod
def table(path, zones):
    read = gpd.read_parquet if path.endswith(".parquet") else gpd.read_file
    parcels = read(path)[["YDYHFLDM", "geometry"]]
    pieces = gpd.overlay(parcels, zones, how="intersection", keep_geom_type=True)
    geod = Geod(ellps="GRS80")
    lonlat = pieces.geometry.to_crs(4326)
    pieces["area_m2"] = [abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat]
    return pieces.groupby(["zone_id", "YDYHFLDM"], as_index=False)["area_m2"].sum()
zones = gpd.read_parquet(sys.argv[-2])[["id", "geometry"]].rename(columns={"id": "zone_id"})
tables = [table(p, zones) for p in sys.argv[1:-2]]
out = tables[0]
if len(tables) == 2:
    out = out.merge(tables[1], on=["zone_id", "YDYHFLDM"], how="outer",
                    suffixes=("_existing", "_planned")).fillna(0.0)
    out["change_m2"] = out["area_m2_planned"] - out["area_m2_existing"]
out.to_csv(sys.argv[-1], index=False)
"""

#: The same in DuckDB spatial; ``{table}`` is one parcel file's per-zone, per-class table.
BALANCE_DUCKDB_ONE = (
    "SELECT z.id AS zone_id, p.YDYHFLDM AS class_code, "
    "SUM(ST_Area_Spheroid(ST_FlipCoordinates(ST_Transform(ST_Intersection(p.geometry, z.geometry), "
    "'EPSG:4544', 'EPSG:4326', always_xy := true)))) AS area_m2 "
    "FROM '{parcels}' p JOIN '{zones}' z ON ST_Intersects(p.geometry, z.geometry) "
    "GROUP BY ALL"
)
BALANCE_DUCKDB = (
    "COPY (" + BALANCE_DUCKDB_ONE.replace("{parcels}", "{existing}") + ") TO '{out}' (HEADER)"
)
COMPARE_DUCKDB = (
    "COPY (SELECT COALESCE(e.zone_id, p.zone_id) AS zone_id, "
    "COALESCE(e.class_code, p.class_code) AS class_code, COALESCE(e.area_m2, 0) AS existing_m2, "
    "COALESCE(p.area_m2, 0) AS planned_m2, "
    "COALESCE(p.area_m2, 0) - COALESCE(e.area_m2, 0) AS change_m2 "
    "FROM (" + BALANCE_DUCKDB_ONE.replace("{parcels}", "{existing}") + ") e "
    "FULL OUTER JOIN (" + BALANCE_DUCKDB_ONE.replace("{parcels}", "{planned}") + ") p "
    "USING (zone_id, class_code)) TO '{out}' (HEADER)"
)

#: Per feature matched by id: status, area gained and lost (pieces only where geometry changed).
DIFF_GEOPANDAS = """
import sys, geopandas as gpd, pandas as pd, shapely
from pyproj import Geod
read = gpd.read_parquet if sys.argv[1].endswith(".parquet") else gpd.read_file
old, new = read(sys.argv[1]), read(sys.argv[2])
both = old.merge(new, on="id", how="outer", suffixes=("_old", "_new"), indicator=True)
go, gn = both["geometry_old"].to_numpy(), both["geometry_new"].to_numpy()
matched = (both["_merge"] == "both").to_numpy()
moved = matched & ~shapely.equals_exact(go, gn, tolerance=0.0)
geod = Geod(ellps="GRS80")
def m2(geoms):
    lonlat = gpd.GeoSeries(geoms, crs=old.crs).to_crs(4326)
    return [abs(geod.geometry_area_perimeter(g)[0]) if g is not None else 0.0 for g in lonlat]
both["added_m2"], both["removed_m2"] = 0.0, 0.0
both.loc[moved, "added_m2"] = m2(shapely.difference(gn[moved], go[moved]))
both.loc[moved, "removed_m2"] = m2(shapely.difference(go[moved], gn[moved]))
both["class_changed"] = both["YDYHFLDM_old"] != both["YDYHFLDM_new"]
both[["id", "_merge", "added_m2", "removed_m2", "class_changed"]].to_csv(sys.argv[3], index=False)
"""
DIFF_DUCKDB = (
    "COPY (SELECT COALESCE(o.id, n.id) AS id, o.id IS NULL AS added, n.id IS NULL AS removed, "
    "o.YDYHFLDM IS DISTINCT FROM n.YDYHFLDM AS class_changed, "
    "CASE WHEN o.id IS NOT NULL AND n.id IS NOT NULL AND NOT ST_Equals(o.geometry, n.geometry) "
    "THEN ST_Area_Spheroid(ST_FlipCoordinates(ST_Transform(ST_Difference(n.geometry, o.geometry), "
    "'EPSG:4544', 'EPSG:4326', always_xy := true))) ELSE 0 END AS added_m2 "
    "FROM '{existing}' o FULL OUTER JOIN '{planned}' n ON o.id = n.id) TO '{out}' (HEADER)"
)

#: name -> the command's arguments after ``spatial``, the geopandas script's file
#: arguments (then ``{zones}`` and ``{out}``), the DuckDB SQL.
CASES: dict[str, dict[str, object]] = {
    "balance --zones": {
        "spatial": [
            "balance",
            "{existing}",
            "--zones",
            "{zones}",
            "--format",
            "csv",
            "--out",
            "{out}",
        ],
        "geopandas": (BALANCE_GEOPANDAS, ["{existing}", "{zones}", "{out}"]),
        "duckdb": BALANCE_DUCKDB,
        "compare": "area",
        "area_columns": ["area_raw_m2", "area_m2"],
        "tolerance": 1e-5,
    },
    "balance --existing --planned": {
        "spatial": [
            "balance",
            "--existing",
            "{existing}",
            "--planned",
            "{planned}",
            "--zones",
            "{zones}",
            "--format",
            "csv",
            "--out",
            "{out}",
        ],
        "geopandas": (BALANCE_GEOPANDAS, ["{existing}", "{planned}", "{zones}", "{out}"]),
        "duckdb": COMPARE_DUCKDB,
        "compare": "area",
        "area_columns": ["planned_raw_m2", "area_m2_planned", "planned_m2"],
        "tolerance": 1e-5,
    },
    "diff": {
        "spatial": [
            "diff",
            "{existing}",
            "{planned}",
            "--class-field",
            "YDYHFLDM",
            "--format",
            "csv",
            "--out",
            "{out}",
        ],
        "geopandas": (DIFF_GEOPANDAS, ["{existing}", "{planned}", "{out}"]),
        "duckdb": DIFF_DUCKDB,
        # features that changed (class, geometry, added, removed): counted exactly
        "compare": "rows",
        "count_where": [
            ["spatial", "status != 'unchanged'"],
            ["geopandas", "class_changed | (_merge != 'both') | (added_m2 > 0) | (removed_m2 > 0)"],
            ["duckdb", "class_changed | added | removed | (added_m2 > 0)"],
        ],
    },
}
