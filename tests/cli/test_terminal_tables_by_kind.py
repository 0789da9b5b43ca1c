"""What a table is decides how a terminal shows it: summaries whole, per-feature tables cut.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544 (18
parcels, ids in ``BSM``; its revision with N01 reclassified and the road split
in two; zones A, B1, B2 in ``DYBH``) and 28 synthetic points placed in the
zones and west of them. A screen of a few lines is set with ``LINES``; the
terminal is either a pseudo-terminal (``script -qc CMD /dev/null``, a fresh
process) or ``sys.stdout.isatty`` answering True.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.figure import Figure
from survey import GK, X0, Y0, survey_parcels, survey_parcels_revised, survey_zones

from spatial.checked.report import RULE_COLUMNS, TARGET_COLUMNS, CheckReport
from spatial.cli import main
from spatial.cli._outputs import emit_report
from spatial.publish.layout import Panel
from spatial.report import format_markdown, format_table
from spatial.table_formats.txt import HEAD_ROWS, screen_rows

BALANCE = ["balance", "landuse.gpkg", "--zones", "zones.gpkg", "--class-field", "YDYHFLDM"]
BALANCE += ["--zone-id-field", "DYBH", "--id-field", "BSM"]  # both named: no note on stderr
DIFF = ["diff", "landuse.gpkg", "revised.gpkg", "--id-field", "BSM", "--class-field", "YDYHFLDM"]
ASSIGN = ["overlay", "points.gpkg", "zones.gpkg", "--op", "assign", "--a-id", "PID", "--b-id"]
ASSIGN += ["DYBH"]
#: Points (metres east and north of X0, Y0): 12 in zone A, 7 in B1, 5 in B2, 4 west of all.
POINTS_XY = [(100 + 90 * i, 100 + 70 * (i % 9)) for i in range(12)]
POINTS_XY += [(1300 + 150 * i, 250) for i in range(7)]
POINTS_XY += [(1300 + 200 * i, 800) for i in range(5)]
POINTS_XY += [(-100, 200 + 100 * i) for i in range(4)]


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_parcels().to_file(tmp_path / "landuse.gpkg")
    survey_parcels_revised().to_file(tmp_path / "revised.gpkg")
    survey_zones().to_file(tmp_path / "zones.gpkg")
    points = gpd.GeoDataFrame(
        {
            "PID": [f"P{i:02d}" for i in range(len(POINTS_XY))],
            "note": ["示例数据 synthetic"] * len(POINTS_XY),
        },
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in POINTS_XY],
        crs=GK,
    )
    points.to_file(tmp_path / "points.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _on_terminal(monkeypatch: pytest.MonkeyPatch, lines: int) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("LINES", str(lines))


def _csv(argv: list[str], capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    main([*argv, "--format", "csv"])
    return pd.read_csv(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), dtype=str)


def _in_a_pseudo_terminal(argv: list[str], cwd: Path, lines: int) -> str:
    """Run ``spatial ARGV`` in a fresh process on a pseudo-terminal of ``lines`` lines."""
    if shutil.which("script") is None:
        pytest.skip("script(1) (util-linux) is not installed")
    command = shlex.join([sys.executable, "-m", "spatial", *argv])
    env = {**os.environ, "LINES": str(lines), "COLUMNS": "400"}
    done = subprocess.run(
        ["script", "-qc", command, "/dev/null"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return done.stdout.replace("\r\n", "\n")


# ----------------------------------------------------------------- 1. summaries whole


def test_a_balance_on_a_pseudo_terminal_prints_every_zone_whole(layers: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "spatial", *BALANCE],
        cwd=layers,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = pd.read_csv(
        io.StringIO(
            subprocess.run(
                [sys.executable, "-m", "spatial", *BALANCE, "--format", "csv"],
                cwd=layers,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.lstrip("\ufeff")
        ),
        dtype=str,
    )
    assert len(rows) == 13 > 6  # 3 zones' classes: longer than the screen below
    shown = _in_a_pseudo_terminal(BALANCE, layers, lines=6)
    assert "more rows" not in shown
    assert shown.splitlines() == piped.splitlines()  # the terminal shows what a pipe gets
    for zone, code in zip(rows["DYBH"], rows["class_code"], strict=True):
        assert any(line.split()[:2] == [zone, code] for line in shown.splitlines())


def _rule_rows(n: int) -> pd.DataFrame:
    """``n`` synthetic rule rows of a must_not_occupy rule (limit 1 m²), the last one failing."""
    value_km2 = [0.0] * (n - 1) + [4e-06]  # 4 m² in the 生态保护红线 (示例数据)
    return pd.DataFrame(
        {
            "rule": ["不占红线"] * n,
            "kind": ["must_not_occupy"] * n,
            "id": [f"Z{i:03d}" for i in range(n)],
            "other_id": ["生态保护红线"] * n,
            "measure": ["area occupied"] * n,
            "value": value_km2,
            "bound": ["max"] * n,
            "limit": [1e-06] * n,
            "unit": ["km2"] * n,
            "status": ["PASS"] * (n - 1) + ["FAIL"],
            "reason": [""] * (n - 1) + ["occupies 4.0 m² of 生态保护红线"],
            "constraint": ["生态保护红线"] * n,
            "occupied_m2": [v * 1e6 for v in value_km2],
            "outside_m2": [np.nan] * n,
        },
        columns=RULE_COLUMNS,
    )


def _target_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "A",
                "name_zh": "示例单元A",
                "target_km2": 1.2,
                "measured_km2": 1.1996045,
                "planar_km2": 1.2,
                "geodesic_km2": 1.1996,
                "planar_diff_m2": 395.5,
                "geodesic_diff_m2": -4.5,
                "diff_km2": -0.0003955,
                "diff_pct": -0.033,
                "status": "PASS",
                "reason": "",
            }
        ]
    )[TARGET_COLUMNS]


def _report(n_rules: int) -> CheckReport:
    return CheckReport(targets=_target_rows(), rules=_rule_rows(n_rules))


def _args(fmt: str | None = None, out: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(command="check", format=fmt, out=out, no_bom=False)


def test_a_check_report_on_a_terminal_prints_every_rule_row(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _on_terminal(monkeypatch, 10)
    assert emit_report(_args(), _report(108)) is True
    text = capsys.readouterr().out
    assert "more rows" not in text
    ids = {line.split()[1] for line in text.splitlines() if line.startswith("不占红线")}
    assert ids == {f"Z{i:03d}" for i in range(108)}
    with screen_rows(10):  # a per-feature table would be cut here: the summary is not asked to
        cut = format_table(_rule_rows(108)).splitlines()
    assert len(cut) == 2 + min(HEAD_ROWS, 10) + 1 and cut[-1].startswith("… 98 more rows")


# ----------------------------------------------------------------- 2. diff: changes first


def test_a_diff_on_a_terminal_leads_with_the_changes_and_counts_each_status(
    layers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    every = _csv(DIFF, capsys)  # scripts' view: every row, in file order
    assert (every["status"] == "unchanged").sum() == 16
    reid = every["old_ids"].notna() | every["new_ids"].notna()
    order = ["added", "removed", "geometry_changed", "attributes_changed"]
    changed = every[(every["status"] != "unchanged") & ~reid]
    expected = [
        *changed.sort_values("status", key=lambda s: s.map(order.index), kind="stable")["BSM"],
        *every.loc[reid, "BSM"],
    ]
    assert expected == ["N01", "R", "R1", "R2"]
    main(DIFF)  # piped: every row in file order
    piped = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in piped[4 : 4 + len(every)]] == list(every["BSM"])
    _on_terminal(monkeypatch, 8)
    main(DIFF)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Features", ""]  # then the heading and its rule
    assert [line.split()[0] for line in lines[4 : 4 + len(expected)]] == expected
    counts = every["status"].value_counts()
    said = ", ".join(f"{s} {counts[s]:,}" for s in [*order, "unchanged"] if s in counts)
    cut = lines[4 + len(expected)]
    assert cut.startswith(f"… {len(every) - len(expected)} more rows ({len(every)} in all); ")
    assert f"; status: {said};" in cut
    assert said == "added 2, removed 1, attributes_changed 1, unchanged 16"
    # the class matrix is a summary: whole on the terminal, as piped
    at = piped.index("From class x to class (m²)")
    assert lines[lines.index("From class x to class (m²)") :] == piped[at:]


# ----------------------------------------------------------------- 3. assign: points per zone


def test_assign_on_a_terminal_counts_the_points_per_zone_and_outside(
    layers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zones = survey_zones()
    inside = {
        str(z): sum(geom.covers(shapely.Point(X0 + x, Y0 + y)) for x, y in POINTS_XY)
        for z, geom in zip(zones["DYBH"], zones.geometry, strict=True)
    }
    outside = sum(
        not any(g.covers(shapely.Point(X0 + x, Y0 + y)) for g in zones.geometry)
        for x, y in POINTS_XY
    )
    assert inside == {"A": 12, "B1": 7, "B2": 5} and outside == 4
    _on_terminal(monkeypatch, 8)
    assert main(ASSIGN) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + 8 + 1
    said = ", ".join(f"{z} {n}" for z, n in inside.items()) + f", outside any zone {outside}"
    assert lines[-1] == (
        f"… {len(POINTS_XY) - 8} more rows ({len(POINTS_XY)} in all); points per zone: {said}; "
        "every row: --out FILE.csv or --format csv"
    )


# ----------------------------------------------------------------- 4. check's columns


def test_a_rules_value_is_shown_in_its_limits_unit_and_judged_columns_lead() -> None:
    report = _report(3)
    text = report.render("table").splitlines()
    failed = next(line for line in text if "FAIL" in line and line.startswith("不占红线"))
    assert failed.split()[5:10] == ["4.0", "m²", "≤", "1", "m²"]  # measured, then the limit
    assert "0.0000" not in failed and "km2" not in failed
    rows = pd.read_csv(io.StringIO(report.render("csv").lstrip("\ufeff")))
    judged = ["id", "name_zh", "measured_km2", "target_km2", "diff_km2", "diff_pct", "status"]
    assert list(rows.columns[1:9]) == [*judged, "reason"]
    assert list(rows.columns[9:13]) == [
        "planar_km2",
        "geodesic_km2",
        "planar_diff_m2",
        "geodesic_diff_m2",
    ]
    rule_rows = rows[rows["table"] == "rule"]
    assert list(rule_rows["measured"]) == ["0.0 m²", "0.0 m²", "4.0 m²"]
    assert list(rows.columns).index("measured") == list(rows.columns).index("value") + 1
    sheets = report.sheets()
    assert list(sheets["targets"].columns) == TARGET_COLUMNS
    assert sheets["rules"]["measured"].iloc[-1] == "4.0 m²"
    data = report.to_dict()  # JSON keeps its keys
    assert set(data["rules"][0]) == set(RULE_COLUMNS)
    assert set(data["targets"][0]) == set(TARGET_COLUMNS)


# ----------------------------------------------------------------- 5. empty tables


def test_an_empty_table_says_none_not_bare_headers(
    layers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = pd.DataFrame({"BSM": pd.Series(dtype=str), "area_m2": pd.Series(dtype=float)})
    assert format_table(empty) == "无 none"
    assert format_markdown(empty) == "无 none"
    assert main(["qc", "landuse.gpkg", "--id-field", "BSM"]) == 0  # a clean survey: no finding
    assert capsys.readouterr().out == "无 none\n"
    assert main(["qc", "landuse.gpkg", "--id-field", "BSM", "--format", "csv"]) == 0
    assert capsys.readouterr().out.lstrip("\ufeff").startswith("kind,rule,")  # CSV: headers


def test_an_empty_atlas_table_is_its_title_and_none() -> None:
    fig = Figure(figsize=(11.69, 8.27))
    panel = Panel(fig, 0.7, 0.9, 0.25, 0.1)
    conflicts = pd.DataFrame(columns=["constraint", "zone_id", "class_code", "area_m2"])
    assert panel.table("三区三线冲突 Conflicts", conflicts) == 0
    texts = [t.get_text() for t in fig.texts]
    assert "三区三线冲突 Conflicts" in texts and "无 none" in texts
    assert not any("zone_id" in t or "area_m2" in t for t in texts)


def test_the_pages_print_an_empty_table_as_none() -> None:
    from spatial.publish import report_html, review_report  # noqa: PLC0415 - matplotlib

    conflicts = pd.DataFrame(columns=["constraint", "zone_id", "area_m2"])
    assert review_report.table_html(conflicts) == "<p>无 none</p>"
    assert report_html._table(["规则 Rule", "面积 Area"], []) == "<p>无 none</p>"
    one = report_html._table(["规则 Rule"], [("", ["<td>R1</td>"])])
    assert one.count("<tr") == 2 and "无 none" not in one
