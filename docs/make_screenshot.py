"""Regenerate docs/bishan-map.png: the default map (``spatial map``) in headless Chromium.

The network is blocked, as in the tests, so the OpenStreetMap tiles are absent
and the plan's layers show on Leaflet's grey background.

    uv run spatial map && uv run python docs/make_screenshot.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "maps" / "bishan.html"
OUT = ROOT / "docs" / "bishan-map.png"


def main() -> int:
    """Write the screenshot; return 0, or 2 when Chromium or the map is missing."""
    chromium = shutil.which("chromium")
    if chromium is None or not MAP.exists():
        print("needs Debian's chromium and maps/bishan.html (`spatial map`)", file=sys.stderr)
        return 2
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 820})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page.goto(MAP.as_uri())
        page.wait_for_selector("html[data-map-ready]", state="attached")
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
