"""One style per layer of the plan, each in its own module, looked up by layer name."""

from __future__ import annotations

from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row, is_blank
from spatial.webmap.styles.clusters import CLUSTERS
from spatial.webmap.styles.conflicts import CONFLICTS
from spatial.webmap.styles.corridor import CORRIDOR
from spatial.webmap.styles.district import DISTRICT
from spatial.webmap.styles.functional_areas import FUNCTIONAL_AREAS
from spatial.webmap.styles.parcels import PARCELS
from spatial.webmap.styles.platforms import PLATFORMS
from spatial.webmap.styles.towns import TOWNS
from spatial.webmap.styles.versions import DIFF_NEW, DIFF_OLD, DIFF_PIECES
from spatial.webmap.styles.zones import ZONES

__all__ = ["STYLES", "Field", "LayerStyle", "LegendEntry", "Row", "is_blank", "style_for"]

#: Style of each bundled layer, by layer name, plus ``parcels`` for any other layer,
#: ``conflicts`` for 三区三线 conflict pieces and the compare map's ``diff_*`` layers.
STYLES: dict[str, LayerStyle] = {
    style.name: style
    for style in (
        *(DISTRICT, CORRIDOR, CLUSTERS, ZONES, FUNCTIONAL_AREAS, PLATFORMS, TOWNS, PARCELS),
        *(CONFLICTS, DIFF_OLD, DIFF_NEW, DIFF_PIECES),
    )
}


def style_for(layer_name: str) -> LayerStyle:
    """Return the style of a layer; any name that is not a plan layer gets the parcels style.

    Examples
    --------
    >>> style_for("zones").title_en
    'Planned zones (area check)'
    >>> style_for("my_parcels").name
    'parcels'
    """
    return STYLES.get(layer_name, PARCELS)
