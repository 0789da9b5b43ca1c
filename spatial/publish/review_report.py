"""The review as one offline page: the verdict, each section's tables, the map, provenance.

What ``spatial review`` writes as ``report.html``. The page draws what the
review computed (:mod:`spatial.commands.review`) and derives nothing: each
section is a title, its tables (column names carry their units: ``area_m2``,
``area_ha``, ``area_mu``) and its notes. The interactive map is the web map
(:mod:`spatial.webmap`) built offline by the caller and set in an ``<iframe
srcdoc>``, so the page stays one file that makes no request. Every text from
the data is escaped (:func:`spatial.publish.escape.escape_text`); the page's own
lettering is set in the embedded Noto Sans SC subset.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from spatial.checked.provenance import InputFile, LayerProvenance, LayerRead, review_title
from spatial.checked.snapshot import PlanSnapshot
from spatial.publish.escape import escape_text
from spatial.publish.figures import limit_text, table_number_text
from spatial.publish.fonts import font_face_css
from spatial.publish.report_html import REPORT_CSS
from spatial.publish.sheet import layer_title, read_layers
from spatial.table_formats._cells import no_rows

__all__ = ["ReviewPage", "ReviewSection", "review_html", "table_html"]

_MAP_CSS = """
.map iframe { width: 100%; height: 560px; border: 1px solid #ccc; }
.digest { font-family: monospace; word-break: break-all; }
section { overflow-x: auto; }
th, td.id, .option { white-space: nowrap; }
td.prose:not(:empty) { min-width: 20em; }  /* a blank column stays narrow */
"""
#: Columns of running text, wrapped in their cells but never narrower than 20 em (a rule's
#: reason reads in two or three lines, not ten); every other cell (an id, a name, a code,
#: a figure with its unit) is set on one line, a wide table scrolling in its own box.
_PROSE_COLUMNS = frozenset(
    {"reason", "message", "sources", "accuracy", "path", "sha256", "note", "detail"}
)
#: A command-line option in a note (``--construction``), kept on one line.
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


_MAP_TEXT = (
    "交互地图 Interactive map 规划图层与冲突、变化、质检图层，可在图层控件中开关 the plan with "
    "every conflict, change and finding layer (switch them in the layer control)"
)


@dataclass(frozen=True)
class ReviewSection:
    """One section of the page: an anchor, a title, its tables (caption, table) and notes."""

    key: str
    title: str
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewPage:
    """What the page shows besides the sections.

    Attributes
    ----------
    passed : bool
        The verdict: every target and rule passes and no quality error was found.
    problems : sequence of str
        One line per problem found (a failed target or rule, a quality error).
    map_html : str
        The interactive map as one offline HTML document ('' for none).
    manifest_sha256 : str
        The hex SHA-256 of ``manifest.json`` as written.
    inputs : sequence of InputFile
        Every input file, as the manifest lists it.
    made_utc : str
        When the review ran (ISO 8601, UTC).
    layers : sequence of LayerProvenance
        The layers the review read besides the plan's (the land use, each
        previous version), listed after them under "Layers: accuracy and
        sources", each once (:func:`~spatial.publish.sheet.read_layers`).
    map_note : str
        A line under the map (a land use too large to draw), '' for none.
    read : sequence of LayerRead
        Every layer the review read, previous versions included (the
        manifest's ``layers_read``), listed under "Layers read".
    """

    passed: bool
    problems: Sequence[str] = ()
    map_html: str = ""
    manifest_sha256: str = ""
    inputs: Sequence[InputFile] = field(default_factory=tuple)
    made_utc: str = ""
    layers: Sequence[LayerProvenance] = field(default_factory=tuple)
    map_note: str = ""
    read: Sequence[LayerRead] = field(default_factory=tuple)


#: Columns whose cells are a figure written with its unit (``4.0 m²``, ``≤ 1 m²``, ``2,000 亩``).
_FIGURE_TEXTS = frozenset({"measured", "limit", "实测 Measured", "目标 Target", "差异 Diff"})


def _cell(value: object, column: str) -> str:
    if isinstance(value, bool | np.bool_):
        return f"<td>{escape_text(str(bool(value)))}</td>"
    if isinstance(value, float | np.floating):
        return f'<td class="num">{table_number_text(float(value), column)}</td>'
    if isinstance(value, int | np.integer):
        return f'<td class="num">{int(value):,}</td>'
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    if column in _FIGURE_TEXTS:  # a figure with its unit, set as one: "4.0 m²"
        return f'<td class="num">{escape_text(value)}</td>'
    if column in _PROSE_COLUMNS:
        return f'<td class="prose">{escape_text(value)}</td>'
    return f'<td class="id">{escape_text(value)}</td>'  # zones-must-not-occupy-永久基本农田 whole


def _limit_cell(record: dict[str, object]) -> str:
    """Return a rule's limit in a unit that keeps its figure (``≤ 1 m²``), as every page does."""
    limit, bound, unit = record["limit"], record.get("bound", "max"), record.get("unit", "")
    if (
        not isinstance(limit, float | np.floating)
        or math.isnan(limit)
        or bound not in {"max", "min"}
    ):
        return _cell(limit, "limit")
    return f'<td class="num">{escape_text(limit_text(bound, float(limit), str(unit)))}</td>'


def table_html(table: pd.DataFrame) -> str:
    """Return ``table`` as an HTML table; a row whose ``status`` is FAIL is marked ``fail``."""
    empty = no_rows(table)
    if empty is not None:
        return f"<p>{empty}</p>"
    columns = [str(c) for c in table.columns]
    head = "".join(f"<th>{escape_text(c)}</th>" for c in columns)
    rows = []
    for values in table.itertuples(index=False, name=None):
        record = dict(zip(columns, values, strict=True))
        css = ' class="fail"' if str(record.get("status", "")) == "FAIL" else ""
        cells = "".join(
            _limit_cell(record) if c == "limit" else _cell(record[c], c) for c in columns
        )
        rows.append(f"<tr{css}>{cells}</tr>")
    markup = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="table-box">{markup}</div>'  # a wide table scrolls in its own box


def _note(text: str) -> str:
    """Return a note as HTML, each command-line option in it on one line (``--construction``)."""
    return _OPTION.sub(r'<span class="option">\1</span>', escape_text(text))


def _section(section: ReviewSection) -> str:
    parts = [f'<section id="{escape_text(section.key)}"><h2>{escape_text(section.title)}</h2>']
    parts += [f"<p>{_note(note)}</p>" for note in section.notes]
    for caption, table in section.tables:
        parts += [f"<h3>{escape_text(caption)}</h3>", table_html(table)]
    return "".join(parts) + "</section>"


def _header(snapshot: PlanSnapshot, page: ReviewPage) -> str:
    css = "pass" if page.passed else "fail"
    verdict = "审查通过 review passed" if page.passed else "审查发现问题 problems found"
    problems = "".join(f"<li>{escape_text(line)}</li>" for line in page.problems)
    notes = "".join(f"<li>{escape_text(n)}</li>" for n in snapshot.notes)
    title_zh, title_en = review_title(snapshot.title_zh, snapshot.title_en)
    return (
        f'<header id="verdict"><h1>{escape_text(title_zh)}'
        f"<small>{escape_text(title_en)}</small></h1>"
        f'<p class="verdict {css}">{escape_text(verdict)}: '
        f"{escape_text(snapshot.report.summary())}</p>"
        + (f'<ul class="notes fail">{problems}</ul>' if problems else "")
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + "</header>"
    )


def _map(page: ReviewPage) -> str:
    if not page.map_html:
        return ""
    return (
        '<section id="map" class="map"><h2>交互地图 Interactive map</h2>'
        f'<iframe title="map" srcdoc="{escape_text(page.map_html)}"></iframe>'
        f"<p>{_MAP_TEXT}</p>"
        + (f"<p>{escape_text(page.map_note)}</p>" if page.map_note else "")
        + "</section>"
    )


#: Formats holding several layers: the page names the layer read (``landuse.gpkg::landuse``).
_MULTI_LAYER = frozenset({"GPKG", "OpenFileGDB", "FileGDB", "SQLite"})
#: How many hex digits of a layer's SHA-256 the "Layers read" table shows (manifest.json has all).
_SHORT_SHA = 12


def _read_row(read: LayerRead) -> dict[str, object]:
    """Return one row of "Layers read": a layer's file, CRS, features, fields, encoding, digest."""
    name = read.path if "://" in read.path else PurePath(read.path).name
    crs = "-" if read.crs_epsg is None else f"EPSG:{read.crs_epsg}"
    used = ", ".join(f"{use} {f}" for use, f in read.fields.items() if f is not None)
    return {
        "role": read.role,
        "file": f"{name}::{read.layer}" if read.driver in _MULTI_LAYER else name,
        "crs": f"{crs} {read.crs_name or ''}".strip(),
        "area": "geodetic EPSG:4490" if read.geodetic_for_area else "as stored (lon/lat)",
        "features": read.features,
        "fields": used or "-",
        "encoding": read.encoding or "未注明 not stated",
        "sha256": "-" if read.sha256 is None else f"{read.sha256[:_SHORT_SHA]}…",
    }


def _read_table(page: ReviewPage) -> str:
    """Return the "Layers read" table: every layer the review read ('' when none is listed)."""
    if not page.read:
        return ""
    return "<h3>读取的图层 Layers read</h3>" + table_html(
        pd.DataFrame([_read_row(r) for r in page.read])
    )


def _provenance(snapshot: PlanSnapshot, page: ReviewPage) -> str:
    layers = pd.DataFrame(
        [
            {
                "layer": layer_title(p.layer),
                "file": p.file,
                "features": p.count,
                "accuracy": p.accuracy_text,
                "sources": "; ".join(p.sources) or "来源未注明 source not stated",
            }
            for p in read_layers(snapshot, page.layers)
        ]
    )
    files = pd.DataFrame(
        [(f.role, f.path, f.bytes, f.sha256) for f in page.inputs],
        columns=["role", "path", "bytes", "sha256"],
    )
    return (
        '<section id="provenance"><h2>数据来源与留痕 Provenance</h2>'
        f'<p>manifest.json SHA-256: <span class="digest">{escape_text(page.manifest_sha256)}'
        f"</span>; 审查时间 run at {escape_text(page.made_utc)} (UTC)</p>"
        "<h3>输入文件 Input files</h3>"
        + table_html(files)
        + _read_table(page)
        + "<h3>图层精度与来源 Layers: accuracy and sources</h3>"
        + table_html(layers)
        + "</section>"
    )


def review_html(snapshot: PlanSnapshot, sections: Sequence[ReviewSection], page: ReviewPage) -> str:
    """Return the review as one HTML document that makes no network request.

    The verdict comes first, then ``sections`` in order, the map, and the
    provenance with the manifest's digest. Tables show figures rounded by their
    unit (m² to 0.1, ha to 0.0001, 亩 to 0.01); ``tables.json`` holds them whole.
    """
    text = "".join([_header(snapshot, page), *(_section(s) for s in sections)])
    tail = _provenance(snapshot, page) + (
        "<footer>面积按CGCS2000椭球计算 areas ellipsoidal (CGCS2000) · spatial review</footer>"
    )
    map_section = _map(page)  # the map page embeds its own font
    title_zh, title_en = review_title(snapshot.title_zh, snapshot.title_en)
    texts = [text, tail, _MAP_TEXT, page.map_note, title_zh, title_en]
    font = font_face_css(texts)
    body = text + map_section + tail
    title = escape_text(f"{title_zh} {title_en}")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{font}{REPORT_CSS}{_MAP_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
