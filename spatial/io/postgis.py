"""PostGIS as a home for layers: read a table as a layer, write results as tables.

A PostGIS layer is named by a URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?table=T``
(``schema=S`` optional, default ``public``), wherever a layer path is accepted;
``--db URL --table T`` says the same on the command line. Connections go through
SQLAlchemy with the psycopg (v3) driver; geometries are read with
:func:`geopandas.read_postgis` and written with :meth:`GeoDataFrame.to_postgis`
(GeoAlchemy2), keeping the layer's CRS as the column's SRID. A password is never
repeated in a message.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from spatial.errors import LayerError, LayerReadError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import sqlalchemy

__all__ = [
    "PostgisTable",
    "is_postgis_url",
    "postgis_table",
    "read_postgis_layer",
    "write_postgis_tables",
]

_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_postgis_url(text: object) -> bool:
    """Return True when ``text`` names a PostGIS database (``postgresql://...``).

    Examples
    --------
    >>> is_postgis_url("postgresql://planner@localhost/plan?table=zones")
    True
    >>> is_postgis_url("zones.gpkg")
    False
    """
    return isinstance(text, str) and text.lower().startswith(_SCHEMES)


@dataclass(frozen=True)
class PostgisTable:
    """A table in a PostGIS database: where it is and how to name it in a message."""

    url: str  # SQLAlchemy URL, driver psycopg, without the table parameters
    table: str
    schema: str = "public"

    @property
    def label(self) -> str:
        """The table as a message names it: the URL without the password, with ``?table=``.

        Examples
        --------
        >>> postgis_table("postgresql://me:secret@db:5433/plan?table=zones").label
        'postgresql://me@db:5433/plan?table=zones'
        """
        parts = urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")
        user = netloc[0].partition(":")[0]
        host = f"{user}@{netloc[2]}" if netloc[1] else netloc[2]
        query = {"table": self.table} | ({} if self.schema == "public" else {"schema": self.schema})
        return urlunsplit(("postgresql", host, parts.path, urlencode(query), ""))


def postgis_table(url: str, table: str | None = None) -> PostgisTable:
    """Parse ``postgresql://...?table=T[&schema=S]`` (or a URL and ``table``) into a table.

    Raises
    ------
    LayerError
        No table named, or a table given twice (in the URL and as ``table``).

    Examples
    --------
    >>> t = postgis_table("postgresql://me@localhost:5432/plan", table="zones")
    >>> t.url, t.table, t.schema
    ('postgresql+psycopg://me@localhost:5432/plan', 'zones', 'public')
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    in_url = query.pop("table", [None])[0]
    schema = query.pop("schema", ["public"])[0]
    if in_url and table and in_url != table:
        raise LayerError(f"{url}: the table is named twice ({in_url!r} and --table {table!r})")
    name = in_url or table
    if not name:
        raise LayerError(
            f"{PostgisTable(url, '?', schema).label.partition('?')[0]}: name the table, "
            "as postgresql://...?table=NAME or with --table NAME"
        )
    rest = urlencode({k: v[0] for k, v in query.items()})
    return PostgisTable(
        urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, rest, "")), name, schema
    )


@contextlib.contextmanager
def _engine(table: PostgisTable) -> Iterator[Any]:
    """Yield an SQLAlchemy engine for the table's database; dispose of it (close) after."""
    import sqlalchemy  # noqa: PLC0415 - only when a database is named

    engine = sqlalchemy.create_engine(
        table.url, connect_args={"connect_timeout": 10}, poolclass=sqlalchemy.pool.NullPool
    )
    try:
        yield engine
    finally:
        engine.dispose()


def _reason(exc: BaseException) -> str:
    """Return the first line of a driver error (psycopg never echoes the password)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _geometry_column(
    connection: sqlalchemy.Connection, table: PostgisTable
) -> tuple[str, int] | None:
    import sqlalchemy  # noqa: PLC0415

    row = connection.execute(
        sqlalchemy.text(
            "SELECT f_geometry_column, srid FROM geometry_columns "
            "WHERE f_table_schema = :schema AND f_table_name = :table ORDER BY 1 LIMIT 1"
        ),
        {"schema": table.schema, "table": table.table},
    ).first()
    return None if row is None else (str(row[0]), int(row[1]))


def _quoted(connection: sqlalchemy.Connection, table: PostgisTable) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"{quote(table.schema)}.{quote(table.table)}"


def read_postgis_layer(url: str, table: str | None = None) -> gpd.GeoDataFrame:
    """Read a PostGIS table as a layer; its CRS is the geometry column's SRID.

    Parameters
    ----------
    url : str
        ``postgresql://USER@HOST:PORT/DB?table=T`` (or without ``table`` and the
        ``table`` argument).
    table : str, optional
        The table, when the URL does not name it.

    Raises
    ------
    LayerReadError
        The database cannot be reached, or holds no such table with a geometry column.
    """
    import geopandas as gpd  # noqa: PLC0415
    import sqlalchemy.exc  # noqa: PLC0415
    from pyproj import CRS  # noqa: PLC0415

    where = postgis_table(url, table)
    try:
        with _engine(where) as engine, engine.connect() as connection:
            found = _geometry_column(connection, where)
            if found is None:
                raise LayerReadError(
                    f"{where.label}: no table {where.schema}.{where.table} with a geometry column"
                )
            geom_col, srid = found
            sql = sqlalchemy.text(f"SELECT * FROM {_quoted(connection, where)}")
            # types-geopandas says sql is a str; geopandas hands it to pandas.read_sql, which
            # takes a SQLAlchemy text() clause as well (documented there).
            gdf = gpd.read_postgis(sql, connection, geom_col=geom_col)  # type: ignore[call-overload]
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise LayerReadError(f"{where.label}: cannot be read ({_reason(exc)})") from None
    if srid > 0 and gdf.crs is None:
        gdf = gdf.set_crs(CRS.from_epsg(srid))
    return gdf


def write_postgis_tables(
    tables: dict[str, pd.DataFrame], url: str, table: str | None = None
) -> list[str]:
    """Write result tables to PostGIS in one transaction, replacing tables of the same names.

    The first entry of ``tables`` is written as the named table, the others as
    ``TABLE_KEY`` (``results``, ``results_rules``); a GeoDataFrame becomes a
    PostGIS table with its SRID, a DataFrame a plain table. Either every table
    is written or none is (one transaction).

    Returns
    -------
    list of str
        The labels of the tables written.

    Raises
    ------
    OutputError
        The database cannot be reached or refuses the write.
    """
    import geopandas as gpd  # noqa: PLC0415
    import sqlalchemy.exc  # noqa: PLC0415

    where = postgis_table(url, table)
    names = [where.table, *(f"{where.table}_{key}" for key in list(tables)[1:])]
    try:
        with _engine(where) as engine, engine.begin() as connection:
            for name, frame in zip(names, tables.values(), strict=True):
                kwargs = {"name": name, "con": connection, "schema": where.schema}
                if isinstance(frame, gpd.GeoDataFrame):
                    frame.to_postgis(if_exists="replace", index=False, **kwargs)
                else:
                    frame.to_sql(if_exists="replace", index=False, **kwargs)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise OutputError(f"{where.label}: cannot be written ({_reason(exc)})") from None
    return [PostgisTable(where.url, name, where.schema).label for name in names]


def database_label(path: str | os.PathLike[str]) -> str:
    """Name a layer source in a message: a PostGIS URL without its password, else the path."""
    text = os.fspath(path)
    if not is_postgis_url(text):
        return text
    try:
        return postgis_table(text).label
    except LayerError:
        return text.partition("@")[2] or text
