"""The review page (``spatial review``'s report.html): outside text stays text, the map inside."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from spatial.checks.snapshot import take_snapshot
from spatial.publish.review_report import ReviewPage, ReviewSection, review_html, table_html

HOSTILE = '<img src=x onerror=alert(1)>"`${x}'


def test_table_cells_are_escaped_and_rounded_by_unit():
    table = pd.DataFrame(
        {"name": [HOSTILE], "area_m2": [1234.5678], "area_ha": [0.12345678], "status": ["FAIL"]}
    )
    text = table_html(table)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert '<td class="num">1,234.6</td>' in text and '<td class="num">0.1235</td>' in text
    assert '<tr class="fail">' in text


@pytest.fixture(scope="module")
def page() -> str:
    snapshot = take_snapshot({})  # no layer: the bundled targets, each "not given"
    sections = [ReviewSection("conflicts", HOSTILE, ((HOSTILE, pd.DataFrame({"a": [1]})),))]
    map_html = '<html><body><p title="x">a & b</p><script>var s = "</scr" + "ipt>";</script>'
    return review_html(snapshot, sections, ReviewPage(True, [HOSTILE], map_html, "ab" * 32))


def test_outside_text_never_becomes_markup(page: str):
    assert "<img" not in page.replace("&lt;img", "")
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 3  # problem, title, caption


def test_the_map_is_one_escaped_srcdoc_attribute(page: str):
    (srcdoc,) = re.findall(r'<iframe title="map" srcdoc="([^"]*)"></iframe>', page)
    assert html.unescape(srcdoc).startswith('<html><body><p title="x">a & b</p>')
    assert page.count("<script") == 0  # the map's script exists only inside the attribute
