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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

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
    "source_stem",
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


#: The highest TCP port.
_PORT_MAX = 65535


@dataclass(frozen=True)
class PostgisTable:
    """A table in a PostGIS database: where it is and how to name it in a message.

    The password is kept apart and never shown: not in :attr:`label`, not in
    the ``repr``; only :attr:`url` (handed to the driver) holds it.
    """

    host: str
    database: str
    table: str
    schema: str = "public"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    port: int | None = None
    options: tuple[tuple[str, str], ...] = ()  # other query parameters (sslmode=...)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL (driver psycopg) with the password, for the driver only."""
        import sqlalchemy  # noqa: PLC0415 - only when a database is named

        return sqlalchemy.engine.URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password,
            host=self.host or None,
            port=self.port,
            database=self.database or None,
            query=dict(self.options),
        ).render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        """The table as a message names it: the URL without the password, with ``?table=``.

        Examples
        --------
        >>> postgis_table("postgresql://me:secret@db:5433/plan?table=zones").label
        'postgresql://me@db:5433/plan?table=zones'
        """
        query = {"table": self.table} | ({} if self.schema == "public" else {"schema": self.schema})
        return f"{self.server}?{urlencode(query)}"

    @property
    def server(self) -> str:
        """The database as a message names it: ``postgresql://USER@HOST:PORT/DB``, no password."""
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"postgresql://{user}{host}{port}/{quote(self.database, safe='')}"

    def named(self, table: str) -> PostgisTable:
        """Return the table ``table`` in the same database and schema."""
        return replace(self, table=table)


def _without_password(url: str) -> str:
    """``url`` with everything before its last ``@`` (user and password) left out."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else url


def _host_port(text: str, shown: str) -> tuple[str, int | None]:
    """Split ``HOST[:PORT]`` or ``[IPV6][:PORT]``; refuse a bad port or an unclosed bracket."""
    if text.startswith("["):
        host, closed, after = text[1:].partition("]")
        if not closed:
            raise LayerError(f"{shown}: the IPv6 address has no closing ']'")
        if after and not after.startswith(":"):
            raise LayerError(f"{shown}: expected ':PORT' after the IPv6 address ']'")
        port = after[1:] if after else None
    else:
        host, colon, port_text = text.partition(":")
        port = port_text if colon else None
    if port is None or port == "":
        return host, None
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) <= _PORT_MAX:
        raise LayerError(f"{shown}: the port {port[:20]!r} is not a number from 1 to {_PORT_MAX}")
    return host, int(port)


def _one_each(query: str, shown: str) -> dict[str, str]:
    """Return the query's parameters; refuse a parameter given twice."""
    pairs = parse_qsl(query, keep_blank_values=True)
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise LayerError(f"{shown}: {key}= is given twice in the URL")
        seen[key] = value
    return seen


def postgis_table(url: str, table: str | None = None) -> PostgisTable:
    """Parse ``postgresql://USER:PASSWORD@HOST:PORT/DB?table=T[&schema=S]`` (once, here).

    The user and password are everything before the URL's last ``@``
    (percent-decoded; a ``/``, ``#``, ``?`` or ``@`` in a password is taken as
    typed), so no part of a password is mistaken for the host or database and
    none is ever shown: every message names the database by :attr:`PostgisTable.label`.

    Raises
    ------
    LayerError
        A malformed part (not ``postgresql://``, a port that is no number from
        1 to 65535, an unclosed IPv6 bracket, a parameter twice), no table
        named, or a table named twice (in the URL and as ``table``): one line,
        without the password.

    Examples
    --------
    >>> t = postgis_table("postgresql://me@localhost:5432/plan", table="zones")
    >>> t.url, t.table, t.schema
    ('postgresql+psycopg://me@localhost:5432/plan', 'zones', 'public')
    >>> postgis_table("postgresql://me:p/a#s@s@[::1]:5432/plan?table=z").password
    'p/a#s@s'
    """
    shown = _without_password(url)
    if not is_postgis_url(url):
        raise LayerError(f"{shown}: expected a postgresql://USER@HOST:PORT/DB URL")
    userinfo, at, rest = url.partition("://")[2].rpartition("@")
    user, colon, password = userinfo.partition(":")
    where, _, query_text = rest.partition("?")
    netloc, _, database = where.partition("/")
    host, port = _host_port(netloc, shown)
    query = _one_each(query_text, shown)
    in_url, schema = query.pop("table", None), query.pop("schema", "public")
    found = PostgisTable(
        host=unquote(host),
        database=unquote(database),
        table=in_url or table or "?",
        schema=schema or "public",
        user=unquote(user) if at and user else None,
        password=unquote(password) if at and colon else None,
        port=port,
        options=tuple(query.items()),
    )
    if in_url and table and in_url != table:
        raise LayerError(
            f"{found.server}: the table is named twice ({in_url!r} in the URL and "
            f"--table {table!r}): name it once"
        )
    if not (in_url or table):
        raise LayerError(
            f"{found.server}: name the table, as postgresql://...?table=NAME or with --table NAME"
        )
    return found


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


def _reason(exc: BaseException, where: PostgisTable) -> str:
    """Return the first line of a driver error, the password (if quoted at all) masked.

    psycopg does not echo the password; the mask is for any driver or layer that would.
    """
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    for secret in {where.password or "", quote(where.password or "", safe="")} - {""}:
        line = line.replace(secret, "***")
    return line


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
            gdf: gpd.GeoDataFrame = gpd.read_postgis(sql, connection, geom_col=geom_col)  # type: ignore[call-overload]
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise LayerReadError(f"{where.label}: cannot be read ({_reason(exc, where)})") from None
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
        raise OutputError(f"{where.label}: cannot be written ({_reason(exc, where)})") from None
    return [where.named(name).label for name in names]


def database_label(path: str | os.PathLike[str]) -> str:
    """Name a layer source in a message: a PostGIS URL without its password, else the path."""
    text = os.fspath(path)
    if not is_postgis_url(text):
        return _without_password(text) if "://" in text else text
    try:
        return postgis_table(text).label
    except LayerError:
        return _without_password(text)


def source_stem(path: str) -> str:
    """Return a layer's name from its path: ``FILE.gdb::LAYER``'s layer, a URL's table, a stem.

    What a planner's map is titled by when nothing else names their plan.

    Examples
    --------
    >>> [source_stem(p) for p in ("d/zones25.gpkg", "plan.gdb::GHFQ", "postgresql://h/db?table=dy")]
    ['zones25', 'GHFQ', 'dy']
    """
    from pathlib import Path  # noqa: PLC0415 - a name, not a file
    from urllib.parse import parse_qs, urlsplit  # noqa: PLC0415

    if path.startswith(("postgresql://", "postgres://")):
        return parse_qs(urlsplit(path).query).get("table", ["postgis"])[0]
    name, _, layer = path.partition("::")
    return layer or Path(name).stem
