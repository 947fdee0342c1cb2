"""Issue 6: a build or publish killed at any point leaves the previous outputs exactly as they
were, and the previous release intact and valid (atomic.py: one rename commits everything).

The runs are real `kgbuild` processes killed with SIGKILL at fractions of the time a whole run
takes, so the kills land in different stages (reading, validating, writing dumps, loading the
store, writing the website).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from tests.conftest import committed, committed_copy

DOC = committed() / "data" / "documents" / "000_465a521d4ac3798f.yaml"


def kgbuild(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args], capture_output=True, text=True, timeout=300
    )


def visible(folder: Path) -> dict[str, str]:
    """What a reader of ``folder`` sees: each file's SHA-256 (links followed) and the store's
    content, in a fixed order."""
    seen: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and "store" not in relative.parts:
            seen[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    store = folder / "store"
    if store.exists():
        quads = sorted(str(q) for q in pyoxigraph.Store.read_only(str(store)))
        seen["store"] = hashlib.sha256("\n".join(quads).encode()).hexdigest()
    return seen


def valid_release(release: Path) -> bool:
    """Every file listed in SHA256SUMS is there with that checksum (as sha256sum -c checks)."""
    lines = (release / "SHA256SUMS").read_text().splitlines()
    for line in lines:
        digest, name = line.split(maxsplit=1)
        if hashlib.sha256((release / name.lstrip("*")).read_bytes()).hexdigest() != digest:
            return False
    return len(lines) > 10


def killed_at(args: list[str], seconds: float) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "kgbuild.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return process.wait()


@pytest.mark.slow
def test_killed_build_and_publish_leave_previous_outputs_exactly(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    committed_copy(base)
    assert kgbuild("build", "--project", str(base)).returncode == 0
    assert kgbuild("publish", "--project", str(base)).returncode == 0
    assert valid_release(base / "dist" / "release")
    # the next run has something to change: a label of the first document
    changed = base / "data" / "documents" / DOC.name
    changed.write_text(changed.read_text().replace("label: ", "label: revised ", 1))

    for command, outputs in (("build", "dist"), ("publish", "dist/release")):
        before = visible(base / outputs)
        measure = tmp_path / f"measure-{command}"
        shutil.copytree(base, measure, symlinks=True)
        started = time.perf_counter()
        assert kgbuild(command, "--project", str(measure)).returncode == 0
        whole = time.perf_counter() - started
        after = visible(measure / outputs)
        assert after != before
        for i, fraction in enumerate((0.1, 0.3, 0.5, 0.7, 0.85, 0.95)):
            copy = tmp_path / f"{command}-{i}"
            shutil.copytree(base, copy, symlinks=True)
            code = killed_at([command, "--project", str(copy)], whole * fraction)
            if code == 0:  # it finished first: then it is the new outputs, whole
                assert visible(copy / outputs) == after
                continue
            assert code == -signal.SIGKILL
            # killed before the commit: exactly the previous outputs; after it: the new ones
            seen = visible(copy / outputs)
            differ = sorted(k for k in set(seen) | set(before) if seen.get(k) != before.get(k))
            assert seen in (before, after), f"{command} killed at {fraction:.0%}: {differ}"
            assert valid_release(copy / "dist" / "release")
            shutil.rmtree(copy)

    # the run after a killed one completes, and clears what the killed one left behind
    copy = tmp_path / "build-after"
    shutil.copytree(base, copy, symlinks=True)
    killed_at(["build", "--project", str(copy)], 0.5)
    assert kgbuild("build", "--project", str(copy)).returncode == 0
    assert len(os.listdir(copy / "dist" / ".generations")) == 1
