"""Vendor the Leaflet plugins every map inlines, from their npm packages, and rewrite the manifest.

The maps must open offline and fetch nothing, so the plugins they use are
copied into ``spatial/webmap/static/vendor/<package>/`` (their built script,
their stylesheets and any image they refer to, and their licence) instead of
being linked from a CDN. On every map:

- ``leaflet.fullscreen`` (MIT): the full-screen button;
- ``leaflet-minimap`` (BSD-2-Clause): the overview map;
- ``leaflet-mouse-position`` (MIT): the coordinates under the mouse.

On the compare map (``spatial diff --map``) only:

- ``leaflet-side-by-side`` (MIT): the swipe between two versions.

On maps with a layer drawn as vector tiles only (``spatial/webmap/tiles.py``):

- ``pmtiles`` (BSD-3-Clause): reads the PMTiles archive embedded in the page;
- ``protomaps-leaflet`` (BSD-3-Clause): draws its vector tiles on a Leaflet canvas.

The ``pmtiles`` package ships no licence file; its licence text is written from
``LICENCE_TEXTS`` below (the BSD-3-Clause text of the protomaps/PMTiles
repository's ``LICENSE``, Copyright 2021 Protomaps LLC).

Each package is fetched with ``npm pack NAME@VERSION`` (the registry's own
client), its tarball checked against the integrity npm publishes, and the files
listed below extracted unchanged. ``vendor/MANIFEST.json`` records for each
package its version, licence, tarball integrity and the sha256 of every file
copied, and on which maps it goes (``"maps": "all"`` or ``"compare"``);
``spatial/webmap/assets.py`` inlines the files in the manifest's order and the
tests check the files against it.

Run from the repository root:

    uv run python tools/vendor_leaflet_plugins.py            # the pinned versions below
    uv run python tools/vendor_leaflet_plugins.py --latest   # each package's latest release
    uv run python tools/vendor_leaflet_plugins.py --check    # files match the manifest (no network)

After ``--latest``, update the pins below to the versions it reports, and run
the browser tests (``uv run pytest -m browser``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "spatial" / "webmap" / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


@dataclass(frozen=True)
class Plugin:
    """One npm package to vendor: which version, which files, which licence file."""

    name: str
    version: str
    script: str  # path inside the package of the built script
    styles: tuple[str, ...]
    licence: str
    images: tuple[str, ...] = ()  # files the stylesheets refer to with url(...), beside them
    maps: str = "all"  # "all": every map; "compare": the compare map; "tiles": tiled maps
    licence_text: str = ""  # the licence, when the package has no licence file


PLUGINS = (
    Plugin(
        "leaflet.fullscreen",
        "5.3.3",
        script="dist/Control.FullScreen.umd.js",
        styles=("dist/Control.FullScreen.css",),
        licence="LICENSE.md",
    ),
    Plugin(
        "leaflet-minimap",
        "3.6.1",
        script="dist/Control.MiniMap.min.js",
        styles=("dist/Control.MiniMap.min.css",),
        licence="LICENSE.txt",
        images=("dist/images/toggle.svg", "dist/images/toggle.png"),
    ),
    Plugin(
        "leaflet-mouse-position",
        "1.2.0",
        script="src/L.Control.MousePosition.js",
        styles=("src/L.Control.MousePosition.css",),
        licence="MIT-LICENCE.txt",
    ),
    Plugin(
        "leaflet-side-by-side",
        "2.2.0",
        script="index.js",  # CommonJS: webmap/compare.py hands it the page's L
        styles=("layout.css", "range.css"),
        licence="LICENSE",
        images=("range-icon.png",),
        maps="compare",
    ),
    Plugin(
        "pmtiles",
        "4.5.0",
        script="dist/pmtiles.js",  # an IIFE defining the global `pmtiles`
        styles=(),
        licence="LICENSE",
        maps="tiles",
        licence_text="pmtiles",
    ),
    Plugin(
        "protomaps-leaflet",
        "5.1.0",
        script="dist/protomaps-leaflet.js",  # an IIFE defining `protomapsL`, over the page's L
        styles=(),
        licence="LICENSE",
        maps="tiles",
    ),
)

_BSD3 = """Redistribution and use in source and binary forms, with or without modification, are \
permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of \
conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice, this list of \
conditions and the following disclaimer in the documentation and/or other materials provided \
with the distribution.

