"""The `kgbuild` command, in process with click's CliRunner: output and help. Bad input of
every kind is in the catalogue, tests/test_bad_inputs.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.test_build import copy_project


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_build_prints_the_summary(project_dir: Path) -> None:
    code, output = run("build", "--project", str(project_dir))
    assert code == 0, output
    assert "from 4 sources" in output
    assert "0 violations" in output
    assert (project_dir / "dist" / "dataset.trig").exists()


def test_help_teaches_with_an_example_and_exit_codes() -> None:
    code, output = run("build", "--help")
    assert code == 0
    assert "Example:" in output
    assert "2  an input could not be read" in output


def test_param_must_be_name_equals_value() -> None:
    code, output = run("query", "timeline", "--param", "no-equals-sign")
    assert code == 2
    assert "is not NAME=VALUE" in output
