"""The A3 atlas of ``spatial review`` (issue 21) and the sheet's layout, read from the figure.

The atlas is drawn for the synthetic (示例数据) survey of ``tests/survey.py``: three
zones (A, B1, B2; EPSG:4544) and the land-use parcels under them, with each
zone's class areas computed here, independently, by clipping the parcels in the
survey's plane. The PDF is read back with poppler (pdfinfo, pdffonts, pdftotext
page by page) and its pages kept as PNG under test-artifacts/. The layout is
asserted on the figures themselves: every text's box (the renderer's
``get_window_extent``) inside the page, the map's labels inside the map, and no
zone marker or name over another.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from spatial.checks.snapshot import take_snapshot
from spatial.io.layers import load_plan_layers
from spatial.landuse import load_classes
from spatial.plan import load_targets
from spatial.publish.atlas import draw_zone_sheet, write_atlas, zone_bounds
from spatial.publish.fonts import in_noto
from spatial.publish.layout import label_box
from spatial.publish.sheet import SCALE_SERIES, draw_sheet, sheet_scale

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_parcels, survey_zones

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    not POPPLER and os.environ.get("CI") != "true",  # in CI a missing poppler fails the tests
    reason="poppler-utils not installed",
)
#: Rows of the long table of zone B2: more than an A3 column holds even at 5 pt.
LONG_ROWS = 160
AREA_HEADER = "面积 Area (m²)"


def _run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def _zones():
    return survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})


def _snapshot():
    layers = {"zones": _zones()}
    return take_snapshot(
        layers, {"zones": "zones_gk.shp"}, {"landuse": survey_parcels()}, targets=(), rules=()
    )


def class_areas(zone: shapely.Geometry) -> pd.DataFrame:
    """The parcels' area per class inside ``zone``, m², clipped in the survey's plane."""
    parcels = survey_parcels()
    pieces = shapely.intersection(parcels.geometry.to_numpy(), zone)
    areas = pd.Series(shapely.area(pieces), index=parcels["YDYHFLDM"])
    areas = areas[areas > 0].groupby(level=0).sum().sort_index()
    names = load_classes()
    return pd.DataFrame(
        {
            "代码 Code": areas.index,
            "名称 Class": [names[c].name_zh for c in areas.index],
            AREA_HEADER: areas.to_numpy(),
        }
    )


def _long_table() -> pd.DataFrame:
    rows = list(itertools.islice(itertools.cycle(["N01", "S02", "R"]), LONG_ROWS))
    return pd.DataFrame({"地块 Parcel": rows, AREA_HEADER: np.arange(LONG_ROWS) * 10.5})


def zone_tables() -> dict[str, list[tuple[str, pd.DataFrame]]]:
    zones = _zones().set_index("id").geometry
    tables = {z: [("用地平衡表 Land-use balance", class_areas(g))] for z, g in zones.items()}
    tables["B2"].append(("地块 Parcels (long)", _long_table()))
    return tables


@pytest.fixture(scope="module")
def atlas(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("atlas") / "report.pdf"
    pages = write_atlas(path, _snapshot(), zone_tables(), style_field="YDYHFLDM")
    return path, pages


@needs_poppler
def test_atlas_has_an_overview_then_one_a3_page_per_zone(atlas):
    path, pages = atlas
    assert pages == 1 + len(_zones())
    info = _run("pdfinfo", str(path))
    assert re.search(rf"^Pages:\s+{pages}$", info, re.M)
    assert "1190.55 x 841.89 pts" in info  # A3 landscape: 420 x 297 mm
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all("NotoSansSC" in f and " yes yes yes " in f for f in fonts), fonts
    ARTIFACTS.mkdir(exist_ok=True)
    _run("pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "atlas-page"))


def _page_text(path: Path, page: int) -> str:
    return _run("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-")


@needs_poppler
def test_each_zone_page_holds_its_own_table(atlas):
    path, _ = atlas
    tables = zone_tables()
    for page, (zone_id, name) in enumerate(
        zip(_zones()["id"], _zones()["name_zh"], strict=True), 2
    ):
        text = _page_text(path, page)
        # titled by the zone's own id and name ("A 示例单元A"), never a sequence number
        assert f"{zone_id} {name}" in text and f"Zone sheet {zone_id}" in text
        assert "用地平衡表 Land-use balance" in text and AREA_HEADER in text
        table = tables[zone_id][0][1]
        for code, name_zh, area in table.itertuples(index=False):
            assert re.search(rf"{code}\s+{name_zh}\s+{area:,.2f}", text), (zone_id, code)
        others = [z for z in tables if z != zone_id]
        assert not any(f"({z})" in text for z in others)
        assert "CGCS2000 / 3° GK CM 105°E (EPSG:4544)" in text
        assert "坐标北 grid north" in text and "收敛角 convergence" in text


@needs_poppler
def test_legend_names_land_use_classes_in_code_order(atlas):
    path, _ = atlas
    text = _page_text(path, 1)
    assert "YDYHFLDM =" not in text
    codes = sorted(set(survey_parcels()["YDYHFLDM"]))
    names = load_classes()
    found = [text.index(f"{c} {names[c].name_zh}") for c in codes]
    assert found == sorted(found)  # one column of the legend, read top-down


@needs_poppler
def test_a_table_too_long_for_the_page_is_cut_with_a_note(atlas):
    path, _ = atlas
    text = _page_text(path, 4)
    match = re.search(r"另有 (\d+) 行见 tables.xlsx", text)
    assert match, text[-500:]
    shown = [v for v in range(LONG_ROWS) if f"{v * 10.5:,.2f}" in text]
    assert shown == list(range(len(shown)))  # the first rows, in order
    assert int(match.group(1)) == LONG_ROWS - len(shown)


def test_zone_sheet_is_framed_on_the_zone_at_a_scale_of_the_series():
    snapshot = _snapshot()
    zone = _zones().iloc[[1]]  # B1: 1200 m x 500 m
    with in_noto(lambda: draw_zone_sheet(snapshot, "B1", [])) as fig:
        ax = fig.axes[0]
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        width_mm = ax.get_position(original=True).width * fig.get_figwidth() * 25.4
        height_mm = ax.get_position(original=True).height * fig.get_figheight() * 25.4
        denominator = (x1 - x0) * 1000 / width_mm
        bounds = zone_bounds(zone)
        assert denominator == pytest.approx(sheet_scale(bounds, (width_mm, height_mm)))
        assert round(denominator) in SCALE_SERIES and round(denominator) == 10_000
        zx0, zy0, zx1, zy1 = bounds
        assert x0 < zx0 < zx1 < x1 and y0 < zy0 < zy1 < y1
        texts = [t.get_text() for t in fig.texts]
        assert any("1:10,000" in t for t in texts)


def _drawn(fig: Figure):
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def _box(text: Text, renderer) -> Bbox:
    if isinstance(text, Annotation):
        return label_box(text, renderer)
    box = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    return Bbox.union([box, patch.get_window_extent(renderer)]) if patch else box


def _inside(box: Bbox, frame: Bbox, tol_px: float = 0.5) -> bool:
    return (
        box.x0 >= frame.x0 - tol_px
        and box.y0 >= frame.y0 - tol_px
        and box.x1 <= frame.x1 + tol_px
        and box.y1 <= frame.y1 + tol_px
    )


def _overlap(a: Bbox, b: Bbox) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def assert_laid_out(fig: Figure) -> None:
    """No text outside the page, no map text outside the map, no label over another."""
    renderer = _drawn(fig)
    page = fig.bbox
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert texts
    outside = [t.get_text() for t in texts if not _inside(_box(t, renderer), page)]
    assert outside == []
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    page_texts = [t for t in fig.texts if t.get_text().strip()]  # titles and the side column
    assert [t.get_text() for t in page_texts if _overlap(_box(t, renderer), frame)] == []
    in_map = [t for t in ax.texts if t.get_text().strip()]
    assert [t.get_text() for t in in_map if not _inside(_box(t, renderer), frame)] == []
    labels = [
        t
        for t in in_map
        if re.match(r"(zone-marker|platform-label|town-label)-", t.get_gid() or "")
    ]
    boxes = {t.get_gid(): _box(t, renderer) for t in labels}
    clash = [(a, b) for a, b in itertools.combinations(boxes, 2) if _overlap(boxes[a], boxes[b])]
    assert clash == []


def test_zone_sheets_keep_every_text_inside_its_frame():
    snapshot = _snapshot()
    tables = zone_tables()
    for zone_id in ["A", "B2"]:
        build = lambda z=zone_id: draw_zone_sheet(  # noqa: E731
            snapshot, z, tables[z], style_field="YDYHFLDM"
        )
        with in_noto(build) as fig:
            assert_laid_out(fig)


@pytest.fixture(scope="module")
def bundled_sheet():
    snapshot = take_snapshot(load_plan_layers())
    with in_noto(lambda: draw_sheet(snapshot)) as fig:
        _drawn(fig)
        yield fig


def test_bundled_sheet_keeps_every_text_inside_its_frame(bundled_sheet):
    assert_laid_out(bundled_sheet)


def _by_gid(fig: Figure, gid: str) -> Text:
    (text,) = [t for t in fig.findobj(Text) if t.get_gid() == gid]
    return text


def test_bundled_markers_4_and_5_and_label_p4_stand_clear(bundled_sheet):
    renderer = bundled_sheet.canvas.get_renderer()
    box = {
        g: _box(_by_gid(bundled_sheet, g), renderer)
        for g in ("zone-marker-1", "zone-marker-4", "zone-marker-5", "platform-label-4")
    }
    assert not _overlap(box["zone-marker-4"], box["zone-marker-5"])
    assert not _overlap(box["platform-label-4"], box["zone-marker-1"])


def test_north_note_lies_inside_the_map_frame(bundled_sheet):
    renderer = bundled_sheet.canvas.get_renderer()
    note = _by_gid(bundled_sheet, "north-note")
    frame = bundled_sheet.axes[0].get_window_extent(renderer)
    assert _inside(_box(note, renderer), frame, tol_px=0)
    assert "收敛角 convergence" in note.get_text()


def test_sources_end_on_the_page_with_their_last_line(bundled_sheet):
    renderer = bundled_sheet.canvas.get_renderer()
    texts = [t for t in bundled_sheet.texts if t.get_text().strip()]
    last = min(texts, key=lambda t: t.get_window_extent(renderer).y0)
    assert last.get_window_extent(renderer).y0 >= 0
    heading = next(t for t in texts if t.get_text() == "数据来源与精度 Sources and accuracy")
    assert heading.get_window_extent(renderer).y0 > last.get_window_extent(renderer).y0


TARGET_TOML = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
name_en = "Unit A (synthetic 示例数据)"
value = 1.2
unit = "km2"
tolerance_pct = 1.0
phrase = "示例数据"
"""


