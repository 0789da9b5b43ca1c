"""What the data on a map or report is: each layer's accuracy and sources, and the title they allow.

Titles and notes are built from the layers' own ``accuracy`` and ``source``
properties, never written in advance: zones a planner marks ``official`` are
not called indicative (示意), made-up data (``accuracy = "synthetic"``) is
called 示例数据 on every page, and a layer that states neither says so.

Bundled layers derived from the bundled zones (:data:`DERIVED_FROM_ZONES`) no
longer describe anything once a planner's zones replace them: :func:`drawn_layers`
leaves them out and :func:`stale_note` says why.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spatial.io.files import shapefile_part

__all__ = [
    "ACCURACY_LABELS",
    "AREA_RULE",
    "DERIVED_FROM_ZONES",
    "InputFile",
    "LayerProvenance",
    "LayerRead",
    "digest_text",
    "drawn_layers",
    "input_files",
    "layer_provenance",
    "layer_read",
    "plan_title",
    "provenance_notes",
    "review_title",
    "stale_note",
]

#: Bundled layers drawn from the bundled zones' positions (tools/build_layers.py):
#: the functional areas divide 科技创新小镇 and the northern cluster hulls the zones.
DERIVED_FROM_ZONES: tuple[str, ...] = ("functional_areas", "clusters")
#: How each ``accuracy`` value is named on a page (中文 first).
ACCURACY_LABELS: dict[str, str] = {
    "official": "官方 official",
    "indicative": "示意 indicative",
    "synthetic": "示例数据 synthetic",
}
NOT_STATED = "未注明 not stated"
TITLE_BASE_ZH = "西部（重庆）科学城璧山片区规划"
TITLE_EN = "Bishan piece, Western (Chongqing) Science City"
#: Layers that are the plan's content (not context such as the district or town seats).
PLAN_LAYERS: tuple[str, ...] = ("zones", "clusters", "corridor", "functional_areas", "platforms")


@dataclass(frozen=True)
class LayerProvenance:
    """Where one layer's features come from.

    Attributes
    ----------
    layer : str
        Layer name.
    file : str
        The planner's file name, or ``"bundled"``.
    accuracies : tuple of str
        Distinct ``accuracy`` values, ``未注明 not stated`` for features without one.
    sources : tuple of str
        Distinct ``source`` texts (empty when no feature states one).
    count : int
        Number of features.
    """

    layer: str
    file: str
    accuracies: tuple[str, ...]
    sources: tuple[str, ...]
    count: int

    @property
    def accuracy_text(self) -> str:
        """The accuracies as page text, e.g. ``示意 indicative``."""
        return ", ".join(ACCURACY_LABELS.get(a, a) for a in self.accuracies)


def _distinct(gdf: gpd.GeoDataFrame, column: str) -> tuple[str, ...]:
    if column not in gdf.columns:
        return ()
    values = [str(v) for v in gdf[column] if v is not None and not pd.isna(v) and str(v).strip()]
    return tuple(dict.fromkeys(values))


def layer_provenance(
    layers: Mapping[str, gpd.GeoDataFrame], files: Mapping[str, str] | None = None
) -> list[LayerProvenance]:
    """Return each layer's provenance, in the order given.

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> rows = {p.layer: p for p in layer_provenance(load_plan_layers())}
    >>> rows["district"].accuracies, rows["zones"].accuracies, rows["zones"].file
    (('official',), ('indicative',), 'bundled')
    """
    files = files or {}
    rows = []
    for name, gdf in layers.items():
        accuracies = _distinct(gdf, "accuracy")
        if "accuracy" not in gdf.columns or gdf["accuracy"].isna().any():
            accuracies = (*accuracies, NOT_STATED)
        rows.append(
            LayerProvenance(
                name,
                Path(files[name]).name if name in files else "bundled",
                accuracies,
                _distinct(gdf, "source"),
                len(gdf),
            )
        )
    return rows


def _plan_accuracies(rows: Collection[LayerProvenance]) -> set[str]:
    return {a for row in rows if row.layer in PLAN_LAYERS for a in row.accuracies}


def _own_title(name: str, accuracies: set[str]) -> tuple[str, str]:
    """Return a planner's plan's title: ``name`` with 图 or 示意图, then （示例数据） if so.

    A name with no Chinese in it (a file's stem, ``zones``, when nothing else
    names the plan) is shown as it is: "zones图" would read as a title nobody
    gave. The English line says what the page is.

    Examples
    --------
    >>> _own_title("璧山示例单元", set()), _own_title("zones", set())
    (('璧山示例单元图', 'Plan map'), ('zones', 'Plan map'))
    """
    indicative = "indicative" in accuracies
    kind_zh, kind_en = ("示意图", "indicative plan map") if indicative else ("图", "plan map")
    chinese = any("\u3400" <= c <= "\u9fff" for c in name)
    title_zh = name if name.endswith("图") or not chinese else f"{name}{kind_zh}"
    if "synthetic" in accuracies:
        return f"{title_zh}（示例数据）", f"{kind_en.capitalize()} (synthetic example data)"
    return title_zh, kind_en.capitalize()


def plan_title(
    rows: Collection[LayerProvenance], name: str | None = None, synthetic: bool = False
) -> tuple[str, str]:
    """Return the (中文, English) title: 示意图 only when a plan layer is indicative.

    ``name`` is a planner's plan's own title (their project's or plan's): the
    title is then theirs, never Bishan's, marked （示例数据） when a layer's
    ``accuracy`` says so or ``synthetic`` (its features are marked synthetic).

    Examples
    --------
    >>> official = LayerProvenance("zones", "z.geojson", ("official",), ("survey",), 3)
    >>> plan_title([official])
    ('西部（重庆）科学城璧山片区规划图', 'Bishan piece, Western (Chongqing) Science City: plan map')
    >>> plan_title([LayerProvenance("zones", "bundled", ("indicative",), (), 3)])[0]
    '西部（重庆）科学城璧山片区规划示意图'
    >>> plan_title([LayerProvenance("zones", "z.shp", ("synthetic",), (), 3)], "示例单元规划")
    ('示例单元规划图（示例数据）', 'Plan map (synthetic example data)')
    """
    accuracies = _plan_accuracies(rows)
    if name is not None:
        return _own_title(name, accuracies | ({"synthetic"} if synthetic else set()))
    if "synthetic" in accuracies:
        return f"{TITLE_BASE_ZH}图（示例数据）", f"{TITLE_EN}: plan map (synthetic example data)"
    if "indicative" in accuracies:
        return f"{TITLE_BASE_ZH}示意图", f"{TITLE_EN}: indicative plan map"
    return f"{TITLE_BASE_ZH}图", f"{TITLE_EN}: plan map"


def review_title(title_zh: str, title_en: str) -> tuple[str, str]:
    """Return a review's (中文, English) title from its plan's (:func:`plan_title`).

    A review's pages (``report.html``, ``report.pdf``) are a review of the
    plan, not its map: 审查报告 follows the plan's Chinese title and the English
    line's "plan map" (or the bare "Plan map" of a planner's own title) becomes
    "plan review"; any other English title gets ": review".

    Examples
    --------
    >>> review_title("示例单元规划图（示例数据）", "Plan map (synthetic example data)")
    ('示例单元规划图（示例数据） 审查报告', 'Plan review (synthetic example data)')
    >>> review_title("西部（重庆）科学城璧山片区规划示意图", "Bishan piece: indicative plan map")
    ('西部（重庆）科学城璧山片区规划示意图 审查报告', 'Bishan piece: indicative plan review')
    >>> review_title("某图", "Some atlas")
    ('某图 审查报告', 'Some atlas: review')
    """
    zh = f"{title_zh} 审查报告"
    for old, new in (("plan map", "plan review"), ("Plan map", "Plan review")):
        if old in title_en:
            return zh, title_en.replace(old, new, 1)
    return zh, f"{title_en}: review"


def _titles(names: Collection[str], titles: Mapping[str, str]) -> str:
    return "、".join(titles.get(n, n) for n in names)


def provenance_notes(rows: Collection[LayerProvenance], titles: Mapping[str, str]) -> list[str]:
    """Return one note per accuracy class, naming the layers of that class.

    ``titles`` names layers on the page (``{"zones": "规划分区"}``); layers
    without an entry go by their key.
    """
    groups: dict[str, list[str]] = {}
    for row in rows:
        for accuracy in row.accuracies:
            groups.setdefault(accuracy, []).append(row.layer)
    notes = []
    for accuracy, names in groups.items():
        label = ACCURACY_LABELS.get(accuracy, accuracy)
        notes.append(f"{label}: {_titles(names, titles)}")
    return notes


def drawn_layers(
    layers: Mapping[str, gpd.GeoDataFrame], replaced: Collection[str]
) -> dict[str, gpd.GeoDataFrame]:
    """Return the layers to draw: those derived from the bundled zones are left out once replaced.

    A layer the planner gave (in ``replaced``) is always drawn.

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> sorted(set(load_plan_layers()) - set(drawn_layers(load_plan_layers(), {"zones"})))
    ['clusters', 'functional_areas']
    """
    if "zones" not in replaced:
        return dict(layers)
    stale = set(DERIVED_FROM_ZONES) - set(replaced)
    return {name: gdf for name, gdf in layers.items() if name not in stale}


def stale_note(layers: Mapping[str, gpd.GeoDataFrame], replaced: Collection[str]) -> str | None:
    """Return the note naming the bundled layers left out because the zones were replaced."""
    if "zones" not in replaced:
        return None
    stale = [n for n in DERIVED_FROM_ZONES if n in layers and n not in replaced]
    if not stale:
        return None
    return (
        f"未绘制 not drawn: {', '.join(stale)} — derived from the bundled zones, which your zones "
        "replace (a rule that names them is checked against the bundled layers, as spatial "
        "check does)"
    )


# --- the manifest's record of the input files (规划全过程留痕: which inputs a verdict came from)

#: Bytes read at a time while hashing a file.
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One file a review read: its role, where it is, its size and its SHA-256.

    Attributes
    ----------
    role : str
        What the file is to the review (``zones``, ``landuse``, ``plan``, a
        constraint's name, ``previous_zones``...).
    path : str
        The file as given (a ``::LAYER`` suffix left out), or a PostGIS URL
        without its password.
    bytes : int or None
        Its size in bytes; None for a database table (no file to hash).
    sha256 : str or None
        The hex SHA-256 of its bytes; None for a database table.
    """

    role: str
    path: str
    bytes: int | None
    sha256: str | None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: The files GDAL reads with a Shapefile (``zones.shp``): its parts, spatial indexes and
