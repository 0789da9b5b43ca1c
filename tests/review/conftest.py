"""Fixtures shared by the review tests: the synthetic example layers, written once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    """The layers ``tools/build_review_examples.py`` writes (each feature 示例数据), per module."""
    out = tmp_path_factory.mktemp("examples")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_review_examples.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out