def test_zone_sheet_states_its_area_target_as_checked(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(TARGET_TOML, encoding="utf-8")
    layers = {"zones": _zones()}
    snapshot = take_snapshot(
        layers, {"zones": "zones_gk.shp"}, targets=load_targets(plan), rules=()
    )
    # zone A is 1200 m x 1000 m on the grid, about 1.2° east of its central meridian, where the
    # grid's scale factor is about 1 + (1.2° x cos 29.6°)² / 2 = 1.00017 (in radians): its
    # ellipsoidal area is 0.03 % less, 1.1996 km² (−0.03 %): km² to check's 4 decimals
    lines = {}
    for zone_id in ("A", "B1"):
        with in_noto(lambda z=zone_id: draw_zone_sheet(snapshot, z, [])) as fig:
            lines[zone_id] = [t.get_text() for t in fig.texts if "Area target" in t.get_text()]
    assert lines["A"] == [
        "面积目标 Area target 1.2 km², 实测 measured 1.1996 km² (\u22120.03 %): PASS"
    ]
    assert lines["B1"] == []


def test_long_names_and_legend_labels_stay_inside_the_page():
    zones = _zones()
    zones["name_zh"] = ["示例单元" + "很长的名称" * 30, *zones["name_zh"][1:]]
    parcels = survey_parcels()
    parcels["用地性质"] = [
        f"示例性质{i} " + "a-very-long-planner-value " * 8 for i in range(len(parcels))
    ]
    snapshot = take_snapshot(
        {"zones": zones}, {"zones": "zones_gk.shp"}, {"parcels": parcels}, targets=(), rules=()
    )
    with in_noto(lambda: draw_zone_sheet(snapshot, "A", [], style_field="用地性质")) as fig:
        assert_laid_out(fig)
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        legend_texts = [t.get_text() for legend in legends for t in legend.get_texts()]
        assert any("\n" in t for t in legend_texts)  # wrapped, not cut
