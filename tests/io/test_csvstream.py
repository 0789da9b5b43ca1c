"""Large CSV tables written by pyarrow, streamed: the same values as pandas' CSV."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from spatial.io.csvstream import write_csv_streamed, write_json_streamed
from spatial.report import format_json
from spatial.table_formats.csv import format_csv


def test_streamed_csv_reads_back_to_the_same_values(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "a_id": [f"p{i}" for i in range(20_000)],
            "b_id": "zone-kcxz",
            "area_km2": rng.random(20_000) * 1e-5,  # small numbers: no digit lost
            "share_of_a": np.r_[1.0, rng.random(19_999)],
        }
    )
    out = tmp_path / "t.csv"
    assert write_csv_streamed(frame, out)
    back = pd.read_csv(out)
    assert list(back.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_cells_a_spreadsheet_would_run_are_defused_as_the_standard_writer_does(tmp_path):
    frame = pd.DataFrame(
        {
            "a_id": ["ok", "=HYPERLINK(1)", "-", None, "@SUM(A1)", "地块 2", "x\r=1"],
            "changed": [True, False, True, None, False, True, False],
            "area_km2": [1.0, -2.5, float("nan"), 0.125, 1e-7, 3.0, 4.0],
            "-n": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    out = tmp_path / "t.csv"
    assert write_csv_streamed(frame, out)
    streamed = out.read_bytes().decode("utf-8-sig")
    standard = format_csv(frame)
    assert standard.splitlines()[0] == "a_id,changed,area_km2,'-n"  # arrow quotes its names
    back = pd.read_csv(io.StringIO(streamed))
    expected = pd.read_csv(io.StringIO(standard))
    pd.testing.assert_frame_equal(back, expected, check_exact=True)  # names included
    back = pd.read_csv(io.StringIO(streamed), keep_default_na=False, dtype=str)
    assert list(back["a_id"])[:5] == ["ok", "'=HYPERLINK(1)", "'-", "", "'@SUM(A1)"]
    assert list(back["changed"]) == ["True", "False", "True", "", "False", "True", "False"]


def test_mixed_cells_are_left_to_the_standard_writer(tmp_path):
    frame = pd.DataFrame({"a_id": ["ok", 3], "area_km2": [1.0, 2.0]})
    out = tmp_path / "t.csv"
    assert not write_csv_streamed(frame, out)
    assert not out.exists()


def test_streamed_json_is_the_standard_text(tmp_path):
    frame = pd.DataFrame(
        {
            "a_id": ['p"1', "地块 2", "p3"],
            "n": [1, 2, 3],
            "area_km2": [0.1, float("nan"), 1e-7],
        }
    )
    out = tmp_path / "t.json"
    assert write_json_streamed(frame, out)
    assert out.read_text(encoding="utf-8") == format_json(frame)
    empty = tmp_path / "e.json"
    assert write_json_streamed(frame.iloc[:0], empty)
    assert empty.read_text(encoding="utf-8") == format_json(frame.iloc[:0])
    assert not write_json_streamed(pd.DataFrame({"ok": [True]}), tmp_path / "b.json")


def test_a_large_table_rendered_by_arrow_has_the_standard_values(monkeypatch):
    import spatial.table_formats.csv as csv_format  # noqa: PLC0415

    n = csv_format.ARROW_MIN_ROWS
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "id": [f"=p{i}" if i % 9 == 0 else f"p{i}" for i in range(n)],
            "old_class": np.where(np.arange(n) % 5 == 0, "-", "0101"),
            "moved": np.arange(n) % 2 == 0,
            "added_m2": rng.random(n) * 1e3 - 10,
        }
    )
    by_arrow = csv_format.format_csv(frame)
    monkeypatch.setattr(csv_format, "ARROW_MIN_ROWS", n + 1)
    by_pandas = csv_format.format_csv(frame)
    assert by_arrow != by_pandas  # two writers ...
    pd.testing.assert_frame_equal(  # ... the same values, defused alike
        pd.read_csv(io.StringIO(by_arrow)), pd.read_csv(io.StringIO(by_pandas)), check_exact=True
    )
    text = pd.read_csv(io.StringIO(by_arrow), keep_default_na=False, dtype=str)
    plain = pd.read_csv(io.StringIO(by_pandas), keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(text.drop(columns="added_m2"), plain.drop(columns="added_m2"))
