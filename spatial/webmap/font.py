"""The pages' font: Noto Sans SC, subset to every character a finished page can show.

``controls.css`` draws every text of a map (Latin, digits and the controls'
signs too) in ``Noto Sans SC``; :func:`with_embedded_font` puts that font in
the page as a ``data:`` URI, so the map looks and lays out the same whatever
fonts the viewer's machine has, Chinese ones or none.
"""

from __future__ import annotations

import html as html_text
import re

from spatial.publish.fonts import font_face_css

__all__ = ["EMBED_FONT_MAX_CHARS", "page_chars", "with_embedded_font"]

#: Pages with more distinct non-ASCII characters than this keep the system-font fallback
#: (``controls.css``: Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei):
#: about 40 KB of font per 100 characters.
EMBED_FONT_MAX_CHARS = 2_000
#: A ``\\uXXXX`` escape of JavaScript or JSON (the scripts write some signs so).
_JS_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def page_chars(html: str) -> set[str]:
    r"""Return the non-ASCII characters a page can show.

    They are its text and data as written, its HTML character references and
    its scripts' ``\uXXXX`` escapes (a sign a script writes into the page).

    Examples
    --------
    >>> sorted(page_chars('<b>璧山</b>&#9650;<script>t = "\\u25BC";</script>'))
    ['▲', '▼', '山', '璧']
    """
    escaped = "".join(chr(int(code, 16)) for code in _JS_ESCAPE.findall(html))
    return {c for c in html_text.unescape(html) + escaped if ord(c) > 0x7F}


def with_embedded_font(html: str) -> str:
    """Return the page with Noto Sans SC, subset to the page's own characters, in its ``<head>``.

    The characters are those of the finished page (:func:`page_chars`: titles,
    legend, every tooltip and popup in the embedded data, the scripts' signs)
    and ASCII, so the map shows all its text in this one font on a machine
    without CJK fonts; a page with more than :data:`EMBED_FONT_MAX_CHARS`
    distinct characters is left to the system fonts. The rule is generated here
    (no text of the data is formatted into it).
    """
    chars = page_chars(html)
    if len(chars) > EMBED_FONT_MAX_CHARS or "</head>" not in html:
        return html
    style = f"<style>{font_face_css(chars)}</style>"
    return html.replace("</head>", f"{style}</head>", 1)
