"""The `kgbuild` command, in process with click's CliRunner: output, errors, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.test_build import copy_project

DOC1 = "001_a3f3df6d3b25658d"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def edit(project_dir: Path, doc: str, old: str, new: str) -> Path:
    path = project_dir / "data" / "documents" / f"{doc}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


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


def test_missing_quote_is_exit_2_naming_file_line_record_and_quote(project_dir: Path) -> None:
    path = edit(project_dir, DOC1, 'evidence: "five pistols"', 'evidence: "six pistols"')
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert f"{path}:" in output
    assert "record quantity/" in output
    assert "'six pistols'" in output and "not in the document" in output
    assert "Traceback" not in output


def test_ambiguous_quote_is_exit_2(project_dir: Path) -> None:
    edit(project_dir, DOC1, 'evidence: "five pistols"', 'evidence: "five"')
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "occurs" in output and "times" in output and "prefix" in output


def test_unknown_key_is_exit_2_with_a_suggestion(project_dir: Path) -> None:
    edit(
        project_dir,
        DOC1,
        "    partOf: event/2023-serbia-anti-smuggling-operation\n    organizer",
        "    partof: event/2023-serbia-anti-smuggling-operation\n    organizer",
    )
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "unknown key 'partof'" in output and "did you mean 'partOf'" in output


def test_yaml_syntax_error_is_exit_2_with_line(project_dir: Path) -> None:
    path = edit(project_dir, DOC1, "facts:\n", "facts:\n  - id: [unclosed\n")
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert f"{path}:" in output and "YAML syntax error" in output


def test_impossible_date_is_exit_2(project_dir: Path) -> None:
    edit(project_dir, DOC1, 'date: "2023-11-08"', 'date: "2023-11-31"')
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "does not exist" in output and "November has 30 days" in output


def test_end_before_start_is_exit_2(project_dir: Path) -> None:
    edit(project_dir, DOC1, 'endDate: "2023-11-08"', 'endDate: "2023-10-08"')
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "lies before startDate" in output


def test_reference_to_nothing_is_exit_2(project_dir: Path) -> None:
    edit(project_dir, DOC1, "nearPlace: place/pirot", "nearPlace: place/pirrot")
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "place/pirrot, which no record defines" in output


def test_negative_count_violates_the_shapes_exit_1_with_line(project_dir: Path) -> None:
    path = edit(project_dir, DOC1, "value: 4500", "value: -4500")
    before = set((project_dir / "dist").glob("*")) if (project_dir / "dist").exists() else set()
    code, output = run("build", "--project", str(project_dir))
    assert code == 1
    assert "1 violation" in output
    assert "kg:value value -4500" in output and f"{path}:" in output
    assert (
        set((project_dir / "dist").glob("*")) == before
        if before
        else not (project_dir / "dist").exists()
    )


def test_non_numeric_count_is_exit_2(project_dir: Path) -> None:
    edit(project_dir, DOC1, "value: 4500", 'value: "4,500"')
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "must be a number" in output


def test_non_utf8_document_is_exit_2(project_dir: Path) -> None:
    (project_dir / "data" / "documents" / f"{DOC1}.txt").write_bytes("Sökning".encode("latin-1"))
    code, output = run("build", "--project", str(project_dir))
    assert code == 2
    assert "not UTF-8" in output


def test_unwritable_output_is_exit_3(project_dir: Path) -> None:
    blocker = project_dir / "blocker"
    blocker.write_text("a file, not a folder")
    code, output = run("build", "--project", str(project_dir), "--out", str(blocker / "dist"))
    assert code == 3
    assert "cannot create the output folder" in output


def test_not_a_project_is_exit_2(tmp_path: Path) -> None:
    code, output = run("build", "--project", str(tmp_path))
    assert code == 2
    assert "does not look like a kgbuild project" in output
