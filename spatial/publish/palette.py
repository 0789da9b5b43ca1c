"""Colours of the published pages: one per zone, one per category, red kept for failures.

The qualitative schemes are ColorBrewer 2.0's (Cynthia A. Brewer, Pennsylvania
State University; Apache License 2.0) as matplotlib ships them: ``Dark2`` for
zones (8 colours, none of them the failure red) and ``Set3`` for the categories
of a planner's field (12 colours). They carry no meaning of their own: they are
not the 国土空间用地用海 land-use colours, which come only from a sourced data file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matplotlib import colormaps
from matplotlib.colors import ListedColormap, to_hex

__all__ = ["CONFLICT_EDGE", "CONFLICT_FILL", "FAIL_RED", "category_colours", "zone_colours"]

#: Colour of every failure on every page (overlap, outside-district pieces, failed zones' edges).
FAIL_RED = "#d7191c"
#: Outline and fill of a 三区三线 conflict piece, as the web map's conflict style draws it.
CONFLICT_EDGE, CONFLICT_FILL = "#b2182b", "#d6604d"


def _scheme(name: str) -> list[str]:
    cmap = colormaps[name]
    if not isinstance(cmap, ListedColormap):  # pragma: no cover - Dark2 and Set3 are listed
        raise TypeError(f"{name} is not a qualitative (listed) colour map")
    return [to_hex(cmap(i / max(cmap.N - 1, 1))) for i in range(cmap.N)]


def _assign(keys: Iterable[str], scheme: Sequence[str]) -> dict[str, str]:
    unique = list(dict.fromkeys(keys))
    return {key: scheme[i % len(scheme)] for i, key in enumerate(unique)}


def zone_colours(zone_ids: Iterable[str]) -> dict[str, str]:
    """Return a ColorBrewer Dark2 colour per zone id, in the order given (repeating after 8).

    Examples
    --------
    >>> zone_colours(["zone-a", "zone-b", "zone-a"])
    {'zone-a': '#1b9e77', 'zone-b': '#d95f02'}
    """
    return _assign(zone_ids, _scheme("Dark2"))


def category_colours(values: Iterable[str]) -> dict[str, str]:
    """Return a ColorBrewer Set3 colour per category value, in order of first appearance.

    Examples
    --------
    >>> category_colours(["R", "M", "R"])
    {'R': '#8dd3c7', 'M': '#ffffb3'}
    """
    return _assign(values, _scheme("Set3"))
