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

__all__ = [
    "CONFLICT_EDGE",
    "CONFLICT_FILL",
    "FAIL_RED",
    "category_colours",
    "layer_colour",
    "zone_colours",
]

#: Colour of every failure on every page (overlap, outside-district pieces, failed zones' edges).
FAIL_RED = "#d7191c"
#: Outline and fill of a 三区三线 conflict piece, as the web map's conflict style draws it.
CONFLICT_EDGE, CONFLICT_FILL = "#b2182b", "#d6604d"


#: A planner's first layer drawn in one colour (a 永久基本农田 given with --constraint):
#: ColorBrewer ``Blues`` (9 classes), its 5th class for a fill, its 7th for a line or dot.
FIRST_LAYER_FILL, FIRST_LAYER_LINE = "#6baed6", "#2171b5"


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


def layer_colour(shape: str, position: int) -> str:
    """Return the colour of a planner's layer drawn in one colour, on every page alike.

    ``shape`` is ``"point"``, ``"line"`` or ``"polygon"``; ``position`` the
    layer's order among the planner's layers (0 first). The first is ColorBrewer
    Blues (:data:`FIRST_LAYER_FILL`, :data:`FIRST_LAYER_LINE`), the next ones
    ColorBrewer Set3 by position, so that a planner's 永久基本农田, 生态保护红线 and
    城镇开发边界 are told apart; the web map's legend and the PDF atlas's both take
    theirs from here.

    Examples
    --------
    >>> layer_colour("polygon", 0), layer_colour("line", 0), layer_colour("polygon", 1)
    ('#6baed6', '#2171b5', '#ffffb3')
    """
    if position == 0:
        return FIRST_LAYER_FILL if shape == "polygon" else FIRST_LAYER_LINE
    return category_colours([str(i) for i in range(position + 1)])[str(position)]
