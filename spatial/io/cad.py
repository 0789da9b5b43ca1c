"""CAD drawings (DXF) as planning layers: closed polylines and hatches made polygons.

GDAL's DXF driver reads every entity as a feature with its ``Layer`` (the CAD
layer name, kept as a field) and ``EntityHandle``; a closed polyline arrives as
a closed LineString, a hatch as a Polygon. :func:`polygonize` makes polygons of
both on request (``--polygonize``); an open polyline cannot be a polygon and is
left out, reported by its handle and CAD layer so it can be closed in CAD.

GDAL expands every block insert in memory, inserts within blocks included, so
ten blocks each inserting the next ten times make ten billion lines from a
few kilobytes. :func:`require_bounded_blocks` counts, before GDAL opens the
drawing, the entities the inserts expand to and refuses a drawing past
:data:`MAX_EXPANDED_ENTITIES` or nested past :data:`MAX_BLOCK_DEPTH`.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import geopandas as gpd
import numpy as np
import shapely

from spatial.errors import LayerError, LayerReadError

__all__ = ["MAX_BLOCK_DEPTH", "MAX_EXPANDED_ENTITIES", "polygonize", "require_bounded_blocks"]

#: The most entities a drawing may hold once every block insert is expanded
#: (GDAL reads a million in about 9 s and 0.5 GB).
MAX_EXPANDED_ENTITIES = 500_000
#: The deepest nesting of block inserts read.
MAX_BLOCK_DEPTH = 32

_BINARY_DXF = b"AutoCAD Binary DXF"
# Entities that end or belong to another (a polyline's vertices), not drawn on their own.
_NOT_COUNTED = frozenset(
    {b"SECTION", b"ENDSEC", b"BLOCK", b"ENDBLK", b"SEQEND", b"VERTEX", b"ATTRIB", b"EOF"}
)


@dataclass
class _Block:
    """One block definition (or the drawing's entities): entities drawn, blocks inserted."""

    entities: int = 0
    inserts: list[tuple[bytes, int]] = field(default_factory=list)


def _pairs(fh: IO[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """Yield the (group code, value) pairs of an ASCII DXF, stripped."""
    while True:
        code, value = fh.readline(), fh.readline()
        if not value:
            return
        yield code.strip(), value.strip()


@dataclass
class _Scan:
    """The state of one pass over a DXF's groups (see :func:`_definitions`)."""

    blocks: dict[bytes, _Block] = field(default_factory=dict)
    drawing: _Block = field(default_factory=_Block)
    section: bytes = b""
    target: _Block | None = None
    entity: bytes = b""
    name: bytes = b""
    copies: int = 1

    def finish(self) -> None:
        """Count the entity just ended in the block (or the drawing) it belongs to."""
        if self.target is None:
            return
        if self.entity == b"INSERT" and self.name:
            self.target.inserts.append((self.name, self.copies))
        elif self.entity and self.entity not in _NOT_COUNTED:
            self.target.entities += 1

    def start(self, entity: bytes) -> None:
        self.finish()
        self.entity, self.name, self.copies = entity, b"", 1
        if entity in (b"ENDBLK", b"ENDSEC"):
            self.target = self.drawing if self.section == b"ENTITIES" else None
        if entity == b"ENDSEC":
            self.section, self.target = b"", None

    def group(self, code: bytes, value: bytes) -> None:
        if code == b"2" and self.entity == b"SECTION":
            self.section = value
            self.target = self.drawing if value == b"ENTITIES" else None
        elif code == b"2" and self.entity == b"BLOCK" and self.section == b"BLOCKS":
            self.target = self.blocks.setdefault(value, _Block())
        elif code == b"2" and self.entity == b"INSERT":
            self.name = value
        elif code in (b"70", b"71") and self.entity == b"INSERT" and value.lstrip(b"-").isdigit():
            self.copies *= max(int(value), 1)  # a MINSERT's columns and rows


def _definitions(fh: IO[bytes]) -> _Scan:
    scan = _Scan()
    for code, value in _pairs(fh):
        if code == b"0":
            scan.start(value)
        else:
            scan.group(code, value)
    scan.finish()
    return scan


def _expanded(path: Path, scan: _Scan, block: _Block, memo: dict[bytes, int], depth: int) -> int:
    """Count the entities ``block`` draws, its inserts expanded (capped past the limit)."""
    if depth > MAX_BLOCK_DEPTH:
        raise LayerReadError(
            f"{path}: block inserts nest more than {MAX_BLOCK_DEPTH} deep (or a block inserts "
            "itself); explode the nested blocks in CAD and save again"
        )
    total = block.entities
    for name, copies in block.inserts:
        if name not in memo:
            child = scan.blocks.get(name)
            memo[name] = _expanded(path, scan, child, memo, depth + 1) if child else 0
        total = min(total + copies * memo[name], MAX_EXPANDED_ENTITIES + 1)
    return total


def require_bounded_blocks(path: Path) -> None:
    """Refuse a DXF whose block inserts expand past what can be read in seconds.

    Counts, from the drawing's text, the entities GDAL would make once every
    block insert (and every insert inside a block) is expanded.

    Raises
    ------
    LayerReadError
        More than :data:`MAX_EXPANDED_ENTITIES` entities once expanded, inserts
        nested more than :data:`MAX_BLOCK_DEPTH` deep or in a cycle, or a
        binary DXF (not counted: save it as ASCII DXF).
    """
    with path.open("rb") as fh:
        if fh.read(len(_BINARY_DXF)) == _BINARY_DXF:
            raise LayerReadError(
                f"{path}: is a binary DXF, whose block inserts cannot be counted before reading; "
                "save it as ASCII DXF"
            )
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
            if view.find(b"INSERT") < 0:
                return
        fh.seek(0)
        scan = _definitions(fh)
    total = _expanded(path, scan, scan.drawing, {}, 0)
    if total > MAX_EXPANDED_ENTITIES:
        raise LayerReadError(
            f"{path}: its block inserts expand to more than {MAX_EXPANDED_ENTITIES:,} entities; "
            "explode or purge the nested blocks in CAD, or export only the layers needed"
        )


_MAX_LISTED = 5


def _closed(geoms: np.ndarray) -> np.ndarray:
    lines = shapely.get_type_id(geoms) == 1  # LineString
    closed = np.zeros(len(geoms), dtype=bool)
    closed[lines] = shapely.is_closed(geoms[lines]) & (shapely.get_num_points(geoms[lines]) >= 4)
    return closed


def _describe(gdf: gpd.GeoDataFrame, mask: np.ndarray, what: str) -> str:
    rows = gdf[mask]
    handles = rows["EntityHandle"] if "EntityHandle" in rows.columns else rows.index.astype(str)
    cad_layers = rows["Layer"] if "Layer" in rows.columns else ["?"] * len(rows)
    listed = [f"handle {h} (layer {lyr})" for h, lyr in zip(handles, cad_layers, strict=False)]
    more = f" and {len(listed) - _MAX_LISTED} more" if len(listed) > _MAX_LISTED else ""
    return f"{len(rows)} {what} left out: {', '.join(listed[:_MAX_LISTED])}{more}"


def polygonize(gdf: gpd.GeoDataFrame, source: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the layer's polygons: hatches as they are, closed polylines filled; and notes.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer as GDAL reads a DXF (any CRS; fields ``Layer`` and ``EntityHandle``).
    source : str
        How to name the drawing in the notes.

    Raises
    ------
    LayerError
        Nothing in the drawing can be a polygon.

    Returns
    -------
    (GeoDataFrame, list of str)
        Polygon features only, every field kept (``Layer`` is the CAD layer name),
        and one note per kind of entity left out: open polylines by handle and
        layer, other entities (text, points) by count.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> drawing = gpd.GeoDataFrame(
    ...     {"Layer": ["规划范围", "道路"], "EntityHandle": ["2F", "30"]},
    ...     geometry=[LineString([(0, 0), (1, 0), (1, 1), (0, 0)]), LineString([(0, 0), (5, 5)])],
    ... )
    >>> polygons, notes = polygonize(drawing, "plan.dxf")
    >>> polygons.geom_type.tolist()
    ['Polygon']
    >>> for note in notes:
    ...     print(note)
    plan.dxf: 1 closed polyline(s) made polygons, 0 hatch(es) kept
    plan.dxf: 1 open polyline(s) left out: handle 30 (layer 道路)
    """
    geoms = np.asarray(gdf.geometry.array)
    type_id = shapely.get_type_id(geoms)
    closed = _closed(geoms)
    polygons = np.isin(type_id, [3, 6])  # hatches: Polygon, MultiPolygon
    open_lines = np.isin(type_id, [1, 5]) & ~closed
    other = ~(closed | polygons | open_lines)
    filled = geoms.copy()
    filled[closed] = [shapely.Polygon(line.coords) for line in geoms[closed]]
    keep = closed | polygons
    if not keep.any():
        raise LayerError(
            f"{source}: --polygonize found no closed polyline or hatch to make a polygon of "
            f"({_describe(gdf, open_lines | other, 'entities')})"
        )
    kept = gdf[keep].set_geometry(filled[keep], crs=gdf.crs).reset_index(drop=True)
    notes = [
        f"{source}: {int(closed.sum())} closed polyline(s) made polygons, "
        f"{int(polygons.sum())} hatch(es) kept"
    ]
    if open_lines.any():
        notes.append(f"{source}: {_describe(gdf, open_lines, 'open polyline(s)')}")
    if other.any():
        notes.append(f"{source}: {int(other.sum())} other entities (text, points) left out")
    return kept, notes
