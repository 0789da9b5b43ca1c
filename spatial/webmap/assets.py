"""The page's scripts and styles, inlined so a map never fetches code from a CDN.

Leaflet 1.9.3 comes from the ``xstatic-leaflet`` package on PyPI. The three
Leaflet plugins the maps use (full screen, mini-map, mouse position) are
vendored from their npm packages under ``static/vendor/``, with their licences,
versions and sha256 in ``static/vendor/MANIFEST.json`` (refreshed by
``tools/vendor_leaflet_plugins.py``). The toolkit's own controls (panels,
legend, measure tool, label zoom, the "ready" flag) are ``static/controls.js``
and ``controls.css``. Images that stylesheets refer to become ``data:`` URIs.
Folium's default links (Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers from CDNs) are dropped: nothing on our maps uses them. The same
inlined assets serve online and offline maps, so a map differs between the two
only in whether it draws network tiles.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet

from spatial.webmap.page import RawElement, page_of

__all__ = [
    "LEAFLET_VERSION",
    "VendoredPlugin",
    "add_assets",
    "controls_css",
    "controls_js",
    "leaflet_css",
    "leaflet_js",
    "plugin",
    "plugins",
    "plugins_css",
    "plugins_js",
]

#: Version of the Leaflet library inlined into every map.
LEAFLET_VERSION: str = xs_leaflet.VERSION
_STATIC = Path(__file__).with_name("static")
_VENDOR = _STATIC / "vendor"
_LEAFLET_DIR = Path(xs_leaflet.BASE_DIR)
#: A stylesheet's ``url(...)`` of a file beside it (not ``data:``), quoted or not.
_CSS_URL = re.compile(r"""url\((['"]?)(?!data:)([\w./-]+)\1\)""")
_MIME = {".png": "image/png", ".svg": "image/svg+xml"}


@cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript (from ``xstatic-leaflet``)."""
    return _script_safe((_LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"))


def _inline_images(css: str, folder: Path) -> str:
    """Replace each ``url(file)`` in ``css`` by the file (relative to ``folder``) as a data: URI."""

    def data_uri(match: re.Match[str]) -> str:
        path = folder / match.group(2)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{_MIME[path.suffix]};base64,{data})"

    return _CSS_URL.sub(data_uri, css)


@cache
def leaflet_css() -> str:
    """Return Leaflet's CSS with its images inlined as ``data:`` URIs.

    Examples
    --------
    >>> "images/" in leaflet_css(), "data:image/png;base64," in leaflet_css()
    (False, True)
    """
    return _inline_images((_LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8"), _LEAFLET_DIR)


@dataclass(frozen=True)
class VendoredPlugin:
    """A Leaflet plugin vendored from npm, as ``static/vendor/MANIFEST.json`` lists it.

    ``maps`` says where it goes: ``"all"`` (every map, by :func:`add_assets`),
    ``"compare"`` (the compare map only, by :mod:`spatial.webmap.compare`) or
    ``"tiles"`` (maps with a layer drawn as vector tiles, by :mod:`spatial.webmap.tiles`).
    """

    name: str
    version: str
    license: str
    maps: str
    script: Path
    styles: tuple[Path, ...]
    licence: Path

    @property
    def banner(self) -> str:
        """A comment to head the plugin's inlined script: name, version and its licence's text.

        The BSD and MIT licences ask that their notice go wherever the code goes,
        and every map carries the code.
        """
        text = self.licence.read_text(encoding="utf-8").strip().replace("*/", "* /")
        return f"/*! {self.name} {self.version} ({self.license})\n{text}\n*/"

    def js(self) -> str:
        """Return the script as it is, checked safe to inline (no ``</script``)."""
        return _script_safe(self.script.read_text(encoding="utf-8"))

    def css(self) -> str:
        """Return the stylesheets, their images inlined as ``data:`` URIs."""
        return "\n".join(
            _inline_images(style.read_text(encoding="utf-8"), style.parent) for style in self.styles
        )


@cache
def plugins() -> tuple[VendoredPlugin, ...]:
    """Return every vendored Leaflet plugin, in the manifest's order.

    Examples
    --------
    >>> [(p.name, p.license, p.maps) for p in plugins()]  # doctest: +NORMALIZE_WHITESPACE
    [('leaflet.fullscreen', 'MIT', 'all'), ('leaflet-minimap', 'BSD-2-Clause', 'all'),
     ('leaflet-mouse-position', 'MIT', 'all'), ('leaflet-side-by-side', 'MIT', 'compare'),
     ('pmtiles', 'BSD-3-Clause', 'tiles'), ('protomaps-leaflet', 'BSD-3-Clause', 'tiles')]
    """
    manifest = json.loads((_VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    return tuple(
        VendoredPlugin(
            name=entry["name"],
            version=entry["version"],
            license=entry["license"],
            maps=entry["maps"],
            script=_VENDOR / entry["name"] / entry["script"],
            styles=tuple(_VENDOR / entry["name"] / style for style in entry["styles"]),
            licence=_VENDOR / entry["name"] / entry["licence_file"],
        )
        for entry in manifest["packages"]
    )


def plugin(name: str) -> VendoredPlugin:
    """Return the vendored plugin called ``name`` (its npm package name)."""
    found = {p.name: p for p in plugins()}
    if name not in found:
        raise KeyError(f"no vendored plugin {name!r}; vendored: {', '.join(found)}")
    return found[name]


@cache
def plugins_js() -> str:
    """Return the scripts of the plugins on every map, one after another (after Leaflet's)."""
    return "\n".join(f"{p.banner}\n{p.js()}" for p in plugins() if p.maps == "all")


@cache
def plugins_css() -> str:
    """Return the stylesheets of the plugins on every map, images inlined as ``data:`` URIs."""
    return "\n".join(p.css() for p in plugins() if p.maps == "all")


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


def add_assets(m: folium.Map) -> None:
    """Replace folium's CDN links on ``m`` with the inlined Leaflet, plugin and toolkit assets.

    They are written as they are (:class:`~spatial.webmap.page.RawElement`), not
    compiled as templates, so a ``{#`` in a library's code cannot break the page.
    """
    m.default_js = []
    m.default_css = []
    header = page_of(m).header
    header.add_child(RawElement(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(RawElement(f"<style>{plugins_css()}</style>"), name="plugins_css")
    header.add_child(RawElement(f"<style>{controls_css()}</style>"), name="spatial_css")
    header.add_child(RawElement(f"<script>{leaflet_js()}</script>"), name="leaflet_js")
    header.add_child(RawElement(f"<script>{plugins_js()}</script>"), name="plugins_js")
    header.add_child(RawElement(f"<script>{controls_js()}</script>"), name="spatial_js")