3. Neither the name of the copyright holder nor the names of its contributors may be used to \
endorse or promote products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR \
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND \
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR \
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL \
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, \
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER \
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT \
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

#: Licences of packages that ship no licence file: the text their repository states.
LICENCE_TEXTS = {
    "pmtiles": "The npm package pmtiles ships no licence file; its package.json states "
    "BSD-3-Clause, and the protomaps/PMTiles repository's LICENSE reads:\n\n"
    "Copyright 2021 Protomaps LLC\n\n" + _BSD3,
}


def _npm(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"vendor: npm {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _latest(name: str) -> str:
    return json.loads(_npm("view", name, "version", "--json"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checked_tarball(spec: str, tmp: Path) -> tuple[Path, dict]:
    """``npm pack`` the package into ``tmp``; check the tarball against npm's integrity."""
    packed = json.loads(_npm("pack", spec, "--json", "--pack-destination", str(tmp)))[0]
    tarball = tmp / packed["filename"]
    algorithm, _, expected = packed["integrity"].partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        sys.exit(f"vendor: {spec}: tarball does not match the registry's {algorithm} integrity")
    return tarball, packed


def _extract(tarball: Path, members: list[str], out: Path) -> None:
    with tarfile.open(tarball) as tar:
        for member in members:
            source = tar.extractfile(f"package/{member}")
            if source is None:
                sys.exit(f"vendor: {tarball.name}: {member} is not a file in the package")
            target = out / _local_name(member)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())


def _local_name(member: str) -> str:
    """Where a package file goes in its vendor folder: the top folder (dist/, src/) dropped."""
    parts = Path(member).parts
    return str(Path(*parts[1:])) if len(parts) > 1 else member


def _licence_of(tarball: Path) -> str:
    with tarfile.open(tarball) as tar:
        package = tar.extractfile("package/package.json")
        assert package is not None
        return json.load(package)["license"]


def vendor(plugin: Plugin, tmp: Path) -> dict:
    """Copy one plugin's files into its vendor folder; return its manifest entry."""
    tarball, packed = _checked_tarball(f"{plugin.name}@{plugin.version}", tmp)
    out = VENDOR / plugin.name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    members = [plugin.script, *plugin.styles, *plugin.images]
    if plugin.licence_text:
        (out / plugin.licence).write_text(LICENCE_TEXTS[plugin.licence_text], encoding="utf-8")
    else:
        members.append(plugin.licence)
    _extract(tarball, members, out)
    members.append(plugin.licence)
    return {
        "name": plugin.name,
        "version": packed["version"],
        "license": _licence_of(tarball),
        "integrity": packed["integrity"],
        "maps": plugin.maps,
        "script": _local_name(plugin.script),
        "styles": [_local_name(style) for style in plugin.styles],
        "licence_file": _local_name(plugin.licence),
        "sha256": {_local_name(m): _sha256(out / _local_name(m)) for m in members},
    }


def check() -> list[str]:
    """Return one line per vendored file that is missing or differs from the manifest."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    problems = []
    for entry in manifest["packages"]:
        for name, digest in entry["sha256"].items():
            path = VENDOR / entry["name"] / name
            if not path.is_file():
                problems.append(f"{entry['name']}: {name} is missing")
            elif _sha256(path) != digest:
                problems.append(f"{entry['name']}: {name} differs from its sha256 in the manifest")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--latest", action="store_true", help="vendor each package's latest version")
    group.add_argument("--check", action="store_true", help="check the files against the manifest")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        print("\n".join(problems) or f"vendor: every file matches {MANIFEST.relative_to(ROOT)}")
        return 1 if problems else 0
    plugins = [replace(p, version=_latest(p.name)) if args.latest else p for p in PLUGINS]
    with tempfile.TemporaryDirectory() as tmp:
        entries = [vendor(p, Path(tmp)) for p in plugins]
    manifest = {
        "about": "Leaflet plugins inlined into the maps; written by tools/vendor_leaflet_plugins.py",
        "packages": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for entry in entries:
        print(f"vendored {entry['name']} {entry['version']} ({entry['license']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
