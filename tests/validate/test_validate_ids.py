"""Duplicate ids found from hashes, confirmed as text: the validator's pairs, whatever collides.

Compared with a plain Python pass (the first feature of each id, then every
later one), on synthetic ids (示例数据): repeats across batches, null, empty,
non-ASCII, prefixes of one another, and with every hash forced equal (each
candidate then compared as text).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest

from spatial.validate import ids as ids_module
from spatial.validate.ids import duplicate_positions, id_hashes


def _plain(values: list[str | None]) -> tuple[list[int], list[int]]:
    first: dict[str, int] = {}
    repeats, firsts = [], []
    for position, value in enumerate(values):
        if not value:
            continue
        if value in first:
            repeats.append(position)
            firsts.append(first[value])
        else:
            first[value] = position
    return repeats, firsts


def _values(n: int, seed: int) -> list[str | None]:
    rng = np.random.default_rng(seed)
    pool = [f"500120{k:010d}" for k in range(n // 2)] + ["璧山", "璧", "a", "ab", "ba", ""]
    values: list[str | None] = [str(v) for v in rng.choice(pool, n)]
    for k in rng.integers(0, n, n // 20):
        values[int(k)] = None
    return values


def _found(values: list[str | None], batch: int) -> tuple[list[int], list[int]]:
    array = pa.array(values, pa.large_string())
    parts = [id_hashes(array.slice(at, batch)) for at in range(0, len(values), batch)]
    hashes = np.concatenate([h for h, _ in parts])
    given = np.concatenate([g for _, g in parts])
    repeats, firsts = duplicate_positions(hashes, given, array)
    return repeats.tolist(), firsts.tolist()


@pytest.mark.parametrize(("n", "batch", "seed"), [(50, 7, 0), (2_000, 333, 1), (5_000, 5_000, 2)])
def test_same_pairs_as_a_plain_pass(n: int, batch: int, seed: int) -> None:
    values = _values(n, seed)
    expected = _plain(values)
    assert len(expected[0]) > 0
    assert _found(values, batch) == expected


def test_every_hash_colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every hash equal, every id is a candidate: the text decides."""
    values = _values(600, 3)
    real = ids_module.id_hashes

    def colliding(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        hashes, given = real(array)
        return np.zeros_like(hashes), given

    monkeypatch.setattr(ids_module, "id_hashes", colliding)
    array = pa.array(values, pa.large_string())
    hashes, given = ids_module.id_hashes(array)
    assert not hashes.any()
    repeats, firsts = duplicate_positions(hashes, given, array)
    assert (repeats.tolist(), firsts.tolist()) == _plain(values)


def test_no_duplicates() -> None:
    values = [f"id{k}" for k in range(1_000)]
    assert _found(values, 100) == ([], [])


def test_null_holding_bytes() -> None:
    """A null whose offsets span bytes (Arrow allows it) is skipped; its bytes hash nothing."""
    data = b"abXYab"
    offsets = np.array([0, 2, 4, 6], dtype=np.int64)
    validity = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little"))
    array = pa.Array.from_buffers(
        pa.large_string(), 3, [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    hashes, given = id_hashes(array)
    assert given.tolist() == [True, False, True]
    assert hashes[0] == hashes[2]
    repeats, firsts = duplicate_positions(hashes, given, array)
    assert (repeats.tolist(), firsts.tolist()) == ([2], [0])


@pytest.mark.parametrize("seed", range(6))
def test_ids_unique_answers_as_the_validator_compares(seed: int) -> None:
    """``ids_unique`` is True/False exactly when the validator's duplicate check is silent/not.

    Ids with white space the validator strips (ASCII and Unicode: U+3000, U+00A0), blanks,
    nulls; a padded column answers None (the validator's own comparison then decides).
    """
    import geopandas as gpd  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    from spatial.validate.ids import ids_unique  # noqa: PLC0415
    from spatial.validate.vectorised import _duplicate_findings  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    n = 300
    values: list[str | None] = [f"BSM{k:05d}" for k in rng.permutation(n)]
    blanks = ["", " ", "\u3000", "\t\n", "\xa0"]
    for k in rng.integers(0, n, 12):
        values[int(k)] = None if k % 2 else str(rng.choice(blanks))
    if seed % 2:  # a repeat, placed anywhere (first, last, middle)
        at = [0, n - 1, n // 2][seed % 3]
        values[at] = values[(at + 7) % n] or "BSM-x"
        values[(at + 7) % n] = values[at]
    if seed >= 4:  # a padded id: equal to another once stripped (U+3000 is white space)
        values[5] = "\u3000" + str(values[9] or "BSM-y")
        values[9] = values[5].strip()
    for dtype in (object, "str"):
        frame = gpd.GeoDataFrame({"id": pd.Series(values, dtype=dtype)}, geometry=[None] * n)
        expected = not _duplicate_findings(frame)
        answer = ids_unique(pa.array(frame["id"], from_pandas=True))
        if seed >= 4:
            assert answer is None
        else:
            assert answer is expected
            assert expected is (seed % 2 == 0)


def _ordered_cases() -> list[tuple[str, list[str | None]]]:
    ordered: list[str | None] = [f"5001200{k:09d}" for k in range(40)]
    cases: list[tuple[str, list[str | None]]] = [("increasing", list(ordered))]
    for name, at, to in (("first", 0, 1), ("last", 39, 38), ("middle", 20, 21), ("apart", 39, 0)):
        values = list(ordered)
        values[at] = values[to]
        cases.append((f"repeat {name}", values))
    gapped = list(ordered)
    gapped[10], gapped[11], gapped[12] = gapped[9], None, gapped[9]  # equal around a null
    cases.append(("repeat around a null", gapped))
    cases.append(("decreasing", list(reversed(ordered))))
    cases.append(("blanks between", [v if k % 5 else "" for k, v in enumerate(ordered)]))
    cases.append(("one", ordered[:1]))
    cases.append(("none given", [None, "", " "]))
    return cases


@pytest.mark.parametrize(("name", "values"), _ordered_cases())
@pytest.mark.parametrize("chunks", [1, 3])
def test_ids_unique_in_order_or_not(name: str, values: list[str | None], chunks: int) -> None:
    """In increasing order, repeated at the ends, in the middle, apart, chunked: as a plain pass."""
    from spatial.validate.ids import ids_unique  # noqa: PLC0415

    cuts = np.linspace(0, len(values), chunks + 1).astype(int)
    column = pa.chunked_array(
        [pa.array(values[a:b], pa.large_string()) for a, b in itertools.pairwise(cuts)]
    )
    expected = not _plain(values)[0]
    assert ids_unique(column) is expected
    assert ids_unique(pa.array(values, pa.string())) is expected
    assert expected is (not name.startswith("repeat")), name


@pytest.mark.parametrize("values", [[1, 2, 3], [1.0, 2.5, 2.5], [3, 1, 2, 1]])
def test_ids_unique_leaves_numbers_to_the_validator(values: list[float]) -> None:
    from spatial.validate.ids import ids_unique  # noqa: PLC0415

    assert ids_unique(pa.array(values)) is None


def test_first_repeat_named_as_before() -> None:
    """A repeat in ordered ids: the vectorised validator names the same first repeated feature."""
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    from spatial.validate.vectorised import _duplicate_findings, _no_duplicate_ids  # noqa: PLC0415

    values = [f"5001200{k:09d}" for k in range(30)]
    values[17] = values[16]
    values[29] = values[3]
    boxes = [shapely.box(k, 0, k + 1, 1) for k in range(30)]
    frame = gpd.GeoDataFrame({"id": values}, geometry=boxes, crs=4544)
    assert _no_duplicate_ids(frame) is False
    found = _duplicate_findings(frame)
    assert [position for position, _ in found] == [17, 29]
    assert [message for _, message in found] == [
        "duplicate id: feature #17 reuses the id of feature #16",
        "duplicate id: feature #29 reuses the id of feature #3",
    ]
