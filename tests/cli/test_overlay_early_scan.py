"""The command line starts reading A early for exactly the operations run from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from spatial.cli import build_parser
from spatial.cli._overlay_args import from_parquet_file
from spatial.commands.overlay import OPERATIONS, SCANNED_OPERATIONS


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_early_scan_for_the_scanned_operations(tmp_path: Path, op: str) -> None:
    a = tmp_path / "parcels.parquet"
    a.write_bytes(b"PAR1")  # only its name and existence are looked at here
    argv = ["overlay", str(a), "zones.geojson", "--op", op]
    args = build_parser(only="overlay").parse_args(argv)
    assert from_parquet_file(args) is (op in SCANNED_OPERATIONS)
