"""Closest names among many features: the narrowed search gives difflib's own answer.

Synthetic (示例数据) ids and names: 三调-like ``BSM`` ids, plan-like ids sharing
prefixes, Chinese names with repeated characters, blanks and near misses; the
narrowed :func:`spatial.checks.targets._close_matches` is compared with
:func:`difflib.get_close_matches` on the same lists, for several cutoffs.
"""

from __future__ import annotations

import difflib

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial.checks import targets
from spatial.checks.targets import closest_names
from spatial.plan import Target


def _candidates(n: int = 6_000) -> list[str]:
    rng = np.random.default_rng(7)
    alphabet = list("zone-kcxzab0123456789璧山科创小城镇示例数据")
    words = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 14)))) for _ in range(n)]
    words[100] = "zone-kcxz"  # the word itself
    words[200] = "zone-kcx"  # near misses
    words[300] = "zon-kcxz"
    words[400] = "科创小城"
    words[500] = "科创小镇镇"
    words[4000] = "zone-kcxz"  # twice
    return words


@pytest.mark.parametrize("word", ["zone-kcxz", "科创小镇", "p0001", "a"])
@pytest.mark.parametrize("cutoff", [0.5, 0.6, 0.8])
def test_narrowed_matches_are_difflibs(word: str, cutoff: float) -> None:
    words = _candidates()
    expected = difflib.get_close_matches(word, words, n=3, cutoff=cutoff)
    assert targets._close_matches(word, words, n=3, cutoff=cutoff) == expected
    if word == "zone-kcxz":
        assert expected[:2] == ["zone-kcxz", "zone-kcxz"]


def test_closest_names_on_a_large_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 5_000
    layer = gpd.GeoDataFrame(
        {
            "id": [f"zone-{k:04d}" for k in range(n)],
            "name_zh": ["示例数据 地块"] * (n - 1) + ["科创小城"],
        },
        geometry=[shapely.box(k, 0, k + 1, 1) for k in range(n)],
        crs="EPSG:4544",
    )
    target = Target("zone-0o12", "zones", "科创小镇", "innovation town", 1.0, "km2")
    said = closest_names(layer, target)
    # ties in ratio go to the larger text, as difflib ranks them
    assert said.startswith(" (closest: 科创小城 (id zone-4999), id zone-4012, id zone-3012;")
    monkeypatch.setattr(targets, "_NARROW_MIN", 10**9)  # difflib on every feature
    assert closest_names(layer, target) == said
