"""Byte flips and cuts of polygon WKB through ``polygon_bounds``, run in a process of its own.

Each mutated value must give None (not plain: the validator's way) or the box of
every vertex GEOS reads from it; a crash (geoarrow-c reading a malformed inner
header once segfaulted) shows as the process dying, not as a test worker lost.

    python tests/overlay/wkb_fuzz.py SEED COUNT
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pyarrow as pa
import shapely

from spatial.io.geoparquet import polygon_bounds


def seeds() -> list[bytes]:
    """Valid WKB of a box, a holed polygon and a MultiPolygon, in both byte orders."""
    holed = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    shapes = [
        shapely.box(106.2, 29.6, 106.3, 29.7),
        holed,
        shapely.MultiPolygon([shapely.box(5, 5, 6, 7), holed]),
    ]
    return [shapely.to_wkb(g, byte_order=order) for g in shapes for order in (0, 1)]


def mutated(rng: np.random.Generator, value: bytes) -> bytes:
    """One to three bytes replaced or bit-flipped, and one value in five cut short."""
    raw = bytearray(value)
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(len(raw)))
        raw[k] = (
            int(rng.integers(256)) if rng.random() < 0.7 else raw[k] ^ (1 << int(rng.integers(8)))
        )
    if rng.random() < 0.2:
        raw = raw[: int(rng.integers(1, len(raw)))]
    return bytes(raw)


def main(seed: int, count: int) -> None:
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(seed)
    pool = seeds()
    accepted = 0
    for _ in range(count):
        value = mutated(rng, pool[int(rng.integers(len(pool)))])
        got = polygon_bounds(pa.array([value], pa.binary()))
        if got is None:
            continue
        accepted += 1
        xy = shapely.get_coordinates(shapely.from_wkb(value))  # GEOS reads what was accepted
        box = np.r_[xy.min(axis=0), xy.max(axis=0)]  # every ring's vertices, holes too
        assert np.array_equal(got[0], box), (value.hex(), got)
    print(f"ok {count} {accepted}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
