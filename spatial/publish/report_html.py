"""The report as one self-contained HTML file: map, targets, chart, rules, failures, provenance.

Nothing on the page is fetched: the map and the chart are inline SVG drawn by
matplotlib (lettering as outlines), the text is set in a Noto Sans SC subset
embedded as a ``data:`` URI (:func:`~spatial.publish.fonts.font_face_css`), and
there is no script at all. Every text from the data is escaped
(:func:`spatial.publish.escape.escape_text`). A print stylesheet puts each
section on A4 pages without the screen furniture.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from spatial.checked.report import measured_text
from spatial.checked.snapshot import PlanSnapshot
from spatial.publish.chart import target_chart_svg
from spatial.publish.escape import escape_text
from spatial.publish.figures import area_text, limit_text, number_text, pct_text
from spatial.publish.fonts import FONT_FAMILY, font_face_css
from spatial.publish.palette import FAIL_RED
from spatial.publish.sheet import LAYER_TITLES, crs_note, map_svg, target_headers
from spatial.table_formats._cells import NO_ROWS
from spatial.units import M2_PER_KM2

__all__ = ["REPORT_CSS", "report_html"]

REPORT_CSS = f"""
body {{ font-family: '{FONT_FAMILY}', sans-serif; margin: 0 auto; max-width: 1100px;
  padding: 16px 24px; color: #222; line-height: 1.45; }}
h1 {{ font-size: 22px; margin: 0; }} h1 small {{ display: block; font-size: 14px; color: #555;
  font-weight: normal; }}
h2 {{ font-size: 17px; border-bottom: 1px solid #ccc; margin-top: 28px; }}
.verdict {{ font-weight: bold; padding: 6px 10px; border-radius: 4px; display: inline-block; }}
.verdict.pass {{ background: #e5f5e0; color: #1a6b35; }}
.verdict.fail {{ background: #fde0dd; color: {FAIL_RED}; }}
.notes li {{ font-size: 13px; }}
p, li {{ overflow-wrap: anywhere; }}  /* a 150-character id in a note wraps, not the page */
table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f5f5f5; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td, th {{ overflow-wrap: break-word; }} td.num {{ overflow-wrap: normal; white-space: nowrap; }}
td.id {{ overflow-wrap: normal; white-space: nowrap; }}  /* an id whole: zones-must-not-occupy-… */
.table-box {{ overflow-x: auto; }}
tr.fail td {{ color: {FAIL_RED}; }}
figure {{ margin: 0; }} figure svg {{ width: 100%; height: auto; }}
footer {{ margin-top: 32px; font-size: 12px; color: #555; }}
@media print {{
  body {{ max-width: none; padding: 0; }}
  h2 {{ break-after: avoid; }} figure, table {{ break-inside: avoid; }}
  @page {{ size: A4; margin: 12mm; }}
}}
"""


def _cell(value: object, numeric: bool = False, places: int = 4) -> str:
    if isinstance(value, (float, np.floating)):
        text = number_text(float(value), places)
        return f'<td class="num">{text}</td>'
    css = ' class="num"' if numeric else ""
    return f"<td{css}>{escape_text(value)}</td>"


def _id_cell(value: object) -> str:
    """Return a cell holding an id, a name or a status, set on one line as the review's are.

    ``zones-must-not-occupy-永久基本农田`` is not split at its hyphens; a table
    wider than the page scrolls in its own box.
    """
    return f'<td class="id">{escape_text(value)}</td>'


def _id_cells(*values: object) -> list[str]:
    return [_id_cell(v) for v in values]


def _table(headers: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    rows = list(rows)
    if not rows:  # headers over nothing read as a table cut off
        return f"<p>{NO_ROWS}</p>"
    head = "".join(f"<th>{escape_text(h)}</th>" for h in headers)
    body = "".join(f'<tr class="{css}">{"".join(cells)}</tr>' for css, cells in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="table-box">{table}</div>'  # a wide table scrolls in its own box


def _targets(snapshot: PlanSnapshot) -> str:
    table = snapshot.report.targets
    headers = [*target_headers(snapshot), "实测 Measured", "目标 Target", "差异 Diff", "核查"]
    rows = []
    for r in table.itertuples():
        unit = snapshot.target_unit(r.id)  # as the plan gives it (亩, ha; km² to 4 decimals)
        target = area_text(float(str(r.target_km2)), unit, exact=True)
        measured = area_text(float(str(r.measured_km2)), unit)
        cells = [_id_cell(r.id), _id_cell(r.name_zh), _cell(measured, numeric=True)]  # measured 1st
        cells += [_cell(target, numeric=True), _cell(pct_text(float(str(r.diff_pct))), True)]
        rows.append(("fail" if r.status == "FAIL" else "", [*cells, _id_cell(str(r.status))]))
    rows += _unjudged_rows(snapshot)
    notes = "".join(
        f"<li>{escape_text(k)}: {escape_text(v)}</li>" for k, v in snapshot.report.notes.items()
    )
    return _table(headers, rows) + (f"<ul>{notes}</ul>" if notes else "")


def _unjudged_rows(snapshot: PlanSnapshot) -> list[tuple[str, list[str]]]:
    """Return a row per zone when no target judges any: its measured area, no target.

    The snapshot's :attr:`~spatial.checked.snapshot.PlanSnapshot.unjudged_zones`,
    in m² and the plan's unit when it has one, as the terminal and the map list them.
    """
    rows = []
    zones = snapshot.unjudged_zones
    names = zones["name_zh"].astype(object).where(zones["name_zh"].notna(), "")
    for zone_id, name, area_m2 in zip(zones["id"], names, zones["measured_m2"], strict=True):
        km2 = float(area_m2) / M2_PER_KM2
        measured = " / ".join(area_text(km2, unit) for unit in snapshot.zone_units)
        cells = [_id_cell(zone_id), _id_cell(name)]
        cells += [_cell(measured, numeric=True), _cell("—", True), _cell("—", True)]
        rows.append(("", [*cells, _id_cell("无目标 NO TARGET")]))
    return rows


def _rules(snapshot: PlanSnapshot) -> str:
    rules = snapshot.report.rules.sort_values("status", key=lambda s: s != "FAIL", kind="stable")
    headers = ["规则 Rule", "要素 Feature", "相关 Other", "量 Measure", "实测 Measured"]
    headers += ["限值 Limit", "核查", "原因 Reason"]  # measured in its limit's unit, as check
    rows = [
        (
            "fail" if r.status == "FAIL" else "",
            [
                _id_cell(r.rule),
                _id_cell(r.id),
                _id_cell(r.other_id),
                _cell(r.measure),
                _cell(measured_text(float(str(r.value)), float(str(r.limit)), str(r.unit)), True),
                _cell(limit_text(r.bound, float(str(r.limit)), str(r.unit)), numeric=True),
                _id_cell(str(r.status)),
                _cell(r.reason),
            ],
        )
        for r in rules.itertuples()
    ]
    return _table(headers, rows)


def _pieces(snapshot: PlanSnapshot) -> str:
    """Return the ground of every failure the map draws in red: rule pieces, then conflicts."""
    rows = []
    for p in snapshot.pieces.itertuples():
        rule, *ids = _id_cells(p.rule, p.id, p.other_id)
        rows.append(("fail", [rule, _cell(p.piece), *ids, _cell(p.area_km2)]))
    rows += [("fail", cells) for cells in _conflict_rows(snapshot)]
    if not rows:
        return "<p>无 none: no overlap, outside or 三区三线 conflict piece.</p>"
    headers = ["规则 Rule", "类型 Piece", "要素 Feature", "相关 Other", "面积 Area km²"]
    return _table(headers, rows)


#: The most constraint feature ids a conflict row names; past them, how many more.
_CONFLICT_IDS_SHOWN = 10


def _some_ids(joined: pd.Series) -> str:
    """Return the constraint feature ids of a zone's pieces, once each, the first ten named."""
    ids = list(dict.fromkeys(i for v in joined.dropna().astype(str) for i in v.split(", ") if i))
    more = len(ids) - _CONFLICT_IDS_SHOWN
    return ", ".join(ids[:_CONFLICT_IDS_SHOWN]) + (f" … (+{more})" if more > 0 else "")


def _conflict_rows(snapshot: PlanSnapshot) -> list[list[str]]:
    """Return one row per zone and constraint of the 三区三线 conflicts, their pieces summed.

    The same pieces the map and the sheet draw (``report.conflicts``), reconciled
    to each zone's rule figure, so a row's area is the rule row's value.
    """
    conflicts = snapshot.report.conflicts
    if conflicts is None or not len(conflicts):
        return []
    rules = snapshot.report.rules
    rule_of = {
        (str(k), str(c)): str(r)
        for r, k, c in zip(rules["rule"], rules["kind"], rules["constraint"], strict=True)
    }
    rows = []
    for (kind, constraint, zone), group in conflicts.groupby(
        ["kind", "constraint", "zone_id"], sort=False
    ):
        other = _some_ids(group["constraint_ids"])
        rows.append(
            [
                _id_cell(rule_of.get((str(kind), str(constraint)), str(kind))),
                _cell(f"三区三线冲突 conflict: {constraint}"),
                _id_cell(zone),
                _cell(other or constraint),
                _cell(float(group["area_m2"].sum()) / M2_PER_KM2),
            ]
        )
    return rows


def _provenance(snapshot: PlanSnapshot) -> str:
    headers = ["图层 Layer", "文件 File", "要素 Features", "精度 Accuracy", "来源 Sources"]
    rows = []
    for p in snapshot.provenance:
        sources = "<br>".join(escape_text(s) for s in p.sources) or "来源未注明 source not stated"
        rows.append(
            (
                "",
                [
                    _cell(LAYER_TITLES.get(p.layer, p.layer)),
                    _cell(p.file),
                    _cell(str(p.count), numeric=True),
                    _cell(p.accuracy_text),
                    f"<td>{sources}</td>",
                ],
            )
        )
    return _table(headers, rows)


def _header(snapshot: PlanSnapshot) -> str:
    css = "pass" if snapshot.passed else "fail"
    verdict = ("核查通过 " if snapshot.passed else "核查未通过 ") + snapshot.report.summary()
    notes = "".join(f"<li>{escape_text(n)}</li>" for n in snapshot.notes)
    failures = "".join(f"<li>{escape_text(f)}</li>" for f in snapshot.report.failures)
    return (
        f"<header><h1>{escape_text(snapshot.title_zh)}<small>{escape_text(snapshot.title_en)}"
        f'</small></h1><p class="verdict {css}">{escape_text(verdict)}</p>'
        + (f'<ul class="notes fail">{failures}</ul>' if failures else "")
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + "</header>"
    )


def _page_texts(snapshot: PlanSnapshot, body: str) -> list[str]:
    """Every text the page shows, for the font subset (escaped entities are ASCII)."""
    return [body, snapshot.title_zh, snapshot.title_en]


def report_html(snapshot: PlanSnapshot, style_field: str | None = None) -> str:
    """Return the report of ``snapshot`` as one HTML document that makes no network request."""
    from spatial.crs import gk_zone_crs_for  # noqa: PLC0415 - only for the CRS note

    crs = gk_zone_crs_for(*[g for g in snapshot.drawn.values() if len(g)])
    sections = [
        _header(snapshot),
        "<h2>规划图 Map</h2>",
        f"<figure>{map_svg(snapshot, style_field)}<figcaption>坐标系 {escape_text(crs_note(crs))}"
        "; 红色为规则不符的重叠/界外部分及三区三线冲突 red: overlap or outside pieces of failed "
        "rules and 三区三线 conflicts</figcaption></figure>",
        "<h2>面积目标 Area targets</h2>",
        _targets(snapshot),
        f"<figure>{target_chart_svg(snapshot)}</figure>",
        "<h2>空间规则 Spatial rules</h2>",
        _rules(snapshot),
        "<h2>冲突部分 Failure pieces</h2>",
        _pieces(snapshot),
        "<h2>数据来源与精度 Provenance</h2>",
        _provenance(snapshot),
        f"<footer>制图日期 Date {snapshot.made.isoformat()} · 面积按CGCS2000椭球计算 areas "
        f"ellipsoidal (CGCS2000) · spatial report</footer>",
    ]
    body = "".join(sections)
    font = font_face_css(_page_texts(snapshot, body))
    title = escape_text(f"{snapshot.title_zh} {snapshot.title_en}")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{font}{REPORT_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
