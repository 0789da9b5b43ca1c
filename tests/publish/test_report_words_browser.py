"""``report.html`` on a phone (390 px) and at 1366 px: no word of a table cut across lines.

Cells could break anywhere (``overflow-wrap: anywhere``), so a table squeezed into
390 px showed its ids and figures one character a line, and at 1366 px a header
or a status could split ("PAS S"). Now a table keeps whole words and scrolls
sideways in its own box; the page itself never does. The layers are the synthetic
(示例数据) review examples of tools/build_review_examples.py; each page is opened in
headless Chromium, every request blocked, and every Latin word or figure of every
table cell is asked how many lines it is drawn on (a DOM Range's client rects); a
line may still break after a hyphen (``demo-zone-a``), as text does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spatial.cli import main

pytestmark = pytest.mark.browser

#: Latin words and figures (two characters or more, hyphens apart) drawn on more than one line.
SPLIT_WORDS_JS = r"""() => {
    const split = [];
    for (const cell of document.querySelectorAll("th, td")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const m of node.data.matchAll(/[A-Za-z0-9_.,:%²+]{2,}/g)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const lines = new Set(Array.from(range.getClientRects())
                    .filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (lines.size > 1) split.push(m[0]);
            }
        }
    }
    return split; }"""
SIZES = [(390, 844), (1366, 768)]


@pytest.fixture(scope="module")
def pages(examples, tmp_path_factory) -> dict[str, Path]:
    """The review's report.html and ``spatial report``'s, of the review examples."""
    out = tmp_path_factory.mktemp("report-words")
    zones = ["--zones", str(examples / "zones.geojson"), "--plan", str(examples / "plan.toml")]
    rules = ["--rules", str(examples / "rules.toml")]
    farmland = ["--constraint", f"永久基本农田={examples / 'farmland.geojson'}"]
    review = ["review", *zones, *rules, *farmland, "--out", str(out / "review")]
    assert main(review) in (0, 1)
    assert main(["report", *zones, *rules, "--out", str(out / "report.html")]) in (0, 1)
    found = {}
    for name, page in (("review", out / "review" / "report.html"), ("report", out / "report.html")):
        flagged = out / f"{name}-flagged.html"  # the fixture waits for a map's ready flag
        text = page.read_text(encoding="utf-8")
        flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
        found[name] = flagged
    return found


@pytest.mark.parametrize("name", ["review", "report"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_table_word_is_cut_and_the_page_does_not_scroll_sideways(
    pages, open_map, name, width, height, capsys
) -> None:
    visit = open_map(pages[name], viewport={"width": width, "height": height})
    visit.screenshot(f"report-words-{name}-{width}")
    cells = visit.js("document.querySelectorAll('td').length")
    assert cells > 20  # the tables are there
    split = visit.js(f"({SPLIT_WORDS_JS})()")
    assert split == [], split[:20]
    scroll = visit.js(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], scroll
