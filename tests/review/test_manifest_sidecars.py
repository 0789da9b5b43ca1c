"""The review's manifest hashes every file GDAL reads with a layer: a Shapefile is five files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spatial.checked.provenance import input_files
from spatial.commands.review import ReviewRequest, _input_paths, _no_secrets


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


def test_only_the_layers_own_parts_are_recorded(tmp_path: Path) -> None:
    """Another file of the same stem is not the layer's; a GeoPackage's pending edits are."""
    for name in ("zones.gpkg", "zones.gpkg-wal", "zones.backup.prj", "zones.old.dbf", "zones.dbf"):
        (tmp_path / name).write_bytes(name.encode())
    records = input_files("zones", tmp_path / "zones.gpkg")
    assert [Path(r.path).name for r in records] == ["zones.gpkg", "zones.gpkg-wal"]
    (tmp_path / "zones.shp").write_bytes(b"shape")
    records = input_files("zones", tmp_path / "zones.shp")
    assert [Path(r.path).name for r in records] == ["zones.shp", "zones.dbf"]


def test_the_manifest_keeps_no_database_password() -> None:
    given = ["zones=postgresql://planner:S3cret@db/gis?table=zones", "--qc"]
    shown = _no_secrets(given)
    assert "S3cret" not in str(shown) and shown[1] == "--qc"
    assert "S3cret" not in str(_no_secrets("postgresql://u:S3cret@h/db?table=t&password=S3cret"))


def test_a_pack_file_is_an_input_the_review_folder_must_not_hold(tmp_path: Path) -> None:
    """A rule pack kept inside --out would be deleted with the earlier review: it is an input."""
    pack = tmp_path / "rev" / "mine.toml"
    pack.parent.mkdir()
    pack.write_text("", encoding="utf-8")
    request = ReviewRequest(out=tmp_path / "rev", packs=("default", str(pack)), qc=True)
    assert str(pack) in _input_paths(request) and "default" not in _input_paths(request)
