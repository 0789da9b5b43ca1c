"""``run_report``: the plan checked once and written as an offline HTML report and an A3 sheet.

The library function behind ``spatial report`` (:mod:`spatial.cli.report`): one
snapshot (:func:`spatial.commands._snapshot.checked_plan`) rendered as one
self-contained HTML page (no network request) and, on request, an A3 landscape
PDF map sheet with its fonts embedded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.commands._inputs import PlanInput, PlanLayers
from spatial.commands._snapshot import CheckedTables

if TYPE_CHECKING:
    from spatial.checked.snapshot import PlanSnapshot

__all__ = ["ReportRequest", "ReportResult", "run_report"]


@dataclass(frozen=True)
class ReportRequest:
    """What ``spatial report`` is asked.

    Attributes
    ----------
    out : Path
        The HTML report written (atomically).
    pdf : Path, optional
        Also the A3 map sheet.
    plan : PlanInput
        The targets and rules that judge (default: the bundled plan).
    inputs : PlanLayers
        The planner's plan layers, extra layers and constraint layers.
    style_field : str, optional
        The extra layers' field whose categories colour them.
    repair : bool
        Repair invalid geometries instead of refusing them.
    """

    out: Path
    pdf: Path | None = None
    plan: PlanInput = field(default_factory=PlanInput)
    inputs: PlanLayers = field(default_factory=PlanLayers)
    style_field: str | None = None
    repair: bool = False


@dataclass(frozen=True)
class ReportResult(CheckedTables):
    """The report (and sheet) written and the checked plan they show.

    Attributes
    ----------
    snapshot : PlanSnapshot
        The one checked plan both render.
    html_bytes : int
        The size of the HTML report written, bytes.
    notes : tuple of str
        What reading and matching said.
    """

    snapshot: PlanSnapshot
    html_bytes: int
    notes: tuple[str, ...] = ()


def run_report(request: ReportRequest) -> ReportResult:
    """Check the plan once, write the report (and the sheet); return what they show.

    Raises
    ------
    SpatialError
        An input cannot be read or is invalid; nothing is written.
    """
    from spatial.commands._snapshot import checked_plan  # noqa: PLC0415

    snapshot, notes = checked_plan(  # a missing first file is refused before the renderers load
        request.plan, request.inputs, style_field=request.style_field, repair=request.repair
    )
    from spatial.io.atomic import write_text_atomic  # noqa: PLC0415
    from spatial.publish.report_html import report_html  # noqa: PLC0415
    from spatial.publish.sheet import write_sheet_pdf  # noqa: PLC0415

    html = report_html(snapshot, request.style_field)
    write_text_atomic(request.out, html)
    if request.pdf is not None:
        write_sheet_pdf(request.pdf, snapshot, request.style_field)
    return ReportResult(snapshot=snapshot, html_bytes=len(html.encode()), notes=notes)
