"""A missing id column is refused naming the option the command at hand takes the field by."""

from __future__ import annotations

import geopandas as gpd
import pytest
from tiny_geoms import square

from spatial.cli import main


def _layer(path, id_column: str = "BSM") -> str:
    """Two 示例数据 squares whose ids are in ``id_column`` (no ``id`` column unless so named).

    A ``BSM`` holds one value twice: a unique BSM would be taken as the ids by the
    standard-field rule (``tests/cli/test_standard_id_fields.py``), and no hint given.
    """
    ids = ["1", "1"] if id_column == "BSM" else ["1", "2"]
    gdf = gpd.GeoDataFrame(
        {id_column: ids, "DLBM": ["0101", "0702"], "note": ["示例数据 (synthetic)"] * 2},
        geometry=[square(0, 0), square(1, 0)],
        crs=4326,
    )
    gdf.to_file(path)
    return str(path)


@pytest.mark.parametrize(
    ("call", "missing", "option"),
    [
        (["check", "--zones", "{bsm}"], "bsm", "--id-field FIELD"),
        (["map", "--zones", "{bsm}", "--out", "{out}/m.html"], "bsm", "--id-field FIELD"),
        (["report", "--zones", "{bsm}", "--out", "{out}/r.html"], "bsm", "--id-field FIELD"),
        (["diff", "{bsm}", "{ok}", "--no-checks"], "bsm", "--id-field FIELD"),
        (
            ["balance", "{ok}", "--zones", "{bsm}", "--class-field", "DLBM"],
            "bsm",
            "--zone-id-field FIELD",
        ),
        (["overlay", "{bsm}", "{ok}"], "bsm", "--a-id FIELD"),
        (["overlay", "{ok}", "{bsm}"], "bsm", "--b-id FIELD"),
        (["review", "--zones", "{bsm}", "--out", "{out}/r"], "bsm", "--id-field FIELD"),
        (
            [
                "review",
                "--zones",
                "{ok}",
                "--landuse",
                "{bsm}",
                "--class-field",
                "DLBM",
                "--previous",
                "landuse={ok}",
                "--out",
                "{out}/r",
            ],
            "bsm",
            "--id-field landuse=FIELD",
        ),
    ],
)
def test_the_hint_names_the_commands_own_option(
    tmp_path, capsys, monkeypatch, call, missing, option
):
    monkeypatch.chdir(tmp_path)  # no spatial.toml of anyone's
    paths = {"bsm": _layer(tmp_path / "bsm.gpkg"), "ok": _layer(tmp_path / "ok.gpkg", "id")}
    argv = [word.format(out=tmp_path, **paths) for word in call]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    flag = option.removesuffix(" FIELD")  # one wording of a missing field in every command
    # no one named the field: the default, said so (c10-nufix); overlay's too (c10-ids2)
    named = f"(the default id field: neither {flag} nor spatial.toml's id_field names one)"
    said = f"spatial {call[0]}: {paths[missing]}: no field 'id' {named}"
    assert err == f"{said}; its fields are BSM, DLBM, note"


@pytest.mark.parametrize(("typed", "flag"), [("--a-id", "--a-id"), ("--b-id", "--b-id")])
def test_overlay_typed_id_is_blamed_on_its_option(tmp_path, capsys, monkeypatch, typed, flag):
    """``--a-id id`` typed is the planner's choice: the message names the option."""
    monkeypatch.chdir(tmp_path)
    bsm, ok = _layer(tmp_path / "bsm.gpkg"), _layer(tmp_path / "ok.gpkg", "id")
    layers = [bsm, ok] if flag == "--a-id" else [ok, bsm]
    assert main(["overlay", *layers, typed, "id"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    said = f"spatial overlay: {bsm}: no field 'id' for {flag}; its fields are BSM, DLBM, note"
    assert err == said
