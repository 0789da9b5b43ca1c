"""The review's folder, written a folder at a time: never half-written, never over an input.

Every file is written into a private folder beside the target
(``.NAME.XXXX.tmp``); only when all are there is it moved into place (an earlier
review there is moved aside first, and removed only once the new one is in place).
A failure on the way removes the private folder and leaves the target as it was.
A folder that is an input or holds one, or an existing folder that is not an
earlier review (it has no ``manifest.json`` of ``spatial review``), is refused
before anything is read.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spatial.checked.provenance import LayerRead
from spatial.checked.snapshot import PlanSnapshot
from spatial.commands._review_page import (
    LandUse,
    map_layers,
    other_layers,
    plan_units,
    sections,
    zone_tables,
)
from spatial.errors import OutputError
from spatial.export.frame import OutputFrame
from spatial.qc.findings import QcResult
from spatial.review.diff import LayerDiff

__all__ = [
    "FILES",
    "Verdict",
    "Written",
    "refuse_folder",
    "verdict_of",
    "write_review_folder",
]

#: The files of a review folder, in the order they are written.
FILES = (
    "tables.json",
    "tables.xlsx",
    "findings.gpkg",
    "report.pdf",
    "manifest.json",
    "report.html",
)
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Written:
    """What the folder holds besides the tables: the PDF's pages, the GeoPackage's layers."""

    pages: int
    layers: list[str]


def _is_review(folder: Path) -> bool:
    """Whether ``folder`` holds an earlier review (its manifest names ``spatial review``)."""
    try:
        data = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "spatial review"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_folder(out: Path, inputs: Iterable[str]) -> None:
    """Refuse a folder that is an input, holds one, is a file, or is not a review to replace.

    Raises
    ------
    OutputError
        One line naming the folder and the reason.
    """
    folder = out.resolve()
    for path in inputs:
        given = Path(path.partition("::")[0]).resolve()
        if _inside(given, folder):
            raise OutputError(
                f"{out}: --out is (or holds) the input {path}; the review replaces the folder "
                "whole: choose a new folder"
            )
    if _inside(Path.cwd().resolve(), folder):
        raise OutputError(
            f"{out}: --out is (or holds) the working folder; the review replaces the folder "
            "whole: choose a new folder"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: --out names a file; the review is written as a folder")
    if out.is_dir() and any(out.iterdir()) and not _is_review(out):
        raise OutputError(
            f"{out}: the folder holds files that are not a review (no {_MANIFEST} of spatial "
            "review); the review replaces its folder whole: choose a new or empty folder"
        )
    if not out.parent.is_dir():
        raise OutputError(f"{out}: the folder {out.parent} does not exist")


def _findings(
    snapshot: PlanSnapshot, changes: Mapping[str, LayerDiff], qc: QcResult | None
) -> dict[str, gpd.GeoDataFrame]:
    layers = {}
    conflicts = snapshot.report.conflict_pieces_by_landuse  # by the land use's class, if known
    conflicts = snapshot.report.conflicts if conflicts is None else conflicts
    if conflicts is not None:
        layers["conflicts"] = conflicts
    for layer, diff in changes.items():
        layers[f"diff_pieces_{layer}"] = diff.pieces
    if qc is not None:
        from spatial.qc.outputs import error_layers  # noqa: PLC0415

        layers.update(error_layers(qc))
    return layers


def _no_conflicts() -> gpd.GeoDataFrame:
    """Return an empty conflicts layer (no --constraint or --within: none was looked for)."""
    from spatial.checks.constraints import CONFLICT_COLUMNS  # noqa: PLC0415
    from spatial.crs import WGS84  # noqa: PLC0415

    return gpd.GeoDataFrame(pd.DataFrame(columns=CONFLICT_COLUMNS), geometry=[], crs=WGS84)


def _write_findings(
    path: Path, layers: Mapping[str, gpd.GeoDataFrame], frame: OutputFrame
) -> list[str]:
    from spatial.export.layers import write_layers  # noqa: PLC0415

    kept = dict(layers) or {"conflicts": _no_conflicts()}  # the file is there, whatever ran
    styles = {name: "diff_pieces" for name in kept if name.startswith("diff_pieces")}
    write_layers(frame.layers(kept), path, styles=styles)
    return list(kept)


def _map_html(
    snapshot: PlanSnapshot,
    layers: Mapping[str, gpd.GeoDataFrame],
    landuse: LandUse | None,
    fields: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """Return the review's map, its popups labelling ids by the planner's fields (``DYBH``)."""
    from spatial.webmap.build import MapOptions, build_map, with_embedded_font  # noqa: PLC0415

    sources = dict(snapshot.files)
    style_field = None
    if landuse is not None and "landuse" in layers:
        sources["landuse"] = landuse.path
        if landuse.class_field in landuse.layer.columns:
            style_field = landuse.class_field  # the land use coloured by its class
    options = MapOptions(
        offline=True,
        layer_sources=sources,
        snapshot=snapshot,
        style_field=style_field,
        fields=fields or {},
    )
    return with_embedded_font(build_map(layers, options).get_root().render())


@dataclass(frozen=True)
class Verdict:
    """The review's verdict: passed, and one line per problem found."""

    passed: bool
    problems: Sequence[str]


