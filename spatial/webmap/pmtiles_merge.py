"""Join PMTiles archives holding disjoint zoom levels into one archive (PMTiles v3).

GDAL writes one archive per call; the tiled layer is written as several (its
low zooms, merged by class, one archive a zoom; the parcel zooms split between
the CPUs) and joined here. The archives hold different zoom levels, so no tile
is in two of them: joining is concatenating their tile data and re-addressing
their directory entries. Format: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
"""

from __future__ import annotations

import gzip
import itertools
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Entry", "join_archives", "read_entries"]

_HEADER = struct.Struct("<7sBQQQQQQQQQQQBBBBBBiiiiBii")
assert _HEADER.size == 127
_GZIP = 2
#: The header and the root directory lie in the archive's first 16 KiB (the spec's limit).
_ROOT_MAX = 16_384 - _HEADER.size


@dataclass(frozen=True)
class Entry:
    """One directory entry: ``run_length`` tiles from ``tile_id`` on, data at ``offset`` (bytes)."""

    tile_id: int
    offset: int
    length: int
    run_length: int


@dataclass(frozen=True)
class _Archive:
    header: tuple[Any, ...]
    entries: list[Entry]
    metadata: dict[str, Any]
    data: bytes


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _put_varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _decompress(data: bytes, compression: int) -> bytes:
    if compression == _GZIP:
        return gzip.decompress(data)
    if compression in (0, 1):  # unknown, none
        return data
    raise ValueError(f"PMTiles internal compression {compression} is not read here")


def _directory(data: bytes) -> list[Entry]:
    count, pos = _varint(data, 0)
    columns: list[list[int]] = []
    for _ in range(4):
        column = []
        for _ in range(count):
            value, pos = _varint(data, pos)
            column.append(value)
        columns.append(column)
    ids, runs, lengths, offsets = columns
    entries: list[Entry] = []
    tile_id = 0
    for i in range(count):
        tile_id += ids[i]
        if offsets[i] == 0 and i > 0:
            offset = entries[-1].offset + entries[-1].length
        else:
            offset = offsets[i] - 1
        entries.append(Entry(tile_id, offset, lengths[i], runs[i]))
    return entries


def _encode_directory(entries: list[Entry]) -> bytes:
    out = bytearray()
    _put_varint(out, len(entries))
    previous = 0
    for entry in entries:
        _put_varint(out, entry.tile_id - previous)
        previous = entry.tile_id
    for entry in entries:
        _put_varint(out, entry.run_length)
    for entry in entries:
        _put_varint(out, entry.length)
    for i, entry in enumerate(entries):
        follows = i > 0 and entry.offset == entries[i - 1].offset + entries[i - 1].length
        _put_varint(out, 0 if follows else entry.offset + 1)
    return gzip.compress(bytes(out), mtime=0)


def _read(path: Path) -> _Archive:
    raw = path.read_bytes()
    header = _HEADER.unpack_from(raw)
    if header[0] != b"PMTiles" or header[1] != 3:
        raise ValueError(f"{path}: not a PMTiles v3 archive")
    root_at, root_len, meta_at, meta_len, leaf_at, _, data_at, data_len = header[2:10]
    compression = int(header[14])

    def entries_at(offset: int, length: int) -> list[Entry]:
        found: list[Entry] = []
        for entry in _directory(_decompress(raw[offset : offset + length], compression)):
            if entry.run_length == 0:  # a leaf directory
                found += entries_at(leaf_at + entry.offset, entry.length)
            else:
                found.append(entry)
        return found

    metadata = json.loads(_decompress(raw[meta_at : meta_at + meta_len], compression) or b"{}")
    data = raw[data_at : data_at + data_len]
    return _Archive(header, entries_at(root_at, root_len), metadata, data)


def read_entries(path: Path) -> list[Entry]:
    """Return the tile entries of a PMTiles v3 archive (leaf directories followed)."""
    return _read(path).entries


