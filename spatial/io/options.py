"""How to read a planner's layer: its CRS, its frame, its id and name fields, CAD polygons.

One options object, :class:`ReadOptions`, carries what the command line's
``--crs``, ``--input-frame``, ``--id-field``, ``--name-field`` and
``--polygonize`` say of one input; :func:`apply_read_options` applies them, in
that order, to a layer as read, and returns what it did as notes for the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the options object alone loads neither (spatial validate's refusals)
    import geopandas as gpd
    from pyproj import CRS

__all__ = ["ReadOptions", "apply_read_options"]


@dataclass(frozen=True)
class ReadOptions:
    """What to assume of one input layer (every field optional).

    Attributes
    ----------
    crs : str, int or pyproj.CRS, optional
        The CRS of the coordinates: supplied when the file declares none,
        overriding the file's when it declares another.
    input_frame : {"wgs84", "gcj02"}, optional
        ``gcj02`` for AMap/奥维 exports, converted to WGS84 on reading.
    id_field, name_field : str, optional
        The columns holding the feature ids and Chinese names (read as ``id``
        and ``name_zh``).
    polygonize : bool
        Make polygons of a CAD drawing's closed polylines and hatches.
    find_id : bool
        Without ``id_field``, take a unique, never-blank standard field as the
        ids (:func:`spatial.io.fields.standard_id_field`): set by the command
        line's options (:func:`spatial.cli._options.read_options`) unless the
        command names this layer's ids by an option of its own (``--a-id``).
    """

    crs: str | int | CRS | None = None
    input_frame: str | None = None
    id_field: str | None = None
    name_field: str | None = None
    polygonize: bool = False
    find_id: bool = field(default=False, compare=False)  # options alike: the same fast paths


def apply_read_options(
    gdf: gpd.GeoDataFrame, source: str, options: ReadOptions
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Apply ``options`` to a layer as read: CRS, CAD polygons, GCJ-02, fields; return notes."""
    # loaded here: the options object alone (spatial validate's batches) needs no geopandas
    from spatial.io.cad import polygonize  # noqa: PLC0415
    from spatial.io.fields import map_fields  # noqa: PLC0415
    from spatial.io.frames import apply_crs, apply_input_frame  # noqa: PLC0415

    notes: list[str] = []
    gdf, said = apply_crs(gdf, source, options.crs)
    notes += said
    if options.polygonize:
        gdf, said = polygonize(gdf, source)
        notes += said
    gdf, said = apply_input_frame(gdf, source, options.input_frame)
    notes += said
    gdf, said = map_fields(
        gdf, source, options.id_field, options.name_field, find_id=options.find_id
    )
    return gdf, notes + said
