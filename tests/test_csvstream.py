"""Large CSV tables written by pyarrow, streamed: the same values as pandas' CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spatial.io.csvstream import write_csv_streamed


def test_streamed_csv_reads_back_to_the_same_values(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "a_id": [f"p{i}" for i in range(20_000)],
            "b_id": "zone-kcxz",
            "area_km2": rng.random(20_000) * 1e-5,  # small numbers: no digit lost
            "share_of_a": np.r_[1.0, rng.random(19_999)],
        }
    )
    out = tmp_path / "t.csv"
    assert write_csv_streamed(frame, out)
    back = pd.read_csv(out)
    assert list(back.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_cells_a_spreadsheet_would_run_are_left_to_the_standard_writer(tmp_path):
    frame = pd.DataFrame({"a_id": ["ok", "=HYPERLINK(1)"], "area_km2": [1.0, 2.0]})
    out = tmp_path / "t.csv"
    assert not write_csv_streamed(frame, out)
    assert not out.exists()
