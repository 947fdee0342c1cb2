"""Issue 6: same inputs, byte-identical outputs, whatever the order the input files were
written (and so listed) in, the hash seed, and whether the build cache was warm or cold."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.graph.dumps import BUILD_FILES, REPORT_FILE
from tests.conftest import ROOT


def copy_project(target: Path, reverse: bool) -> Path:
    """A copy of the project whose files are written in sorted or in reverse order."""
    for folder in ("ontology", "shapes", "queries", "data"):
        files = sorted((ROOT / folder).rglob("*"), reverse=reverse)
        for path in files:
            if path.is_file():
                out = target / path.relative_to(ROOT)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)
    return target


def run(project: Path, seed: str, *args: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args, "--project", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_outputs_do_not_depend_on_file_order_hash_seed_or_cache(tmp_path: Path) -> None:
    one = copy_project(tmp_path / "one", reverse=False)
    two = copy_project(tmp_path / "two", reverse=True)
    run(one, "1", "build")
    run(two, "4242", "build")
    run(two, "99", "build")  # again, now from a warm cache
    for name in [*BUILD_FILES, REPORT_FILE]:
        assert (one / "dist" / name).read_bytes() == (two / "dist" / name).read_bytes(), name
    run(one, "7", "publish")
    run(two, "8", "publish")
    first, second = tree(one / "dist" / "release"), tree(two / "dist" / "release")
    assert len(first) > 100
    assert first == second
