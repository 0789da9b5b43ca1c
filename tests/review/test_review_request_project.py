"""``review_request(load_project(...))`` is what ``spatial review --project`` runs (示例数据)."""

from __future__ import annotations

import json
from pathlib import Path

from spatial.cli import main
from spatial.commands.review import review_request, run_review
from spatial.project import load_project

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "examples" / "own-plan" / "spatial.toml"
PREVIOUS = ROOT / "examples" / "review" / "landuse_existing.geojson"


def test_the_api_request_of_a_project_gives_the_commands_review(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    call = ["review", "--project", str(PROJECT), "--previous", f"landuse={PREVIOUS}", "--qc"]
    status = main([*call, "--out", "cli"])
    closing = capsys.readouterr().out.strip().splitlines()[-1]
    request = review_request(
        load_project(PROJECT), tmp_path / "api", previous={"landuse": PREVIOUS}, qc=True
    )
    result = run_review(request)
    assert status == (0 if result.passed else 1)
    cli = json.loads((tmp_path / "cli" / "manifest.json").read_text(encoding="utf-8"))
    api = result.manifest
    assert api["tables_sha256"] == cli["tables_sha256"]  # the same tables, byte for byte
    assert api["layers_read"] == cli["layers_read"]
    assert api["project"] == cli["project"] and api["plan"] == cli["plan"]
    assert closing == f"spatial review: {result.closing_line()}".replace(
        str(tmp_path / "api"), str(tmp_path / "cli")
    )
