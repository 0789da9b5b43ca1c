#!/usr/bin/env bash
# Refresh the vendored npm package leaflet-side-by-side (the swipe control of `spatial diff --map`).
#
#   bash tools/refresh_leaflet_side_by_side.sh [VERSION]     # default: the pinned version
#
# Fetches the package with `npm pack` (the npm registry's tarball, checked by npm against its
# published integrity), copies the files the map inlines and the licence into
# spatial/webmap/vendor/leaflet-side-by-side/, and records the version, the tarball's integrity
# and each file's sha256 in VENDOR.json there. tests/test_compare_map.py checks those hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=spatial/webmap/vendor/leaflet-side-by-side
VERSION="${1:-$(python3 -c "import json;print(json.load(open('$DEST/VENDOR.json'))['version'])" 2>/dev/null || echo 2.2.0)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "leaflet-side-by-side@$VERSION" >/dev/null && tar xzf ./*.tgz)
INTEGRITY="$(npm view "leaflet-side-by-side@$VERSION" dist.integrity)"
mkdir -p "$DEST"
FILES=(index.js layout.css range.css range-icon.png LICENSE)
for f in "${FILES[@]}"; do cp "$WORK/package/$f" "$DEST/$f"; done
python3 - "$DEST" "$VERSION" "$INTEGRITY" "${FILES[@]}" <<'PY'
import hashlib, json, sys
from pathlib import Path
dest, version, integrity, *files = sys.argv[1:]
record = {
    "name": "leaflet-side-by-side",
    "version": version,
    "licence": "MIT (see LICENSE: Copyright (c) 2015 Gregor MacLennan)",
    "source": f"npm pack leaflet-side-by-side@{version}",
    "npm_integrity": integrity,
    "sha256": {f: hashlib.sha256((Path(dest) / f).read_bytes()).hexdigest() for f in files},
}
(Path(dest) / "VENDOR.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
print(f"vendored leaflet-side-by-side {version} into {dest}")
PY
