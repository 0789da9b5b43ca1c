"""Checks on a GeoJSON file's raw text, before GDAL has parsed (and altered) it.

GDAL closes or refuses unclosed rings, passes NaN through, ignores a ``crs``
member it cannot resolve (and then assumes EPSG:4326), and refuses or mangles
text that is not UTF-8. So these problems are looked for in the JSON itself.

Each finding is a ``(position, label, kind, message)`` tuple: ``position`` is
the feature's 0-based place in the ``features`` array (``-1`` for the whole
file), ``label`` is the feature's id (``properties.id``, else the Feature's own
``id``, else ``#position``), ``kind`` is one of ``"crs"``, ``"feature"`` (a
member GDAL skips: its ``type`` is missing or not ``"Feature"``),
``"structure"`` (coordinates GDAL reads as a null geometry: text, wrong
nesting), ``"geometry"``, ``"properties"``.

A file whose structure is ambiguous, one JSON object with the same key twice
(GDAL keeps the first, Python the last), is refused, as is UTF-16 text.
"""

from __future__ import annotations

import codecs
import json
import math
import mmap
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from spatial.errors import LayerReadError
from spatial.io.files import read_regular_bytes, read_regular_head
from spatial.io.sandbox import crs_member_reaches_out

__all__ = [
    "NON_FINITE_MESSAGE",
    "STREAM_FROM_BYTES",
    "Finding",
    "RawGeoJSON",
    "RawScan",
    "clashing_properties",
    "crs_name",
    "feature_label",
    "kept_positions",
    "load_raw",
    "looks_like_json",
    "raw_findings",
    "raw_labels",
    "scan_raw",
    "scan_raw_if_json",
]

#: (feature position or -1, feature label or "-", kind, message)
Finding = tuple[int, str, str, str]

#: The message for NaN or infinite coordinates (the GeoDataFrame checks use it too).
NON_FINITE_MESSAGE = "coordinates contain NaN or infinity"
_POLYGONAL = {"Polygon": 1, "MultiPolygon": 2}


class RawGeoJSON:
    """The parsed JSON of a GeoJSON file, whether its bytes were UTF-8, whether it has NaN/inf.

    ``non_finite`` is False only when no number in the file can be NaN or
    infinite (no ``NaN``/``Infinity`` token, no exponent of three digits), so
    the walk over every coordinate can be skipped for ordinary files.
    """

    def __init__(self, data: Any, utf8: bool, non_finite: bool = True) -> None:
        self.data = data
        self.utf8 = utf8
        self.non_finite = non_finite


