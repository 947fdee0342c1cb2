"""A maintainer who adds a document as the README says (draft, then build) still gets a green
test run: the tests that check the shipped dataset build a copy of the project as git has it
(conftest.committed), never the working data/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# the tests that check the shipped dataset's facts and outputs, and the commands over them
DATASET_TESTS = [
    "tests/test_build.py",
    "tests/test_cli.py",
    "tests/test_publish.py",
    "tests/test_data_fixes.py",
    "tests/test_answers.py",
    "tests/test_query.py",
    "tests/test_readme.py",
]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=1200)


@pytest.mark.slow
def test_the_dataset_tests_pass_with_a_draft_and_a_build_in_the_working_copy(
    tmp_path: Path,
) -> None:
    clone = tmp_path / "clone"
    cloned = run(["git", "clone", "--quiet", str(ROOT), str(clone)], tmp_path)
    if cloned.returncode != 0:
        pytest.skip(f"this is no git checkout: {cloned.stderr.strip()}")
    kgbuild = str(Path(sys.executable).parent / "kgbuild")
    article = "tests/fixtures/draft/texts/en-border-sweep.txt"
    drafted = run([kgbuild, "draft", article, "--published", "2023-11-09", "--quiet"], clone)
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    built = run([kgbuild, "build", "--quiet"], clone)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "from 5 sources" in built.stdout  # the working data has one document more
    tests = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            *DATASET_TESTS,
        ],
        clone,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
