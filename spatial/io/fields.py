"""A planner's field names mapped onto the toolkit's: ``id`` and ``name_zh``.

Targets, rules and maps find features by ``id`` and name them by ``name_zh``.
A planner's file may call these otherwise (``--id-field CODE``,
``--name-field 名称``), or GDAL may have renamed them on reading: the KML
drivers keep the placemark's own id as ``id`` and the file's ``id`` field as
``id2``; an ArcGIS export spells it ``ID``. Nothing is dropped: a column that
makes way is kept under ``<name>_orig`` (or ``kml_id`` for a placemark id).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from spatial.errors import FieldError

if TYPE_CHECKING:  # file_id_field runs before geopandas loads (overlay's GeoParquet scan)
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "FIELD_NAMES",
    "ID_COLUMN",
    "ID_FIELDS",
    "NAME_COLUMN",
    "file_id_field",
    "id_note",
    "map_fields",
    "named_id_note",
    "own_fields",
    "planner_field",
    "standard_id_field",
    "unique_field",
]

#: The column every feature is identified by.
ID_COLUMN = "id"
#: The column every feature is named by (Chinese name).
NAME_COLUMN = "name_zh"
#: ``attrs`` key of a mapped layer: the planner's field of each toolkit column (``id``: ``BSM``).
FIELD_NAMES = "field_names"
_KML_SUFFIXES = {".kml", ".kmz"}
#: Id fields looked for, in order: 标识码, 单元编号, then the usual English ones.
ID_FIELDS = ("BSM", "DYBH", "id", "ID", "Id", "YSDM_ID", "FID_", "OBJECTID", "编号")


def unique_field(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """Return the first of ``candidates`` in ``frame`` that is unique and never blank, else None.

    How ``spatial init`` finds a layer's id field, and how a constraint layer
    with no ``id`` names its features (by ``BSM``, as ``qc`` does):
    :func:`standard_id_field`.

    Examples
    --------
    >>> import pandas as pd
    >>> unique_field(pd.DataFrame({"BSM": ["a", "a"], "DYBH": ["N01", "N02"]}), ID_FIELDS)
    'DYBH'
    >>> unique_field(pd.DataFrame({"BSM": ["a", " "]}), ID_FIELDS) is None
    True
    """
    for name in candidates:
        if name in frame.columns:
            values = frame[name]
            text = values.astype(str).str.strip()
            if values.notna().all() and (text != "").all() and values.is_unique:
                return name
    return None


#: Why a standard field was taken as the ids (the note's words).
_STANDARD = "unique, standard field"


def planner_field(gdf: gpd.GeoDataFrame, column: str) -> str:
    """Return the planner's name of ``column``: ``DYMC`` for ``name_zh`` read by ``--name-field``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> layer = gpd.GeoDataFrame({"DYMC": ["甲"]}, geometry=[Point(106, 29)])
    >>> mapped, _ = map_fields(layer, "z.shp", name_field="DYMC")
    >>> planner_field(mapped, "name_zh"), planner_field(mapped, "note")
    ('DYMC', 'note')
    """
    return str(gdf.attrs.get(FIELD_NAMES, {}).get(column, column))


def _fields(gdf: gpd.GeoDataFrame) -> tuple[str, ...]:
    return tuple(str(c) for c in gdf.columns if c != gdf.geometry.name)


def own_fields(gdf: gpd.GeoDataFrame) -> str:
    """Return the layer's fields as the file names them (``BSM``, not ``id``), comma-separated.

    A column :func:`map_fields` renamed is listed under the planner's name, so a
    message listing fields shows what the planner sees in the file.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> layer = gpd.GeoDataFrame({"BSM": ["a"], "note": ["x"]}, geometry=[Point(106, 29)])
    >>> own_fields(map_fields(layer, "lu.gpkg", find_id=True)[0])
    'BSM, note'
    """
    return ", ".join(planner_field(gdf, str(c)) for c in gdf.columns if c != gdf.geometry.name)


def standard_id_field(gdf: gpd.GeoDataFrame) -> str | None:
    """Return the layer's id field when none is named: a unique, never-blank standard field.

    The rule of ``spatial init``, the constraint layers and the map's tiles: the
    first of :data:`ID_FIELDS` (``BSM`` 标识码 before ``DYBH``
    单元编号) that the layer holds, every value present, not blank and unique.
    None when the layer has ``id`` already or no such field: a command then
    behaves as without it (``no field 'id' for --id-field``, features by position).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> two = gpd.GeoDataFrame({"DYBH": ["A", "B"], "BSM": ["1", "2"]}, geometry=[Point(0, 0)] * 2)
    >>> standard_id_field(two)
    'BSM'
    >>> standard_id_field(two.assign(BSM=["1", "1"]))
    'DYBH'
    """
    if ID_COLUMN in gdf.columns:
        return None
    return unique_field(gdf.drop(columns=gdf.geometry.name), ID_FIELDS)


def _take(
    gdf: gpd.GeoDataFrame, source: str, field: str, role: str, option: str, own: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Make ``field`` the ``role`` column, keeping a previous ``role`` column as ``role_orig``."""
    if field not in gdf.columns or field == gdf.geometry.name:
        raise FieldError(source, field, option, own)
    if field == role:
        return gdf
    renames = {field: role}
    if role in gdf.columns:
        renames[role] = f"{role}_orig"
    return gdf.rename(columns=renames)


