"""The table-format registry: TSV, added as one module, is written by the commands."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from spatial.cli import main
from spatial.formats import format_from_suffix
from spatial.overlay import tabulate_intersection
from spatial.table_formats import table_format, table_formats
from spatial.table_formats.tsv import format_tsv
from tests.survey import survey_parcels, survey_zones

BOM = "\ufeff"


def _tsv_rows(path: Path) -> list[list[str]]:
    """Rows of a TSV file, read by hand: BOM, CRLF rows, tab-separated, no quoting."""
    text = path.read_bytes().decode("utf-8")
    assert text.startswith(BOM) and text.endswith("\r\n")
    lines = text[len(BOM) :].split("\r\n")[:-1]
    assert not any("\n" in line or "\r" in line for line in lines)
    return [line.split("\t") for line in lines]


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_registry_names_tsv_by_suffix_and_format():
    assert format_from_suffix(None, "pairs.tsv") == "tsv"
    assert table_format("tsv").kind == "rows" and not table_format("tsv").streams
    assert table_format("csv").streams and table_format("json").streams
    names = [fmt.name for fmt in table_formats()]
    assert names == ["table", "csv", "json", "markdown", "tsv", "xlsx"]
    with pytest.raises(Exception, match=r"--format csv does not match the \.tsv suffix"):
        format_from_suffix("csv", "pairs.tsv")


def test_overlay_writes_tsv_with_the_figures_of_the_tabulation(tmp_path: Path):
    parcels, zones = tmp_path / "parcels.gpkg", tmp_path / "zones.gpkg"
    survey_parcels().to_file(parcels)
    survey_zones().to_file(zones)
    ids = ["--a-id", "BSM", "--b-id", "DYBH"]
    tsv, as_csv = tmp_path / "pairs.tsv", tmp_path / "pairs.csv"
    assert main(["overlay", str(parcels), str(zones), *ids, "--out", str(tsv)]) == 0
    assert main(["overlay", str(parcels), str(zones), *ids, "--out", str(as_csv)]) == 0
    rows = _tsv_rows(tsv)
    assert rows == _csv_rows(as_csv)  # the same cells, to the last digit
    # a_id and b_id written as the fields they were read from (--a-id BSM --b-id DYBH)
    assert rows[0] == ["BSM", "DYBH", "area_km2", "share_of_a", "share_of_b"]
    expected = tabulate_intersection(survey_parcels(), survey_zones(), "BSM", "DYBH")
    assert len(rows) - 1 == len(expected) > 0
    for row, want in zip(rows[1:], expected.itertuples(index=False), strict=True):
        assert row[:2] == [want.a_id, want.b_id]
        assert [float(v) for v in row[2:]] == [want.area_km2, want.share_of_a, want.share_of_b]


def test_check_writes_its_one_table_of_rows_as_tsv(tmp_path: Path):
    tsv, as_csv = tmp_path / "report.tsv", tmp_path / "report.csv"
    assert main(["check", "--out", str(tsv)]) == 0
    assert main(["check", "--out", str(as_csv)]) == 0
    rows = _tsv_rows(tsv)
    assert rows == _csv_rows(as_csv)
    assert rows[0][0] == "table" and {r[0] for r in rows[1:]} == {"target", "rule"}


def test_no_bom_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    zones = tmp_path / "zones.gpkg"
    survey_zones().to_file(zones)
    args = ["overlay", str(zones), "--op", "overlaps", "--a-id", "DYBH"]
    assert main([*args, "--format", "tsv"]) == 0
    # both columns hold DYBH ids: told apart by their role
    assert capsys.readouterr().out.startswith(BOM + "a_DYBH\tb_DYBH\tarea_km2")
    out = tmp_path / "none.tsv"
    assert main([*args, "--out", str(out), "--no-bom"]) == 0
    assert out.read_bytes().startswith(b"a_DYBH\tb_DYBH\tarea_km2\tshare_of_a\t")


def test_a_cell_cannot_add_a_field_or_a_row_and_formulas_are_defused():
    hostile = ["a\tb", "two\nlines", "back\\slash", "=1+1", "cr\rhere", None]
    frame = pd.DataFrame({"id": hostile, "n": [1.0, -2.5, 0.1, float("nan"), 3.0, 4.0]})
    text = format_tsv(frame)
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == len(frame) + 2
    assert all(line.count("\t") == 1 for line in lines[:-1])
    unescaped = [
        line.split("\t")[0]
        .replace("\\\\", "\0")
        .replace("\\t", "\t")
        .replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\0", "\\")
        for line in lines[1:-1]
    ]
    assert unescaped == ["a\tb", "two\nlines", "back\\slash", "'=1+1", "cr\rhere", ""]
    assert [line.split("\t")[1] for line in lines[1:-1]] == ["1.0", "-2.5", "0.1", "", "3.0", "4.0"]
    # what pandas reads back (no quoting: a quote is an ordinary character)
    back = pd.read_csv(io.StringIO(text), sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False)
    assert list(back.columns) == ["id", "n"] and len(back) == len(frame)


def test_overlay_streams_a_large_csv_through_its_format(tmp_path: Path, monkeypatch):
    """CSV's FORMAT.stream is what the overlay calls past its row threshold; TSV has none."""
    from spatial.cli import _overlay_run  # noqa: PLC0415
    from spatial.io import csvstream  # noqa: PLC0415

    calls: list[int] = []
    real = csvstream.write_csv_streamed

    def spy(frame, out, *, bom=True):
        calls.append(len(frame))
        return real(frame, out, bom=bom)

    parcels, zones = tmp_path / "parcels.gpkg", tmp_path / "zones.gpkg"
    survey_parcels().to_file(parcels)
    survey_zones().to_file(zones)
    ids = ["--a-id", "BSM", "--b-id", "DYBH"]
    whole = tmp_path / "whole.csv"
    assert main(["overlay", str(parcels), str(zones), *ids, "--out", str(whole)]) == 0
    monkeypatch.setattr(_overlay_run, "_STREAM_MIN_ROWS", 0)
    monkeypatch.setattr(csvstream, "write_csv_streamed", spy)
    streamed, tsv = tmp_path / "streamed.csv", tmp_path / "streamed.tsv"
    assert main(["overlay", str(parcels), str(zones), *ids, "--out", str(streamed)]) == 0
    assert main(["overlay", str(parcels), str(zones), *ids, "--out", str(tsv)]) == 0
    assert calls == [len(_csv_rows(whole)) - 1]  # once, for the CSV only
    got, want = (
        pd.read_csv(streamed, encoding="utf-8-sig"),
        pd.read_csv(whole, encoding="utf-8-sig"),
    )
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_balance_writes_its_rows_as_tsv(tmp_path: Path):
    parcels, zones = tmp_path / "parcels.gpkg", tmp_path / "zones.gpkg"
    survey_parcels().to_file(parcels)
    survey_zones().to_file(zones)
    args = ["balance", str(parcels), "--zones", str(zones), "--zone-id-field", "DYBH"]
    tsv, as_csv = tmp_path / "balance.tsv", tmp_path / "balance.csv"
    assert main([*args, "--out", str(tsv)]) == 0
    assert main([*args, "--out", str(as_csv)]) == 0
    rows = _tsv_rows(tsv)
    assert rows == _csv_rows(as_csv) and rows[0][:2] == ["DYBH", "class_code"]


def test_diff_writes_its_features_as_tsv(tmp_path: Path):
    from tests.survey import survey_parcels_revised  # noqa: PLC0415

    old, new = tmp_path / "old.gpkg", tmp_path / "new.gpkg"
    survey_parcels().to_file(old)
    survey_parcels_revised().to_file(new)
    args = ["diff", str(old), str(new), "--no-checks", "--id-field", "BSM"]
    tsv, as_csv = tmp_path / "diff.tsv", tmp_path / "diff.csv"
    assert main([*args, "--out", str(tsv)]) == 0
    assert main([*args, "--out", str(as_csv)]) == 0
    rows = _tsv_rows(tsv)
    assert rows == _csv_rows(as_csv) and "status" in rows[0] and len(rows) > 1
