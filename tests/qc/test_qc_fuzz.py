"""``spatial qc`` on generated land-use layers (示例数据): exit 0, 1 or 2, never an internal error.

Hypothesis draws boxes that overlap, touch or leave gaps, bow-ties, empty and
null geometries, codes as text, numbers or nothing, names good and bad, areas
as numbers, text or nothing, and ids repeated, missing or of mixed types.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spatial.cli import main

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a failure is reproducible
)
_X, _Y = 106.2, 29.6  # lon/lat degrees near Bishan


def _box(x: float, y: float, w: float, h: float) -> dict:
    ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _bowtie(x: float, y: float, s: float) -> dict:
    ring = [[x, y], [x + s, y + s], [x + s, y], [x, y + s], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


_step = st.integers(0, 6).map(lambda k: k * 0.0005)
_size = st.sampled_from([0.0005, 0.001, 0.0000001, 0.0015])
_geometry = st.one_of(
    st.builds(lambda x, y, w, h: _box(_X + x, _Y + y, w, h), _step, _step, _size, _size),
    st.builds(lambda x, y: _bowtie(_X + x, _Y + y, 0.001), _step, _step),
    st.just({"type": "Polygon", "coordinates": []}),
    st.none(),
)
_value = st.one_of(
    st.none(), st.sampled_from(["0101", "0103", "0799", "07", "", " ", "1207"]),
    st.integers(0, 2000), st.floats(allow_nan=True, allow_infinity=False),
)  # fmt: skip
_feature = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "geometry": _geometry,
        "properties": st.fixed_dictionaries(
            {
                "BSM": st.one_of(st.none(), st.sampled_from(["a", "b", "c"]), st.integers(0, 3)),
                "YDYHFLDM": _value,
                "YDYHFLMC": st.one_of(st.none(), st.sampled_from(["水田", "旱地", "?", ""])),
                "TBMJ": st.one_of(st.none(), st.floats(0, 1e7), st.sampled_from(["12.5", "x"])),
                "note": st.just("示例数据"),
            }
        ),
    }
)


@FUZZ
@given(st.lists(_feature, min_size=1, max_size=8))
def test_qc_of_a_fuzzed_layer_never_crashes(features):
    fields = ["--id-field", "BSM", "--class-field", "YDYHFLDM"]
    fields += ["--class-name-field", "YDYHFLMC", "--area-field", "TBMJ"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["qc", str(path), *fields, "--format", "json"])
    assert status in (0, 1, 2), err.getvalue()
    assert "internal error" not in err.getvalue(), err.getvalue()
    if status in (0, 1):
        data = json.loads(out.getvalue())
        assert all(f["source"] for f in data["findings"])
        assert (status == 1) == (data["summary"]["errors"] > 0)
