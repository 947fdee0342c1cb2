"""One build or publish at a time per output folder (kgbuild/locks.py): a second run waits for
the first, or with --no-wait exits 3 with the lock message; a generation a reader holds is
never removed under it; and however runs overlap, dist/ ends as one run alone makes it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgbuild.atomic import GENERATIONS
from kgbuild.errors import Busy
from kgbuild.locks import Reading, writing
from kgbuild.pipeline import build, query
from tests.conftest import committed_copy
from tests.test_interrupted import visible

DOC = "000_465a521d4ac3798f.yaml"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}  # the release's date, fixed


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kgbuild.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )


def relabel(project: Path, variant: int) -> None:
    """Give the first document's first label one of two texts, so that runs have work."""
    path = project / "data" / "documents" / DOC
    text = path.read_text(encoding="utf-8").replace("label: revised ", "label: ")
    path.write_text(text.replace("label: ", "label: revised ", 1) if variant else text, "utf-8")


@pytest.mark.slow
def test_twenty_pairs_of_concurrent_runs_end_as_one_run_alone(tmp_path: Path) -> None:
    # what one build and publish alone make, for each of the two inputs the pairs alternate
    expected: dict[int, dict[str, dict[str, str]]] = {}
    for variant in (0, 1):
        alone = tmp_path / f"alone-{variant}"
        committed_copy(alone)
        relabel(alone, variant)
        for command in ("build", "publish"):
            assert run(command, "--project", str(alone)).returncode == 0
        expected[variant] = {
            "build": visible(alone / "dist"),
            "publish": visible(alone / "dist" / "release"),
        }
    assert expected[0]["build"] != expected[1]["build"]

    project = tmp_path / "project"
    committed_copy(project)
    assert run("build", "--project", str(project)).returncode == 0
    pairs = [
        (["build"], ["build"]),
        (["build"], ["publish"]),
        (["build", "--no-wait"], ["build"]),
        (["publish"], ["publish", "--no-wait"]),
        (["build"], ["publish", "--no-wait"]),
    ]
    for i in range(20):
        variant = (i // 2) % 2  # the inputs change every second pair
        relabel(project, variant)
        first, second = pairs[i % len(pairs)]
        runs = [start(*args, "--project", str(project)) for args in (first, second)]
        done = set()
        for args, process in zip((first, second), runs, strict=True):
            _, err = process.communicate(timeout=300)
            told = f"pair {i}, {' '.join(args)}: exit {process.returncode}\n{err}"
            if process.returncode == 3 and "--no-wait" in args:
                assert "is being written by pid" in err, told
                continue
            assert process.returncode == 0, told
            done.add(args[0])
        # every pair has a build or publish that ran; what it wrote is what it makes alone
        assert done
        for command in sorted(done):
            folder = project / "dist" / ("release" if command == "publish" else "")
            seen, alone = visible(folder), expected[variant][command]
            differ = sorted(k for k in set(seen) | set(alone) if seen.get(k) != alone.get(k))
            assert seen == alone, f"pair {i}, {command}: {differ}"
    assert run("build", "--project", str(project)).returncode == 0
    assert len(os.listdir(project / "dist" / GENERATIONS)) == 1


@pytest.fixture
def small(tmp_path: Path) -> Path:
    committed_copy(tmp_path / "project")
    build(tmp_path / "project")
    return tmp_path / "project"


def test_a_second_build_with_no_wait_exits_3_naming_the_holder(small: Path) -> None:
    with writing(small / "dist"):
        refused = run("build", "--project", str(small), "--no-wait")
    assert refused.returncode == 3
    assert f"is being written by pid {os.getpid()}" in refused.stderr
    assert "Traceback" not in refused.stderr
    with writing(small / "dist"), pytest.raises(Busy):
        build(small, wait=False)


def test_a_second_build_says_it_waits_then_builds(small: Path) -> None:
    with writing(small / "dist"):
        waiting = start("build", "--project", str(small))
        time.sleep(3)
        assert waiting.poll() is None, "it did not wait for the lock"
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert f"waiting for pid {os.getpid()}" in err and "to finish writing" in err


def test_a_generation_a_reader_holds_is_kept_until_it_lets_go(small: Path) -> None:
    dist = small / "dist"
    held = Reading(dist)
    first = held.folder
    assert first.parent.name == GENERATIONS
    relabel(small, 1)
    build(small)
    assert first.is_dir(), "a build removed the generation a reader holds"
    assert (dist / ".current").resolve() != first
    held.release()
    relabel(small, 0)
    build(small)
    assert not first.exists()
    assert len(os.listdir(dist / GENERATIONS)) == 1


def test_an_answer_keeps_its_generation_while_it_streams(small: Path) -> None:
    answer = query(small, "SELECT ?s WHERE { ?s a kg:Event }")
    first = answer.held.folder
    relabel(small, 1)
    build(small)
    assert first.is_dir()
    rows = answer.rows
    assert len(rows) >= 3
    del answer
    relabel(small, 0)
    build(small)
    assert not first.exists()


def test_a_killed_writer_leaves_the_lock_free(small: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from kgbuild.locks import writing\n"
            f"with writing(Path({str(small / 'dist')!r})):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert run("build", "--project", str(small), "--no-wait").returncode == 3
    holder.kill()
    holder.wait()
    assert run("build", "--project", str(small), "--no-wait").returncode == 0


def test_a_holder_caught_before_it_wrote_its_name_is_still_named(tmp_path: Path) -> None:
    """The holder writes its name just after taking the lock: a second run that looks in
    between waits a moment for the name instead of saying "another process"."""
    import fcntl
    import threading

    lock = tmp_path / ".lock"
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(handle, fcntl.LOCK_EX)  # held, name not yet written
    late = threading.Timer(0.2, lambda: os.pwrite(handle, b"pid 4242 (kgbuild build)", 0))
    late.start()
    try:
        with (
            pytest.raises(Busy, match="is being written by pid 4242"),
            writing(tmp_path, wait=False),
        ):
            pass
    finally:
        late.join()
        os.close(handle)
