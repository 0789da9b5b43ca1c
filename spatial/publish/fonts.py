"""Fonts that travel: Noto Sans SC from a registry package, subset to the text a document uses.

The font is Noto Sans SC Regular (``NotoSansSC-Regular.otf``, SIL Open Font
License 1.1) from the PyPI package ``pylopdf-fonts-zh-cn`` 0.1.1, which ships it
unchanged from notofonts/noto-cjk (``Sans/SubsetOTF/SC``, source SHA-256
:data:`FONT_SHA256`). No system font is needed: every document embeds the
glyphs it uses, Chinese and Latin alike.

* :func:`sheet_font` subsets it to a set of characters and converts the
  PostScript (CFF) outlines to TrueType ones, which matplotlib's PDF backend
  embeds as a CID TrueType font with a ``ToUnicode`` map (text can be searched
  and copied);
* :func:`font_face_css` subsets it for a web page: an ``@font-face`` rule whose
  font is a ``data:`` URI, so a page shows its Chinese text without system fonts
  and without a network request.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import pylopdf_fonts_zh_cn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.table import Table
from matplotlib.text import Text

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "FONT_FAMILY",
    "FONT_SHA256",
    "SVG_METADATA",
    "font_face_css",
    "font_path",
    "in_noto",
    "sheet_family",
    "sheet_font",
    "used_chars",
]

#: SVG metadata matplotlib would write (an RDF block, with its date): none, so a page is
#: the same from one day to the next and names no outside vocabulary.
SVG_METADATA: dict[str, None] = {"Creator": None, "Date": None, "Format": None, "Type": None}
#: Family name documents use for the embedded font.
FONT_FAMILY = "Noto Sans SC"
#: SHA-256 of the font file as published by notofonts (checked by the tests).
FONT_SHA256 = "faa6c9df652116dde789d351359f3d7e5d2285a2b2a1f04a2d7244df706d5ea9"
#: Quadratic approximation error of the CFF -> TrueType conversion, in font units
#: (of 1000 per em: invisible at any print size).
_CU2QU_MAX_ERR = 1.0
#: Characters always kept (digits, Latin letters, punctuation used by figures).
_BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "°²±≤≥—–·…×−％（）：，、。；"


def font_path() -> Path:
    """Return the path of the Noto Sans SC OpenType font (from ``pylopdf-fonts-zh-cn``)."""
    return Path(pylopdf_fonts_zh_cn.sans_path())


def used_chars(texts: Iterable[str]) -> str:
    """Return the sorted characters of ``texts`` plus digits, Latin letters and punctuation.

    Examples
    --------
    >>> chars = used_chars(["璧山", "山区"])
    >>> "璧" in chars and "区" in chars and "A" in chars
    True
    """
    found = set(_BASE_CHARS)
    for text in texts:
        found.update(text)
    return "".join(sorted(c for c in found if c.isprintable()))


def _subset(chars: str) -> TTFont:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(font_path(), lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    return font


def _to_truetype(font: TTFont) -> TTFont:
    """Convert CFF outlines to TrueType (quadratic) ones, the otf2ttf recipe of fontTools."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, _CU2QU_MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = glyph_order
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def _rename(font: TTFont, family: str) -> None:
    """Give a subset its own family name, so that several subsets never stand for each other."""
    postscript = family.replace(" ", "")
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = postscript


def sheet_family(path: Path) -> str:
    """Return the family name of a subset written by :func:`sheet_font`."""
    return cast(str, TTFont(path)["name"].getDebugName(1))  # fontTools is untyped


@cache
def sheet_font(chars: str) -> Path:
    """Return a TrueType subset of Noto Sans SC holding ``chars``, written to a temporary folder.

    Cached per character set for the process; matplotlib embeds (and subsets
    again) the glyphs a figure draws when ``pdf.fonttype`` is 42.
    """
    font = _to_truetype(_subset(chars))
    digest = hashlib.sha256(chars.encode("utf-8")).hexdigest()[:16]
    _rename(font, f"{FONT_FAMILY} {digest}")
    folder = Path(tempfile.gettempdir()) / "spatial-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"NotoSansSC-subset-{digest}.ttf"
    buffer = io.BytesIO()
    font.save(buffer)
    # written beside it and moved into place whole: another process drawing the same
    # characters at the same moment never reads a half-written font
    fd, part = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(buffer.getvalue())
    os.replace(part, path)
    return path


def _texts(fig: Figure) -> Iterable[str]:
    for text in fig.findobj(Text):
        yield text.get_text()
    for table in fig.findobj(Table):
        for cell in table.get_celld().values():
            yield cell.get_text().get_text()


#: matplotlib settings under which every text artist (labels, ticks, legends, tables)
#: shows its text as typed: ``$...$`` is not mathtext (``Text(parse_math=False)``).
LITERAL_TEXT: dict[RcKeyType, Any] = {"text.parse_math": False, "text.usetex": False}


@contextlib.contextmanager
def in_noto(build: Callable[[], Figure]) -> Iterator[Figure]:
    r"""Build the figure in a Noto Sans SC subset holding exactly the characters it draws.

    A first, throw-away build collects the text; the subset (TrueType outlines, a
    family name of its own) is registered with matplotlib and the figure built
    again with it as the only font, so nothing falls back to a system font.

    Text is text: every figure is built and saved in here, with
    :data:`LITERAL_TEXT` in force, so no label (a zone's, town's or target's
    name) is read as mathtext: ``$\frac{1}{2}$`` prints as typed and
    ``$\undefinedmacro{x}$`` cannot stop the drawing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # glyphs the probe's font lacks
        with matplotlib.rc_context({**LITERAL_TEXT, "font.family": "DejaVu Sans"}):
            probe = build()
            # makes the texts drawn lazily (tick labels); matplotlib leaves draw() unannotated
            FigureCanvasAgg(probe).draw()  # type: ignore[no-untyped-call]
            chars = used_chars(_texts(probe))
    path = sheet_font(chars)
    font_manager.fontManager.addfont(str(path))
    with matplotlib.rc_context({**LITERAL_TEXT, "font.family": [sheet_family(path)]}):
        yield build()


def font_face_css(texts: Iterable[str], family: str = FONT_FAMILY) -> str:
    """Return an ``@font-face`` rule embedding Noto Sans SC subset to the characters of ``texts``.

    The font is an OpenType (CFF) ``data:`` URI: no network request, no system
    font. Only characters present in ``texts`` (and ASCII) are kept.
    """
    buffer = io.BytesIO()
    _subset(used_chars(texts)).save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"@font-face {{ font-family: '{family}'; font-style: normal; font-weight: 400; "
        f"src: url(data:font/otf;base64,{data}) format('opentype'); }}"
    )