def verdict_of(snapshot: PlanSnapshot, qc: QcResult | None) -> Verdict:
    """Return the verdict: every target and rule passes, 质检 finds no error; the problems."""
    from spatial.qc.kinds import Severity  # noqa: PLC0415

    problems = list(snapshot.report.failures)
    if qc is not None:
        errors = [f for f in qc.findings if f.severity is Severity.ERROR]
        problems += [f"qc {f.rule}: {f.layer}: {f.feature_id or '-'}: {f.message}" for f in errors]
    return Verdict(snapshot.passed and (qc is None or not qc.has_errors), problems)


def _layers_read(manifest_text: str) -> list[LayerRead]:
    """Return every layer the review read, previous versions too (manifest's ``layers_read``)."""
    return [LayerRead(**r) for r in json.loads(manifest_text).get("layers_read", [])]


def _report_html(
    snapshot: PlanSnapshot,
    tables: Mapping[str, pd.DataFrame],
    changes: Mapping[str, LayerDiff],
    verdict: Verdict,
    map_html: str,
    manifest_text: str,
    frame: OutputFrame,
    landuse: LandUse | None = None,
) -> str:
    from spatial.checked.provenance import InputFile, digest_text  # noqa: PLC0415
    from spatial.publish.review_report import ReviewPage, review_html  # noqa: PLC0415

    manifest = json.loads(manifest_text)
    read = _layers_read(manifest_text)
    page = ReviewPage(
        passed=verdict.passed,
        problems=verdict.problems,
        map_html=map_html,
        manifest_sha256=digest_text(manifest_text),
        inputs=[InputFile(**f) for f in [*manifest["inputs"], *manifest["plan"]]],
        made_utc=manifest["made_utc"],
        layers=other_layers(landuse, changes, read),  # the land use, previous versions
        map_note="" if landuse is None else landuse.note,
        read=read,
    )
    return review_html(snapshot, sections(tables, changes, frame, snapshot), page)


