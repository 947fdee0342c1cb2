"""The examples of the README and of docs/*.md are what kgbuild prints and does now.

Every ```text block of those pages that shows `$ kgbuild build|query|validate|publish` is run,
in process, in a copy of the project (with that copy as the working folder), and the printed
output is compared with the README's, line by line. In the README, a line "..." stands for any
number of lines, a line ending in "..." or "...]" for any line that starts with what comes
before, and durations ("2.07 s") may differ. `serve` and `push` need a server: the tests of
those commands check their output instead (test_serve.py, test_push.py).

The README's Python example (the block after "## Use kgbuild from Python") is run as it is.

After a change to the data or to what a command prints, regenerate the blocks with
``KGBUILD_UPDATE_README=1 python -m pytest tests/test_readme.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.conftest import ROOT, committed_copy

README = ROOT / "README.md"
# in this order: the README's first example builds the copy the others run in
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
ANYWHERE = ROOT / "docs" / "anywhere.md"
RUN = ("build", "query", "validate", "publish")
_BLOCK = re.compile(r"```text\n(.*?)```", re.DOTALL)
_SECONDS = re.compile(r"\d+\.\d+ s\b")


def examples(pages: list[Path] = PAGES) -> list[tuple[Path, str, list[str]]]:
    """(page, command line, expected output lines) for each `$ kgbuild <RUN>` of the pages."""
    out = []
    for page in pages:
        for block in _BLOCK.findall(page.read_text(encoding="utf-8")):
            command: str | None = None
            expected: list[str] = []
            for line in block.splitlines():
                if line.startswith("$ "):
                    if command:
                        out.append((page, command, expected))
                    words = line[2:].split()
                    command = line[2:] if words[:1] == ["kgbuild"] and words[1] in RUN else None
                    expected = []
                elif command is not None:
                    expected.append(line)
            if command:
                out.append((page, command, expected))
    # a blank line between two commands of a block only separates them
    return [(page, command, _trimmed(expected)) for page, command, expected in out]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected`` with its elisions (see the module's doc)."""

    def same(want: str, got: str) -> bool:
        want, got = _SECONDS.sub("N s", want), _SECONDS.sub("N s", got)
        for cut in ("...]", "..."):
            if want.rstrip().endswith(cut) and want.strip() not in ("...",):
                return got.startswith(want.rstrip()[: -len(cut)])
        return want == got

    def fit(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        if expected[i].strip() == "...":
            return any(fit(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and same(expected[i], actual[j]) and fit(i + 1, j + 1)

    return fit(0, 0)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the project as git has it, with nothing built yet, as the working folder."""
    root = committed_copy(tmp_path_factory.mktemp("readme"))
    shutil.copytree(ROOT / "tests" / "fixtures", root / "tests" / "fixtures")
    before = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(before)


def run(command: str) -> list[str]:
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    return result.output.splitlines()


def test_readme_has_examples_of_every_command_it_runs() -> None:
    shown = {command.split()[1] for _, command, _ in examples([README])}
    assert shown == set(RUN)


def test_docs_pages_have_examples_that_are_run() -> None:
    pages = {page.name for page, _, _ in examples()}
    assert {"building.md", "questions.md", "model.md", "publishing.md"} <= pages


def test_readme_examples_print_what_kgbuild_prints(workdir: Path) -> None:
    """Run in page order: the README's first `kgbuild build` builds the copy."""
    found = [(page, command, expected, run(command)) for page, command, expected in examples()]
    if os.environ.get("KGBUILD_UPDATE_README") == "1":
        _update(found)
        pytest.skip("README and docs examples regenerated: review the diff")
    wrong = [
        f"$ {command}\n{page.name}:\n" + "\n".join(expected) + "\nprinted:\n" + "\n".join(actual)
        for page, command, expected, actual in found
        if not matches(expected, actual)
    ]
    assert not wrong, "\n\n".join(wrong)


def _update(found: list[tuple[Path, str, list[str], list[str]]]) -> None:
    """Write what was printed into the pages, keeping each block's elided lines elided."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for where, command, expected, actual in found:
            old = "\n".join([f"$ {command}", *expected]) + "\n"
            if where != page or matches(expected, actual):
                continue
            keep = actual if len(actual) <= 12 else [*actual[:4], "..."]
            text = text.replace(old, "\n".join([f"$ {command}", *keep]) + "\n", 1)
        page.write_text(text, encoding="utf-8")


def test_readme_python_example_runs(workdir: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use kgbuild from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code, "no ```python block in README's 'Use kgbuild from Python'"
    done = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "events" in done.stdout and "disagreement" in done.stdout, done.stdout


# --- docs/anywhere.md: rdflib, Oxigraph and Virtuoso, as the page shows them -----------------


def anywhere() -> str:
    return ANYWHERE.read_text(encoding="utf-8")


def shell_example(heading: str) -> list[tuple[str, list[str]]]:
    """The `$ ` commands of the ```text block under '## heading', each with its output."""
    part = anywhere().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    out: list[tuple[str, list[str]]] = []
    for line in _BLOCK.search(part).group(1).splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return [(command, _trimmed(lines)) for command, lines in out]


def released(workdir: Path) -> Path:
    """The working copy built and published (the README's own examples do it, in order)."""
    import kgbuild

    if not (workdir / "dist" / "store").exists():
        kgbuild.build(workdir)
    if not (workdir / "dist" / "release").exists():
        kgbuild.publish(workdir)
    return workdir / "dist" / "release"


def sh(command: str, cwd: Path) -> list[str]:
    """A README command line, run by the shell as a user would (the venv's commands first)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for name in [n for n in env if n.startswith("KGBUILD_PUSH_")]:
        del env[name]
    done = subprocess.run(
        command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"
    return done.stdout.splitlines()


def test_readme_rdflib_example_prints_kgbuilds_rows(workdir: Path) -> None:
    import kgbuild

    released(workdir)
    code = re.search(r"```python\n(.*?)```", anywhere(), re.DOTALL)
    assert code, "no ```python block in docs/anywhere.md"
    assert len(code.group(1).strip().splitlines()) <= 7  # an import, a blank line and five
    done = subprocess.run(
        [sys.executable, "-c", code.group(1)], cwd=workdir, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    rows = kgbuild.query(workdir, "disagreements").records()
    expected = [f"{r['event']} {r['kind']} {r['figureA']} | {r['figureB']}" for r in rows]
    assert done.stdout.splitlines() == expected


def needs_curl() -> None:
    if not shutil.which("curl"):
        pytest.skip("curl is not installed (.ci/run installs it)")


@pytest.mark.slow
def test_readme_oxigraph_example_runs_as_shown(workdir: Path) -> None:
    from engines import stop, wait_until_answering

    from kgbuild.release.serve import free_port

    needs_curl()
    released(workdir)
    (load, _), (serve, _), (ask, shown) = shell_example("Oxigraph")
    assert load.startswith("oxigraph load ") and serve.endswith(" &")
    shutil.rmtree(workdir / "kgstore", ignore_errors=True)
    sh(load, workdir)
    port = str(free_port())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    log = workdir / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            shlex.split(serve[:-1].replace("7878", port)), cwd=workdir, env=env, stdout=out
        )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/query", process, log, 30)
        printed = sh(ask.replace("7878", port), workdir)
    finally:
        stop(process)
    assert matches(shown, printed), "\n".join(printed)


@pytest.mark.slow
def test_readme_virtuoso_example_runs_as_shown(workdir: Path, virtuoso: object) -> None:
    needs_curl()
    released(workdir)
    (push, pushed), (ask, shown) = shell_example("Virtuoso")
    here = virtuoso.sparql.rsplit("/", 1)[0].replace("http://", "")
    printed = sh(push.replace("localhost:8890", here), workdir)
    assert matches(pushed, printed), "\n".join(printed)
    printed = sh(ask.replace("localhost:8890", here), workdir)
    assert matches(shown, printed), "\n".join(printed)
