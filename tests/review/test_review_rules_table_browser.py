"""The review page's rules table at 1366 and 390 px: a rule's reason reads in 1–3 lines.

A planner's trial (示例数据: tests/survey.py's coverage, a 永久基本农田 constraint that
zone A occupies) found the ``reason`` column squeezed to about ten lines a row
beside the rule ids, kinds and figures kept whole. Opened in headless Chromium
(every request blocked): each row of the rules table is measured against a
one-line row, each reason's text by the lines a DOM Range is drawn on; at 390 px
the page itself never scrolls sideways (a wide table scrolls in its own box).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from planner_review_folder import write_planner_review

pytestmark = pytest.mark.browser

#: Each row of the rules table: [its height px, the lines its reason is drawn on, the reason].
ROWS_JS = r"""() => Array.from(document.querySelectorAll("#rules tbody tr")).map(tr => {
    const head = Array.from(tr.closest("table").querySelectorAll("thead th"))
        .map(th => th.textContent.trim());
    const cell = tr.children[head.indexOf("reason")];
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set(Array.from(range.getClientRects())
        .filter(r => r.width > 0).map(r => Math.round(r.top)));
    return [tr.getBoundingClientRect().height, lines.size, cell.textContent.trim()];
})"""
SCROLL_JS = """[document.documentElement.scrollWidth, document.documentElement.clientWidth,
    document.querySelector("#rules .table-box").scrollWidth,
    document.querySelector("#rules .table-box").clientWidth]"""


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    review = write_planner_review(tmp_path_factory.mktemp("rules-table"))
    text = (review / "report.html").read_text(encoding="utf-8")
    flagged = review.parent / "flagged.html"  # open_map waits for a map's ready flag
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    return flagged


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_a_rules_reason_reads_in_one_to_three_lines(page, open_map, width, height) -> None:
    visit = open_map(page, viewport={"width": width, "height": height})
    visit.screenshot(f"review-rules-table-{width}")
    rows = visit.js(f"({ROWS_JS})()")
    reasons = [(lines, reason) for _, lines, reason in rows if reason]
    assert reasons and reasons[0][1].startswith("occupies 永久基本农田 by 59,980.3 m²"), rows
    assert all(1 <= lines <= 3 for lines, _ in reasons), reasons
    one_line = min(h for h, _, _ in rows)  # a passing rule: no reason, one line
    assert all(h <= 3.2 * one_line for h, _, _ in rows), (one_line, rows)
    page_width, viewport, box_width, box_view = visit.js(SCROLL_JS)
    assert page_width <= viewport, (page_width, viewport)  # never the page sideways
    if width == 390:
        assert box_width > box_view  # the table scrolls in its own box
