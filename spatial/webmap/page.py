"""The one gate through which text from outside the toolkit enters a map page.

branca, which folium builds on, renders each element's macros and then compiles
their *output* again as a new Jinja template (``Element(text)``). Any text
formatted into an element's template therefore becomes template source on that
second pass: a zone named ``{{ 7*7 }}`` shows ``49``, ``{#`` crashes the build,
and ``{{ lipsum.__globals__... }}`` runs Python. HTML escaping does not help.

So no value that may hold a planner's text (feature names, property keys and
values, file and layer names, titles, tile URLs and attributions, a tile folder
path) is ever formatted into a template. Instead :func:`page_value` appends it to
the page's data block, a ``<script type="application/json">`` element, and
returns a JavaScript expression that reads it back (``SpatialData(7)``); only
that expression, made of our own characters, goes into a template. The data
block is a :class:`RawElement`, written into the page as it is and never
compiled. Elements of our own also derive from :class:`RawMacroElement`, whose
macros' output is never compiled a second time either.
"""

from __future__ import annotations

from typing import Any

import folium  # noqa: F401 - used in the doctest
from branca.element import Element, Figure, MacroElement

from spatial.publish.escape import script_json, script_safe

__all__ = [
    "DATA_ID",
    "PageData",
    "RawElement",
    "RawMacroElement",
    "page_json",
    "page_of",
    "page_value",
]

#: ``id`` of the page's data block; ``SpatialData(i)`` in ``controls.js`` reads item ``i``.
DATA_ID = "spatial-data"
_DATA_KEY = "spatial_data"


class RawElement(Element):
    """An element whose text is written into the page as it is, never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawElement"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text itself."""
        return self.text


class RawMacroElement(MacroElement):
    """A macro element whose rendered ``header``, ``html`` and ``script`` are not compiled again.

    branca's :meth:`MacroElement.render` wraps each macro's output in
    ``Element(text)``, which compiles it as a template; this one wraps it in a
    :class:`RawElement`. Put it after folium's class in the bases
    (``class X(folium.map.Layer, RawMacroElement)``) so folium's own
    ``render`` runs first.
    """

    # branca's MacroElement.render returns nothing, though Element.render is typed str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Add the macros' output to the figure as raw text, then render the children."""
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                text = RawElement(macro(self, kwargs))
                getattr(figure, part).add_child(text, name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class PageData(RawElement):
    """The page's data block: a JSON array of every outside value the page uses."""

    def __init__(self) -> None:
        super().__init__("")
        self._name = "PageData"
        self.items: list[str] = []
        self._slots: dict[str, int] = {}

    def add_json(self, json_text: str, key: str | None = None) -> str:
        """Store one JSON text and return the JavaScript expression that reads it.

        With a ``key`` the text replaces what an earlier call with that key
        stored (an element rendered twice keeps one copy of its data).
        """
        if key is None or key not in self._slots:
            self.items.append(json_text)
            if key is not None:
                self._slots[key] = len(self.items) - 1
            index = len(self.items) - 1
        else:
            index = self._slots[key]
            self.items[index] = json_text
        return f"SpatialData({index})"

    def render(self, **kwargs: Any) -> str:
        """Return the ``<script type="application/json">`` element holding every item."""
        body = script_safe("[" + ",".join(self.items) + "]")
        return f'<script type="application/json" id="{DATA_ID}">{body}</script>'


def page_of(element: Element) -> Figure:
    """Return the HTML page (branca ``Figure``) that ``element`` renders into."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{element.get_name()} is not on an HTML page (its root is {type(root)})")
    return root


def _data(element: Element) -> PageData:
    header = page_of(element).header
    data = header._children.get(_DATA_KEY)
    if not isinstance(data, PageData):
        data = PageData()
        header.add_child(data, name=_DATA_KEY)
    return data


def page_value(element: Element, value: Any, key: str | None = None) -> str:
    r"""Put ``value`` (JSON-ready) into the page's data block; return the JS expression reading it.

    This is the only way text from a layer, a file name or an option enters a
    map page. The expression returned contains none of that text.

    Parameters
    ----------
    element : branca.element.Element
        The map, or any element already on it (its root figure holds the block).
    value : JSON-ready object
        Strings, numbers, lists and dicts; NaN is refused.
    key : str, optional
        A stable name for the slot, so rendering an element twice stores its value once.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> page_value(m, "{{ 7*7 }}"), page_value(m, ["</script>"])
    ('SpatialData(0)', 'SpatialData(1)')
    >>> print(m.get_root().header._children["spatial_data"].render())
    <script type="application/json" id="spatial-data">["{{ 7*7 }}",["\u003c/script\u003e"]]</script>
    """
    return _data(element).add_json(script_json(value), key)


def page_json(element: Element, json_text: str, key: str | None = None) -> str:
    """Like :func:`page_value` for a value already serialised as JSON (e.g. a large GeoJSON)."""
    return _data(element).add_json(json_text, key)