def _gdal_renamed_id(gdf: gpd.GeoDataFrame, source: str) -> tuple[str, str] | None:
    """Return (column, why) when GDAL or an export renamed the id field, else None."""
    columns = [str(c) for c in gdf.columns]
    if "id2" in columns and Path(source.partition("::")[0]).suffix.lower() in _KML_SUFFIXES:
        return "id2", "the KML driver reads the placemark id as 'id' and the file's 'id' as 'id2'"
    if ID_COLUMN not in columns:
        for column in columns:
            if column.lower() == ID_COLUMN:
                return column, f"the file spells it {column!r}"
    return None


def file_id_field(path: str) -> str | None:
    """Return the standard id field of the layer file ``path`` (:func:`standard_id_field`).

    Reads only the candidate fields (no geometry), for a command that names its
    features by a field it must know before reading the layer (``qc``,
    ``validate``). None when the file has ``id``, no candidate field qualifies,
    or it is not a file GDAL reads (a database: ``--id-field`` names it).
    """
    from spatial.errors import SpatialError  # noqa: PLC0415
    from spatial.io.files import require_layer_path  # noqa: PLC0415

    try:  # never open what the readers refuse (a FIFO beside a Shapefile would block GDAL)
        require_layer_path(Path(str(path).partition("::")[0]))
    except SpatialError:
        return None  # the read refuses it, in its own words
    import warnings  # noqa: PLC0415

    try:
        with warnings.catch_warnings():  # GDAL's warnings are the read's to say, once
            warnings.simplefilter("ignore")
            frame = _candidate_columns(str(path), ID_FIELDS)
    except Exception:
        return None
    return None if frame is None else unique_field(frame, ID_FIELDS)


def _candidate_columns(path: str, names: tuple[str, ...]) -> pd.DataFrame | None:
    """Return the file's columns among ``names`` (no geometry); None when it has ``id``."""
    file, _, layer = path.partition("::")
    if Path(file).suffix.lower() == ".parquet" and not layer:
        import pyarrow.parquet as pq  # noqa: PLC0415 - no GDAL for a GeoParquet file

        fields = list(pq.read_schema(file).names)
        wanted = [f for f in names if f in fields]
        if ID_COLUMN in fields or not wanted:
            return None
        table: pd.DataFrame = pq.read_table(file, columns=wanted).to_pandas()
        return table
    import pyogrio  # noqa: PLC0415

    fields = [str(f) for f in pyogrio.read_info(file, layer=layer or None)["fields"]]
    wanted = [f for f in names if f in fields]
    if ID_COLUMN in fields or not wanted:
        return None
    frame: pd.DataFrame = pyogrio.read_dataframe(
        file, layer=layer or None, columns=wanted, read_geometry=False, use_arrow=True
    )  # Arrow: 0.3 s for a million features, not 1 s
    return frame


def id_note(source: str, column: str) -> str:
    """Return the note saying a standard field was taken as the ids of ``source``.

    Examples
    --------
    >>> id_note("lu.gpkg", "BSM")
    'lu.gpkg: ids from BSM (unique, standard field); --id-field to choose another'
    """
    return f"{source}: {_id_note(column, _STANDARD)}"


