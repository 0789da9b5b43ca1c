"""``run_qc``: 成果质检, polygon layers inspected against rule packs, each finding sourced.

The library function behind ``spatial qc`` (:mod:`spatial.cli.qc`): each layer
read in its own CRS (topology is judged there, areas are of record, m²,
CGCS2000), the chosen features kept, and :func:`spatial.qc.inspection.inspect`
run over them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from spatial.io.options import ReadOptions
    from spatial.io.where import Where
    from spatial.qc.findings import QcResult as Findings
    from spatial.qc.inspection import FieldNames

__all__ = ["QcRequest", "QcResult", "run_qc"]


@dataclass(frozen=True)
class QcRequest:
    """What ``spatial qc`` is asked.

    Attributes
    ----------
    layers : tuple of str
        The layers inspected (files, ``FILE.gdb::LAYER``...), each named once;
        findings name them so.
    id_field, class_field, class_name_field, area_field : str, optional
        The fields of the feature ids (``BSM``), the 用地用海 class code
        (``YDYHFLDM``) and name (``YDYHFLMC``), the stated area in m² (``TBMJ``).
        ``id_field`` names every layer's ids.
    packs : tuple of str
        Bundled rule pack names or TOML files, merged in order.
    wheres : mapping of str to tuple of Where
        By layer, the feature selections that must all hold.
    options : mapping of str to ReadOptions
        Reading options by layer (only the CRS and the input frame are used).
    id_fields : mapping of str to str
        By layer, its own standard id field (``BSM`` in the land use, ``DYBH``
        in the units), used where neither ``id_field`` nor the project names
        that layer's ids (:meth:`id_field_of`).
    layer_fields : mapping of str to mapping of str to str
        By layer, the fields its project states for it (``id_field``,
        ``class_field``, ``class_name_field``: those of the project's land-use
        layer when it is given), where the call names none. A layer the project
        does not name is read by the standard ones it holds
        (:func:`spatial.qc.inspection.layer_field_names`).
    """

    layers: tuple[str, ...]
    id_field: str | None = None
    class_field: str | None = None
    class_name_field: str | None = None
    area_field: str | None = None
    packs: tuple[str, ...] = ("default",)
    wheres: Mapping[str, tuple[Where, ...]] = field(default_factory=dict)
    options: Mapping[str, ReadOptions] = field(default_factory=dict)
    id_fields: Mapping[str, str] = field(default_factory=dict)
    layer_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def id_field_of(self, path: str) -> str | None:
        """Return the field naming the features of ``path``: the one rule of a layer's ids.

        (1) ``id_field`` (``--id-field``), for every layer; (2) the project's,
        when ``path`` is the project's layer (``layer_fields``); (3) the layer's
        own standard field (``id_fields``: ``BSM``, ``DYBH``); (4) None, its
        features named by position (``#N``).
        """
        if self.id_field is not None:
            return self.id_field
        stated = self.layer_fields.get(path, {}).get("id_field")
        return stated if stated is not None else self.id_fields.get(path)

    def layer_id_fields(self) -> dict[str, str]:
        """Return each layer's id field by :meth:`id_field_of`, the layers with one."""
        ids = {path: self.id_field_of(path) for path in self.layers}
        return {path: name for path, name in ids.items() if name is not None}


@dataclass(frozen=True)
class QcResult:
    """The findings of an inspection.

    Attributes
    ----------
    findings : spatial.qc.findings.QcResult
        Every finding in the order found, the layers and the rules run.
    notes : tuple of str
        What reading said.
    """

    findings: Findings
    notes: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """One row per finding (rule, severity, layer, feature, message, source...)."""
        from spatial.qc.outputs import findings_frame  # noqa: PLC0415

        return findings_frame(self.findings)

    @property
    def summary(self) -> str:
        """One line: features, layers, errors and warnings, the verdict."""
        s = self.findings.summary()
        verdict = "passed" if s["passed"] else "failed"
        return (
            f"{s['features']:,} feature(s) in {s['layers']} layer(s): {s['errors']} error(s), "
            f"{s['warnings']} warning(s): {verdict}"
        )

    @property
    def exit_status(self) -> int:
        """0 nothing of severity ``error`` found, 1 something is."""
        return 1 if self.findings.has_errors else 0


def run_qc(request: QcRequest) -> QcResult:
    """Read and inspect the layers; return the findings.

    Raises
    ------
    SpatialError
        A layer is given twice, cannot be read, holds mis-encoded text (a GBK
        Shapefile without a ``.cpg``), or a pack is bad (exit 2 on the command line).
    """
    from spatial.commands._inputs import read_notes  # noqa: PLC0415
    from spatial.errors import UsageError  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.where import select_features  # noqa: PLC0415
    from spatial.qc.inspection import inspect  # noqa: PLC0415
    from spatial.validate.vectorised import ensure_text_decoded  # noqa: PLC0415

    if len(set(request.layers)) != len(request.layers):
        raise UsageError("a LAYER is given twice: name each once")
    layers, notes = {}, []
    for path in request.layers:
        options = request.options.get(path)
        crs, frame = (None, None) if options is None else (options.crs, options.input_frame)
        gdf = read_layer(path, crs, input_frame=frame)
        ensure_text_decoded(gdf, path, request.id_field_of(path))  # as every command refuses it
        notes += read_notes(gdf)
        for where in request.wheres.get(path, ()):
            gdf = select_features(gdf, path, where)
        layers[path] = gdf
    fields = {path: _fields(request, path, gdf) for path, gdf in layers.items()}
    findings = inspect(layers, packs=request.packs, layer_fields=fields)  # each layer's own
    return QcResult(findings=findings, notes=tuple(notes))


def _fields(request: QcRequest, path: str, gdf: pd.DataFrame) -> FieldNames:
    """Return the fields ``path`` is inspected by: the call's, else its project's, else standard."""
    from spatial.qc.inspection import layer_field_names  # noqa: PLC0415

    stated = request.layer_fields.get(path, {})
    return layer_field_names(
        gdf.columns,
        id_field=request.id_field_of(path),
        class_field=request.class_field or stated.get("class_field"),
        class_name_field=request.class_name_field or stated.get("class_name_field"),
        area_field=request.area_field,
    )
