"""``spatial diff``: a pure re-id (same land, new ids) is no change of land (trial stop 27).

Synthetic (示例数据) survey layer in EPSG:4544 (:mod:`survey`): the road R split
into R1 + R2 on the same land, N03 renumbered, S02 renumbered with a class
change (0702 → 0701), and two real changes: S05 loses its north 100 m, N07 is
renumbered N07-1 and loses its north 1 m (not the same land: no re-id). Every
figure is checked against the tests' own strip integral (:func:`oracle_area_m2`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from survey import GK, ROAD_SPLIT_X, X0, oracle_area_m2, survey_parcels

from spatial.cli import main
from spatial.review.diff import (
    FEATURE_COLUMNS,
    REID_COLUMNS,
    STATUSES,
    _good,
    diff_layers,
    reid_rows,
)
from spatial.webmap.compare import build_compare_map, class_changes, reids

REL = 1e-9


def _clip_top(geom: shapely.Geometry, metres: float) -> shapely.Geometry:
    x1, y1, x2, y2 = geom.bounds
    return shapely.box(x1, y1, x2, y2 - metres)


def _revised() -> gpd.GeoDataFrame:
    old = survey_parcels()
    g = old.set_index("BSM").geometry
    x1, y1, x2, y2 = g["R"].bounds
    rows = []
    for ident, cls, geom in zip(old["BSM"], old["YDYHFLDM"], old.geometry, strict=True):
        if ident == "R":
            split = X0 + ROAD_SPLIT_X
            rows += [
                ("R1", cls, shapely.box(x1, y1, split, y2)),
                ("R2", cls, shapely.box(split, y1, x2, y2)),
            ]
        elif ident == "N03":
            rows.append(("N03-1", cls, geom))
        elif ident == "S02":
            assert cls == "0702"
            rows.append(("S02-1", "0701", geom))
        elif ident == "S05":
            rows.append(("S05", cls, _clip_top(geom, 100.0)))
        elif ident == "N07":
            rows.append(("N07-1", cls, _clip_top(geom, 1.0)))
        else:
            rows.append((ident, cls, geom))
    return gpd.GeoDataFrame(
        {
            "BSM": [r[0] for r in rows],
            "YDYHFLDM": [r[1] for r in rows],
            "note": ["示例数据 synthetic"] * len(rows),
        },
        geometry=[r[2] for r in rows],
        crs=GK,
    )


@pytest.fixture(scope="module")
def versions() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return survey_parcels(), _revised()


@pytest.fixture(scope="module")
def result(versions):
    return diff_layers(*versions, id_field="BSM", class_field="YDYHFLDM")


def _geom(layer: gpd.GeoDataFrame, ident: str) -> shapely.Geometry:
    return layer.set_index("BSM").geometry[ident]


def _expected_m2(versions) -> dict[str, float]:
    old, new = versions
    return {
        "s05_strip": oracle_area_m2(_geom(old, "S05").difference(_geom(new, "S05"))),
        "n07": oracle_area_m2(_geom(old, "N07")),
        "n07_1": oracle_area_m2(_geom(new, "N07-1")),
        "n07_strip": oracle_area_m2(_geom(old, "N07").difference(_geom(new, "N07-1"))),
        "s02": oracle_area_m2(_geom(old, "S02")),
        "road": oracle_area_m2(_geom(old, "R")),
    }


def test_features_table_names_the_reids_with_no_area_in_or_out(versions, result) -> None:
    features = result.features.set_index("id")
    assert list(result.features.columns) == [*FEATURE_COLUMNS, *REID_COLUMNS]
    changed = features[features.status != "unchanged"]
    # the statuses stay issue 10's five: a re-id is removed/added by id, named by its other side
    assert changed.status.to_dict() == {
        "R": "removed",
        "N03": "removed",
        "S02": "removed",
        "S05": "geometry_changed",
        "N07": "removed",
        "R1": "added",
        "R2": "added",
        "N03-1": "added",
        "S02-1": "added",
        "N07-1": "added",
    }
    assert set(result.features.status) <= set(STATUSES)
    assert sorted(features.index[reid_rows(features)]) == sorted(
        ["R", "N03", "S02", "R1", "R2", "N03-1", "S02-1"]
    )
    assert changed.new_ids.to_dict() == {
        "R": "R1, R2",
        "N03": "N03-1",
        "S02": "S02-1",
        **{k: "" for k in ("S05", "N07", "R1", "R2", "N03-1", "S02-1", "N07-1")},
    }
    assert changed.old_ids.to_dict() == {
        "R1": "R",
        "R2": "R",
        "N03-1": "N03",
        "S02-1": "S02",
        **{k: "" for k in ("R", "N03", "S02", "S05", "N07", "N07-1")},
    }
    reid = features[reid_rows(features)]
    assert (reid.added_m2 == 0).all() and (reid.removed_m2 == 0).all()
    assert features.loc["S02", "old_class"] == "0702"
    assert features.loc["S02-1", "new_class"] == "0701"
    m2 = _expected_m2(versions)
    assert features.loc["S05", "removed_m2"] == pytest.approx(m2["s05_strip"], rel=REL)
    assert features.loc["S05", "added_m2"] == pytest.approx(0.0, abs=1e-6)
    assert features.loc["N07", "removed_m2"] == pytest.approx(m2["n07"], rel=REL)
    assert features.loc["N07-1", "added_m2"] == pytest.approx(m2["n07_1"], rel=REL)
    assert features.added_m2.sum() == pytest.approx(m2["n07_1"], rel=1e-8)
    assert features.removed_m2.sum() == pytest.approx(m2["s05_strip"] + m2["n07"], rel=1e-8)
    assert sorted(result.pieces["id"]) == ["N07", "N07-1", "S05"]  # no piece for a re-id


def test_class_matrix_counts_the_reid_class_change_as_land(versions, result) -> None:
    cells = result.matrix.stack()
    moved = cells[[a != b for a, b in cells.index]]
    moved = moved[moved > 0.01]
    m2 = _expected_m2(versions)
    expected = {
        ("0702", "0701"): m2["s02"],  # S02 → S02-1: same land, new class
        ("0702", "(none)"): m2["s05_strip"],
        ("1001", "(none)"): m2["n07_strip"],
    }
    assert set(moved.index) == set(expected)
    for cell, value in expected.items():
        assert moved[cell] == pytest.approx(value, rel=1e-8)
    # the road cut into its halves (a vertex at the split: each half measured as cut)
    _, new = versions
    road = _geom(versions[0], "R")
    split = sum(oracle_area_m2(road.intersection(_geom(new, r))) for r in ("R1", "R2"))
    assert cells[("1207", "1207")] == pytest.approx(split, rel=REL)


def _layer_tooltips(m) -> dict[str, list[str]]:
    """Tooltip ids by style key (``added``, ``removed``, ``reid``…) over the map's layers."""
    out: dict[str, list[str]] = {}
    for child in m._children.values():
        data = getattr(child, "data", None)
        if data is None:
            continue
        data = data if isinstance(data, dict) else json.loads(data)
        for feature in data["features"]:
            props = feature["properties"]
            title = re.match(r"<b>([^<]*)</b>", props["t"])
            out.setdefault(props["s"], []).append(title.group(1) if title else "")
    return out


