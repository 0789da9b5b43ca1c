"""The inspection itself: every rule of the chosen packs over every layer, findings in order.

Examples
--------
>>> import geopandas as gpd, shapely
>>> cells = [shapely.box(615000 + x, 3276000, 615100 + x, 3276100) for x in (0, 100, 150)]
>>> layer = gpd.GeoDataFrame({"BSM": ["a", "b", "c"], "note": "示例数据"}, geometry=cells, crs=4544)
>>> result = inspect({"lu.gpkg": layer}, id_field="BSM")
>>> [(f.kind, f.feature_id, f.other_id, round(f.value)) for f in result.findings]
[('overlap', 'b', 'c', 4998)]
>>> result.summary()["passed"]
False
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import geopandas as gpd
import numpy as np

from spatial.errors import FieldError, PlanDataError, printable
from spatial.landuse.fields import CLASS_CODE_FIELD, CLASS_NAME_FIELD
from spatial.qc import attributes, topology
from spatial.qc.areas import area_mismatches
from spatial.qc.control import control_area_mismatches, layer_stem
from spatial.qc.findings import Finding, QcResult
from spatial.qc.layer import QcLayer
from spatial.qc.packs import Rule, load_packs

__all__ = ["FieldNames", "inspect", "layer_field_names", "require_named_fields"]


class FieldNames:
    """The fields an inspection is told about (each optional), with the option naming each."""

    def __init__(
        self,
        id_field: str | None = None,
        class_field: str | None = None,
        class_name_field: str | None = None,
        area_field: str | None = None,
    ) -> None:
        self.id_field = id_field
        self.class_field = class_field
        self.class_name_field = class_name_field
        self.area_field = area_field

    def named(self) -> dict[str, str]:
        """Option -> field, for the fields given."""
        pairs = {
            "--id-field": self.id_field,
            "--class-field": self.class_field,
            "--class-name-field": self.class_name_field,
            "--area-field": self.area_field,
        }
        return {option: field for option, field in pairs.items() if field}

    def types(self) -> dict[str, str]:
        """Field -> the type it must hold (``text`` or ``real``)."""
        wanted = {self.class_field: "text", self.class_name_field: "text", self.area_field: "real"}
        return {field: kind for field, kind in wanted.items() if field}


def layer_field_names(
    columns: Collection[object],
    *,
    id_field: str | None = None,
    class_field: str | None = None,
    class_name_field: str | None = None,
    area_field: str | None = None,
) -> FieldNames:
    """Return the fields a layer is inspected by: those named, else the standard ones it holds.

    Without a class field named, a layer holding the database standard's
    ``YDYHFLDM`` (用地用海分类代码, :data:`~spatial.landuse.fields.CLASS_CODE_FIELD`)
    is checked by it; beside that code field, ``YDYHFLMC`` (its 分类名称) when
    held, as ``validate`` and ``balance`` compare it. A standard field the layer
    lacks is not looked for; a field named must be there
    (:func:`require_named_fields`).

    Examples
    --------
    >>> f = layer_field_names(["BSM", "YDYHFLDM", "YDYHFLMC"], id_field="BSM")
    >>> f.class_field, f.class_name_field
    ('YDYHFLDM', 'YDYHFLMC')
    >>> layer_field_names(["DYBH", "DYMC"]).named()
    {}
    >>> layer_field_names(["DLBM", "YDYHFLMC"], class_field="DLBM").class_name_field is None
    True
    """
    held = {str(c) for c in columns}
    code = class_field or (CLASS_CODE_FIELD if CLASS_CODE_FIELD in held else None)
    name = class_name_field
    if name is None and code == CLASS_CODE_FIELD and CLASS_NAME_FIELD in held:
        name = CLASS_NAME_FIELD
    return FieldNames(id_field, code, name, area_field)


def _control_stems(rules: Sequence[Rule]) -> set[str]:
    """Return the file stems of the control layers the rules name (read by their own ids)."""
    return {r.params["control_layer"] for r in rules if r.kind == "control_area_mismatch"}


def require_named_fields(
    layers: Mapping[str, gpd.GeoDataFrame], fields: FieldNames, rules: Sequence[Rule]
) -> None:
    """Refuse a field named on the command line that an inspected layer lacks.

    A wrong option is the caller's error, as in every other command (exit 2),
    not a finding: no standard this project can cite requires these fields (a
    pack's ``missing_field`` schema does, and its absent fields are findings).
    A control layer (named by a ``control_area_mismatch`` rule) is read by its
    own ``control_id_field`` and need not hold them.

    Raises
    ------
    LayerError
        ``FILE: no field 'BSMX' for --id-field; its fields are BSM, ...``.
    """
    controls = _control_stems(rules)
    for name, frame in layers.items():
        if layer_stem(name) in controls:
            continue
        for option, field in fields.named().items():
            if field not in frame.columns or field == frame.geometry.name:
                own = tuple(str(c) for c in frame.columns if c != frame.geometry.name)
                raise FieldError(name, field, option, own)


def _below_min_area(layer: QcLayer, rule: Rule) -> list[Finding]:
    limit = rule.params["min_area_m2"]
    small = np.flatnonzero(layer.present & (layer.area_m2 < limit))
    return [
        layer.finding(
            rule,
            f"area {layer.area_m2[i]:,.2f} m² is under the minimum {limit:,g} m²",
            feature=int(i),
            value=float(layer.area_m2[i]),
            unit="m2",
            geometry=layer.geoms[i],
        )
        for i in small
    ]


_Check = Callable[[QcLayer, Rule, FieldNames], list[Finding]]

#: The check of each rule kind (the class-code kinds are checked together, below).
_CHECKS: dict[str, _Check] = {
    "invalid_geometry": lambda layer, rule, _: topology.invalid_geometries(layer, rule),
    "missing_field": lambda layer, rule, _: attributes.missing_fields(layer, rule),
    "wrong_type": lambda layer, rule, f: attributes.wrong_types(layer, rule, f.types()),
    "blank_value": lambda layer, rule, f: attributes.blank_values(layer, rule, f.named().values()),
    "duplicate_id": lambda layer, rule, f: (
        attributes.duplicate_ids(layer, rule, f.id_field) if f.id_field else []
    ),
    "gap": lambda layer, rule, _: topology.gaps(layer, rule),
    "overlap": lambda layer, rule, _: topology.overlaps(layer, rule),
    "sliver": lambda layer, rule, _: topology.slivers(layer, rule),
    "below_min_area": lambda layer, rule, _: _below_min_area(layer, rule),
    "area_mismatch": lambda layer, rule, f: (
        area_mismatches(layer, rule, f.area_field) if f.area_field else []
    ),
}
_CODE_KINDS = ("unknown_code", "wrong_level", "code_name_mismatch")


def _control_layer(rule: Rule, layers: Mapping[str, gpd.GeoDataFrame]) -> QcLayer:
    """Return the layer a ``control_area_mismatch`` rule names (by file stem), keyed by its ids."""
    named = [name for name in layers if layer_stem(name) == rule.params["control_layer"]]
    if len(named) != 1:
        given = ", ".join(printable(layer_stem(n)) for n in layers)
        problem = "is not among the layers given" if not named else "names several layers"
        raise PlanDataError(
            f"rule {rule.id}: control_layer {rule.params['control_layer']!r} {problem} "
            f"(their file stems: {given})"
        )
    name = named[0]
    return QcLayer(name, layers[name], rule.params["control_id_field"])


def _control_checks(
    layer: QcLayer, rule: Rule, layers: Mapping[str, gpd.GeoDataFrame]
) -> list[Finding]:
    control = _control_layer(rule, layers)
    return [] if control.name == layer.name else control_area_mismatches(layer, control, rule)


def inspect_layer(
    layer: QcLayer,
    rules: Sequence[Rule],
    fields: FieldNames,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> list[Finding]:
    """Return the findings of ``rules`` in one layer, rule by rule in pack order.

    ``layers`` are all the layers inspected, where a ``control_area_mismatch``
    rule finds its control layer; every other layer is checked against it.
    """
    found: list[Finding] = []
    for rule in rules:
        if rule.kind in _CHECKS:
            found += _CHECKS[rule.kind](layer, rule, fields)
        elif rule.kind == "control_area_mismatch":
            found += _control_checks(layer, rule, layers or {layer.name: layer.frame})
    code_rules = {r.kind: r for r in rules if r.kind in _CODE_KINDS}
    if fields.class_field and code_rules:
        found += attributes.class_code_findings(
            layer, code_rules, fields.class_field, fields.class_name_field
        )
    return found


def inspect(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    id_field: str | None = None,
    class_field: str | None = None,
    class_name_field: str | None = None,
    area_field: str | None = None,
    packs: Sequence[str] = ("default",),
    id_fields: Mapping[str, str] | None = None,
    layer_fields: Mapping[str, FieldNames] | None = None,
) -> QcResult:
    """Inspect polygon layers against the rules of ``packs``; return every finding and a summary.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Name (the file, as findings name it) to layer, each in its own CRS:
        topology is judged there, areas are areas of record (m², CGCS2000).
    id_field : str, optional
        The field of the feature ids (``BSM``); checked for blanks and
        duplicates. Without it features are named ``#N`` (0-based).
    class_field, class_name_field : str, optional
        The 用地用海 class code (``YDYHFLDM``) and name (``YDYHFLMC``) fields.
    area_field : str, optional
        The stated area in m² (``TBMJ``), compared with the area of record.
    packs : sequence of str
        Bundled pack names or TOML files, merged in order (:mod:`spatial.qc.packs`).
    id_fields : mapping of str to str, optional
        By layer name, that layer's own id field (``BSM`` in the land use,
        ``DYBH`` in the units: each layer's standard field), in place of
        ``id_field``; checked and named by as ``id_field`` is.
    layer_fields : mapping of str to FieldNames, optional
        By layer name, that layer's own fields (:func:`layer_field_names`: its
        project's, the standard ones it holds), in place of all the fields above.

    Returns
    -------
    QcResult

    Raises
    ------
    PlanDataError
        A pack cannot be read or holds a bad rule, or a ``control_area_mismatch``
        rule names a control layer not given or a field a layer lacks.
    LayerError
        A layer holds points or lines (it has no area to inspect), or lacks a
        field named here (:func:`require_named_fields`).
    """
    rules = list(load_packs(packs).values())
    ids = {name: (id_fields or {}).get(name, id_field) for name in layers}
    common = {n: FieldNames(ids[n], class_field, class_name_field, area_field) for n in layers}
    fields = {name: (layer_fields or {}).get(name, common[name]) for name in layers}
    for name, frame in layers.items():  # every layer's fields before any is inspected
        require_named_fields({name: frame}, fields[name], rules)
    found: list[Finding] = []
    sizes = {}
    for name, frame in layers.items():
        layer = QcLayer(name, frame, fields[name].id_field)
        found += inspect_layer(layer, rules, fields[name], layers)
        sizes[name] = (len(frame), frame.crs)
    return QcResult(tuple(found), sizes, tuple(rules))
