"""Browser fixtures: Debian's Chromium driven by Playwright, with the network blocked.

Playwright's own browser downloads are never used: the tests drive the
system ``chromium`` (``shutil.which("chromium")`` or ``/usr/bin/chromium``).
Without one, browser tests skip with the reason on a developer's machine; with
``CI=true`` they fail instead, so CI can never pass without running them.
Chromium runs with a fontconfig of its own (:func:`clean_fontconfig`) that sees
DejaVu only, the fonts of a clean Debian: no CJK font, whatever the machine has,
so every browser test proves that the pages need no system font.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
#: The font folders a clean Debian with Chromium has: chromium needs fontconfig, which needs
#: fonts-dejavu-core (or fonts-liberation, among its alternatives). Latin fonts only.
CLEAN_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
_GENERIC_FAMILIES = {
    "sans-serif": "DejaVu Sans",
    "serif": "DejaVu Serif",
    "monospace": "DejaVu Sans Mono",
}
READY_TIMEOUT_MS = 30_000


def chromium_path() -> str | None:
    """Return the system Chromium's path, or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def clean_fontconfig(folder: Path) -> Path:
    """Write ``folder/fonts.conf``: fontconfig seeing only :data:`CLEAN_FONT_DIRS`; return its path.

    No system configuration is included (a machine's own could add folders),
    so no CJK font is found however many the machine has installed. Chromium
    draws no text at all, web fonts included, without one font of the machine.
    """
    found = [d for d in CLEAN_FONT_DIRS if Path(d).is_dir()]
    if not found:
        _unavailable(f"no Latin font for Chromium in {CLEAN_FONT_DIRS} (install fonts-dejavu-core)")
    dirs = "".join(f"<dir>{d}</dir>" for d in found)
    aliases = "".join(
        f"<alias><family>{generic}</family><prefer><family>{family}</family></prefer></alias>"
        for generic, family in _GENERIC_FAMILIES.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{folder / 'cache'}</cachedir>{aliases}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def clean_fonts(tmp_path_factory) -> Path:
    """The fonts.conf of :func:`clean_fontconfig` (DejaVu only), written once per session."""
    return clean_fontconfig(tmp_path_factory.mktemp("fontconfig"))


@pytest.fixture(scope="module")
def browser(clean_fonts) -> Iterator[object]:
    """A headless Chromium for the module's tests (skips without one, fails in CI).

    It sees no CJK font (:func:`clean_fontconfig`), whatever the machine has.
    """
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (install Debian's chromium package to run browser tests)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only for browser tests
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("the playwright package is not installed (uv sync --group dev)")
    with sync_playwright() as pw:
        env = {**os.environ, "FONTCONFIG_FILE": str(clean_fonts)}
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, env=env)
        yield chromium
        chromium.close()


@dataclass
class MapVisit:
    """A map opened in the browser, and everything the page tried or reported."""

    page: object
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def js(self, expression: str) -> object:
        """Evaluate a JavaScript expression in the page."""
        return self.page.evaluate(expression)

    def screenshot(self, name: str) -> Path:
        """Keep a screenshot under test-artifacts/ and return its path."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _route(visit: MapVisit):
    def handle(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort()

    return handle


def _dialog(visit: MapVisit):
    def handle(dialog) -> None:
        visit.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    return handle


@pytest.fixture
def open_map(browser) -> Iterator[object]:
    """Return ``open_map(path, viewport=None) -> MapVisit``: open a map, every request blocked."""
    contexts = []

    def visit(path: Path, viewport: dict[str, int] | None = None) -> MapVisit:
        context = browser.new_context(viewport=viewport or VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        result = MapVisit(page)
        page.on("request", lambda request: result.requests.append(request.url))
        page.on(
            "console",
            lambda msg: result.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
        page.on("requestfailed", lambda request: result.failed.append(request.url))
        page.on("dialog", _dialog(result))
        context.route("**/*", _route(result))
        page.goto(Path(path).resolve().as_uri())
        page.wait_for_selector("html[data-map-ready]", state="attached", timeout=READY_TIMEOUT_MS)
        return result

    yield visit
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A real PostgreSQL + PostGIS server on a loopback port for the session (its URL).

    Skips on a developer's machine without the Debian packages (postgresql,
    postgresql-15-postgis-3); fails with ``CI=true``, where .ci/run installs them.
    """
    from postgis_server import PostgisServer, postgis_missing, postgres_bin  # noqa: PLC0415

    bin_dir = postgres_bin()
    if bin_dir is None:
        _unavailable("no PostgreSQL server found (install Debian's postgresql package)")
    missing = postgis_missing(bin_dir)
    if missing is not None:
        _unavailable(missing)
    server = PostgisServer(bin_dir)
    try:
        url = server.start()
    except Exception as exc:
        server.stop()
        _unavailable(f"the PostgreSQL server cannot start: {exc}")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    """The review's synthetic layers (示例数据), written by tools/build_review_examples.py."""
    out = tmp_path_factory.mktemp("examples")
    script = Path(__file__).resolve().parent.parent / "tools" / "build_review_examples.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(out)], check=True, capture_output=True
    )
    return out


def grid_parcels_gk(n_side: int = 40):
    """Synthetic (示例数据) square parcels over zone-cjrh and its neighbours, EPSG:4544.

    ``n_side`` x ``n_side`` cells covering the zone's box grown by 300 m: many wholly
    inside the zone, many crossing its boundary, some outside; ids ``p00000``...
    """
    import geopandas as gpd  # noqa: PLC0415 - most tests need no GeoDataFrame
    import numpy as np  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    from spatial.io.layers import bundled_layer_path, read_layer  # noqa: PLC0415

    zones = read_layer(bundled_layer_path("zones"))
    zone = zones.to_crs(4544).set_index("id").geometry["zone-cjrh"]
    x0, y0, x1, y1 = zone.buffer(300).bounds
    xs, ys = np.linspace(x0, x1, n_side + 1), np.linspace(y0, y1, n_side + 1)
    cells = shapely.box(*np.meshgrid(xs[:-1], ys[:-1]), *np.meshgrid(xs[1:], ys[1:])).ravel()
    ids = [f"p{i:05d}" for i in range(len(cells))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=cells, crs=4544)
