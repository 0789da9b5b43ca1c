"""Area targets: the area of record of each target's feature against the plan's figure.

The figure checked is the area of record (:func:`spatial.measure.area.ellipsoidal_area_m2`:
CGCS2000, edges straight in lon/lat, the figure every tabulation also uses). Beside
it, for a reviewer, the two other edge models and their differences from it, in m²:
``planar`` (the Gauss–Krüger plane of the data, its scale error included) and
``geodesic`` (pyproj.Geod, what PostGIS geography and QGIS report).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spatial.checked.figures import area_text, pct_text
from spatial.checked.report import TARGET_COLUMNS
from spatial.checked.status import Status
from spatial.measure.area import ellipsoidal_area_m2, geodesic_area_m2, planar_area_m2
from spatial.plan import Target
from spatial.preconditions import require_crs, require_id_column
from spatial.units import M2_PER_KM2

__all__ = ["check_targets", "closest_names", "match_by_name"]

PASS, FAIL = Status.PASS, Status.FAIL
#: More candidates than this are first narrowed by difflib's own bound, vectorised.
_NARROW_MIN = 2_000


def _target_row(
    target: Target, layer: gpd.GeoDataFrame, id_field: str, pool: _Candidates
) -> dict[str, object]:
    matches = layer[layer[id_field] == target.id]
    row = {
        "id": target.id,
        "name_zh": target.name_zh,
        "target_km2": target.target_km2,
        "measured_km2": np.nan,
        "planar_km2": np.nan,
        "geodesic_km2": np.nan,
        "planar_diff_m2": np.nan,
        "geodesic_diff_m2": np.nan,
        "diff_km2": np.nan,
        "diff_pct": np.nan,
        "status": FAIL,
        "reason": "",
    }
    if len(matches) != 1:
        if matches.empty:
            return row | {"reason": "not found in the layer" + pool.closest(target)}
        return row | {"reason": f"id appears {len(matches)} times"}
    measured_m2 = float(ellipsoidal_area_m2(matches)[0])
    planar_m2 = float(planar_area_m2(matches)[0])
    geodesic_m2 = float(geodesic_area_m2(matches)[0])
    measured_km2 = measured_m2 / M2_PER_KM2
    diff_km2 = measured_km2 - target.target_km2
    diff_pct = 100.0 * diff_km2 / target.target_km2
    row |= {
        "measured_km2": measured_km2,
        "planar_km2": planar_m2 / M2_PER_KM2,
        "geodesic_km2": geodesic_m2 / M2_PER_KM2,
        "planar_diff_m2": planar_m2 - measured_m2,
        "geodesic_diff_m2": geodesic_m2 - measured_m2,
        "diff_km2": diff_km2,
        "diff_pct": diff_pct,
        "status": PASS if abs(diff_pct) <= target.tolerance_pct else FAIL,
    }
    if row["status"] == FAIL:
        # in the plan's unit (1,000 亩; km² to the table's 4 decimals), the difference as
        # pct_text prints it (−10.03 %): one figure on the terminal, in the tables and on pages
        measured = area_text(measured_km2, target.unit)
        row["reason"] = (
            f"{measured} is {pct_text(diff_pct)} from "
            f"{area_text(target.target_km2, target.unit, exact=True)} "
            f"(tolerance ±{target.tolerance_pct:g}%)"
        )
    return row


def closest_names(layer: gpd.GeoDataFrame, target: Target, id_field: str = "id") -> str:
    """Return ``" (closest: 科创小城 id A1, ...)"`` naming the features most like a target, or "".

    Names (``name_zh``) are compared with the target's name (similarity at
    least 0.5), ids with its id (0.8: plan ids share prefixes such as ``zone-``),
    by :func:`difflib.get_close_matches`.
    """
    return _Candidates(layer, id_field).closest(target)


class _Candidates:
    """A layer's names and ids, read once, for the closest names of every missing target.

    A million-feature layer missing the plan's five targets is read into lists
    (and arrow arrays) once, not once per target.
    """

    def __init__(self, layer: gpd.GeoDataFrame, id_field: str) -> None:
        self.layer, self.id_field = layer, id_field
        self._lists: dict[str, list[str]] = {}
        self._arrow: dict[str, pa.Array] = {}

    def _texts(self, which: str) -> list[str]:
        if which not in self._lists:
            column = self.layer[which if which == "name_zh" else self.id_field]
            if which == "name_zh":
                self._lists[which] = [str(n) for n in column if isinstance(n, str)]
            else:
                self._lists[which] = [str(i) for i in column if i is not None]
        return self._lists[which]

    def _matches(self, word: str, which: str, cutoff: float) -> list[str]:
        candidates = self._texts(which)
        if len(candidates) > _NARROW_MIN and which not in self._arrow:
            self._arrow[which] = pa.array(candidates, pa.large_string())
        return _close_matches(word, candidates, 3, cutoff, self._arrow.get(which))

    def closest(self, target: Target) -> str:
        """Return :func:`closest_names` of ``target`` in the layer."""
        layer, id_field = self.layer, self.id_field
        found: dict[str, str] = {}
        if "name_zh" in layer.columns:
            for name in self._matches(target.name_zh, "name_zh", 0.5):
                ident = layer.loc[layer["name_zh"] == name, id_field].iloc[0]
                found.setdefault(str(ident), f"{name} (id {ident})")
        for ident in self._matches(target.id, "id", 0.8):  # ids share prefixes
            found.setdefault(ident, f"id {ident}")
        if not found:
            return ""
        return f" (closest: {', '.join(list(found.values())[:3])}; --id-field or --name-field?)"


def _close_matches(
    word: str, candidates: list[str], n: int, cutoff: float, texts: pa.Array | None = None
) -> list[str]:
    """Return :func:`difflib.get_close_matches` of ``word`` among ``candidates``, exactly.

    Many candidates are first narrowed (:func:`_narrowed`; ``texts``: the
    candidates as an arrow array, when the caller holds it).
    """
    if len(candidates) > _NARROW_MIN and word:
        texts = pa.array(candidates, pa.large_string()) if texts is None else texts
        candidates = _narrowed(word, candidates, texts, cutoff)
    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


def _narrowed(word: str, candidates: list[str], texts: pa.Array, cutoff: float) -> list[str]:
    """Return the candidates whose ``quick_ratio`` with ``word`` reaches ``cutoff``, in order.

    ``quick_ratio`` (twice the characters shared, counted with repeats, over the
    two lengths; an upper bound of the ratio difflib ranks by) is computed for
    all at once with arrow (``texts``: the candidates as an arrow array): difflib
    drops the others itself, and ranks the rest by ratio then text, not by
    place, so the answer is the same.
    """
    shared = np.zeros(len(candidates))
    for char, count in Counter(word).items():
        found = pc.count_substring(texts, char).to_numpy(zero_copy_only=False)
        shared += np.minimum(found, count)
    total = pc.utf8_length(texts).to_numpy(zero_copy_only=False) + len(word)
    near = np.flatnonzero(2.0 * shared / total >= cutoff)
    return [candidates[k] for k in near]


def match_by_name(
    layer: gpd.GeoDataFrame, targets: Iterable[Target], source: str, id_field: str = "id"
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Give the target's id to the one feature named as a target whose id is not in the layer.

    A planner's file often has the plan's names (``name_zh`` 科创小镇) but its own
    ids. A target whose id no feature carries, and whose ``name_zh`` exactly one
    feature carries, is matched to that feature: the feature takes the target's
    id (the file's ids are kept in ``id_file``) and a note says so.

    Returns
    -------
    (GeoDataFrame, list of str)
        The layer (unchanged when nothing matched by name) and one note per match.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> from spatial.plan import load_targets
    >>> mine = gpd.GeoDataFrame(
    ...     {"id": ["A1"], "name_zh": ["西部（重庆）科技创新小镇"]}, geometry=[Point(106, 29)]
    ... )
    >>> matched, notes = match_by_name(mine, load_targets(), "mine.shp")
    >>> matched["id"].tolist(), matched["id_file"].tolist()
    (['zone-kcxz'], ['A1'])
    >>> notes
    ['target zone-kcxz (西部（重庆）科技创新小镇) matched by name: feature A1 of mine.shp']
    """
    if "name_zh" not in layer.columns or id_field not in layer.columns:
        return layer, []
    ids = layer[id_field].astype(object)
    present = set(ids.dropna().astype(str))
    wanted = {t.id for t in targets}
    new_ids, notes = ids.copy(), []
    for target in targets:
        if target.id in present:
            continue
        hits = layer.index[layer["name_zh"] == target.name_zh]
        if len(hits) == 1 and str(ids[hits[0]]) not in wanted:
            new_ids[hits[0]] = target.id
            notes.append(
                f"target {target.id} ({target.name_zh}) matched by name: feature {ids[hits[0]]} "
                f"of {source}"
            )
    if not notes:
        return layer, []
    return layer.assign(**{id_field: new_ids, "id_file": ids}), notes


