"""`kgbuild validate`: new data checked against the shapes, with the built dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.pipeline import BuildResult
from tests.conftest import ROOT, committed

FIXTURE = ROOT / "tests" / "fixtures" / "new-seizure.ttl"
DOC1 = "001_a3f3df6d3b25658d"


def validate(built: tuple[BuildResult, Path], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["validate", "--project", str(committed()), "--dist", str(built[1]), *args]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "seizure.ttl"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_new_seizure_reusing_people_and_places_conforms(built: tuple[BuildResult, Path]) -> None:
    code, output = validate(built, str(FIXTURE))
    assert code == 0, output
    assert "0 violation(s), 0 warning(s) in 1 file(s): conforms" in output


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "kg:itemKind item:pistol",
            "kg:itemKnd item:pistol",
            "kg:itemKnd is not a property of the ontology; did you mean kg:itemKind?",
        ),
        (
            "    prov:wasDerivedFrom source:001_a3f3df6d3b25658d ;\n    kg:evidence",
            "    kg:evidence",
            "Every fact must come from a source document",
        ),
        ("kg:value 5.0", "kg:value -5.0", "value -5"),
        (
            "kg:place place:subotica",
            "kg:place place:subotika",
            "place:subotika: refers to a project resource that exists nowhere",
        ),
        ("a kg:Seizure", "a kg:Seizur", "kg:Seizur is not a class of the ontology"),
    ],
    ids=[
        "misspelt-property",
        "missing-source",
        "negative-count",
        "unknown-place",
        "misspelt-class",
    ],
)
def test_each_problem_is_exit_1_with_one_line_naming_it(
    built: tuple[BuildResult, Path], tmp_path: Path, old: str, new: str, words: str
) -> None:
    path = variant(tmp_path, old, new)
    code, output = validate(built, str(path))
    assert code == 1
    line = next(line for line in output.splitlines() if words in line)
    assert line.startswith("VIOLATION ")
    assert f"[{path}:" in line  # file and line of the record
    assert "does not conform" in output.splitlines()[-1]


def test_syntax_error_is_exit_2_with_its_line(
    built: tuple[BuildResult, Path], tmp_path: Path
) -> None:
    path = variant(
        tmp_path,
        "kg:partOf event:2023-serbia-anti-smuggling-operation ;",
        "kg:partOf event:2023-serbia-anti-smuggling-operation",
    )
    code, output = validate(built, str(path))
    assert code == 2
    assert f"{path}:21: syntax error: column 5" in output  # where the parser stopped


def test_alone_does_not_see_the_dataset(built: tuple[BuildResult, Path]) -> None:
    code, output = validate(built, "--alone", str(FIXTURE))
    assert code == 1
    assert "exists nowhere" in output


def test_only_problems_the_new_data_causes_are_reported(built: tuple[BuildResult, Path]) -> None:
    # the built dataset has 15 warnings (disagreements, paraphrased statements): not repeated
    assert built[0].report.warnings > 0
    _code, output = validate(built, str(FIXTURE))
    assert "WARNING" not in output


def test_curated_document_file_validates(built: tuple[BuildResult, Path]) -> None:
    code, output = validate(built, str(committed() / "data" / "documents" / f"{DOC1}.yaml"))
    assert code == 0, output


def test_json_and_turtle_reports(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    path = variant(tmp_path, "kg:value 5.0", "kg:value -5.0")
    code, output = validate(built, "--format", "json", str(path))
    data = json.loads(output)
    assert code == 1 and data["violations"] == 1 and data["conforms"] is False
    problem = data["problems"][0]
    # values are reported in the store's canonical form: -5.0 (xsd:decimal) is -5
    assert problem["path"].endswith("#value") and problem["value"] == "-5"
    assert problem["file"] == str(path) and isinstance(problem["line"], int)
    code, output = validate(built, "--format", "turtle", str(path))
    graph = rdflib.Graph().parse(data=output, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    report = next(graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert graph.value(report, sh.conforms).toPython() is False
    assert len(list(graph.objects(report, sh.result))) == 1


def test_strict_fails_on_warnings(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    path = variant(tmp_path, '    kg:statedAs "five pistols"@en ;\n', "")
    assert validate(built, str(path))[0] == 0
    code, output = validate(built, "--strict", str(path))
    assert code == 1 and "WARNING" in output and "statedAs" in output


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_ill_typed_literals_are_violations_in_both_engines(
    built: tuple[BuildResult, Path], tmp_path: Path, engine: str
) -> None:
    """On a property no shape constrains (schema:startDate), and with the type a shape wants
    named when the value fits it; no rdflib traceback on the way."""
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace(
        "    kg:modality modality:actual ;\n",
        "    kg:modality modality:actual ;\n"
        '    <http://schema.org/startDate> "31st of Octobre"^^xsd:date ;\n',
    ).replace("kg:value 5.0", 'kg:value "5"^^xsd:date')
    path = tmp_path / "ill-typed.ttl"
    path.write_text(text, encoding="utf-8")
    code, output = validate(built, "--engine", engine, str(path))
    assert code == 1, output
    assert '"31st of Octobre" is not a valid xsd:date: write it as YYYY-MM-DD' in output
    assert '"5" is not a valid xsd:date; did you mean "5"^^xsd:decimal?' in output
    assert "ill-typed.ttl:18" in output
    assert "Traceback" not in output and "Failed to convert" not in output