#: metadata, each ``zones.<suffix>`` (a ``zones.old.dbf`` is another file's).
_SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")
#: The files SQLite keeps beside a database in write-ahead mode (pending edits are in them).
_SQLITE_PARTS = ("-wal", "-journal")


def _parts_of(path: Path) -> list[Path]:
    """Return the files read with ``path`` beside it: a Shapefile's parts, a GeoPackage's WAL."""
    suffix = path.suffix.lower()
    if suffix == ".shp":
        stem = path.with_suffix("")
        named = [Path(f"{stem}{part}") for part in _SHAPEFILE_PARTS]
        named += [Path(f"{stem}{part.upper()}") for part in _SHAPEFILE_PARTS]
    elif suffix in (".gpkg", ".sqlite"):
        named = [Path(f"{path}{part}") for part in _SQLITE_PARTS]
    else:
        return []
    return sorted({p for p in named if p.is_file()})


def _files_of(path: Path) -> Iterator[Path]:
    """Yield the file with the files read with it, or every file of a folder input.

    A File Geodatabase's files in name order; a file, then its parts in name order
    (a Shapefile's ``.dbf``, ``.shx``, ``.prj``, ``.cpg``: its attributes, ids, CRS and
    encoding are in them, so a manifest that hashed the ``.shp`` alone would not change
    when they do; a GeoPackage's ``-wal``, which holds edits not yet written back).
    """
    path = path.absolute()
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file())
        return
    yield path
    yield from _parts_of(path)