def test_compare_map_draws_reids_as_outline_not_pieces(result) -> None:
    old, new = result.versions
    again = reids(new, result.features, "BSM")
    assert dict(zip(again["id"], again["old_ids"], strict=True)) == {
        "R1": "R",
        "R2": "R",
        "N03-1": "N03",
        "S02-1": "S02",
    }
    changes = again.set_index("id")["class_change"].to_dict()
    assert changes["S02-1"].startswith("0702 ")
    assert changes["S02-1"].endswith(" → 0701 城镇住宅用地")
    assert pd.isna(changes["R1"]) and pd.isna(changes["N03-1"])  # no class change there
    m = build_compare_map(
        old,
        new,
        result.pieces,
        changes=class_changes(new, result.features, "BSM"),
        reidentified=again,
    )
    tips = _layer_tooltips(m)
    assert sorted(tips["added"] + tips["removed"]) == ["N07", "N07-1", "S05"]
    assert sorted(tips["reid"]) == ["N03-1", "R1", "R2", "S02-1"]


def test_cli_headline_counts_reids_apart_and_page_has_no_hatch_on_them(
    versions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(tmp_path / "old.gpkg"), str(tmp_path / "new.gpkg")]
    for layer, path in zip(versions, paths, strict=True):
        layer.to_file(path)
    page = tmp_path / "compare.html"
    args = ["diff", *paths, "--id-field", "BSM", "--class-field", "YDYHFLDM", "--no-checks"]
    status = main([*args, "--map", str(page), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    rows = pd.DataFrame(json.loads(out)["features"]).set_index("BSM")
    assert rows.loc["R", "new_ids"] == "R1, R2"
    headline = next(line for line in err.splitlines() if "调入" in line)
    assert headline.endswith("; 3 features re-identified (same land, new ids)")
    counts = headline.split(";")[0].removeprefix("spatial diff: ")
    assert "reid" not in counts
    assert "1 removed" in counts and "1 added" in counts and "1 geometry_changed" in counts
    m2 = _expected_m2(versions)
    figures = [float(x.replace(",", "")) for x in re.findall(r"调[入出] ([\d,.]+) m²", headline)]
    assert figures == pytest.approx([m2["n07_1"], m2["s05_strip"] + m2["n07"]], abs=0.051)
    html = page.read_text(encoding="utf-8")
    assert html.count("旧编号 Old ids") == 4  # one popup per NEW re-id feature
    assert "重新编号 Re-identified (same land, new ids)" in html
    assert html.count("调入 added\\u003c/td") == 1  # N07-1 only: the road is not hatched
    assert html.count("调出 removed\\u003c/td") == 2  # N07 and S05


def test_no_reid_keeps_the_table_as_before() -> None:
    old = survey_parcels()
    new = old.assign(YDYHFLDM=np.where(old["BSM"] == "N01", "0701", old["YDYHFLDM"]))
    new = new[new["BSM"] != "N02"]  # a real removal, nothing added
    features = diff_layers(old, new, id_field="BSM").features
    assert list(features.columns) == FEATURE_COLUMNS
    assert not reid_rows(features).any()


def _merged(old: gpd.GeoDataFrame, ids: list[str], pieces: dict[str, shapely.Geometry]):
    kept = old[~old["BSM"].isin(ids)]
    cls = old.set_index("BSM").loc[ids[0], "YDYHFLDM"]
    extra = gpd.GeoDataFrame(
        {"BSM": list(pieces), "YDYHFLDM": [cls] * len(pieces)},
        geometry=list(pieces.values()),
        crs=GK,
    ).assign(note="示例数据 synthetic")
    return pd.concat([kept, extra], ignore_index=True)


def test_two_merged_into_one_is_a_reid_but_a_reshuffle_of_two_into_two_is_not() -> None:
    old = survey_parcels()
    g = old.set_index("BSM").geometry
    union = shapely.union_all([g["N03"], g["N04"]])
    merged = _merged(old, ["N03", "N04"], {"N34": union})
    features = diff_layers(old, merged, id_field="BSM").features.set_index("id")
    assert features.loc["N34", "status"] == "added" and reid_rows(features)["N34"]
    assert features.loc["N34", "old_ids"] == "N03, N04"
    assert features.loc["N03", "new_ids"] == features.loc["N04", "new_ids"] == "N34"
    x1, y1, x2, y2 = union.bounds
    mid = x1 + 200.0  # not N03/N04's own boundary (300 m)
    two = {"M1": shapely.box(x1, y1, mid, y2), "M2": shapely.box(mid, y1, x2, y2)}
    moved = diff_layers(old, _merged(old, ["N03", "N04"], two), id_field="BSM").features
    assert list(moved.columns) == FEATURE_COLUMNS  # many-to-many: no re-id
    assert moved.set_index("id").status[["N03", "N04", "M1", "M2"]].tolist() == [
        "removed",
        "removed",
        "added",
        "added",
    ]


def test_bad_geometries_never_match() -> None:
    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    geoms = np.array(
        [
            None,
            shapely.Polygon(),
            bow_tie,
            shapely.LineString([(0, 0), (1, 1)]),
            shapely.box(0, 0, 1, 1),
        ],
        dtype=object,
    )
    assert _good(geoms).tolist() == [False, False, False, False, True]


@pytest.mark.parametrize(("tolerance_m2", "is_reid"), [(0.01, True), (0.001, False)])
def test_reid_uses_the_geometry_tolerance(tolerance_m2: float, is_reid: bool) -> None:
    old = survey_parcels()
    g = old.set_index("BSM").geometry
    x1, y1, x2, y2 = g["N03"].bounds
    nudged = shapely.box(x1, y1, x2, y2 + 1e-5)  # 300 m x 0.01 mm: about 0.003 m²
    sliver_m2 = oracle_area_m2(nudged.symmetric_difference(g["N03"]))
    assert 0.001 < sliver_m2 < 0.01
    new = _merged(old, ["N03"], {"N03-1": nudged})
    features = diff_layers(old, new, id_field="BSM", tolerance_m2=tolerance_m2).features
    features = features.set_index("id")
    assert features.status["N03"] == "removed" and reid_rows(features)["N03"] == is_reid
