"""The page's scripts and styles, inlined so a map never fetches code from a CDN.

Leaflet 1.9.3 comes from the ``xstatic-leaflet`` package on PyPI (its CSS
images become ``data:`` URIs); the toolkit's own controls (full screen,
measure, mouse coordinates, mini-map, panels) are plain JavaScript and CSS in
``static/``. Folium's default links (Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers from CDNs) are dropped: nothing on our maps uses them. The same
inlined assets serve online and offline maps, so a map differs between the two
only in whether it draws network tiles.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from branca.element import Element, Figure

__all__ = [
    "LEAFLET_VERSION",
    "add_assets",
    "controls_css",
    "controls_js",
    "leaflet_css",
    "leaflet_js",
    "page_of",
]

#: Version of the Leaflet library inlined into every map.
LEAFLET_VERSION: str = xs_leaflet.VERSION
_STATIC = Path(__file__).with_name("static")
_LEAFLET_DIR = Path(xs_leaflet.BASE_DIR)
_CSS_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")


@cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript (from ``xstatic-leaflet``)."""
    return _script_safe((_LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"))


def _data_uri(match: re.Match[str]) -> str:
    data = base64.b64encode((_LEAFLET_DIR / match.group(1)).read_bytes()).decode("ascii")
    return f"url(data:image/png;base64,{data})"


@cache
def leaflet_css() -> str:
    """Return Leaflet's CSS with its images inlined as ``data:`` URIs.

    Examples
    --------
    >>> "images/" in leaflet_css(), "data:image/png;base64," in leaflet_css()
    (False, True)
    """
    return _CSS_URL.sub(_data_uri, (_LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8"))


@cache
def controls_js() -> str:
    """Return the toolkit's own map controls (``static/controls.js``)."""
    return _script_safe((_STATIC / "controls.js").read_text(encoding="utf-8"))


@cache
def controls_css() -> str:
    """Return the styles of the toolkit's panels and controls (``static/controls.css``)."""
    return (_STATIC / "controls.css").read_text(encoding="utf-8")


def _script_safe(code: str) -> str:
    if "</script" in code.lower():
        raise ValueError("an inlined script contains '</script'; it cannot be embedded")
    return code


def page_of(m: folium.Map) -> Figure:
    """Return the HTML page (branca ``Figure``) that ``m`` renders into."""
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"map {m.get_name()} is not on an HTML page (its root is {type(root)})")
    return root


def add_assets(m: folium.Map) -> None:
    """Replace folium's CDN links on ``m`` with the inlined Leaflet and toolkit assets."""
    m.default_js = []
    m.default_css = []
    header = page_of(m).header
    header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(Element(f"<style>{controls_css()}</style>"), name="spatial_css")
    header.add_child(Element(f"<script>{leaflet_js()}</script>"), name="leaflet_js")
    header.add_child(Element(f"<script>{controls_js()}</script>"), name="spatial_js")
