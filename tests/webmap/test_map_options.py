"""Every documented ``spatial map`` option, alone and in the combinations that once crashed.

Each call must end in a written map (exit 0, or 1 when the check fails) or a
one-line refusal (exit 2) with nothing written: never an internal error (3).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from map_fixtures import enlarged_zones, grid_parcels, tile_folder, write_layer

from spatial.cli import main
from spatial.io.layers import load_plan_layers


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("options")
    parcels = grid_parcels(60).assign(用地性质=["R2", "M1", "G1", "B1"] * 15)
    plan = load_plan_layers()
    avenue = plan["corridor"][plan["corridor"]["kind"] == "avenue"][["name_zh", "geometry"]]
    return {
        "parcels": write_layer(parcels, root / "parcels.geojson"),
        "roads": write_layer(avenue, root / "roads.geojson"),
        "seats": write_layer(plan["towns"][["name_zh", "geometry"]], root / "seats.geojson"),
        "enlarged": write_layer(enlarged_zones(), root / "enlarged.geojson"),
        "tiles": tile_folder(root, range(9, 11)),
    }


CASES = {
    "offline": (["--offline"], 0),
    "offline-tiles": (["--offline", "--tiles", "{tiles}"], 0),
    "offline-tiles-osm": (["--offline", "--basemap", "osm", "--tiles", "{tiles}"], 0),
    "amap-decimals-6": (["--basemap", "amap", "--decimals", "6"], 0),
    "decimals-4-layer": (["--offline", "--decimals", "4", "--layer", "p={parcels}"], 0),
    "decimals-3": (["--offline", "--decimals", "3"], 2),  # out of range (issue 13): refused
    "simplify-negative": (["--offline", "--simplify-m", "-5"], 2),
    "simplify-layers": (["--offline", "--simplify-m", "50", "--layer", "p={parcels}"], 0),
    "three-kinds-styled": (
        [
            "--offline",
            "--layer",
            "地块={parcels}",
            "--layer",
            "道路={roads}",
            "--layer",
            "驻地={seats}",
            "--style-field",
            "用地性质",
        ],
        0,
    ),
    "style-field-missing": (["--offline", "--layer", "p={parcels}", "--style-field", "无"], 2),
    "zones-failing-repair": (["--offline", "--zones", "{enlarged}", "--repair"], 1),
    "png-out": (["--offline"], 2),
}


@pytest.mark.parametrize("case", list(CASES))
def test_map_option_combination_never_crashes(case, files, tmp_path, capsys):
    argv, expected = CASES[case]
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    out = tmp_path / ("map.png" if case == "png-out" else "map.html")
    status = main(["map", *argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert status == expected, err
    if expected == 2:
        assert not out.exists() and err.count("\n") == 1 and err.startswith("spatial map: ")
    else:
        assert out.exists() and "internal error" not in err
