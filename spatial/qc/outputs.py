"""What a reviewer reads: the findings as tables (terminal, CSV, JSON, Markdown, xlsx) and a layer.

JSON is ``{"findings": [...], "summary": {...}}``, each finding the fields of
:data:`spatial.qc.findings.RECORD_FIELDS`. The workbook has a ``summary`` sheet
(each rule run: its kind, severity, count and source) and a ``findings`` sheet.
The error layer holds one feature per finding (the gap, overlap or sliver
piece, the place GEOS names for an invalid geometry, else the feature) in the
data's own CRS, written atomically to a GeoPackage with its QGIS style.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.errors import UsageError
from spatial.export.frame import OutputFrame
from spatial.qc.findings import RECORD_FIELDS, QcResult
from spatial.report import format_frame, format_json
from spatial.table_formats._cells import display_width

__all__ = [
    "ERRORS_LAYER",
    "error_fields",
    "error_layers",
    "findings_frame",
    "findings_id_field",
    "render",
    "summary_frame",
    "terminal_frame",
    "workbook_sheets",
    "write_error_layers",
]

#: The error layer's name in the GeoPackage (one input); ``qc_findings_STEM`` for several.
ERRORS_LAYER = "qc_findings"


def findings_frame(result: QcResult) -> pd.DataFrame:
    """Return one row per finding, the columns of :data:`RECORD_FIELDS`."""
    rows = [f.record() for f in result.findings]
    return pd.DataFrame(rows, columns=list(RECORD_FIELDS))


def summary_frame(result: QcResult) -> pd.DataFrame:
    """Return one row per rule run: rule, kind, severity, count, source."""
    return pd.DataFrame(
        result.rule_counts(), columns=["rule", "kind", "severity", "count", "source"]
    )


def render(
    result: QcResult, fmt: str, *, terminal: bool = False, id_field: str | None = None
) -> str:
    """Render the findings in ``fmt`` (``table``, ``csv``, ``markdown``, ``json``).

    ``terminal``: a ``table`` read on a terminal (:func:`terminal_frame`); every
    other output, a file included, holds each layer's path and source whole.
    ``id_field`` (``BSM``: :func:`findings_id_field`) heads ``feature_id`` in
    every format but JSON, which keeps ``feature_id`` (scripts read it) and puts
    the field beside, just before, as every command's JSON does.
    """
    if fmt == "json":
        records = [_beside(f.record(), id_field) for f in result.findings]
        return format_json({"findings": records, "summary": result.summary()})
    frame = terminal_frame(result) if terminal and fmt == "table" else findings_frame(result)
    return format_frame(_named(frame, id_field, fmt), fmt)


def _beside(record: dict[str, object], id_field: str | None) -> dict[str, object]:
    """Return ``record`` with ``id_field`` just before ``feature_id``, the same value."""
    if id_field is None or id_field in record:
        return record
    out: dict[str, object] = {}
    for key, value in record.items():
        if key == "feature_id":
            out[id_field] = value
        out[key] = value
    return out


#: Terminal columns a finding's source takes on a terminal (CJK characters two each).
SOURCE_COLUMNS = 48


def terminal_frame(result: QcResult) -> pd.DataFrame:
    """Return the findings as a terminal shows them: each layer by its file's name, sources cut.

    A layer is named by its file's name (``lu.gpkg::lu``, not the project's
    absolute path), unless two layers would then read alike or it is a database
    URL; a source longer than :data:`SOURCE_COLUMNS` ends in ``…`` (CSV, JSON,
    the workbook and ``--out`` hold it whole).
    """
    frame = findings_frame(result)
    frame["layer"] = frame["layer"].map(_short_layers(result.layers))
    frame["source"] = frame["source"].map(_short_source)
    return frame


def _short_layers(layers: Iterable[str]) -> dict[str, str]:
    """Return each layer's name on a terminal: its file's name, ``::LAYER`` kept."""
    names = list(layers)
    short = {}
    for name in names:
        file, sep, layer = name.partition("::")
        short[name] = name if "://" in name else Path(file).name + sep + layer
    return short if len(set(short.values())) == len(names) else {n: n for n in names}


def _short_source(text: str) -> str:
    """Return ``text`` cut to :data:`SOURCE_COLUMNS` terminal columns, ``…`` marking the cut.

    Examples
    --------
    >>> _short_source("project default: gaps")
    'project default: gaps'
    >>> cut = _short_source("OGC Simple Features Specification (SFS 1.1), the assertions for")
    >>> cut, display_width(cut)
    ('OGC Simple Features Specification (SFS 1.1), th…', 48)
    """
    if display_width(text) <= SOURCE_COLUMNS:
        return text
    kept, width = [], 1  # the … takes one column
    for char in text:
        width += display_width(char)
        if width > SOURCE_COLUMNS:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def workbook_sheets(result: QcResult, id_field: str | None = None) -> dict[str, pd.DataFrame]:
    """Return the workbook's sheets: ``summary`` then ``findings``.

    ``id_field`` (:func:`findings_id_field`, ``BSM``) heads the findings' ``feature_id``.
    """
    findings = _named(findings_frame(result), id_field, "xlsx")
    return {"summary": summary_frame(result), "findings": findings}


def findings_id_field(result: QcResult, id_field: str | Mapping[str, str] | None) -> str | None:
    """Return the one field every inspected layer's findings name their features by, or None.

    The field :func:`error_fields` writes ``feature_id`` as (``BSM``; a control
    layer's findings as its ``control_id_field``), when all the layers share it;
    None when one has none or they differ: the column keeps ``feature_id``.

    Examples
    --------
    >>> findings_id_field(QcResult((), {"parcels.shp": (3, None)}), "BSM")
    'BSM'
    >>> layers = {"lu.shp": (3, None), "units.shp": (2, None)}
    >>> findings_id_field(QcResult((), layers), {"lu.shp": "BSM", "units.shp": "DYBH"}) is None
    True
    """
    fields = error_fields(result, id_field).fields
    found = {
        fields.get(_layer_name(name, len(result.layers) > 1), {}).get("feature_id")
        for name in result.layers
    }
    one = found.pop() if len(found) == 1 else None
    return one if isinstance(one, str) else None


def _named(frame: pd.DataFrame, id_field: str | None, fmt: str) -> pd.DataFrame:
    """Return ``frame`` with ``feature_id`` headed ``id_field`` (JSON: beside, just before)."""
    from spatial.table_formats._ids import planner_ids  # noqa: PLC0415

    return frame if id_field is None else planner_ids(frame, {"feature_id": id_field}, fmt)


def _layer_name(layer: str, several: bool) -> str:
    if not several:
        return ERRORS_LAYER
    stem = Path(os.fspath(layer).partition("::")[0]).stem
    return f"{ERRORS_LAYER}_{''.join(c if c.isalnum() else '_' for c in stem)}"


def error_layers(result: QcResult) -> dict[str, gpd.GeoDataFrame]:
    """Return one layer per input layer: a feature per finding, in that layer's CRS.

    ``feature_id`` holds the features' ids (``--id-field``, ``BSM``):
    :func:`error_fields` writes it under that name.
    """
    several = len(result.layers) > 1
    layers = {}
    for name, (_, crs) in result.layers.items():
        found = [f for f in result.findings if f.layer == name]
        frame = pd.DataFrame([f.record() for f in found], columns=list(RECORD_FIELDS))
        frame["value"] = frame["value"].astype("string")  # a number or a code: one text column
        geometry = gpd.GeoSeries(np.array([f.geometry for f in found], dtype=object), crs=crs)
        layers[_layer_name(name, several)] = gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)
    return layers


def error_fields(result: QcResult, id_field: str | Mapping[str, str] | None) -> OutputFrame:
    """Return the frame of the error layers: their own CRS, ``feature_id`` as the ids' field.

    A layer's findings name its features by ``id_field`` (``--id-field``, ``BSM``;
    or, by layer name, each layer's own: ``BSM``, ``DYBH``),
    a control layer's by its rule's ``control_id_field`` (``DYBH``); ``other_id``
    (the other feature of an overlap, of the same layer) keeps its name: it
    would take the same one.

    Examples
    --------
    >>> error_fields(QcResult((), {"parcels.shp": (3, None)}), "BSM").fields
    {'qc_findings': {'feature_id': 'BSM'}}
    >>> layers = {"lu.shp": (3, None), "units.shp": (2, None)}
    >>> error_fields(QcResult((), layers), {"lu.shp": "BSM", "units.shp": "DYBH"}).fields
    {'qc_findings_lu': {'feature_id': 'BSM'}, 'qc_findings_units': {'feature_id': 'DYBH'}}
    """
    from spatial.qc.control import layer_stem  # noqa: PLC0415

    controls = {
        str(r.params["control_layer"]): r.params.get("control_id_field")
        for r in result.rules
        if r.params.get("control_layer")
    }
    frame = OutputFrame()
    several = len(result.layers) > 1
    for name in result.layers:
        own = id_field.get(name) if isinstance(id_field, Mapping) else id_field
        field = controls.get(layer_stem(name), own)
        if field is not None:
            frame = frame.with_fields(_layer_name(name, several), {"feature_id": str(field)})
    return frame


def write_error_layers(
    result: QcResult,
    out: str | os.PathLike[str],
    id_field: str | Mapping[str, str] | None = None,
) -> list[str]:
    """Write :func:`error_layers` to the GeoPackage ``out`` (atomically); return the layer names.

    With ``id_field`` (``BSM``, or each layer's by name), ``feature_id`` is written
    under the planner's name.

    Raises
    ------
    UsageError
        ``out`` is not a ``.gpkg``.
    OutputError
        It cannot be written (nothing is left half-written).
    """
    from spatial.export.layers import write_layers  # noqa: PLC0415 - only with --errors-out

    if Path(os.fspath(out)).suffix.lower() != ".gpkg":
        raise UsageError(f"{out}: --errors-out is written as a GeoPackage (.gpkg)")
    return write_layers(error_fields(result, id_field).layers(error_layers(result)), out)