def input_files(
    role: str, path: str | os.PathLike[str], label: str | None = None
) -> list[InputFile]:
    """Return the record of one input: a file, each file of a folder, or a table (no hash).

    ``label`` names a database table without its password (the caller's
    :func:`spatial.io.postgis.database_label`); a ``FILE::LAYER`` input is the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "zones.geojson"
    >>> _ = f.write_bytes(b"abc")
    >>> record = input_files("zones", f)[0]
    >>> record.bytes, record.sha256[:12]
    (3, 'ba7816bf8f01')
    """
    text = os.fspath(path)
    if "://" in text:
        return [InputFile(role, label or text.partition("://")[0] + "://...", None, None)]
    base = Path(text.partition("::")[0])
    return [InputFile(role, str(f), f.stat().st_size, _sha256(f)) for f in _files_of(base)]


def digest_text(text: str) -> str:
    """Return the hex SHA-256 of ``text`` as UTF-8 (the digest a page shows of a manifest).

    Examples
    --------
    >>> digest_text("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the evidence of each layer read (manifest.json's ``layers_read``)

#: The area rule every area of the review follows (docs/areas.md), as the manifest states it.
AREA_RULE: dict[str, str] = {
    "name": "area of record (图斑椭球面积)",
    "rule": "国土调查办发〔2008〕32号: vertices in geodetic coordinates, strips between meridians",
    "ellipsoid": "CGCS2000 (GRS80: a = 6378137 m, 1/f = 298.257222101)",
    "geodetic_crs": "EPSG:4490",
    "function": "spatial.measure.record.area_of_record_m2",
    "units": "m² (ha = m² / 10 000, 亩 = m² × 3 / 2 000)",
}
#: Formats whose text is UTF-8 by their specification (no encoding to declare).
_UTF8_DRIVERS = ("GPKG", "GeoJSON", "FlatGeobuf", "GeoParquet", "OpenFileGDB", "KML", "SQLite")


@dataclass(frozen=True)
class LayerRead:
    """What a review read of one layer: where, which layer, CRS, features, fields, encoding.

    Attributes
    ----------
    role : str
        The input's role (``zones``, ``landuse``, a constraint's name, ``previous_landuse``).
    path : str
        The file read (absolute, the ``::LAYER`` suffix left out; the same
        ``path`` as its entry in ``inputs``), or a database URL without its password.
    layer : str or None
        The layer read inside the file (a GeoPackage's ``landuse``, a File
        Geodatabase's ``GHFQ``; a Shapefile's or GeoJSON's one layer); None for
        GeoParquet and database tables.
    driver : str or None
        The format as GDAL names it (``GPKG``, ``ESRI Shapefile``), ``GeoParquet``, ``PostGIS``.
    bytes, sha256 : int or None, str or None
        The file's size and SHA-256 (as in ``inputs``); None for a folder or a table.
    crs_epsg, crs_name : int or None, str or None
        The CRS as read (``4544``, ``CGCS2000 / 3-degree Gauss-Kruger CM 105E``).
    crs_from : str
        ``file`` (declared by the file) or ``option`` (``--crs``, the project's ``crs``).
    geodetic_for_area : bool
        Whether the vertices were converted to geodetic CGCS2000 (EPSG:4490) to
        measure areas (a projected CRS); the geometry is never reprojected.
    features : int
        Features read.
    fields : dict of str to str or None
        The file's fields used: ``id``, ``class`` (用地用海 code), ``name`` (None: none used).
    encoding : str or None
        The text encoding read (a Shapefile's ``.cpg``, ``UTF-8`` by the format's
        specification; a Shapefile without ``.cpg``: its ``.dbf``'s code page,
        else ``ISO-8859-1``, the one it was read in); None when not known.
    encoding_from : str or None
        Where the encoding comes from (``x.cpg``, ``format``, ``pyogrio's default:
        no x.cpg, no code page mark in x.dbf``); None when not known.
    """

    role: str
    path: str
    layer: str | None
    driver: str | None
    bytes: int | None
    sha256: str | None
    crs_epsg: int | None
    crs_name: str | None
    crs_from: str
    geodetic_for_area: bool
    features: int
    fields: dict[str, str | None]
    encoding: str | None
    encoding_from: str | None


def _gdal_layer(base: Path, named: str | None) -> tuple[str | None, str | None]:
    """Return the layer GDAL reads in ``base`` (the named one, else its only one) and the driver."""
    if base.suffix.lower() in (".parquet", ".geoparquet"):
        return None, "GeoParquet"
    import pyogrio  # noqa: PLC0415

    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(base)]
        layer = named or (layers[0] if len(layers) == 1 else None)
        driver = pyogrio.read_info(base, layer=layer).get("driver")
    except Exception:
        return named, None
    return layer, None if driver is None else str(driver)


#: The byte of a ``.dbf`` header holding its code page mark (the language driver id, LDID).
_DBF_LDID_BYTE = 29
#: The Windows code page GDAL decodes each LDID in: GDAL's own table, the ``switch`` of
#: ``OGRShapeLayer::ConvertCodePage`` in ``ogr/ogrsf_frmts/shape/ogrshapelayer.cpp``
#: (OSGeo/gdal, read at commit b4cf0c2bc58c; its source: the dBase LDID list of
#: www.autopark.ru/ASBProgrammerGuide/DBFSTRUC.HTM). GDAL 3.12.4, the one pyogrio 0.13
#: bundles, decodes by the same table (LDIDs 1, 3, 19, 77-79, 87-89, 120-123, 200, 201
#: checked against its reading in tests/review/test_manifest_unstated_encoding.py).
#: LDID 87 is ISO-8859-1 there; a mark not in the table is named by its number only.
_LDID_WINDOWS_PAGES = {
    1: 437, 2: 850, 3: 1252, 4: 10000, 8: 865, 10: 850, 11: 437, 13: 437, 14: 850,
    15: 437, 16: 850, 17: 437, 18: 850, 19: 932, 20: 850, 21: 437, 22: 850, 23: 865,
    24: 437, 25: 437, 26: 850, 27: 437, 28: 863, 29: 850, 31: 852, 34: 852, 35: 852,
    36: 860, 37: 850, 38: 866, 55: 850, 64: 852, 77: 936, 78: 949, 79: 950, 80: 874,
    88: 1252, 89: 1252, 100: 852, 101: 866, 102: 865, 103: 861, 104: 895, 105: 620,
    106: 737, 107: 857, 108: 863, 120: 950, 121: 949, 122: 936, 123: 932, 124: 874,
    134: 737, 135: 852, 136: 857, 150: 10007, 151: 10029, 200: 1250, 201: 1251,
    202: 1254, 203: 1253, 204: 1257,
}  # fmt: skip
#: The one LDID GDAL's table names by an encoding rather than a Windows code page.
_LDID_ISO_8859_1 = 87


def _ldid_encoding(ldid: int) -> str | None:
    """Return the encoding GDAL decodes a ``.dbf`` marked ``ldid`` in; None if not in its table."""
    if ldid == _LDID_ISO_8859_1:
        return "ISO-8859-1"
    page = _LDID_WINDOWS_PAGES.get(ldid)
    return None if page is None else f"CP{page}"


def _sidecar(base: Path, suffix: str) -> Path:
    """Return a Shapefile's part as GDAL finds it, else the lower-case name it would have.

    See :func:`spatial.io.files.shapefile_part`.
    """
    return shapefile_part(base, suffix) or base.with_suffix(suffix)


def _encoding_option() -> str | None:
    """Return GDAL's ``SHAPE_ENCODING`` option when set (environment or pyogrio), else None.

    GDAL decodes every Shapefile in it, over its ``.cpg`` and its code page mark;
    set empty, it converts nothing.
    """
    import pyogrio  # noqa: PLC0415

    value = pyogrio.get_gdal_config_option("SHAPE_ENCODING")
    return None if value is None else str(value)


def _unstated_encoding(base: Path, option: str | None) -> tuple[str | None, str | None]:
    """Return the encoding a Shapefile without ``.cpg`` was read in, and why.

    GDAL decodes the ``.dbf`` in the code page its header marks (its LDID, byte
    29) when it has one; else pyogrio reads its text as ISO-8859-1, the dBase
    default it reports. Chinese text read so is mojibake, which every command
    refuses (the validator's text check: "a Shapefile in GBK needs a .cpg ..."),
    so a layer listed with it held text that reads the same in it. ``option``:
    ``SHAPE_ENCODING`` set empty (GDAL converts nothing), or None.
    """
    import pyogrio  # noqa: PLC0415

    cpg, dbf = _sidecar(base, ".cpg"), _sidecar(base, ".dbf")
    try:
        used = pyogrio.read_info(base).get("encoding")
        with dbf.open("rb") as header:
            mark = header.read(_DBF_LDID_BYTE + 1)[_DBF_LDID_BYTE:]
    except Exception:
        return None, None
    ldid = mark[0] if mark and option is None else 0
    if ldid:
        known = _ldid_encoding(ldid)
        said = "read by GDAL" if known else "not in GDAL's table of code pages"
        return known, f"{dbf.name}'s code page mark (LDID {ldid}), {said}; no {cpg.name}"
    if used is None or str(used).upper() == "UTF-8":  # converted by GDAL, from what unsaid
        return None, None
    if option is not None:
        return str(used), "pyogrio's default: GDAL's SHAPE_ENCODING set empty, nothing converted"
    return str(used), f"pyogrio's default: no {cpg.name}, no code page mark in {dbf.name}"


def _encoding(base: Path, driver: str | None) -> tuple[str | None, str | None]:
    """Return a layer's text encoding and where it is stated (a ``.cpg``, the format).

    A Shapefile: GDAL's ``SHAPE_ENCODING`` when set, else its ``.cpg`` (``X.CPG``
    as well), else the encoding GDAL used and why (:func:`_unstated_encoding`).
    """
    if base.suffix.lower() == ".shp":
        option = _encoding_option()
        if option:
            return option.upper(), "GDAL's SHAPE_ENCODING option (over any .cpg or code page)"
        cpg = _sidecar(base, ".cpg")
        if option is not None or not cpg.is_file():
            return _unstated_encoding(base, option)
        declared = cpg.read_text(encoding="ascii", errors="replace").strip()
        return declared.upper() or None, cpg.name
    if driver in _UTF8_DRIVERS:
        return "UTF-8", "format"
    return None, None


def layer_read(
    role: str,
    path: str | os.PathLike[str],
    gdf: gpd.GeoDataFrame,
    *,
    fields: Mapping[str, str | None],
    hashes: Mapping[str, InputFile],
    crs_given: bool = False,
    label: str | None = None,
) -> LayerRead:
    """Return the evidence of one layer read: file and layer, CRS, features, fields, encoding.

    ``hashes`` maps a file's path to its record (:func:`input_files`), so that
    no file is hashed twice; ``label`` names a database table without its password.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "landuse.gpkg"
    >>> gdf = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4544)
    >>> gdf.to_file(f, layer="landuse")
    >>> read = layer_read("landuse", f, gdf, fields={"id": "BSM"}, hashes={})
    >>> read.layer, read.driver, read.crs_epsg, read.geodetic_for_area, read.encoding
    ('landuse', 'GPKG', 4544, True, 'UTF-8')
    """
    from spatial.measure.frames import is_lonlat  # noqa: PLC0415

    text = os.fspath(path)
    crs = gdf.crs
    base: Path | None = None
    named: str | None = None
    driver: str | None = "PostGIS"
    record: InputFile | None = None
    if "://" in text:
        where = label or text.partition("://")[0] + "://..."
    else:
        base = Path(text.partition("::")[0]).absolute()
        named, driver = _gdal_layer(base, text.partition("::")[2] or None)
        where, record = str(base), hashes.get(str(base))
    encoding, encoding_from = (None, None) if base is None else _encoding(base, driver)
    return LayerRead(
        role=role,
        path=where,
        layer=named,
        driver=driver,
        bytes=None if record is None else record.bytes,
        sha256=None if record is None else record.sha256,
        crs_epsg=None if crs is None else crs.to_epsg(),
        crs_name=None if crs is None else str(crs.name),
        crs_from="option" if crs_given else "file",
        geodetic_for_area=crs is not None and not is_lonlat(crs),
        features=len(gdf),
        fields=dict(fields),
        encoding=encoding,
        encoding_from=encoding_from,
    )
