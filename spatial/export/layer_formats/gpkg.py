"""GeoPackage (``.gpkg``): every layer and table in one file, each layer styled for QGIS.

An existing GeoPackage keeps its other layers (see :func:`spatial.io.atomic.atomic_gpkg`).
"""

from __future__ import annotations

from spatial.export.layer_formats import LayerFormat, LayerWrite, write_frames

__all__ = ["FORMAT"]


def _write(request: LayerWrite) -> list[str]:
    import geopandas as gpd  # noqa: PLC0415

    from spatial.export.qgis import classify, store_styles  # noqa: PLC0415
    from spatial.io.atomic import atomic_gpkg  # noqa: PLC0415

    styles = request.styles
    styled = {
        name: classify(frame, styles.get(name, name))
        if isinstance(frame, gpd.GeoDataFrame) and request.styled
        else frame
        for name, frame in request.layers.items()
    }
    with atomic_gpkg(request.out, list(styled)) as tmp:
        write_frames(tmp, "GPKG", styled)
        geo = {n: f for n, f in styled.items() if isinstance(f, gpd.GeoDataFrame)}
        if request.styled:
            store_styles(tmp, geo, styles)
    return [f"{request.out}::{name}" for name in request.layers]


FORMAT = LayerFormat("GeoPackage", (".gpkg",), _write)
