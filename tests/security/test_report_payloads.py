"""``spatial report`` with hostile text in a planner's zones: shown as typed, never run.

The report is plain HTML written by the toolkit (no template engine, no script):
every payload in a zone's name, source and an extra field appears escaped,
nothing is created on disk, and the PDF sheet is still written.
"""

from __future__ import annotations

import pytest
from payloads import HTML as HTML_PAYLOADS
from payloads import PWNED_DIR, PWNED_FILE, TEMPLATE

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.publish.escape import escape_text

PAYLOADS = [text for _, text in TEMPLATE + HTML_PAYLOADS]


@pytest.fixture
def hostile_zones(tmp_path):
    zones = read_layer(bundled_layer_path("zones"))
    names = PAYLOADS[: len(zones)]
    sources = PAYLOADS[len(zones) : 2 * len(zones)]
    zones["name_zh"] = names  # drawn on the map (as outlines) and the sheet
    zones["source"] = sources  # listed in the provenance table
    path = tmp_path / "hostile.geojson"
    zones.to_file(path, driver="GeoJSON")
    return path, sources


def test_report_shows_hostile_zone_text_escaped_and_runs_nothing(
    hostile_zones, tmp_path, monkeypatch
):
    path, sources = hostile_zones
    monkeypatch.chdir(tmp_path)
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert main(["report", "--zones", str(path), "--out", str(out), "--pdf", str(pdf)]) == 0
    page = out.read_text(encoding="utf-8")
    provenance = page.split("Provenance", 1)[1]
    for source in sources:
        assert escape_text(source) in provenance, source  # as typed, escaped once
    assert "<script" not in page and "<img" not in page and "<svg onload" not in page
    assert pdf.stat().st_size > 10_000
    assert not (tmp_path / PWNED_FILE).exists() and not (tmp_path / PWNED_DIR).exists()
