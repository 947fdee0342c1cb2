"""Progress: the library reports stages through a callback; only the CLI draws them, on a
terminal, after the first two seconds, and not with --quiet."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from kgbuild.cli import ProgressView, main
from kgbuild.pipeline import build
from kgbuild.progress import Step
from tests.conftest import ROOT
from tests.test_build import copy_project


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_build_reports_each_stage_with_documents_done_out_of_total(tmp_path: Path) -> None:
    steps: list[Step] = []
    build(copy_project(tmp_path / "p"), out_dir=tmp_path / "out", progress=steps.append)
    stages = [s.stage for s in steps]
    assert stages[0] == "reading documents"
    assert {"reading documents", "validating", "writing outputs"} <= set(stages)
    reading = [s for s in steps if s.stage == "reading documents"]
    assert reading[-1].done == reading[-1].total == 4
    assert all(s.done <= s.total for s in steps)


def test_progress_is_drawn_on_a_terminal_with_stage_count_and_elapsed_time() -> None:
    terminal, clock = Terminal(), Clock()
    with ProgressView(stream=terminal, clock=clock) as view:
        clock.now = 3.0
        view(Step("reading documents", 500, 1000))
        clock.now = 5.0
        view(Step("reading documents", 1000, 1000))
        view(Step("validating", 0, 1000))
    shown = terminal.getvalue()
    assert "reading documents" in shown
    assert "1000/1000" in shown
    assert "documents, 5 s" in shown
    assert "validating" in shown


def test_progress_waits_two_seconds_before_drawing() -> None:
    terminal, clock = Terminal(), Clock()
    with ProgressView(stream=terminal, clock=clock) as view:
        clock.now = 1.5
        view(Step("reading documents", 10, 10))
    assert terminal.getvalue() == ""


def test_progress_is_quiet_with_quiet_or_when_not_a_terminal() -> None:
    clock = Clock()
    clock.now = 10.0
    terminal, pipe = Terminal(), io.StringIO()
    for view in (ProgressView(quiet=True, stream=terminal), ProgressView(stream=pipe)):
        with view:
            view.started = -10.0
            view(Step("validating", 1, 2))
    assert terminal.getvalue() == pipe.getvalue() == ""


def test_build_command_prints_no_progress_into_a_pipe(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    result = CliRunner().invoke(
        main, ["build", "--project", str(project), "--out", str(tmp_path / "out"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "reading documents" not in result.output
    assert "[####" not in result.output


def test_readme_documents_the_quiet_and_engine_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--quiet" in readme and "--engine fast|pyshacl" in readme
