"""Made-up data that says what it is: the ``synthetic`` property and the 示例数据 note.

Example and test layers (``tools/build_review_examples.py``) mark every feature
``synthetic: true``; whatever is derived from them (conflict pieces, 调入/调出
pieces) stays marked, and every map that draws them says 示例数据.
"""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
import pandas as pd

__all__ = ["SYNTHETIC_FIELD", "SYNTHETIC_NOTE", "is_synthetic", "marked_only"]

_Frame = TypeVar("_Frame", bound=pd.DataFrame)

#: The property marking a made-up feature.
SYNTHETIC_FIELD = "synthetic"
#: What a map says of made-up features.
SYNTHETIC_NOTE = "示例数据 synthetic example: not to be read as real"


def is_synthetic(*layers: gpd.GeoDataFrame | pd.DataFrame) -> bool:
    """Return True when any feature of any layer is marked ``synthetic``.

    Examples
    --------
    >>> is_synthetic(pd.DataFrame({"synthetic": [False, True]})), is_synthetic(pd.DataFrame())
    (True, False)
    """
    return any(
        SYNTHETIC_FIELD in layer.columns
        and bool(layer[SYNTHETIC_FIELD].fillna(False).astype(bool).any())
        for layer in layers
    )


def marked_only(frame: _Frame) -> _Frame:
    """Return ``frame`` without its ``synthetic`` column when no feature is marked.

    What the toolkit cuts from the planner's layers (conflict pieces, 调入/调出
    pieces) carries ``synthetic`` from its inputs: ``True`` on example data
    (示例数据); on a planner's own survey a ``synthetic False`` column reads as
    a claim about their data, so it is left out.

    Examples
    --------
    >>> list(marked_only(pd.DataFrame({"zone_id": ["A"], "synthetic": [False]})).columns)
    ['zone_id']
    >>> list(marked_only(pd.DataFrame({"zone_id": ["A"], "synthetic": [True]})).columns)
    ['zone_id', 'synthetic']
    """
    if SYNTHETIC_FIELD not in frame.columns or is_synthetic(frame):
        return frame
    return frame.drop(columns=SYNTHETIC_FIELD)
