"""A large CSV table written in parts on threads: the bytes of one pyarrow write, BOM and all."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from spatial.io import csvstream
from spatial.io.csvstream import csv_text, write_csv_streamed


def _frame(rows: int) -> pd.DataFrame:
    """Cells that need quotes, a formula guard, nulls, text in Chinese, floats at full precision."""
    rng = np.random.default_rng(24)
    text = np.array(["p1", "a,b", 'say "x"', "two\r\nlines", "=SUM(A1)", "地块 示例数据", ""])
    ids = pd.array(text[rng.integers(0, len(text), rows)], dtype=object)
    ids[rng.integers(0, rows, rows // 50)] = None
    area = rng.random(rows) * 10.0 ** rng.integers(-12, 3, rows)
    area[rng.integers(0, rows, rows // 40)] = np.nan
    return pd.DataFrame(
        {
            "point_id": [f"{t}{i}" if t else None for i, t in enumerate(ids)],
            "polygon_id": ids,
            "inside": rng.random(rows) < 0.3,
            "dist_m": area,
            "n": rng.integers(-5, 10**12, rows),
        }
    )


def _whole(frame: pd.DataFrame) -> bytes:
    """One pyarrow write of the whole table, as the writer wrote it before parts."""
    table = csvstream._arrow_table(frame)
    assert table is not None
    sink = io.BytesIO()
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=65_536, eol="\r\n")
    pacsv.write_csv(table, sink, options)
    return sink.getvalue()


@pytest.mark.parametrize("rows", [1, 999, 1000, 1001, 4321])
@pytest.mark.parametrize("threads", [2, 3, 4])
def test_the_parts_give_the_bytes_of_one_write(rows, threads, monkeypatch):
    monkeypatch.setattr(csvstream, "PART_MIN_ROWS", 500)
    frame = _frame(rows)
    table = csvstream._arrow_table(frame)
    sink = io.BytesIO()
    csvstream._write_csv(table, sink, threads=threads)
    expected = _whole(frame)
    assert sink.getvalue() == expected
    assert expected.count(b"\r\n") >= rows + 1  # a header and every row


@pytest.mark.parametrize("bom", [True, False])
def test_the_file_and_the_text_are_those_of_one_write(tmp_path, monkeypatch, bom):
    monkeypatch.setattr(csvstream, "PART_MIN_ROWS", 700)
    monkeypatch.setattr(csvstream, "usable_cpus", lambda: 3)
    frame = _frame(2_500)
    out = tmp_path / "t.csv"
    assert write_csv_streamed(frame, out, bom=bom)
    expected = _whole(frame)
    assert out.read_bytes() == ("\ufeff".encode() if bom else b"") + expected
    assert csv_text(frame) == expected.decode("utf-8")
    back = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert len(back) == len(frame)
    np.testing.assert_array_equal(back["dist_m"].to_numpy(), frame["dist_m"].to_numpy())


def test_a_table_of_no_rows_is_its_header(monkeypatch):
    monkeypatch.setattr(csvstream, "PART_MIN_ROWS", 1)
    table = pa.table({"a_id": pa.array([], pa.string()), "area_km2": pa.array([], pa.float64())})
    sink = io.BytesIO()
    csvstream._write_csv(table, sink, threads=4)
    assert sink.getvalue() == b'"a_id","area_km2"\r\n'