def _directories(entries: list[Entry]) -> tuple[bytes, bytes]:
    """Return the root directory and the leaf directories (empty when the root holds all)."""
    root = _encode_directory(entries)
    if len(root) <= _ROOT_MAX:
        return root, b""
    leaf_size = 4096
    while True:
        leaves = bytearray()
        pointers = []
        for start in range(0, len(entries), leaf_size):
            chunk = entries[start : start + leaf_size]
            leaf = _encode_directory(chunk)
            pointers.append(Entry(chunk[0].tile_id, len(leaves), len(leaf), 0))
            leaves += leaf
        root = _encode_directory(pointers)
        if len(root) <= _ROOT_MAX:
            return root, bytes(leaves)
        leaf_size *= 2


def _vector_layers(archives: list[_Archive]) -> list[dict[str, Any]]:
    """Return the metadata's layers, one per name, over the zooms of every archive holding it."""
    layers: dict[str, dict[str, Any]] = {}
    for archive in archives:
        for layer in archive.metadata.get("vector_layers", []):
            name = str(layer["id"])
            if name not in layers:
                layers[name] = dict(layer)
                continue
            seen = layers[name]
            seen["minzoom"] = min(int(seen.get("minzoom", 0)), int(layer.get("minzoom", 0)))
            seen["maxzoom"] = max(int(seen.get("maxzoom", 0)), int(layer.get("maxzoom", 0)))
            fields = dict(layer.get("fields", {}))
            seen["fields"] = fields | dict(seen.get("fields", {}))
    return list(layers.values())


def join_archives(paths: list[Path], out: Path) -> Path:
    """Write the tiles of ``paths`` (PMTiles v3, disjoint zoom levels) as one archive ``out``.

    The header's zooms and bounds span every archive's; the metadata is the first
    archive's with its ``vector_layers`` spanning them all. Tile compression and type
    must agree. Raises ValueError if a tile is in two archives.
    """
    archives = [_read(path) for path in paths]
    kinds = {(a.header[15], a.header[16]) for a in archives}  # tile compression, tile type
    if len(kinds) != 1:
        raise ValueError(f"PMTiles to join differ in tile compression or type: {sorted(kinds)}")
    entries: list[Entry] = []
    data = bytearray()
    for archive in sorted(archives, key=lambda a: a.entries[0].tile_id if a.entries else 0):
        shift = len(data)
        entries += [
            Entry(e.tile_id, e.offset + shift, e.length, e.run_length) for e in archive.entries
        ]
        data += archive.data
    for before, after in itertools.pairwise(entries):
        if after.tile_id < before.tile_id + before.run_length:
            raise ValueError(f"PMTiles to join share tile {after.tile_id}")
    root, leaves = _directories(entries)
    held = [a for a in archives if a.entries]
    min_zoom = min(int(a.header[17]) for a in held)
    max_zoom = max(int(a.header[18]) for a in held)
    metadata = dict(archives[0].metadata)
    metadata["vector_layers"] = _vector_layers(archives)
    metadata |= {"minzoom": str(min_zoom), "maxzoom": str(max_zoom)}
    meta = gzip.compress(json.dumps(metadata, ensure_ascii=False).encode("utf-8"), mtime=0)
    bounds = (
        min(int(a.header[19]) for a in held),
        min(int(a.header[20]) for a in held),
        max(int(a.header[21]) for a in held),
        max(int(a.header[22]) for a in held),
    )
    first = held[0].header
    root_at = _HEADER.size
    meta_at = root_at + len(root)
    leaf_at = meta_at + len(meta)
    data_at = leaf_at + len(leaves)
    contents = len({(e.offset, e.length) for e in entries})
    header = _HEADER.pack(
        b"PMTiles", 3,
        root_at, len(root), meta_at, len(meta), leaf_at, len(leaves), data_at, len(data),
        sum(e.run_length for e in entries), len(entries), contents,
        int(all(a.header[13] for a in held)), _GZIP, first[15], first[16],
        min_zoom, max_zoom, *bounds,
        min_zoom, (bounds[0] + bounds[2]) // 2, (bounds[1] + bounds[3]) // 2,
    )  # fmt: skip
    out.write_bytes(header + root + meta + leaves + bytes(data))
    return out
