"""The review's manifest hashes every file GDAL reads with a layer: a Shapefile is five files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spatial.checked.provenance import input_files


def test_a_shapefile_is_recorded_with_its_sidecars(tmp_path: Path, monkeypatch) -> None:
    parts = {
        ".shp": b"shape",
        ".shx": b"index",
        ".dbf": b"DYBH attrs",
        ".prj": b"CGCS2000",
        ".cpg": b"GBK",
    }
    for suffix, data in parts.items():
        (tmp_path / f"zones{suffix}").write_bytes(data)
    (tmp_path / "zones_old.dbf").write_bytes(b"another layer's")  # not this layer's
    (tmp_path / "notes.txt").write_bytes(b"unrelated")
    monkeypatch.chdir(tmp_path)
    records = input_files("zones", "zones.shp")  # relative, as typed: recorded absolute
    assert [Path(r.path).name for r in records] == [
        "zones.shp",
        "zones.cpg",
        "zones.dbf",
        "zones.prj",
        "zones.shx",
    ]
    assert all(Path(r.path).is_absolute() for r in records)
    for record in records:
        data = parts[Path(record.path).suffix]
        assert (record.bytes, record.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_changing_the_attributes_changes_the_record(tmp_path: Path) -> None:
    for suffix in (".shp", ".dbf"):
        (tmp_path / f"z{suffix}").write_bytes(b"x")
    before = input_files("zones", tmp_path / "z.shp")
    (tmp_path / "z.dbf").write_bytes(b"an id changed")
    assert input_files("zones", tmp_path / "z.shp") != before
