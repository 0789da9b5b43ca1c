"""The command line as a whole: entry points and behaviour at the pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_and_console_script_agree() -> None:
    by_module = subprocess.run(
        [sys.executable, "-m", "spatial", "--help"], capture_output=True, text=True, check=True
    )
    assert "check" in by_module.stdout and "overlay" in by_module.stdout


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


def test_unknown_subcommand_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spatial", "mapp"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_names_the_distribution() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spatial", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("spatial 0.")
