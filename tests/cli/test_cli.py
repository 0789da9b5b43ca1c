"""The command line as a whole: entry points and behaviour at the pipe."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

from spatial.cli import check as check_cli
from spatial.cli import main
from spatial.report import format_table

ROOT = Path(__file__).resolve().parents[2]


def test_python_dash_m_and_console_script_agree() -> None:
    script = Path(sys.executable).with_name("spatial")  # installed beside the interpreter
    assert script.exists(), "the 'spatial' console script is not installed"
    by_module = subprocess.run(
        [sys.executable, "-m", "spatial", "--help"], capture_output=True, text=True, check=True
    )
    by_script = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "check" in by_module.stdout and "overlay" in by_module.stdout
    assert by_script.stdout == by_module.stdout


def test_closed_pipe_ends_quietly() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "spatial", "check", "--format", "csv"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader goes away before anything is written
        stderr = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert proc.returncode == 0


# In process: the entry points themselves are run by the two tests above.
def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["mapp"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert "Traceback" not in err


def test_version_names_the_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"spatial {version('bishan-spatial')}\n"


def _boom(args: object) -> int:
    raise RuntimeError("a bug")


def test_internal_error_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check_cli, "run", _boom)
    assert main(["check"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error: RuntimeError: a bug" in err and "--traceback" in err


def test_traceback_flag_shows_the_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_cli, "run", _boom)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["--traceback", "check"])


def test_a_wrong_choice_is_one_line_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["overlay", "geodata/zones.geojson", "--op", "nope"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'nope'" in err
    assert err.startswith("spatial overlay: error:")


def test_a_layer_prefix_may_be_the_file_stem(tmp_path, capsys):
    # --crs k=EPSG:4326 names the input k.geojson by its stem, as the README says
    path = tmp_path / "k.geojson"
    path.write_bytes((ROOT / "geodata" / "zones.geojson").read_bytes())
    assert main(["check", "--zones", str(path), "--crs", "k=EPSG:4326", "--format", "json"]) == 0
    assert "no input 'k' here" not in capsys.readouterr().err


def test_a_layer_prefix_with_no_input_file_says_so(capsys):
    assert main(["check", "--crs", "zones=EPSG:4544"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "spatial check: --crs zones=EPSG:4544: no input file is given, so there is no 'zones' "
        "to apply it to (the bundled plan is read as it is)"
    )


def test_a_table_never_shows_a_bare_minus_zero(capsys):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "diff_pct": [-0.0003, -0.006, 0.0]})
    lines = format_table(frame).splitlines()[2:]
    assert [line.split()[-1] for line in lines] == ["0.00", "-0.01", "0.00"]
    assert main(["check"]) == 0
    assert "-0.00 " not in capsys.readouterr().out  # zone-cjrh is 19.9998 km2 of 20
