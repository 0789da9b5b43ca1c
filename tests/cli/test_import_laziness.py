"""``import spatial`` and ``spatial --help`` stay light: heavy libraries load only when used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("folium", "jinja2", "branca", "dask", "distributed", "spatial.webmap")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_spatial_loads_no_web_map_or_dask():
    modules = loaded_after("import spatial")
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}
    assert "geopandas" not in modules and "pandas" not in modules


def test_help_imports_no_subcommand_library():
    code = (
        "import contextlib, io\nfrom spatial.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    modules = loaded_after(code)
    assert not {m for m in modules if m.split(".")[0] in (*HEAVY, "geopandas", "pandas", "pyproj")}


def test_the_overlay_command_loads_no_web_map():
    modules = loaded_after("import spatial.cli.overlay, spatial.cli.check, spatial.cli.validate")
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}


def test_overlay_help_and_a_parquet_scan_load_no_geopandas():
    """`spatial overlay --help` is instant; a GeoParquet scan starts before geopandas loads."""
    code = (
        "import contextlib, io\nfrom spatial.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['overlay', '--help'])\n    except SystemExit:\n        pass\n"
        "import spatial.overlay.scan"
    )
    modules = loaded_after(code)
    assert not {m for m in modules if m.split(".")[0] in (*HEAVY, "geopandas", "pandas", "shapely")}


def test_a_scan_threads_first_stage_loads_nothing_more(tmp_path):
    """The first stage must not import (pandas, say) on a thread: it would wait for the
    command's main thread, which is importing geopandas meanwhile (the import lock)."""
    path = tmp_path / "p.parquet"
    code = (
        "import geopandas as gpd, shapely, sys\n"
        f"gpd.GeoDataFrame({{'id': ['a']}}, geometry=[shapely.box(106.2, 29.6, 106.3, 29.7)],"
        f" crs=4326).to_crs(4544).to_parquet({str(path)!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    probe = (
        "import sys\nfrom spatial.overlay.scan import ParquetScan\n"
        "before = set(sys.modules)\n"
        f"scan = ParquetScan({str(path)!r}, 'id', threads=1)\n"
        "unit = scan._first_stage(lambda: scan.layer.read_groups([0], 'id'))\n"
        "scan.close()\n"
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
