"""The planner's frame and schema on the way out: the CRS layers are written in, their field names.

Layers are computed in whatever frame each operation needs (the checks keep a
copy in EPSG:4326); what a command writes goes back to the planner's frame: the
inputs' common CRS (EPSG:4544 when every input was CGCS2000 Gauss–Krüger
CM 105°E), unless ``--out-crs`` names another, and the planner's own
field names (``--id-field DYBH`` is written as ``DYBH``, not ``id``), the
toolkit's columns beside them. GeoJSON is always RFC 7946 lon/lat (EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from spatial.crs import WGS84, crs_label, reproject
from spatial.synthetic import marked_only as synthetic_marked_only
from spatial.table_formats._ids import id_names, planner_ids

__all__ = [
    "DERIVED_LAYERS",
    "OutputFrame",
    "common_crs",
    "marked_only",
    "output_frame",
    "planner_fields",
]

_Frame = TypeVar("_Frame", bound=pd.DataFrame)

#: Columns of a table that hold the features' names (not ids), named by their name field.
_NAME_COLUMNS = ("name_zh",)

#: Names (and name starts) of the layers and tables the toolkit cuts from the
#: planner's features (conflict pieces, 调入/调出 pieces): they carry ``synthetic``
#: from their inputs, written only where an input marks example data (示例数据).
DERIVED_LAYERS: tuple[str, ...] = ("conflicts", "conflict_pieces", "diff_pieces")


@dataclass(frozen=True)
class OutputFrame:
    """Where layers go on the way out: one CRS, and each layer's field names back.

    Attributes
    ----------
    crs : pyproj.CRS, optional
        The CRS every written layer is in; None writes each as computed.
    fields : mapping of str to mapping of str to str
        By layer name, the toolkit's column (``id``, ``name_zh``) and the
        planner's field it was read from (``DYBH``, ``DYMC``).
    notes : tuple of str
        What the command says of the frame chosen (inputs in several CRS).
    ids : mapping of str to mapping of str to str
        By table name, its id columns (``zone_id``) and the planner's id field
        each is written as in tables (``DYBH``): :meth:`naming_table`,
        :meth:`with_ids`, written by :meth:`table`.
    """

    crs: CRS | None = None
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    ids: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def layer(self, name: str, frame: _Frame) -> _Frame:
        """Return layer (or table) ``name`` in this frame, with the planner's field names.

        A derived layer (:data:`DERIVED_LAYERS`) keeps ``synthetic`` only when
        a feature is marked so (:func:`marked_only`).
        """
        frame = planner_fields(marked_only(name, frame), self.fields.get(name, {}))
        if self.crs is not None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            frame = reproject(frame, self.crs)
        return frame

    def naming(self, table: str, layers: Iterable[str]) -> OutputFrame:
        """Return this frame with ``table`` named as ``layers`` are, when they are named alike.

        For a table whose rows are features of ``layers`` (the targets, by their
        features' ids): it takes their field names if they share one mapping.

        Examples
        --------
        >>> frame = OutputFrame(fields={"zones": {"id": "DYBH"}})
        >>> frame.naming("targets", ["zones"]).fields["targets"]
        {'id': 'DYBH'}
        >>> "targets" in frame.naming("targets", ["zones", "clusters"]).fields
        False
        """
        named = {tuple(sorted(self.fields.get(name, {}).items())) for name in layers}
        if len(named) != 1:
            return self
        return replace(self, fields={**self.fields, table: dict(named.pop())})

    def with_fields(self, name: str, fields: Mapping[str, str]) -> OutputFrame:
        """Return this frame with layer ``name``'s toolkit columns written as ``fields`` too.

        Examples
        --------
        >>> OutputFrame().with_fields("diff_pieces", {"id": "BSM"}).fields["diff_pieces"]
        {'id': 'BSM'}
        """
        merged = {**self.fields.get(name, {}), **fields}
        return replace(self, fields={**self.fields, name: merged})

    def naming_ids(self, name: str, columns: Mapping[str, Iterable[str]]) -> OutputFrame:
        """Return this frame with layer ``name``'s id columns written as the planner's id fields.

        For a layer whose rows are pieces of other layers' features (a conflict
        piece: a zone's and a constraint's; a 调入/调出 piece: a parcel's).

        Parameters
        ----------
        name : str
            The layer written (``conflicts``, ``diff_pieces``).
        columns : mapping of str to iterable of str
            By toolkit column (``zone_id``, ``constraint_ids``), in order, the
            layers whose features' ids it holds. A column is written as the id
            field those layers share (``DYBH``); it keeps the toolkit's name when
            they name ids differently or not at all, or when an earlier column
            took that name (the zones and a constraint both with ``BSM``).

        Examples
        --------
        >>> frame = OutputFrame(fields={"zones": {"id": "DYBH"}, "farmland": {"id": "BSM"}})
        >>> frame.naming_ids("conflicts", {"zone_id": ["zones"], "constraint_ids": ["farmland"]}
        ...     ).fields["conflicts"]
        {'zone_id': 'DYBH', 'constraint_ids': 'BSM'}
        >>> frame = OutputFrame(fields={"zones": {"id": "BSM"}, "farmland": {"id": "BSM"}})
        >>> frame.naming_ids("conflicts", {"zone_id": ["zones"], "constraint_ids": ["farmland"]}
        ...     ).fields["conflicts"]
        {'zone_id': 'BSM'}
        """
        named: dict[str, str] = {}
        for column, layers in columns.items():
            ids = {self.fields.get(layer, {}).get("id") for layer in layers}
            theirs = ids.pop() if len(ids) == 1 else None
            if theirs is not None and theirs not in named.values() and theirs not in columns:
                named[column] = theirs
        return self.with_fields(name, named) if named else self

    def layers(self, layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Return every layer of ``layers`` through :meth:`layer`, in order."""
        return {name: self.layer(name, frame) for name, frame in layers.items()}

    def with_ids(self, table: str, fields: Mapping[str, str | None]) -> OutputFrame:
        """Return this frame with table ``table``'s id columns written as the planner's fields.

        Parameters
        ----------
        table : str
            The table (``balance``, ``intersection``).
        fields : mapping of str to str or None
            By id column (``zone_id``, ``a_id``), the field its ids were read
            from (``--zone-id-field DYBH``); None or ``id`` keep the column's
            name. Two columns of one field are told apart by their role
            (:func:`spatial.table_formats._ids.id_names`: ``a_BSM``, ``b_BSM``).

        Examples
        --------
        >>> OutputFrame().with_ids("balance", {"zone_id": "DYBH"}).ids["balance"]
        {'zone_id': 'DYBH'}
        >>> OutputFrame().with_ids("balance", {"zone_id": "id"}).ids["balance"]
        {}
        """
        return replace(self, ids={**self.ids, table: id_names(fields)})

    def naming_table(self, table: str, columns: Mapping[str, Iterable[str]]) -> OutputFrame:
        """Return this frame with ``table``'s id columns named as the layers they hold ids of.

        A column is named by the id field its layers share (``--id-field
        zones=DYBH``, the project's ``id_field``); it keeps its name when they
        name their ids differently, or one is the toolkit's (a bundled layer).
        A name column (``name_zh``) is named alike by their name field (``DYMC``).

        Examples
        --------
        >>> frame = OutputFrame(fields={"zones": {"id": "DYBH", "name_zh": "DYMC"}, "clusters": {}})
        >>> frame.naming_table("targets", {"id": ["zones"], "name_zh": ["zones"]}).ids["targets"]
        {'id': 'DYBH', 'name_zh': 'DYMC'}
        >>> frame.naming_table("targets", {"id": ["zones", "clusters"]}).ids["targets"]
        {}
        """
        fields: dict[str, str | None] = {}
        for column, layers in columns.items():
            key = column if column in _NAME_COLUMNS else "id"  # zone_id, a_id: ids
            found = {self.fields.get(layer, {}).get(key) for layer in layers}
            fields[column] = found.pop() if len(found) == 1 else None
        return self.with_ids(table, fields)

    def table(self, name: str, table: _Frame, fmt: str) -> _Frame:
        """Return table ``name`` with its id columns under the planner's names, for ``fmt``.

        The one place a table's id columns get the planner's names
        (:func:`spatial.table_formats._ids.planner_ids`): renamed in every
        format but JSON, which keeps the toolkit's key and adds theirs beside.

        Examples
        --------
        >>> frame = OutputFrame().with_ids("balance", {"zone_id": "DYBH"})
        >>> table = pd.DataFrame({"zone_id": ["A"], "area_m2": [2.0]})
        >>> list(frame.table("balance", table, "csv").columns)
        ['DYBH', 'area_m2']
        >>> list(frame.table("balance", table, "json").columns)
        ['DYBH', 'zone_id', 'area_m2']
        """
        return planner_ids(marked_only(name, table), self.ids.get(name, {}), fmt)

    def tables(self, tables: Mapping[str, pd.DataFrame], fmt: str) -> dict[str, pd.DataFrame]:
        """Return every table of ``tables`` through :meth:`table`, in order."""
        return {name: self.table(name, table, fmt) for name, table in tables.items()}


def marked_only(name: str, frame: _Frame) -> _Frame:
    """Return derived layer ``name`` without its ``synthetic`` column when no feature is marked.

    Example data (示例数据) is marked ``synthetic: true`` in its properties and
    what is cut from it stays marked; a planner's own survey is not example
    data (:func:`spatial.synthetic.marked_only`). Other layers (the planner's
    own, with whatever fields they hold) are returned as they are.

    Examples
    --------
    >>> pieces = pd.DataFrame({"zone_id": ["A"], "synthetic": [False]})
    >>> list(marked_only("conflicts", pieces).columns), list(marked_only("zones", pieces).columns)
    (['zone_id'], ['zone_id', 'synthetic'])
    >>> list(marked_only("diff_pieces_landuse", pieces.assign(synthetic=True)).columns)
    ['zone_id', 'synthetic']
    """
    return synthetic_marked_only(frame) if name.startswith(DERIVED_LAYERS) else frame


def planner_fields(frame: _Frame, fields: Mapping[str, str]) -> _Frame:
    """Give the toolkit's columns back the planner's names (``id`` -> ``DYBH``).

    A planner's own column that made way on reading (kept as ``id_orig``, see
    :func:`spatial.io.fields.map_fields`) gets its name back too.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["A"], "id_orig": [7], "status": ["PASS"]})
    >>> list(planner_fields(frame, {"id": "DYBH"}).columns)
    ['DYBH', 'id', 'status']
    """
    renames: dict[str, str] = {}
    for toolkit, theirs in fields.items():
        if toolkit not in frame.columns or toolkit == theirs or theirs in frame.columns:
            continue
        renames[toolkit] = theirs
        if f"{toolkit}_orig" in frame.columns:
            renames[f"{toolkit}_orig"] = toolkit
    return frame.rename(columns=renames) if renames else frame


def common_crs(crses: Iterable[CRS | None]) -> CRS | None:
    """Return the CRS every input shares, or None when they differ (or there is none).

    Examples
    --------
    >>> common_crs([CRS.from_epsg(4544), CRS.from_epsg(4544)]).to_epsg()
    4544
    >>> common_crs([CRS.from_epsg(4544), CRS.from_epsg(4326)]) is None
    True
    """
    found = [CRS.from_user_input(c) for c in crses if c is not None]
    if not found or any(not c.equals(found[0]) for c in found[1:]):
        return None
    return found[0]


def output_frame(
    inputs: Mapping[str, gpd.GeoDataFrame],
    out_crs: CRS | None = None,
    fields: Mapping[str, Mapping[str, str]] | None = None,
) -> OutputFrame:
    """Return the frame a command writes its layers in.

    Parameters
    ----------
    inputs : mapping of str to GeoDataFrame
        The planner's layers as read (before any reprojection), by name; empty
        when the command runs on the bundled plan (written in EPSG:4326).
    out_crs : pyproj.CRS, optional
        ``--out-crs``: overrides the inputs' CRS.
    fields : mapping, optional
        By layer name, the toolkit's column and the planner's field.

    Returns
    -------
    OutputFrame
        ``out_crs`` when given; else the inputs' common CRS; else (inputs in
        several CRS) EPSG:4326, with a note naming them.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gk = gpd.GeoDataFrame(geometry=[Point(615000, 3276000)], crs="EPSG:4544")
    >>> output_frame({"zones": gk}).crs.to_epsg()
    4544
    >>> output_frame({"zones": gk}, CRS.from_epsg(4490)).crs.to_epsg()
    4490
    >>> output_frame({}).crs.to_epsg()
    4326
    """
    fields = dict(fields or {})
    if out_crs is not None:
        return OutputFrame(out_crs, fields)
    shared = common_crs(gdf.crs for gdf in inputs.values())
    if shared is not None or not inputs:
        return OutputFrame(shared or WGS84, fields)
    named = ", ".join(
        f"{name} {crs_label(gdf.crs)}" for name, gdf in inputs.items() if gdf.crs is not None
    )
    note = (
        f"the inputs are in several CRS ({named}): layers are written in EPSG:4326; "
        "--out-crs to choose"
    )
    return OutputFrame(WGS84, fields, (note,))
