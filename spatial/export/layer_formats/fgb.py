"""FlatGeobuf (``.fgb``): one layer in one file, streamable, with a spatial index.

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
    if request.also_input:
        raise OutputError(f"{request.out}: is also an input; choose another output path")
    ((name, frame),) = request.layers.items()
    with atomic_path(request.out) as tmp:
        write_frames(tmp, "FlatGeobuf", {name: frame})
    return [f"{request.out}::{name}"]


FORMAT = LayerFormat("FlatGeobuf", (".fgb",), _write, multi_layer=False, streaming=True)