def check_targets(
    zones: gpd.GeoDataFrame,
    targets: Iterable[Target],
    id_field: str = "id",
    *,
    name: str = "zones",
) -> pd.DataFrame:
    """Compare each target with the ellipsoidal area of its feature in ``zones``.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The layer holding the targets' features, with a CRS.
    targets : iterable of Target
        The targets (see :func:`spatial.plan.load_targets`), matched by id.
    id_field : str
        Column identifying the features.
    name : str
        How to name the layer in error messages (its file, say).

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`TARGET_COLUMNS`: ``target_km2``, ``measured_km2``
        (the area of record, the survey rule: the only figure judged), the
        cross-checks ``planar_km2`` (Gauss–Krüger plane, its scale error
        included) and ``geodesic_km2`` (geodesic edges) with their differences
        from the record ``planar_diff_m2`` and ``geodesic_diff_m2`` (m², not
        judged: hundreds of m² of planar difference beside thousandths of a m²
        of geodesic one is the plane's scale error, not an error of the zone),
        ``diff_km2`` (measured minus target), ``diff_pct`` (of the target),
        ``status`` PASS when ``|diff_pct|`` is within the target's tolerance.
        ``reason`` says why a row failed: its feature is missing or repeated
        (FAIL with NaN figures), or its area is off target.

    Examples
    --------
    >>> from spatial.io.layers import bundled_layer_path, read_layer
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> from spatial.plan import load_targets
    >>> table = check_targets(zones, load_targets())
    >>> row = table.set_index("id").loc["zone-cjrh"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 3), row["status"]
    (20.0, 20.0, 'PASS')
    >>> check_targets(zones.iloc[1:], load_targets()[:1])["reason"].tolist()
    ['not found in the layer']
    """
    require_crs(zones, name)
    require_id_column(zones, name, id_field)
    pool = _Candidates(zones, id_field)  # read once, if a target is missing
    rows = [_target_row(target, zones, id_field, pool) for target in targets]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)
