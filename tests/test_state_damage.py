"""A build state or cache entry that is damaged, cut short, foreign or crafted never gives a
wrong output or runs code: it is discarded with one line, the work is done again, and the
outputs are byte for byte (store included) those of a clean build (kgbuild/serial.py).
Also: an edit whose size and modification time are put back (`touch -r`) is seen."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from kgbuild.incremental.state import STATE_FILE
from kgbuild.pipeline import build
from kgbuild.progress import Note
from tests.conftest import committed_copy
from tests.test_interrupted import visible

DOC = "000_465a521d4ac3798f"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A built project (with its cache), and what a clean build of it shows."""
    root = tmp_path_factory.mktemp("damage")
    clean = committed_copy(root / "clean")
    build(clean, use_cache=False)
    project = committed_copy(root / "project")
    build(project)
    return project, visible(clean / "dist")


def state_file(project: Path) -> Path:
    return (project / "dist" / ".current").resolve() / STATE_FILE


def cache_entries(project: Path, kind: str) -> list[Path]:
    return sorted((project / ".dist-cache").glob(f"v*/{kind}/*/*"))


class Evil:
    """What a crafted pickle does when it is loaded: run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.marker}",))


def damage(path: Path, how: str, at: int, other: Path | None) -> None:
    data = path.read_bytes()
    at %= max(len(data), 1)
    if how == "flip":
        data = data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]
    elif how == "truncate":
        data = data[:at]
    elif how == "garbage":
        data = data[:at] + os.urandom(64) + data[at + 64 :]
    elif how == "foreign" and other is not None:  # a whole entry, of another key
        data = other.read_bytes()
    elif how == "pickle":
        data = pickle.dumps(Evil(path.parent / "ran"))
    path.write_bytes(data)


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from(["state", "unit", "entailed", "schema"]),
    how=st.sampled_from(["flip", "truncate", "garbage", "foreign", "pickle"]),
    at=st.integers(0, 10**6),
    which=st.integers(0, 100),
)
@example(target="state", how="flip", at=3000, which=0)
@example(target="state", how="pickle", at=0, which=0)
@example(target="unit", how="flip", at=2000, which=0)
def test_a_damaged_state_or_cache_entry_gives_a_clean_build(
    base: tuple[Path, dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
    target: str,
    how: str,
    at: int,
    which: int,
) -> None:
    original, clean = base
    work = tmp_path_factory.mktemp("damaged")
    project = work / "project"
    shutil.copytree(original, project, symlinks=True)
    if target == "state":
        files = [state_file(project)]
    else:
        files = cache_entries(project, target)
        state_file(project).unlink()  # so that the build reads the cache
    assert files, f"no {target} entries to damage"
    path = files[which % len(files)]
    others = [f for f in cache_entries(project, "unit") if f != path]
    before = path.read_bytes()
    damage(path, how, at, others[0] if others else None)
    changed = path.read_bytes() != before

    notes: list[str] = []
    build(
        project, progress=lambda step: notes.append(step.text) if isinstance(step, Note) else None
    )

    assert not (path.parent / "ran").exists(), "loading the state ran code"
    assert visible(project / "dist") == clean
    if changed:
        assert any("discarded" in n for n in notes), f"no line about the damaged {target}"
    shutil.rmtree(work)


def test_a_crafted_pickle_state_runs_nothing_in_publish_either(tmp_path: Path) -> None:
    project = committed_copy(tmp_path / "project")
    build(project)
    marker = tmp_path / "ran"
    state_file(project).write_bytes(pickle.dumps(Evil(marker)))
    published = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "publish", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert published.returncode == 0, published.stderr
    assert not marker.exists()
    assert "discarded the build state" in published.stderr


def test_an_edit_with_its_size_and_time_put_back_is_seen(tmp_path: Path) -> None:
    project = committed_copy(tmp_path / "project")
    text = project / "data" / "documents" / f"{DOC}.yaml"
    hour_ago = os.stat(text).st_mtime_ns - 3600 * 10**9
    os.utime(text, ns=(hour_ago, hour_ago))  # long before the build: no "racy" file
    build(project)
    saved = tmp_path / "saved"
    shutil.copy2(text, saved)
    data = text.read_text(encoding="utf-8")
    at = data.index("label: ") + len("label: ")
    edited = data[:at] + "X" + data[at + 1 :]  # one letter of a label: the same size
    assert len(edited.encode()) == len(data.encode()) and edited != data
    text.write_text(edited, encoding="utf-8")
    subprocess.run(["touch", "-r", str(saved), str(text)], check=True)
    assert os.stat(text).st_mtime_ns == os.stat(saved).st_mtime_ns
    result = build(project)
    assert result.work.get("documents read") == 1, result.work
    labels = (project / "dist" / "dataset.nq").read_text(encoding="utf-8")
    assert '"X' in labels
