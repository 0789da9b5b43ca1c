"""FlatGeobuf (``.fgb``): one layer in one file, streamable, with a spatial index.

A layer holding a feature without geometry (a difference with nothing left) is
written without the index, which cannot hold one.

The example of a format added as one module: this file is all it took for
``spatial overlay ... --op difference --out parts.fgb`` (and every command
writing one layer) to write FlatGeobuf.
"""

from __future__ import annotations

from spatial.errors import OutputError
from spatial.export.layer_formats import LayerFormat, LayerWrite, write_frames

__all__ = ["FORMAT"]


def _write(request: LayerWrite) -> list[str]:
    from spatial.io.atomic import atomic_path  # noqa: PLC0415

    if len(request.layers) != 1:
        names = ", ".join(request.layers)
        raise OutputError(
            f"{request.out}: a FlatGeobuf file holds one layer and these are "
            f"{len(request.layers)} ({names}): write .gpkg or .gdb"
        )
    ((name, frame),) = request.layers.items()
    # a feature with nothing left (a difference wholly covered) has no geometry, which
    # FlatGeobuf's spatial index cannot hold: such a file is written without the index
    index = "NO" if _has_no_geometry(frame) else "YES"
    with atomic_path(request.out) as tmp:
        write_frames(tmp, "FlatGeobuf", {name: frame}, {"SPATIAL_INDEX": index})
    return [f"{request.out}::{name}"]


def _has_no_geometry(frame: object) -> bool:
    import shapely  # noqa: PLC0415

    geometry = getattr(frame, "geometry", None)
    if geometry is None:
        return False
    geoms = geometry.to_numpy()
    return bool((shapely.is_missing(geoms) | shapely.is_empty(geoms)).any())


FORMAT = LayerFormat("FlatGeobuf", (".fgb",), _write, multi_layer=False, streaming=True)
