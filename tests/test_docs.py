"""The README documents every command, and every command's help teaches by example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.conftest import ROOT

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_text_is_wrapped_without_stray_indentation(name: str) -> None:
    """The description before the example is rewrapped, not printed with its source indent."""
    result = CliRunner().invoke(main, [name, "--help"])
    description = result.output.split("Example:")[0].split("\n\n", 1)[1]
    stray = [line for line in description.splitlines() if line.startswith("   ")]
    assert not stray, stray


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_lists_the_exit_codes_it_can_return(name: str) -> None:
    output = CliRunner().invoke(main, [name, "--help"]).output
    assert output.count("Exit codes:") == 1
    codes = output.split("Exit codes:")[1].split("Options:")[0]
    listed = {int(line.split()[0]) for line in codes.splitlines() if line.strip()}
    assert {0, 4} <= listed
    # only the commands that validate the shapes can fail on them; only query's ASK says 1
    assert (1 in listed) == (name in ("build", "validate", "publish", "query")), listed


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name: str) -> None:
    assert f"kgbuild {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands_that_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && kgbuild build"
    )
    assert install in readme and install in ci
    assert "python -m pytest" in readme and "python -m pytest" in ci
    assert readme.index(install) < readme.index("## What `kgbuild build` does")


def test_exit_codes_are_documented_alike() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, words in [
        (1, "violates the shapes"),
        (2, "could not be read"),
        (3, "could not be written"),
    ]:
        assert f"**{code}**" in readme and words in readme
    assert isinstance(main, click.Group)
