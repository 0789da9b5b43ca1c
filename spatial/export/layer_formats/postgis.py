"""PostGIS (``postgresql://USER@HOST/DB?table=T``): the layers as tables, in one transaction.

See :mod:`spatial.io.postgis`: the first layer is the named table, the others ``T_NAME``.
"""

from __future__ import annotations

from spatial.export.layer_formats import LayerFormat, LayerWrite

__all__ = ["FORMAT"]


def _claims(out: str) -> bool:
    from spatial.io.postgis import is_postgis_url  # noqa: PLC0415

    return is_postgis_url(out)


def _write(request: LayerWrite) -> list[str]:
    from spatial.io.postgis import write_postgis_tables  # noqa: PLC0415

    return write_postgis_tables(dict(request.layers), request.out, request.table)


FORMAT = LayerFormat("PostGIS", (), _write, claims=_claims)
