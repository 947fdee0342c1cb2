"""The benchmark runs end to end on a small corpus (figures are printed, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_benchmark_runs_at_20_documents(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--sizes",
            "20",
            "--plain-max",
            "20",
            "--repeat",
            "3",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    result = report["results"][0]
    assert result["documents"] == 20
    assert result["full_build"]["violations"] == 0
    assert result["add_one"]["triples"] > result["full_build"]["triples"]
    assert set(result["queries"]) >= {"timeline", "seizures", "disagreements"}
    assert result["plain"]["results"] >= result["full_build"]["warnings"]
    assert result["plain"]["same_validation_results"] and result["plain"]["same_inference"]
    assert "| documents |" in done.stdout