def named_id_note(source: str, column: str) -> str:
    """Return the note saying the ids of ``source`` are read from the field named for them.

    What every command says of a field ``--id-field`` or the project names
    (:func:`map_fields`), and ``balance`` of its zones' field.

    Examples
    --------
    >>> named_id_note("zones.gpkg", "DYBH")
    "zones.gpkg: ids from field 'DYBH'"
    """
    return f"{source}: {_NAMED.format(column)}"


#: What is said of an id field named for a layer (``--id-field``, the project).
_NAMED = "ids from field {!r}"


def _id_note(column: str, why: str) -> str:
    """Say which field was taken as the ids and how to choose another."""
    if why == _STANDARD:
        return f"ids from {column} ({why}); --id-field to choose another"
    return f"ids from field {column!r} ({why}; --id-field to choose another)"


def _found_id(gdf: gpd.GeoDataFrame, source: str, *, standard: bool) -> tuple[str, str] | None:
    """Return (column, why) of the id field taken when none is named, else None.

    A KML's ``id2`` first, then (with ``standard``) a standard field, then an ``ID``.
    """
    columns = [str(c) for c in gdf.columns]
    if "id2" in columns and Path(source.partition("::")[0]).suffix.lower() in _KML_SUFFIXES:
        return _gdal_renamed_id(gdf, source)
    found = standard_id_field(gdf) if standard else None
    if found is not None:
        return found, _STANDARD
    return _gdal_renamed_id(gdf, source)


def map_fields(
    gdf: gpd.GeoDataFrame,
    source: str,
    id_field: str | None = None,
    name_field: str | None = None,
    *,
    find_id: bool = False,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the layer with its id and name columns as ``id`` and ``name_zh``, and notes.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer as read.
    source : str
        How to name the layer in a message (its file).
    id_field, name_field : str, optional
        The planner's columns holding the ids and the Chinese names. Without
        ``id_field``, a KML's ``id2`` (GDAL's rename of ``id``), else a unique,
        never-blank standard field (:func:`standard_id_field`: ``BSM``), else an
        ``ID`` column is taken as the id, and a note says so.
    find_id : bool
        Take a standard field by the rule (:func:`standard_id_field`); False
        (a bare read, or where the command names this layer's ids by an option
        of its own: ``--a-id``, ``--zone-id-field``) takes none.

    Returns
    -------
    (GeoDataFrame, list of str)
        The layer (a column that made way kept as ``<name>_orig``; a KML
        placemark id as ``kml_id``) and one line per mapping made.

    Raises
    ------
    FieldError
        A named field is not in the layer; the message lists its fields.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> layer = gpd.GeoDataFrame({"CODE": ["a"], "名称": ["甲"]}, geometry=[Point(106, 29)])
    >>> mapped, notes = map_fields(layer, "mine.shp", id_field="CODE", name_field="名称")
    >>> list(mapped.columns), notes
    (['id', 'name_zh', 'geometry'], ["mine.shp: ids from field 'CODE', names from field '名称'"])
    """
    said, fields, own = [], {}, _fields(gdf)  # the file's own field names, before renaming
    if id_field is not None:
        gdf = _take(gdf, source, id_field, ID_COLUMN, "--id-field", own)
        said.append(_NAMED.format(id_field))
        fields[ID_COLUMN] = id_field
    else:
        renamed = _found_id(gdf, source, standard=find_id)
        if renamed is not None:
            column, why = renamed
            if column == "id2" and ID_COLUMN in gdf.columns:
                gdf = gdf.rename(columns={ID_COLUMN: "kml_id"})
            gdf = gdf.rename(columns={column: ID_COLUMN})
            said.append(_id_note(column, why))
            fields[ID_COLUMN] = column
    if name_field is not None:
        gdf = _take(gdf, source, name_field, NAME_COLUMN, "--name-field", own)
        said.append(f"names from field {name_field!r}")
        fields[NAME_COLUMN] = name_field
    if fields:  # messages name the planner's fields (validate's mis-encoded text)
        gdf.attrs[FIELD_NAMES] = {**gdf.attrs.get(FIELD_NAMES, {}), **fields}
    return gdf, [f"{source}: {', '.join(said)}"] if said else []