def _fill(
    folder: Path,
    snapshot: PlanSnapshot,
    tables: Mapping[str, pd.DataFrame],
    changes: Mapping[str, LayerDiff],
    qc: QcResult | None,
    frame: OutputFrame,
    texts: tuple[str, str],
    landuse: LandUse | None = None,
) -> Written:
    from spatial.publish.atlas import write_atlas  # noqa: PLC0415
    from spatial.table_formats.xlsx import xlsx_bytes  # noqa: PLC0415

    manifest_text, tables_text = texts
    (folder / "tables.json").write_text(tables_text, encoding="utf-8")
    (folder / "tables.xlsx").write_bytes(xlsx_bytes(frame.tables(tables, "xlsx")))
    findings = _findings(snapshot, changes, qc)
    layers = _write_findings(folder / "findings.gpkg", findings, frame)
    others = other_layers(landuse, changes, _layers_read(manifest_text))
    pages = write_atlas(
        folder / "report.pdf",
        snapshot,
        zone_tables(snapshot, tables, frame),
        others=others,
        targets=plan_units(snapshot, frame),  # DYBH, DYMC as on every other page
    )
    (folder / _MANIFEST).write_text(manifest_text, encoding="utf-8")
    qc_layer = next((gdf for name, gdf in findings.items() if name.startswith("qc_")), None)
    drawn = map_layers(snapshot, changes, qc_layer, landuse)
    map_html = _map_html(snapshot, drawn, landuse, frame.fields)
    html = _report_html(
        snapshot, tables, changes, verdict_of(snapshot, qc), map_html, manifest_text, frame, landuse
    )
    (folder / "report.html").write_text(html, encoding="utf-8")
    return Written(pages, layers)


def _private_folder(out: Path) -> Path:
    """Make the private folder the review is written into, beside ``out`` (``.NAME.XXXX.tmp``).

    Made with mode ``0o777``, which the system narrows by the process's umask as
    for any new folder: the review folder gets the usual permissions without the
    umask being read or changed (it is the whole process's, threads included).
    """
    for _ in range(100):
        path = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{out.parent}: no free name for a private folder beside {out.name}")


def _swap_in(private: Path, out: Path) -> None:
    """Move the finished folder into place; an earlier review there goes aside, then away.

    The earlier review is removed only once the new one is in place: when the
    new one cannot be moved in and the earlier one cannot be moved back, it is
    kept where it was set aside, and the error says where.
    """
    if not out.exists():
        os.rename(private, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    earlier = aside / out.name
    os.rename(out, earlier)
    try:
        os.rename(private, out)
    except OSError as exc:
        try:
            os.rename(earlier, out)  # the earlier review back in place
        except OSError:
            raise OutputError(
                f"{out}: the review could not be moved into place ({exc.strerror or exc}), nor "
                f"the earlier review back: it is kept whole at {earlier}"
            ) from exc
        shutil.rmtree(aside, ignore_errors=True)  # empty now
        raise
    shutil.rmtree(aside, ignore_errors=True)  # the new review is complete and in place


def write_review_folder(  # noqa: PLR0913 - keyword-only: the review's parts
    out: Path,
    *,
    snapshot: PlanSnapshot,
    tables: Mapping[str, pd.DataFrame],
    changes: Mapping[str, LayerDiff],
    qc: QcResult | None,
    frame: OutputFrame,
    manifest_text: str,
    tables_text: str,
    landuse: LandUse | None = None,
) -> Written:
    """Write every file of the review into ``out`` at once; return the PDF's pages and layers.

    ``landuse`` (the ``--landuse`` layer read) is drawn on the report's map and
    listed with the plan's layers under "Layers: accuracy and sources".

    Raises
    ------
    OutputError
        The folder cannot be written; ``out`` is left as it was.
    """
    try:
        private = _private_folder(out)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write beside it ({exc.strerror})") from None
    try:
        texts = (manifest_text, tables_text)
        written = _fill(private, snapshot, tables, changes, qc, frame, texts, landuse)
        _swap_in(private, out)
    except OutputError:
        shutil.rmtree(private, ignore_errors=True)
        raise
    except OSError as exc:  # a full disk, a folder gone: one line, exit 2, nothing changed
        shutil.rmtree(private, ignore_errors=True)
        reason = exc.strerror or str(exc)
        raise OutputError(
            f"{out}: the review could not be written ({reason}); left as it was"
        ) from exc
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    return written
