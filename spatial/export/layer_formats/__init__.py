"""The registry of layer output formats: a new format is one module in this folder.

Each module here defines ``FORMAT``, a :class:`LayerFormat`: its name, the
suffixes (or URL) naming it, whether it holds several layers, whether it can
add layers beside an input's own, whether it is written as a stream, and its
writer, which goes through :mod:`spatial.io.atomic` (or one database
transaction) so that nothing is ever left half-written. The registry finds the
modules by itself (:func:`layer_formats`): adding ``spatial/export/layer_formats/NAME.py``
is all a new format takes; the commands, the output check before any work
(:mod:`spatial.cli._outputs`) and the help read it from here.

Loading the registry imports no pandas or geopandas: a writer imports what it
needs when it runs.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.errors import OutputError, first_line

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LayerFormat",
    "LayerWrite",
    "format_for",
    "layer_formats",
    "layer_suffixes",
    "write_frames",
]


@dataclass(frozen=True)
class LayerWrite:
    """One call to write layers: what, where, and how an existing destination is treated.

    Attributes
    ----------
    layers : mapping of str to DataFrame
        Layer or table name to content, in order; GeoDataFrames are written in
        their own CRS (see :class:`spatial.export.frame.OutputFrame`).
    out : str
        The destination (a file, a folder such as ``.gdb``, or a URL).
    table : str, optional
        The database table, when the URL does not name it.
    styles : mapping of str to str
        The web-map style of each layer, for formats that store styles.
    styled : bool
        Store each layer's style (and its ``style_class`` column) where the
        format can; False writes the layers as they are (a planner's layer
        given back repaired).
    """

    layers: Mapping[str, pd.DataFrame]
    out: str
    table: str | None = None
    styles: Mapping[str, str] = field(default_factory=dict)
    styled: bool = True


@dataclass(frozen=True)
class LayerFormat:
    """One layer output format.

    Attributes
    ----------
    name : str
        How messages name it (``GeoPackage``).
    suffixes : tuple of str
        The file suffixes naming it, lower case with the dot (``(".gpkg",)``).
    write : callable
        ``write(LayerWrite) -> list of str``: writes atomically, returns what it
        wrote (``FILE::LAYER``).
    multi_layer : bool
        Holds several layers; a single-layer format refuses more than one.
    streaming : bool
        Features are written one after another as they come (a reader can
        start before the end; the file can be appended to line by line).
    claims : callable, optional
        ``claims(out) -> bool`` for a destination not named by a suffix (a URL).
    """

    name: str
    suffixes: tuple[str, ...]
    write: Callable[[LayerWrite], list[str]]
    multi_layer: bool = True
    streaming: bool = False
    claims: Callable[[str], bool] | None = None


@cache
def layer_formats() -> tuple[LayerFormat, ...]:
    """Return every registered layer format: the ``FORMAT`` of each module of this package."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if isinstance(getattr(loaded, "FORMAT", None), LayerFormat):
            found.append(loaded.FORMAT)
    return tuple(found)


def layer_suffixes() -> tuple[str, ...]:
    """Return every suffix a layer format is named by.

    Examples
    --------
    >>> {".gpkg", ".gdb", ".fgb"} <= set(layer_suffixes())
    True
    """
    return tuple(s for fmt in layer_formats() for s in fmt.suffixes)


def format_for(out: str | os.PathLike[str] | None) -> LayerFormat | None:
    """Return the layer format ``out`` names (by URL or suffix), or None for a table.

    Examples
    --------
    >>> format_for("plan.gpkg").name, format_for("plan.csv") is None
    ('GeoPackage', True)
    """
    if out is None:
        return None
    text = os.fspath(out)
    for fmt in layer_formats():
        if fmt.claims is not None and fmt.claims(text):
            return fmt
    suffix = Path(text).suffix.lower()
    return next((fmt for fmt in layer_formats() if suffix in fmt.suffixes), None)


def write_frames(
    path: Path,
    driver: str,
    layers: Mapping[str, pd.DataFrame],
    layer_options: Mapping[str, str] | None = None,
) -> None:
    """Write each frame as a layer of ``path`` with the GDAL ``driver`` (pyogrio).

    A DataFrame without geometry is written as an attribute table;
    ``layer_options`` are the driver's layer creation options.

    Raises
    ------
    OutputError
        A layer cannot be written (one line naming the file and the layer).
    """
    import pyogrio  # noqa: PLC0415

    for name, frame in layers.items():
        try:
            with warnings.catch_warnings():  # the temporary file's suffix may not be the format's
                warnings.filterwarnings("ignore", "(?i).*extension", RuntimeWarning)
                pyogrio.write_dataframe(
                    frame, path, layer=name, driver=driver, layer_options=layer_options
                )
        except Exception as exc:
            raise OutputError(f"{path}: cannot write layer {name} ({first_line(exc)})") from None
