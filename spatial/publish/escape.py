r"""Safe text: every string a map or report shows is escaped before it reaches the page.

A property value or field name may come from a planner's own file and contain
anything, including ``<img src=x onerror=alert(1)>``. Text goes into a map in
two places, and both are handled here:

* inside HTML (tooltips, popups, the legend, the layer control): :func:`escape_text`
  escapes ``< > & " '`` for HTML and the backtick and ``${`` for JavaScript
  template strings, so the text shows as typed and runs nothing;
* inside a ``<script>`` element (the page's JSON data block, see
  :mod:`spatial.webmap.page`): :func:`script_json` writes JSON in which ``<``,
  ``>`` and ``&`` are ``\u`` escapes, so no string can close the script
  element or open an HTML comment.

Neither makes text safe to put into a Jinja template: outside text reaches the
page only as data, through :func:`spatial.webmap.page.page_value`.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

__all__ = ["escape_text", "script_json", "script_safe"]

_TEMPLATE_STRING = {"`": "&#96;", "${": "&#36;{"}
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def escape_text(value: Any) -> str:
    r"""Return ``value`` as text that is inert in HTML and in a JavaScript template string.

    ``None`` and NaN become an empty string; everything else goes through ``str``.

    Examples
    --------
    >>> escape_text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape_text('a `b` ${c} "d" & \'e\'')
    'a &#96;b&#96; &#36;{c} &quot;d&quot; &amp; &#x27;e&#x27;'
    >>> escape_text(None), escape_text(float("nan")), escape_text(15)
    ('', '', '15')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    for raw, safe in _TEMPLATE_STRING.items():
        text = text.replace(raw, safe)
    return text


def script_json(value: Any) -> str:
    r"""Serialise ``value`` as compact JSON that is safe inside a ``<script>`` element.

    Examples
    --------
    >>> script_json({"name": "</script><b>"})
    '{"name":"\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return script_safe(text)


def script_safe(text: str) -> str:
    r"""Return JSON text with ``<``, ``>``, ``&`` and U+2028/2029 as ``\u`` escapes.

    Valid on any JSON text: outside strings these characters cannot occur, inside
    strings the escape means the same character.
    """
    for raw, safe in _SCRIPT_UNSAFE.items():
        text = text.replace(raw, safe)
    return text
