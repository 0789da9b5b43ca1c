"""The ground a failed rule is about: overlap and outside pieces, to draw in red.

A failed ``no_overlap`` row is about the intersection of two features, a failed
``within_district`` row about the part of a feature outside the district, a
failed declared nesting about the part of the inner feature outside the outer
one. :func:`failure_pieces` returns those geometries (EPSG:4326, lon/lat) with
the rule id and the features involved; rules about distances (corridor reach,
platforms) have no piece of ground and are named in the rule panel only.

Each piece is cut where the rule decided it (:mod:`spatial.checks.rules`): in
the layer's own CRS, or in the frame of the rule's two layers, and measured
there by the survey rule; only its vertices are converted to lon/lat at the end,
so a piece's ``area_km2`` is the rule row's figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.checked.status import Status
from spatial.checks.rules import _pair_frame
from spatial.crs import WGS84, reproject
from spatial.measure.area import ellipsoidal_area_m2
from spatial.plan import Rule
from spatial.units import M2_PER_KM2

__all__ = ["PIECE_COLUMNS", "failure_pieces"]

#: Columns of the pieces table (besides geometry); ``area_km2`` ellipsoidal (CGCS2000).
PIECE_COLUMNS = ["rule", "piece", "id", "other_id", "area_km2"]
OVERLAP, OUTSIDE_DISTRICT, OUTSIDE_OUTER = "overlap", "outside district", "outside declared outer"


def _geometry(layer: gpd.GeoDataFrame | None, feature_id: str) -> shapely.Geometry | None:
    if layer is None:
        return None
    found = layer.geometry[layer["id"] == feature_id]
    return found.iloc[0] if len(found) == 1 else None


def _pieces_of_row(
    row: Any, rule: Rule, layers: Mapping[str, gpd.GeoDataFrame]
) -> Iterator[tuple[str, str, shapely.Geometry, CRS]]:
    """Yield ``(piece, other id, geometry, CRS it is stored in)`` of one failed row."""
    if rule.layer not in layers:
        return
    if rule.kind == "within_district":
        framed, crs = _pair_frame(layers, rule.layer, rule.params["district_layer"])
        geom = _geometry(framed.get(rule.layer), row.id)
        district = _geometry(framed.get(rule.params["district_layer"]), row.other_id)
        if geom is not None and district is not None:
            yield OUTSIDE_DISTRICT, row.other_id, shapely.difference(geom, district), crs
        return
    layer = layers[rule.layer]  # a no_overlap rule: one layer, its own CRS
    crs = CRS.from_user_input(layer.crs)
    geom = _geometry(layer, row.id)
    if geom is None or rule.kind != "no_overlap":
        return
    if row.measure.startswith("area outside outer"):
        outer = _geometry(layer, row.other_id)
        if outer is not None:
            yield OUTSIDE_OUTER, row.other_id, shapely.difference(geom, outer), crs
        return
    for other in filter(None, (o.strip() for o in row.other_id.split(","))):
        other_geom = _geometry(layer, other)
        if other_geom is not None:
            yield OVERLAP, other, shapely.intersection(geom, other_geom), crs


def _checked(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the layer in its own CRS with text ids, geometries made valid as the check did."""
    return gdf.assign(id=gdf["id"].astype(str)).set_geometry(
        shapely.make_valid(np.asarray(gdf.geometry.array, dtype=object))
    )


class _CheckedLayers(Mapping[str, gpd.GeoDataFrame]):
    """The layers with an ``id`` column, each made as checked (:func:`_checked`) when first read.

    Only the layers of a failed row's rule are read: a 三区三线 layer of
    300,000 features beside the zones is not made valid again for nothing.
    """

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
        self._layers = {name: gdf for name, gdf in layers.items() if "id" in gdf.columns}
        self._made: dict[str, gpd.GeoDataFrame] = {}

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        if name not in self._made:
            self._made[name] = _checked(self._layers[name])
        return self._made[name]

    def __contains__(self, name: object) -> bool:
        return name in self._layers

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)


def _lonlat_piece(geom: shapely.Geometry, crs: CRS) -> tuple[shapely.Geometry, float]:
    """Return a piece's vertices in EPSG:4326 and its area of record (km², measured in ``crs``)."""
    stored = gpd.GeoSeries([geom], crs=crs)
    area_km2 = float(ellipsoidal_area_m2(stored)[0]) / M2_PER_KM2
    return reproject(stored, WGS84).iloc[0], area_km2


def _is_area(geom: shapely.Geometry) -> bool:
    return not shapely.is_empty(geom) and float(shapely.area(geom)) > 0


def failure_pieces(
    layers: Mapping[str, gpd.GeoDataFrame], rules_table: pd.DataFrame, rules: Iterable[Rule]
) -> gpd.GeoDataFrame:
    """Return the overlap and outside pieces of the failed rows of ``rules_table``.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The layers the rules were checked on (any explicit CRS).
    rules_table : pandas.DataFrame
        The rule table of :func:`~spatial.checks.run_checks` (``report.rules``).
    rules : iterable of Rule
        The rules checked, to find each row's kind and parameters.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`PIECE_COLUMNS` and geometry, EPSG:4326; one row per
        overlapping pair (each pair once) and per outside piece.

    Examples
    --------
    >>> from spatial.checks import run_checks
    >>> from spatial.io.layers import load_plan_layers
    >>> from spatial.plan import load_rules
    >>> layers = load_plan_layers()
    >>> len(failure_pieces(layers, run_checks(layers).rules, load_rules()))
    0
    """
    by_id = {rule.id: rule for rule in rules}
    failed = rules_table[rules_table["status"] == Status.FAIL]
    prepared = _CheckedLayers(layers)  # a layer made as checked when a failed row reads it
    rows, seen = [], set()
    for row in failed.itertuples():
        rule = by_id.get(str(row.rule))
        if rule is None:
            continue
        for piece, other, geom, crs in _pieces_of_row(row, rule, prepared):
            key = (rule.id, piece, frozenset((row.id, other)))
            if key in seen or not _is_area(geom):
                continue
            seen.add(key)
            lonlat, area_km2 = _lonlat_piece(geom, crs)
            rows.append(
                {
                    "rule": rule.id,
                    "piece": piece,
                    "id": row.id,
                    "other_id": other,
                    "area_km2": area_km2,
                    "g": lonlat,
                }
            )
    frame = pd.DataFrame(rows, columns=[*PIECE_COLUMNS, "g"])
    return gpd.GeoDataFrame(frame.drop(columns="g"), geometry=list(frame["g"]), crs=WGS84)
