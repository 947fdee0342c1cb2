"""Issue 6: the catalogue of bad inputs. Each one gets a clear error (the file, the line where
there is one, what is wrong, how to fix it), a documented exit code, no traceback, and leaves
what was built exactly as it was.

Every case changes one file of a built copy of the project (or passes one bad argument), runs
the command, checks the exit code and the key words of the message, and puts the file back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.conftest import committed_copy

DOC = "000_465a521d4ac3798f"  # the first seed document
DOC_YAML = f"data/documents/{DOC}.yaml"
DOC_TXT = f"data/documents/{DOC}.txt"
ENTITIES = "data/entities.yaml"

Edit = Callable[[bytes], bytes]
LINE = "<file:line>"  # a word of the catalogue: the message names a line, as path:line


def replace(old: str, new: str) -> Edit:
    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        assert old in text, f"the catalogue's edit no longer applies: {old!r}"
        return text.replace(old, new, 1).encode("utf-8")

    return edit


def append(extra: str) -> Edit:
    return lambda data: data + extra.encode("utf-8")


def content(new: bytes | str) -> Edit:
    return lambda _data: new if isinstance(new, bytes) else new.encode("utf-8")


@dataclass
class Case:
    id: str
    args: list[str]  # {p}: the project folder, {f}: the folder of extra files
    code: int
    words: list[str]  # each must appear in the output (case-insensitive); LINE: "file:<n>"
    edits: dict[str, Edit] = field(default_factory=dict)  # project files to change
    files: dict[str, bytes | str] = field(default_factory=dict)  # extra files to write in {f}


BUILD = ["build", "--project", "{p}"]
VALIDATE = ["validate", "--project", "{p}"]
QUERY = ["query", "--project", "{p}"]
BROKEN_TTL = '\nkg:Broken a owl:Class ;\n    rdfs:label "unterminated .\n'
ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaa">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
    '<rdf:Description rdf:about="https://w3id.org/kgbuild/id/x"><rdfs:label>&j;</rdfs:label>'
    "</rdf:Description>\n</rdf:RDF>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
    '<rdf:Description rdf:about="https://w3id.org/kgbuild/id/x"><rdfs:label>&e;</rdfs:label>'
    "</rdf:Description>\n</rdf:RDF>\n"
)
GOOD_TTL = (
    "@prefix kg: <https://w3id.org/kgbuild/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
)

CATALOGUE = [
    # --- kgbuild build: RDF the project ships --------------------------------------------
    Case(
        "ontology-turtle-syntax",
        BUILD,
        2,
        ["ontology/kgbuild.ttl", LINE, "syntax"],
        edits={"ontology/kgbuild.ttl": append(BROKEN_TTL)},
    ),
    Case(
        "shapes-turtle-syntax",
        BUILD,
        2,
        ["kgbuild-shapes.ttl", LINE],
        edits={"shapes/kgbuild-shapes.ttl": append(BROKEN_TTL)},
    ),
    Case(
        "ontology-owl-imports",
        BUILD,
        2,
        ["owl:imports", "never fetches"],
        edits={
            "ontology/kgbuild.ttl": append(
                "\n<https://w3id.org/kgbuild/ontology> owl:imports <http://127.0.0.1:9/o.ttl> .\n"
            )
        },
    ),
    Case(
        "context-not-json",
        BUILD,
        2,
        ["context.jsonld", "json"],
        edits={"data/context.jsonld": lambda d: d[: len(d) // 2]},
    ),
    Case(
        "context-remote",
        BUILD,
        2,
        ["context.jsonld", "remote", "never fetches"],
        edits={"data/context.jsonld": content('{"@context": "http://127.0.0.1:9/c.jsonld"}')},
    ),
    # --- kgbuild build: curated YAML -------------------------------------------------------
    Case(  # the list of one file's problems stops at 20 (docs/errors.md); the rest are counted
        "yaml-problems-capped",
        BUILD,
        2,
        ["25 problems in this file", "... and 5 more", "unknown key 'colour'"],
        edits={
            DOC_YAML: append(
                "".join(
                    f"\n  - id: place/p{n}\n    type: Town\n    colour: red\n" for n in range(25)
                )
            )
        },
    ),
    Case(  # three mistakes in three records (and a key after one): all in one run
        "yaml-three-mistakes-one-run",
        BUILD,
        2,
        [
            "3 problems in this file",
            "unknown class 'ArmedClsh'",
            "unknown key 'plase'",
            "'--02-30' does not exist",
            LINE,
        ],
        edits={
            DOC_YAML: lambda d: replace(
                '    type: ArmedClash\n    date: "--10-27"',
                '    type: ArmedClsh\n    date: "--10-27"',
            )(
                replace("    type: PersonGroup\n", "    type: PersonGroup\n    plase: x\n")(
                    replace("    type: Agreement\n", '    type: Agreement\n    date: "--02-30"\n')(
                        d
                    )
                )
            )
        },
    ),
    Case(
        "entities-yaml-syntax",
        BUILD,
        2,
        ["entities.yaml", LINE],
        edits={ENTITIES: append("  - {id: place/nowhere, type: [Town\n")},
    ),
    Case(
        "document-language-not-a-tag",
        BUILD,
        2,
        [DOC_YAML, LINE, "inLanguage", "not a language tag"],
        edits={DOC_YAML: replace("inLanguage: en", "inLanguage: n")},
    ),
    Case(
        "entities-unknown-key",
        BUILD,
        2,
        ["entities.yaml", "labl"],
        edits={ENTITIES: replace("type: Country, label: Serbia}", "type: Country, labl: Serbia}")},
    ),
    Case(
        "entities-duplicate-id",
        BUILD,
        2,
        ["entities.yaml", "place/serbia", "twice"],
        edits={
            ENTITIES: replace(
                "  - {id: place/hungary,",
                "  - {id: place/serbia, type: Country, label: Serbia}\n  - {id: place/hungary,",
            )
        },
    ),
    Case(
        "entities-missing-type",
        BUILD,
        2,
        ["entities.yaml", "place/serbia", "type"],
        edits={ENTITIES: replace("{id: place/serbia, type: Country,", "{id: place/serbia,")},
    ),
    Case(
        "document-yaml-syntax",
        BUILD,
        2,
        [DOC_YAML, LINE],
        edits={DOC_YAML: replace("    type: ArmedClash", "    type: [ArmedClash")},
    ),
    Case(
        "document-yaml-duplicate-key",
        BUILD,
        2,
        [DOC_YAML, LINE, "duplicate key 'type'"],
        edits={DOC_YAML: replace("    type: ArmedClash", "    type: ArmedClash\n    type: Raid")},
    ),
    Case(
        "document-unknown-key",
        BUILD,
        2,
        [DOC_YAML, LINE, "nearplaec"],
        edits={DOC_YAML: replace("    nearPlace: place/horgos", "    nearPlaec: place/horgos")},
    ),
    Case(
        "document-missing-id",
        BUILD,
        2,
        [DOC_YAML, LINE, "id"],
        edits={
            DOC_YAML: replace(
                "  - id: event/2023-10-27-horgos-shooting\n    type: ArmedClash",
                "  - type: ArmedClash",
            )
        },
    ),
    Case(
        "document-duplicate-id",
        BUILD,
        2,
        [DOC_YAML, "event/2023-10-27-horgos-shooting", "twice"],
        edits={
            DOC_YAML: replace(
                "  - id: group/2023-10-27-horgos-afghan-people-smugglers",
                "  - id: event/2023-10-27-horgos-shooting",
            )
        },
    ),
    Case(
        "unknown-event-type",
        BUILD,
        2,
        [DOC_YAML, LINE, "armedclsh"],
        edits={DOC_YAML: replace("    type: ArmedClash", "    type: ArmedClsh")},
    ),
    Case(
        "count-not-a-number",
        BUILD,
        2,
        [DOC_YAML, LINE, "lowerbound", "number"],
        edits={DOC_YAML: replace("lowerBound: 3", "lowerBound: three")},
    ),
    Case(
        "count-negative",
        BUILD,
        1,
        [DOC_YAML, "0 or more", "nothing was written"],
        edits={DOC_YAML: replace("lowerBound: 3", "lowerBound: -3")},
    ),
    Case(
        "evidence-not-in-document",
        BUILD,
        2,
        [DOC_YAML, LINE, "at least thirty people", "not in"],
        edits={
            DOC_YAML: replace(
                'evidence: "at least three people were killed"',
                'evidence: "at least thirty people were killed"',
            )
        },
    ),
    Case(
        "evidence-ambiguous",
        BUILD,
        2,
        [DOC_YAML, LINE, "times"],
        edits={DOC_YAML: replace('evidence: "between Afghan people-smugglers"', 'evidence: "the"')},
    ),
    Case(
        "reference-to-nothing",
        BUILD,
        2,
        [DOC_YAML, LINE, "place/serbia-hungary-bordr", "no record defines"],
        edits={
            DOC_YAML: replace(
                "    place: place/serbia-hungary-border\n    nearPlace",
                "    place: place/serbia-hungary-bordr\n    nearPlace",
            )
        },
    ),
    Case(
        "impossible-day",
        BUILD,
        2,
        [DOC_YAML, LINE, "--02-30"],
        edits={DOC_YAML: replace('date: "--10-27"', 'date: "--02-30"')},
    ),
    Case(
        "impossible-month",
        BUILD,
        2,
        [DOC_YAML, LINE, "2023-13-01", "months are 01 to 12"],
        edits={DOC_YAML: replace('date: "--10-27"', 'date: "2023-13-01"')},
    ),
    Case(
        "range-ends-before-it-starts",
        BUILD,
        2,
        [DOC_YAML, LINE, "enddate 2023-10-20 lies before startdate 2023-10-27", "swap"],
        edits={
            DOC_YAML: replace(
                'date: "--10-27"', 'startDate: "2023-10-27"\n    endDate: "2023-10-20"'
            )
        },
    ),
    Case(
        "document-not-utf8",
        BUILD,
        2,
        [DOC_TXT, "utf-8"],
        edits={DOC_TXT: lambda d: d.replace(b"Serbian", "Serbi\u00e5n".encode("latin-1"), 1)},
    ),
    Case("document-empty", BUILD, 2, [DOC_TXT, "empty"], edits={DOC_TXT: content(b"")}),
    Case(
        "input-over-size-limit",
        [*BUILD, "--max-bytes", "2000"],
        2,
        ["bytes", "--max-bytes"],
    ),
    Case(
        "curated-file-without-text",
        BUILD,
        2,
        ["zzz.yaml", "without its document text"],
        edits={"data/documents/zzz.yaml": content("facts: []\n")},
    ),
    Case(
        "unwritable-output-folder",
        [*BUILD, "--out", "{p}/data/entities.yaml/dist"],
        3,
        ["cannot", "--out"],
    ),
    # --- kgbuild validate: new data in any RDF syntax --------------------------------------
    Case(
        "turtle-syntax",
        [*VALIDATE, "{f}/new.ttl"],
        2,
        ["new.ttl:3", "column"],
        files={"new.ttl": GOOD_TTL + "<https://w3id.org/kgbuild/id/x> rdfs:label 'open .\n"},
    ),
    Case(
        "trig-syntax",
        [*VALIDATE, "{f}/new.trig"],
        2,
        ["new.trig:4", "column"],
        files={"new.trig": GOOD_TTL + "<g> { <x> rdfs:label 'a' .\n"},
    ),
    Case(
        "ntriples-syntax",
        [*VALIDATE, "{f}/new.nt"],
        2,
        ["new.nt:2", "column 27"],
        files={"new.nt": '<http://a/x> <http://a/p> "ok" .\n<http://a/x> <http://a/p> nope .\n'},
    ),
    Case(
        "jsonld-syntax",
        [*VALIDATE, "{f}/new.jsonld"],
        2,
        ["new.jsonld:2", "column"],
        files={"new.jsonld": '{"@id": "http://a/x",\n "http://a/p": [1, }\n'},
    ),
    Case(
        "rdfxml-syntax",
        [*VALIDATE, "{f}/new.rdf"],
        2,
        ["new.rdf", "syntax"],
        files={"new.rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="urn:x">\n<oops>\n'},
    ),
    Case(
        "jsonld-remote-context",
        [*VALIDATE, "{f}/new.jsonld"],
        2,
        ["new.jsonld", "remote", "never fetches"],
        files={"new.jsonld": '{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://a/x"}'},
    ),
    Case(
        "rdfxml-entity-bomb",
        [*VALIDATE, "{f}/bomb.rdf"],
        2,
        ["bomb.rdf", "entity"],
        files={"bomb.rdf": ENTITY_BOMB},
    ),
    Case(
        "rdfxml-external-entity",
        [*VALIDATE, "{f}/xxe.rdf"],
        2,
        ["xxe.rdf", "entity"],
        files={"xxe.rdf": EXTERNAL_ENTITY},
    ),
    Case(
        "owl-imports-in-new-data",
        [*VALIDATE, "{f}/imports.ttl"],
        2,
        ["imports.ttl", "owl:imports", "never fetches"],
        files={
            "imports.ttl": "<http://a/o> <http://www.w3.org/2002/07/owl#imports> "
            "<http://127.0.0.1:9/o> .\n"
        },
    ),
    Case(
        "unknown-file-type",
        [*VALIDATE, "{f}/new.csv"],
        2,
        ["new.csv", "unknown file type", "--format"],
        files={"new.csv": "a,b\n"},
    ),
    Case("missing-file", [*VALIDATE, "{f}/absent.ttl"], 2, ["absent.ttl", "no such file"]),
    Case(
        # a subject with no IRI-valued object once crashed the validator (TypeError)
        "one-triple-dataset",
        [*VALIDATE, "--alone", "{f}/one.ttl"],
        0,
        ["0 violation(s)", "conforms"],
        files={
            "one.ttl": "<https://w3id.org/kgbuild/id/x> <http://www.w3.org/2000/01/rdf-schema#label>"
            ' "x" .\n'
        },
    ),
    Case(
        "not-a-project",
        ["build", "--project", "{f}"],
        2,
        ["does not look like a kgbuild project", "--project"],
    ),
    Case(
        "release-description-unknown-key",
        ["publish", "--project", "{p}"],
        2,
        ["release.yaml", LINE, "unknown key 'licence'"],
        edits={"data/release.yaml": replace("license:", "licence:")},
    ),
    # --- kgbuild query ----------------------------------------------------------------------
    Case(
        "unknown-saved-query",
        [*QUERY, "timelin"],
        2,
        ["timelin", "did you mean 'timeline'", "--list"],
    ),
    Case(
        "invalid-sparql",
        [*QUERY, "SELECT ?s WHERE { ?s ?p }"],
        2,
        ["sparql", "line 1", "column"],
    ),
    Case(
        "sparql-service",
        [*QUERY, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"],
        2,
        ["service is refused"],
    ),
    Case(
        "sparql-from-url",
        [*QUERY, "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"],
        2,
        ["from <http://127.0.0.1:9/data.ttl>", "never fetches"],
    ),
    Case(
        "sparql-update",
        [*QUERY, "LOAD <http://127.0.0.1:9/data.ttl>"],
        2,
        ["read-only", "load"],
    ),
    Case(
        "unknown-output-format",
        [*QUERY, "timeline", "--format", "xlsx"],
        2,
        ["xlsx", "csv"],
    ),
    Case(
        "nothing-built",
        [*QUERY, "timeline", "--dist", "{f}"],
        2,
        ["nothing is built", "kgbuild build"],
    ),
    Case(
        "publish-unwritable-output",
        ["publish", "--project", "{p}", "--out", "{p}/data/entities.yaml/release"],
        3,
        ["cannot", "release"],
    ),
]


def snapshot(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folder`` (the built outputs)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("catalogue")
    committed_copy(root)
    result = CliRunner().invoke(main, ["build", "--project", str(root)])
    assert result.exit_code == 0, result.output
    yield root


def test_the_catalogue_has_thirty_cases_or_more() -> None:
    assert len(CATALOGUE) >= 30
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_input_gets_a_clear_error(case: Case, project: Path, tmp_path: Path) -> None:
    before = snapshot(project / "dist")
    originals: dict[Path, bytes | None] = {}
    for name, edit in case.edits.items():
        path = project / name
        originals[path] = path.read_bytes() if path.exists() else None
        path.write_bytes(edit(originals[path] or b""))
    for name, data in case.files.items():
        (tmp_path / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    args = [a.replace("{p}", str(project)).replace("{f}", str(tmp_path)) for a in case.args]
    try:
        result = CliRunner().invoke(main, args)
    finally:
        for path, data in originals.items():
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)
    output = result.output
    assert result.exit_code == case.code, output
    assert "Traceback" not in output and "unexpected" not in output, output
    for word in case.words:
        if word == LINE:
            assert re.search(r"\.[a-z]+:\d+", output), f"no file:line in:\n{output}"
        else:
            assert word.lower() in output.lower(), f"{word!r} not in:\n{output}"
    assert snapshot(project / "dist") == before, "a failed run changed the built outputs"
