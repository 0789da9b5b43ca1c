"""The maps on a machine without CJK fonts: every text drawn in the page's own font.

The browser fixture's Chromium sees DejaVu only (``clean_fontconfig`` in
tests/conftest.py), the fonts of a clean Debian, whatever this machine has. On
it the map (at a desktop's and a phone's size) and the compare map draw every
text, Latin and signs included, in the embedded Noto Sans SC subset (asked of
Chromium: DevTools ``CSS.getPlatformFontsForNode``), the subset has a glyph for
every character the page shows or holds for its tooltips and popups, and labels
that a late font makes collide are hidden again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from map_fixtures import embedded_font_chars, rendered_fonts, shown_chars

from spatial.cli import main
from spatial.publish.fonts import FONT_FAMILY

pytestmark = pytest.mark.browser

EMBEDDED = f"{FONT_FAMILY} (embedded)"
SIZES = [(1366, 768), (390, 844)]
OPEN_A_ZONE_POPUP_JS = """() => { const l = window.spatialLayers.zones.getLayers()[0];
    l.fire("click", {latlng: l.getCenter()}, true); }"""
LABEL_OVERLAPS_JS = """() => { const boxes = Array.from(document.querySelectorAll(".sp-label"))
    .filter(e => getComputedStyle(e).visibility !== "hidden" && e.offsetParent !== null)
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
    const clash = (a, b) => a.left < b.right && b.left < a.right
        && a.top < b.bottom && b.top < a.bottom;
    let n = 0;
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => { if (clash(a, b)) { n++; } }));
    return [boxes.length, n]; }"""
#: The page's own font face again under another name, 1.8 times as large, as a viewer's font
#: loading after the map opened would be; the labels switch to it.
LATE_FONT_JS = """async () => {
    const rule = Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))
        .find(r => r instanceof CSSFontFaceRule);
    const src = rule.style.getPropertyValue("src");
    const face = new FontFace("Late", src, {sizeAdjust: "180%"});
    document.fonts.add(face);
    const done = new Promise(resolve => document.fonts.addEventListener("loadingdone", resolve));
    const style = document.createElement("style");
    style.textContent = ".sp-label, .sp-label * { font-family: Late !important; }";
    document.head.appendChild(style);
    await face.load();
    await done;
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}"""


@pytest.fixture(scope="module")
def bundled_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fonts") / "bishan.html"
    assert main(["map", "--offline", "--out", str(out)]) == 0
    return out


def _show_everything(visit, width: int) -> None:
    """Unfold the legend, point at the map (coordinates), open a zone's popup."""
    page = visit.page
    if not page.is_visible(".sp-legend-body"):
        page.click(".sp-legend-toggle")
    page.mouse.move(width // 2, 400)
    page.evaluate(OPEN_A_ZONE_POPUP_JS)
    page.wait_for_selector(".leaflet-popup-content")


def test_the_browser_sees_no_cjk_system_font(open_map, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(
        '<!doctype html><html data-map-ready="1"><head><meta charset="utf-8"></head>'
        '<body style="font-family: sans-serif"><p id="zh">璧山区</p><p id="en">Bishan</p>'
        "</body></html>",
        encoding="utf-8",
    )
    page = open_map(probe).page
    zh, en = set(rendered_fonts(page, "#zh")), set(rendered_fonts(page, "#en"))
    # with a CJK font installed, 璧山区 is drawn in it; here in the Latin fallback (as boxes)
    assert zh == en, (zh, en)
    assert all(f.endswith("(system)") for f in zh)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_text_of_the_map_is_drawn_in_the_embedded_font(bundled_map, open_map, width, height):
    visit = open_map(bundled_map, viewport={"width": width, "height": height})
    _show_everything(visit, width)
    visit.screenshot(f"fonts-map-{width}x{height}")
    fonts = rendered_fonts(visit.page)
    assert fonts.keys() == {EMBEDDED}, fonts
    assert visit.page_errors == [] and visit.console_errors == []


def test_the_embedded_font_has_every_character_the_map_shows(bundled_map, open_map):
    visit = open_map(bundled_map, viewport={"width": 1366, "height": 768})
    _show_everything(visit, 1366)
    visit.page.click(".sp-measure .sp-button")  # its help text
    shown = shown_chars(visit.page)
    assert {"璧", "A", "7", "（", "²"} <= shown  # Chinese, Latin, digits, punctuation, units
    missing = shown - embedded_font_chars(bundled_map.read_text(encoding="utf-8"))
    assert missing == set(), sorted(missing)


def test_labels_a_late_font_makes_collide_are_hidden(bundled_map, open_map):
    visit = open_map(bundled_map, viewport={"width": 1366, "height": 768})
    before = visit.page.evaluate(LABEL_OVERLAPS_JS)
    assert before[1] == 0 and before[0] >= 10, before
    visit.page.evaluate(LATE_FONT_JS)
    shown, overlaps = visit.page.evaluate(LABEL_OVERLAPS_JS)
    visit.screenshot("fonts-map-late-font")
    assert overlaps == 0 and 0 < shown < before[0], (shown, overlaps)


def test_every_text_of_the_compare_map_is_drawn_in_the_embedded_font(examples, open_map, tmp_path):
    html = tmp_path / "compare.html"
    old, new = examples / "landuse_existing.geojson", examples / "landuse_planned.geojson"
    args = ["diff", str(old), str(new), "--no-checks", "--class-field", "YDYHFLDM"]
    assert main([*args, "--map", str(html), "--format", "json"]) == 0
    visit = open_map(html, viewport={"width": 1366, "height": 768})
    if not visit.page.is_visible(".sp-legend-body"):
        visit.page.click(".sp-legend-toggle")
    fonts = rendered_fonts(visit.page)
    assert fonts.keys() == {EMBEDDED}, fonts
    missing = shown_chars(visit.page) - embedded_font_chars(html.read_text(encoding="utf-8"))
    assert missing == set(), sorted(missing)
