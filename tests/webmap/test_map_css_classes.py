"""Every rule of the map's stylesheet names a class the page can carry (the phone rules too).

A rule for a class no element carries does nothing, silently: the phone rules once
hid ``.sp-minimap`` and ``.sp-mouse`` while the mini-map and the coordinates carry
the plugins' own classes. The classes are looked for in what can make an element:
the offline page (its HTML, Leaflet, the vendored plugins and ``controls.js``
inlined), without the stylesheet itself, and the map's Python sources (classes set
only on some maps, such as the GCJ-02 warning).
"""

from __future__ import annotations

import re
from pathlib import Path

import spatial.webmap
from spatial import MapOptions, build_map

WEBMAP = Path(spatial.webmap.__file__).parent
CSS = (WEBMAP / "static" / "controls.css").read_text(encoding="utf-8")
#: Classes Leaflet builds by joining words, so no source spells them whole.
COMPOSED = {
    "leaflet-control-layers-base": "L.Control.Layers: className + '-base'",
    "leaflet-control-layers-overlays": "L.Control.Layers: className + '-overlays'",
}


def _pane_classes() -> set[str]:
    """Leaflet names a pane's element ``leaflet-<pane>-pane``; ours are ``spatial-<style>``."""
    from spatial.webmap.styles import STYLES  # noqa: PLC0415

    return {f"leaflet-spatial-{name}-pane" for name in STYLES}


def test_every_class_the_stylesheet_names_is_made_by_the_page():
    page = build_map(options=MapOptions(offline=True)).get_root().render().replace(CSS, "")
    python = "".join(p.read_text(encoding="utf-8") for p in sorted(WEBMAP.rglob("*.py")))
    named = set(re.findall(r"\.((?:sp|leaflet)-[\w-]+)", CSS))
    assert {"leaflet-control-minimap", "leaflet-control-mouseposition"} <= named  # phone rules
    made = {c for c in named if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", page + python)}
    assert named - made - set(COMPOSED) - _pane_classes() == set()
    assert all(name.removesuffix("-base").removesuffix("-overlays") in page for name in COMPOSED)
