"""``spatial diff`` validates each version once: its checks take the versions as diff validated.

The synthetic (示例数据) survey coverage of ``tests/survey.py`` and its revision
are written to files and compared with the plan's checks on; every call of the
full validator is recorded by the layer it names.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from survey import survey_parcels, survey_parcels_revised

from spatial.checks.prepare import prepare_layers
from spatial.commands.diff import DiffRequest, run_diff
from spatial.io.layers import load_plan_layers
from spatial.validate import inputs


def _files(folder: Path) -> tuple[str, str]:
    old, new = folder / "parcels.gpkg", folder / "revised.gpkg"
    survey_parcels().to_file(old, engine="pyogrio")
    survey_parcels_revised().to_file(new, engine="pyogrio")
    return str(old), str(new)


def test_each_version_gets_the_full_validator_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = _files(tmp_path)
    seen: Counter[str] = Counter()
    for name in ("ensure_valid", "ensure_valid_vectorised"):
        real = getattr(inputs, name)

        def spy(gdf, source, *args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            seen[source] += 1
            return _real(gdf, source, *args, **kwargs)

        monkeypatch.setattr(inputs, name, spy)
    run_diff(DiffRequest(old=old, new=new, id_field="BSM", class_field="YDYHFLDM"))
    assert seen[old] == 1 and seen[new] == 1  # in diff_layers; the checks took them as valid


def test_a_validated_layer_is_prepared_as_the_validator_prepares_it() -> None:
    layers = {**load_plan_layers(), "zones": survey_parcels().rename(columns={"BSM": "id"})}
    plain = prepare_layers(layers)
    shared = prepare_layers(layers, validated=("zones",))
    for name in layers:
        pd.testing.assert_frame_equal(shared.own[name], plain.own[name])
        pd.testing.assert_frame_equal(shared.lonlat[name], plain.lonlat[name])
