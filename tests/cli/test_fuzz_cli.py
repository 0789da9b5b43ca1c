"""Fuzzing the command line with generated GeoJSON: no exit 3, no traceback, no feature lost.

Hypothesis builds FeatureCollections from pieces the audit found troublesome
(misspelled ``type``, text coordinates, wrong nesting, GeometryCollections,
numbers near 1e308, NaN, properties named ``geometry``, list and dict values,
ids of mixed types, names read as mathtext or markup, land-use codes good and
bad) and runs ``spatial validate``, ``overlay --op matrix``, ``check --zones``,
``map``, ``report``, ``balance`` and ``diff`` in-process. Bounded by
``max_examples`` (two to twelve each) to a few seconds a command.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatial.cli import main

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a failure is reproducible
)


def _ring(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


_corner = st.tuples(
    st.floats(106.15, 106.30, allow_nan=False), st.floats(29.55, 29.70, allow_nan=False)
)
_size = st.sampled_from([0.001, 0.004, 0.01])
_polygon = st.builds(
    lambda c, s: {"type": "Polygon", "coordinates": [_ring(c[0], c[1], s)]}, _corner, _size
)
_odd_geometry = st.sampled_from(
    [
        None,
        {"type": "Point", "coordinates": [106.2, 29.6]},
        {
            "type": "Polygon",
            "coordinates": [
                [["106.2", "29.6"], ["106.3", "29.6"], ["106.3", "29.7"], ["106.2", "29.6"]]
            ],
        },
        {"type": "Polygon", "coordinates": [[106.2, 29.6], [106.3, 29.6], [106.2, 29.7]]},
        {"type": "Polygon", "coordinates": [_ring(1e308, 1e308, 1e307)]},
        {"type": "Polygon", "coordinates": [[[106.2, 29.6], [106.3, 29.6], [106.3, 29.7]]]},
        {
            "type": "Polygon",
            "coordinates": [
                [[106.2, 29.6], [106.3, 29.7], [106.3, 29.6], [106.2, 29.7], [106.2, 29.6]]
            ],
        },
        {
            "type": "GeometryCollection",
            "geometries": [{"type": "Polygon", "coordinates": [_ring(106.2, 29.6, 0.01)]}],
        },
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [_ring(29.6, 106.2, 0.01)]},
    ]
)
_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 9), max_size=2),
)
#: Names the audit found troublesome on a figure or a page: mathtext, markup, template text.
_name = st.sampled_from(
    [r"$\frac{1}{2}$", r"$\undefinedmacro{x}$", "<b>x</b>", "{{ 7*7 }}", "璧山 $5", "=1+1", ""]
)
#: Land-use class codes (用地用海分类 2023): known, unknown, malformed.
_class_code = st.sampled_from(["0701", "1001", "0101", "9999", "07", "", None, 701])
_type = st.sampled_from(["Feature"] * 6 + ["feature", "FEATURE", "Feature ", None])


@st.composite
def _collections(draw) -> list[dict]:
    count = draw(st.integers(1, 6))
    features = []
    for position in range(count):
        geometry = draw(st.one_of(_polygon, _polygon, _polygon, _odd_geometry))
        props = {"id": f"f{position}"} if draw(st.booleans()) or position else {"id": position}
        for name in draw(
            st.lists(
                st.sampled_from(["name_zh", "geometry", "note", "tags"]), max_size=3, unique=True
            )
        ):
            props[name] = draw(_value)
        if draw(st.booleans()):
            props["name_zh"] = draw(_name)
        if draw(st.booleans()):
            props["YDYHFLDM"] = draw(_class_code)
        feature = {"geometry": geometry, "properties": props}
        kind = draw(_type)
        if kind is not None:
            feature["type"] = kind
        features.append(feature)
    return features


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _write(folder: Path, features: list[dict]) -> Path:
    path = folder / "fuzz.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _assert_clean(status: int, err: str) -> None:
    assert status in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err, err


def _skipped(features: list[dict]) -> list[str]:
    return [str(f["properties"]["id"]) for f in features if f.get("type") != "Feature"]


@FUZZ
@given(_collections())
def test_validate_names_every_feature_it_cannot_take(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        status, out, err = _run(["validate", str(path)])
    _assert_clean(status, err)
    for fid in _skipped(features):  # a feature GDAL skips is named, or the file refused
        assert f"feature {fid}: " in out or status == 2, (fid, out, err)


@FUZZ
@given(_collections())
def test_overlay_matrix_has_every_feature_or_names_the_problem(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        out_csv = Path(tmp) / "m.csv"
        status, _, err = _run(["overlay", str(path), "--op", "matrix", "--out", str(out_csv)])
        cells = pd.read_csv(out_csv, dtype=str) if status == 0 else None
    _assert_clean(status, err)
    assert status != 1
    if status == 0:  # every feature is on the diagonal: none was dropped
        ids = {str(f["properties"]["id"]) for f in features}
        assert set(cells["a_id"]) == ids, (cells, features)
    else:
        assert str(path) in err and len(err.strip().splitlines()) >= 1


@settings(FUZZ, max_examples=6)
@given(_collections())
def test_check_with_fuzzed_zones_never_crashes(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        status, _, err = _run(["check", "--zones", str(path), "--format", "csv"])
    _assert_clean(status, err)
    if status == 2:
        errors = [line for line in err.splitlines() if ": warning: " not in line]
        assert len(errors) == 1 and str(path) in errors[0], err


def _assert_one_line_when_refused(status: int, err: str) -> None:
    _assert_clean(status, err)
    if status == 2:
        errors = [line for line in err.splitlines() if ": warning: " not in line]
        assert len(errors) == 1, err


@settings(FUZZ, max_examples=3)
@given(_collections())
def test_map_with_fuzzed_zones_writes_a_page_or_says_why(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        page = Path(tmp) / "m.html"
        status, _, err = _run(["map", "--zones", str(path), "--out", str(page)])
        written = page.exists()
    _assert_one_line_when_refused(status, err)
    assert written == (status in (0, 1)), (status, err)


@settings(FUZZ, max_examples=2)
@given(_collections())
def test_report_with_fuzzed_zones_writes_a_report_or_says_why(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        page = Path(tmp) / "r.html"
        status, _, err = _run(["report", "--zones", str(path), "--out", str(page)])
        written = page.exists()
    _assert_one_line_when_refused(status, err)
    assert written == (status in (0, 1)), (status, err)


@settings(FUZZ, max_examples=6)
@given(_collections())
def test_balance_of_a_fuzzed_land_use_layer_never_crashes(features):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), features)
        status, _, err = _run(["balance", str(path), "--format", "csv"])
    _assert_one_line_when_refused(status, err)


@settings(FUZZ, max_examples=4)
@given(_collections(), _collections())
def test_diff_of_two_fuzzed_versions_never_crashes(old, new):
    with tempfile.TemporaryDirectory() as tmp:
        old_path = _write(Path(tmp), old)
        new_path = old_path.with_name("new.geojson")
        new_path.write_text(json.dumps({"type": "FeatureCollection", "features": new}))
        status, _, err = _run(
            ["diff", str(old_path), str(new_path), "--no-checks", "--format", "csv"]
        )
    _assert_one_line_when_refused(status, err)