# An exponent of three or more digits can overflow a double to infinity (1e999).
_BIG_EXPONENT = re.compile(r"[0-9][eE][+]?0*[0-9]{3,}")


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return data


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _utf16(raw: bytes) -> bool:
    """Whether the bytes look like UTF-16 text (a byte-order mark, or NULs between ASCII)."""
    head = raw[:64]
    return head.startswith(_UTF16_BOMS) or (len(head) >= 4 and head[1::2].count(0) > len(head) // 4)


def load_raw(path: Path) -> RawGeoJSON:
    """Parse a GeoJSON file's JSON; bytes that are not UTF-8 are kept as surrogates.

    Raises
    ------
    LayerReadError
        The file is not a regular file, not valid JSON (the message says
        "truncated" when it ends early), UTF-16 text, or holds one object with
        the same key twice.
    """
    raw = read_regular_bytes(path)
    if _utf16(raw):
        raise LayerReadError(f"{path}: is UTF-16 text; GeoJSON must be UTF-8: re-save it as UTF-8")
    try:
        text, utf8 = raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        text, utf8 = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape"), False
    constants: list[str] = []

    def parse_constant(token: str) -> float:
        constants.append(token)
        return float(token)

    try:
        data = json.loads(text, parse_constant=parse_constant, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKeyError as exc:
        raise LayerReadError(
            f"{path}: the key {exc.key!r} appears twice in one JSON object; readers disagree on "
            "which one counts (GDAL takes the first, others the last): keep only one"
        ) from None
    except json.JSONDecodeError as exc:
        # An unterminated string runs to the end of the text: the file was cut short.
        ends_early = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "truncated" if ends_early else "not valid JSON"
        raise LayerReadError(
            f"{path}: {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise LayerReadError(f"{path}: not a layer (JSON nested too deeply)") from None
    except ValueError:  # an integer of more digits than Python converts
        raise LayerReadError(
            f"{path}: not a layer (a number of more than {sys.get_int_max_str_digits():,} digits)"
        ) from None
    if not isinstance(data, dict) or data.get("type") not in {"FeatureCollection", "Feature"}:
        raise LayerReadError(
            f"{path}: valid JSON but not GeoJSON (no FeatureCollection or Feature)"
        )
    _refuse_reaching_crs(path, data.get("crs"))
    return RawGeoJSON(data, utf8, non_finite=bool(constants) or bool(_BIG_EXPONENT.search(text)))


def _refuse_reaching_crs(path: Path, crs: Any) -> None:
    """Refuse a ``crs`` member that would make GDAL fetch a URL or read another file."""
    reason = crs_member_reaches_out(crs)
    if reason is not None:
        raise LayerReadError(
            f"{path}: the crs member {reason}; the toolkit makes no network request and reads "
            'no file it was not given: name the CRS instead, e.g. "EPSG:4544"'
        )


def looks_like_json(path: Path) -> bool:
    """Whether GDAL would read the file as GeoJSON: a ``.geojson``/``.json``, or JSON text inside.

    A GeoJSON under another suffix (``zones.txt``, ``zones.dat``) is read by
    GDAL all the same, so it is checked as GeoJSON too. False for a missing
    file or one that is not regular (those are refused elsewhere).
    """
    if path.suffix.lower() in {".geojson", ".json"}:
        return True
    if path.suffix.lower() in {".geojsonl", ".geojsons"}:
        return False  # GeoJSON text sequences: one feature a line, GDAL's GeoJSONSeq driver
    try:
        head = read_regular_head(path)
    except (LayerReadError, OSError):
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"\x1e{"))


def crs_name(data: dict[str, Any]) -> str | None:
    """Return the CRS named by a (pre-RFC 7946) ``crs`` member, or None when absent."""
    crs = data.get("crs")
    if crs is None:
        return None
    if isinstance(crs, dict):
        props = crs.get("properties")
        name = props.get("name") if isinstance(props, dict) else None
        if isinstance(name, str):
            return name
    return json.dumps(crs, ensure_ascii=False)


def _features(data: dict[str, Any]) -> list[Any]:
    if data.get("type") == "Feature":
        return [data]
    features = data.get("features")
    return features if isinstance(features, list) else []


def feature_label(feature: Any, position: int) -> str:
    """Return a feature's id as text: ``properties.id``, the Feature ``id``, or ``#position``."""
    if isinstance(feature, dict):
        props = feature.get("properties")
        for value in (props.get("id") if isinstance(props, dict) else None, feature.get("id")):
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                return str(value)
    return f"#{position}"


def _numbers(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    else:
        yield value


def _is_non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _ring_problems(rings: Any, polygon_no: int | None) -> Iterator[str]:
    if not isinstance(rings, list):
        return
    for ring_no, ring in enumerate(rings, start=1):
        if not isinstance(ring, list) or not ring:
            continue
        where = f"ring {ring_no}" + (f" of polygon {polygon_no}" if polygon_no else "")
        if len(ring) < 4:
            yield f"{where} has {len(ring)} positions; a closed ring needs at least 4"
        elif ring[0] != ring[-1]:
            yield (
                f"{where} is not closed (first position {_fmt(ring[0])}, "
                f"last {_fmt(ring[-1])}); the first and last positions must be equal"
            )


def _fmt(position: Any) -> str:
    if isinstance(position, list):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in position) + "]"
    return repr(position)


def _geometry_messages(geometry: Any, non_finite: bool) -> Iterator[str]:
    if not isinstance(geometry, dict):
        return
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            yield from _geometry_messages(part, non_finite)
        return
    coords = geometry.get("coordinates")
    if non_finite and any(_is_non_finite(v) for v in _numbers(coords)):
        yield NON_FINITE_MESSAGE
    if kind == "Polygon":
        yield from _ring_problems(coords, None)
    elif kind == "MultiPolygon" and isinstance(coords, list):
        for polygon_no, rings in enumerate(coords, start=1):
            yield from _ring_problems(rings, polygon_no)


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _undecodable_message(name: str, value: str) -> str:
    raw = value.encode("utf-8", "surrogateescape")
    for encoding in ("gbk", "big5"):
        try:
            guess = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (
            f"property {name!r} is not UTF-8 text (reads as {encoding.upper()}: {guess!r}); "
            "re-save the file as UTF-8"
        )
    return f"property {name!r} is not UTF-8 text; re-save the file as UTF-8"


def _property_messages(props: Any, surrogates: bool = True) -> Iterator[str]:
    """Say what is wrong with a feature's properties (``surrogates``: look for them in text)."""
    if not isinstance(props, dict):
        return
    for name in CLASHING_PROPERTIES & props.keys():
        yield (
            f"property {name!r} has the name of the geometry column; it is read as "
            f"{name}_property: rename it in the file (e.g. {name}_note)"
        )
    for name, value in props.items():
        if _is_non_finite(value):
            yield f"property {name!r} is {value!r}, not a finite number"
        elif surrogates and isinstance(value, str) and _has_surrogates(value):
            yield _undecodable_message(name, value)
        if surrogates and _has_surrogates(name):
            yield _undecodable_message(name, name)


#: Property names GDAL cannot keep: they clash with the geometry column it makes.
CLASHING_PROPERTIES = frozenset({"geometry"})


def clashing_properties(raw: RawGeoJSON) -> dict[str, list[Any]]:
    """Return the values, in feature order, of properties GDAL drops (named ``geometry``).

    Features GDAL skips (see :func:`raw_findings`) are left out, so the lists
    align with the rows GDAL reads. Empty when no feature has such a property.
    """
    found: dict[str, list[Any]] = {}
    kept = [f for f in _features(raw.data) if isinstance(f, dict) and f.get("type") == "Feature"]
    for name in CLASHING_PROPERTIES:
        values = [
            (f.get("properties") or {}).get(name) if isinstance(f.get("properties"), dict) else None
            for f in kept
        ]
        if any(value is not None for value in values):
            found[name] = values
    return found


def _feature_type_message(feature: dict[str, Any]) -> str | None:
    kind = feature.get("type")
    if kind == "Feature":
        return None
    if kind is None:
        return 'has no "type" member, so GDAL skips it; add "type": "Feature" to read it'
    shown = json.dumps(kind, ensure_ascii=False)
    return f'"type" is {shown}, not "Feature", so GDAL skips it; write "type": "Feature"'


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    return depth


#: How deep a geometry's coordinates nest: Point 1, LineString 2, Polygon 3, MultiPolygon 4.
_COORDINATE_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


def _structure_message(geometry: Any, quoted: bool = True) -> str | None:
    """Say why GDAL would read a geometry as null: wrong nesting, text coordinates.

    ``quoted`` False: the file holds no quoted coordinate (not looked for).
    """
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    if kind not in _COORDINATE_DEPTH:
        return None
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        return f"{kind} has no coordinates array"
    if quoted and any(isinstance(v, str) for v in _numbers(coords)):
        return f"{kind} coordinates contain text (quoted numbers); write them as plain numbers"
    depth, want = _depth(coords), _COORDINATE_DEPTH[kind]
    if coords and depth != want:
        return (
            f"{kind} coordinates are nested {depth} deep, a {kind} needs {want} "
            f"(e.g. a Polygon is [[[x, y], ...]]): fix the brackets"
        )
    return None


def kept_positions(raw: RawGeoJSON) -> list[int]:
    """Return the positions (in the ``features`` array) of the features GDAL reads, in order."""
    return [
        position
        for position, feature in enumerate(_features(raw.data))
        if isinstance(feature, dict) and feature.get("type") == "Feature"
    ]


def raw_labels(raw: RawGeoJSON) -> list[str]:
    """Return every feature's label (see :func:`feature_label`), by position in the file."""
    return [
        feature_label(feature, position) for position, feature in enumerate(_features(raw.data))
    ]


def _crs_findings(name: str | None) -> list[Finding]:
    if name is None:
        return []
    try:
        CRS.from_user_input(name)
    except ProjCRSError:
        return [(-1, "-", "crs", f"the CRS {name!r} named in the file cannot be resolved")]
    return []


def _feature_findings(
    position: int, feature: Any, non_finite: bool, walks: tuple[bool, bool] = (True, True)
) -> list[Finding]:
    """Return the problems of one member of the ``features`` array, seen in its raw JSON.

    ``non_finite`` False, and ``walks`` (quoted coordinates, escaped surrogates)
    False, skip the walks that cannot find anything in this file.
    """
    quoted, surrogates = walks
    label = feature_label(feature, position)
    if not isinstance(feature, dict):
        return [(position, label, "feature", "is not a GeoJSON Feature object")]
    findings: list[Finding] = []
    skipped = _feature_type_message(feature)
    if skipped:
        findings.append((position, label, "feature", skipped))
    structure = _structure_message(feature.get("geometry"), quoted)
    if structure:
        findings.append((position, label, "structure", structure))
    else:
        for message in _geometry_messages(feature.get("geometry"), non_finite):
            findings.append((position, label, "geometry", message))
    for message in _property_messages(feature.get("properties"), surrogates):
        findings.append((position, label, "properties", message))
    return findings


def raw_findings(raw: RawGeoJSON) -> list[Finding]:
    """Return the problems visible only in the raw JSON, in feature order."""
    findings = _crs_findings(crs_name(raw.data))
    for position, feature in enumerate(_features(raw.data)):
        findings += _feature_findings(position, feature, raw.non_finite)
    return findings


#: GeoJSON files at least this large are walked one feature at a time (bounded
#: memory) instead of being parsed whole into Python objects.
STREAM_FROM_BYTES = 32 * 2**20
_CHUNK_BYTES = 2**20


def _decodes_as_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


#: ``_BIG_EXPONENT`` on the file's bytes; a ``\u`` escape of a UTF-16 surrogate (``\ud800``...).
_BIG_EXPONENT_BYTES = re.compile(rb"[0-9][eE][+]?0*[0-9]{3,}")
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
#: A quote reached from a "coordinates" member through what coordinates hold (brackets, commas,
#: numbers, NaN/Infinity letters): a quoted number, or a key after the array (then walked anyway).
_QUOTED_COORDINATE = re.compile(rb'"coordinates"\s*:\s*[\[\],\s0-9.eE+\-a-zA-Z]*"')


def _search(path: Path, pattern: re.Pattern[bytes]) -> bool:
    """Whether ``pattern`` matches anywhere in the file's bytes (memory-mapped, not read)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return pattern.search(view) is not None


def _contains(path: Path, needle: bytes) -> bool:
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return view.find(needle) >= 0


@dataclass(frozen=True)
class RawScan:
    """What the raw JSON of a GeoJSON file says, feature by feature (see :func:`scan_raw`).

    Attributes
    ----------
    utf8 : bool
        Whether the file is UTF-8 text.
    findings : list of Finding
        As :func:`raw_findings`.
    labels : list of str
        Every feature's label, by position in the ``features`` array.
    kept : list of int
        The positions of the features GDAL reads (see :func:`kept_positions`).
    """

    utf8: bool
    findings: list[Finding]
    labels: list[str]
    kept: list[int]


class _NotStreamable(Exception):
    """The file needs the whole-file parse (NaN tokens, not UTF-8, a lone Feature...)."""


class _UniqueKeys(dict[str, Any]):
    """A JSON object that remembers a key given twice (``ijson`` builds it key by key).

    It cannot raise from inside ``ijson``'s C builder, so it notes the first
    repeated key and :func:`_repeated_key` looks for it once the feature is built.
    """

    repeated: str | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        if self.repeated is None and key in self:
            self.repeated = key
        super().__setitem__(key, value)


def _repeated_key(value: Any) -> str | None:
    """Return the first key given twice in a built feature's objects (not in coordinates)."""
    if isinstance(value, _UniqueKeys):
        if value.repeated is not None:
            return value.repeated
        for item in value.values():
            if isinstance(item, dict) or (
                isinstance(item, list) and item and isinstance(item[0], dict)
            ):
                found = _repeated_key(item)
                if found is not None:
                    return found
    elif isinstance(value, list):
        for item in value:
            found = _repeated_key(item)
            if found is not None:
                return found
    return None


def _scan_streamed(path: Path) -> RawScan:
    if not _decodes_as_utf8(path):
        raise _NotStreamable
    try:
        with path.open("rb") as fh:
            if next(iter(ijson.items(fh, "type")), None) != "FeatureCollection":
                raise _NotStreamable
        findings: list[Finding] = []
        if _contains(path, b'"crs"'):
            with path.open("rb") as fh:
                crs = next(iter(ijson.items(fh, "crs")), None)
            _refuse_reaching_crs(path, crs)
            findings += _crs_findings(crs_name({"crs": crs}) if crs is not None else None)
        labels: list[str] = []
        kept: list[int] = []
        # NaN and Infinity tokens are not streamed (the whole-file parse takes them), so only an
        # exponent of three digits can make a number infinite; valid UTF-8 holds no lone
        # surrogate, so only a \u escape can: without either, those walks find nothing
        non_finite = _search(path, _BIG_EXPONENT_BYTES)
        walks = (_search(path, _QUOTED_COORDINATE), _search(path, _SURROGATE_ESCAPE))
        with path.open("rb") as fh:
            items = ijson.items(fh, "features.item", use_float=True, map_type=_UniqueKeys)
            for position, feature in enumerate(items):
                repeated = _repeated_key(feature)
                if repeated is not None:
                    raise _DuplicateKeyError(repeated)
                findings += _feature_findings(position, feature, non_finite, walks)
                labels.append(feature_label(feature, position))
                if isinstance(feature, dict) and feature.get("type") == "Feature":
                    kept.append(position)
    except _DuplicateKeyError as exc:
        raise LayerReadError(
            f"{path}: the key {exc.key!r} appears twice in one JSON object; readers disagree on "
            "which one counts (GDAL takes the first, others the last): keep only one"
        ) from None
    except (ijson.JSONError, ijson.IncompleteJSONError, ValueError):
        raise _NotStreamable from None  # the whole-file parse gives the precise message
    return RawScan(True, findings, labels, kept)


def scan_raw(path: Path) -> RawScan:
    """Return what the raw JSON of a GeoJSON file says, in bounded memory for large files.

    A file of :data:`STREAM_FROM_BYTES` or more is walked one feature at a
    time (``ijson``), so memory holds one feature, its labels and findings,
    never the whole parsed file; smaller files, and files the stream cannot
    take (NaN tokens, text that is not UTF-8), are parsed whole by :func:`load_raw`.

    Raises
    ------
    LayerReadError
        As :func:`load_raw`.
    """
    if path.stat().st_size >= STREAM_FROM_BYTES:
        try:
            return _scan_streamed(path)
        except _NotStreamable:
            pass
    raw = load_raw(path)
    return RawScan(raw.utf8, raw_findings(raw), raw_labels(raw), kept_positions(raw))


def scan_raw_if_json(path: Path) -> RawScan | None:
    """Return :func:`scan_raw` of a file GDAL reads as GeoJSON, whatever its suffix.

    None for another format, a path that is no regular file, or an empty file
    (the readers refuse those in their own words).
    """
    if not path.is_file() or not looks_like_json(path):
        return None
    if path.stat().st_size == 0:
        return None
    return scan_raw(path)
