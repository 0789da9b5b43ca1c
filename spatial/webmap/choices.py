"""What ``spatial map`` offers, named without folium: the base maps and the tiling threshold.

The command line shows these in its help and checks ``--basemap`` against them
before any library loads (:mod:`spatial.cli.map`); :mod:`spatial.webmap.basemap`
and :mod:`spatial.webmap.layer` take them from here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["BASEMAP_NAMES", "TILES_FROM", "basemap_catalogue"]

#: An extra layer of at least this many features is drawn as vector tiles (chosen by
#: ``benchmarks/map_tiles.py``; ``--tiles-from`` changes it).
TILES_FROM = 50_000


@cache
def basemap_catalogue() -> dict[str, dict[str, Any]]:
    """Return the base maps of ``basemaps.json``, by name (tile URLs, attribution, frame)."""
    catalogue: dict[str, dict[str, Any]] = json.loads(
        (Path(__file__).with_name("basemaps.json")).read_text(encoding="utf-8")
    )
    return catalogue


#: Names accepted by ``--basemap``.
BASEMAP_NAMES: tuple[str, ...] = tuple(basemap_catalogue())
