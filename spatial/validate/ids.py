"""Duplicate ids of a large layer: hashed batch by batch on threads, confirmed exactly at the end.

Hashing a million ids in one table at the end of a scan (``dictionary_encode``)
runs on one core after every other check is done. Here each batch's ids get a
64-bit hash on the thread that checks the batch (:func:`id_hashes`, numpy over
the strings' bytes); at the end one sort of the hashes finds the ids that *may*
repeat, and only those are compared as text (:func:`duplicate_positions`). Two
equal ids always hash alike, so nothing is missed; a collision of different
ids only costs its comparison, so the answer is exact whatever the hash.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BLANK_PATTERN", "PADDED_PATTERN", "duplicate_positions", "id_hashes", "ids_unique"]

#: Every character Python's ``str.isspace`` (so ``str.strip``) takes for white space, as an
#: RE2 class body (for pyarrow's ``match_substring_regex``).
_SPACE = (
    r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
#: Text that ``str.strip`` leaves empty (blank: not a given id, a missing property).
BLANK_PATTERN = f"^[{_SPACE}]*$"
#: Text that ``str.strip`` changes.
PADDED_PATTERN = f"^[{_SPACE}]|[{_SPACE}]$"

#: The polynomial hash's base (odd, so invertible modulo 2**64) and its inverse.
_BASE = np.uint64(0x9E3779B97F4A7C15)
_BASE_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))
#: Mixed into each hash with its length in bytes, so that a string and its prefix differ.
_LENGTH_MIX = np.uint64(0xBF58476D1CE4E5B9)


#: The longest table of powers made so far, per base (read-only; threads share it).
_TABLES: dict[int, npt.NDArray[np.uint64]] = {}


def _powers(base: np.uint64, count: int) -> npt.NDArray[np.uint64]:
    """``base**1 ... base**count`` modulo 2**64 (a view of a table kept for the next batch)."""
    table = _TABLES.get(int(base))
    if table is None or len(table) < count:
        with np.errstate(over="ignore"):
            table = np.cumprod(np.full(max(count, 1 << 16), base, dtype=np.uint64), dtype=np.uint64)
        table.flags.writeable = False
        _TABLES[int(base)] = table
    return table[:count]


def id_hashes(ids: pa.Array) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Hash each id's UTF-8 bytes; also say which ids are given (not null, not empty).

    Parameters
    ----------
    ids : pyarrow.Array
        ``large_string`` ids, already as the validator compares them (stripped).

    Returns
    -------
    hashes : numpy.ndarray of uint64
        Equal ids hash alike (in any batch); 0 where not given.
    given : numpy.ndarray of bool

    Examples
    --------
    >>> h, given = id_hashes(pa.array(["a1", "b2", "a1", None, ""], pa.large_string()))
    >>> bool(h[0] == h[2]), bool(h[0] == h[1]), given.tolist()
    (True, False, [True, True, True, False, False])
    """
    n = len(ids)
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset : ids.offset + n + 1]
    lengths = np.diff(offsets)
    valid = ids.is_valid()
    given = np.frombuffer(pc.cast(valid, pa.uint8()).buffers()[1], dtype=np.uint8)[
        valid.offset : valid.offset + n
    ].astype(bool) & (lengths > 0)
    hashes = np.zeros(n, dtype=np.uint64)
    if not given.any():
        return hashes, given
    first, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[first:stop].astype(np.uint64)
    starts = offsets[:-1] - first
    with np.errstate(over="ignore"):
        weighted = data * _powers(_BASE, len(data))  # byte j times BASE**(j + 1)
        rows = np.flatnonzero(given)
        sums = np.add.reduceat(weighted, starts[rows], dtype=np.uint64)
        ends = offsets[1:][rows] - first
        # reduceat sums up to the next given id's start; take out what lies beyond this id's end
        beyond = np.concatenate([starts[rows][1:], [len(data)]])
        if (ends != beyond).any():
            tail = np.concatenate([np.zeros(1, np.uint64), np.cumsum(weighted, dtype=np.uint64)])
            sums = tail[ends] - tail[starts[rows]]
        # shift each sum to start at BASE**1: times BASE**-start
        inverse = np.concatenate([[np.uint64(1)], _powers(_BASE_INVERSE, len(data))])
        hashes[rows] = sums * inverse[starts[rows]] ^ lengths[rows].astype(np.uint64) * _LENGTH_MIX
    return hashes, given


def duplicate_positions(
    hashes: npt.NDArray[np.uint64], given: npt.NDArray[np.bool_], ids: pa.Array
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every feature whose id an earlier feature has, and that earlier feature's position.

    Parameters
    ----------
    hashes, given : numpy.ndarray
        :func:`id_hashes` of every feature, in file order.
    ids : pyarrow.Array
        The ids themselves (compared as text where the hashes match).

    Returns
    -------
    repeats, firsts : numpy.ndarray of int64
        Positions (ascending) of the features reusing an id, and of the first
        feature with that id.
    """
    rows = np.flatnonzero(given)
    order = np.argsort(hashes[rows], kind="stable")
    sorted_hashes = hashes[rows][order]
    same = sorted_hashes[1:] == sorted_hashes[:-1]
    if not same.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    shared = np.zeros(len(rows), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    candidates = np.sort(rows[order[shared]])  # every id whose hash another id has
    where = pa.Array.from_buffers(pa.int64(), len(candidates), [None, pa.py_buffer(candidates)])
    texts = ids.take(where)
    indices = texts.dictionary_encode().indices  # int32, no nulls; read from its buffer (no pandas)
    codes = np.frombuffer(indices.buffers()[1], dtype=np.int32)[
        indices.offset : indices.offset + len(indices)
    ].astype(np.int64)
    _, first = np.unique(codes, return_index=True)
    first_of = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    first_of[codes[first]] = first
    again = first_of[codes] != np.arange(len(codes))
    return candidates[again], candidates[first_of[codes[again]]]


def ids_unique(ids: pa.Array | pa.ChunkedArray) -> bool | None:
    """Whether no two given ids of a text column are equal; None when the answer needs Python.

    The validator strips each id and skips a blank or missing one before it
    compares them. A column with no padded value (nothing ``str.strip`` would
    change) is compared as it is: its given values (not null, not blank) are
    all distinct, or not: in one pass when they are in increasing order, else by
    ``pyarrow.compute.unique``. A padded value, or a
    column that is not text, answers None: ask the validator's own comparison.

    Examples
    --------
    >>> ids_unique(pa.array(["a1", "b2", None, "", " "])), ids_unique(pa.array(["a", "b", "a"]))
    (True, False)
    >>> ids_unique(pa.array(["a", "a "])) is None, ids_unique(pa.array([1, 2])) is None
    (True, True)
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        return None
    given = ids.filter(pc.invert(pc.match_substring_regex(ids, BLANK_PATTERN)))  # nulls dropped
    if pc.any(pc.match_substring_regex(given, PADDED_PATTERN)).as_py():
        return None
    if _strictly_increasing(given):  # a survey's ids in order: distinct in one pass (3 ms at 1M)
        return True
    return len(pc.unique(given)) == len(given)  # a hash table (0.15 s at 1M, count_distinct 0.4 s)


def _strictly_increasing(texts: pa.Array) -> bool:
    """Whether each text is greater, byte for byte, than the one before (so none repeats)."""
    if len(texts) < 2:
        return True
    return not pc.any(pc.less_equal(texts[1:], texts[:-1])).as_py()
