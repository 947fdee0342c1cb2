"""`kgbuild publish`: the release is complete, consistent, checkable and reproducible."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.pipeline import publish
from kgbuild.project import Project
from tests.conftest import committed
from tests.test_build import copy_project

DUMPS = {
    "kgbuild.ttl": pyoxigraph.RdfFormat.TURTLE,
    "kgbuild.nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "kgbuild.trig": pyoxigraph.RdfFormat.TRIG,
    "kgbuild.nq": pyoxigraph.RdfFormat.N_QUADS,
    "kgbuild.jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "kgbuild.canonical.nq": pyoxigraph.RdfFormat.N_QUADS,
}
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"


def triples(path: Path, fmt: pyoxigraph.RdfFormat) -> set[str]:
    return {
        str(pyoxigraph.Triple(q.subject, q.predicate, q.object))
        for q in pyoxigraph.parse(path=str(path), format=fmt)
    }


def void(release: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(release / "void.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def test_release_has_every_part(release: Path) -> None:
    names = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()}
    for dump in DUMPS:
        assert dump in names and f"{dump}.gz" in names
    assert {
        "ontology.ttl",
        "vocabularies.ttl",
        "shapes.ttl",
        "context.jsonld",
        "void.ttl",
        "SHA256SUMS",
        "release.json",
        "docs/ontology.html",
        "index.html",
    } <= names
    assert "id/event/2023-10-27-horgos-shooting.html" in names
    assert "id/event/2023-10-27-horgos-shooting.ttl" in names
    assert "id/event/2023-10-27-horgos-shooting.jsonld" in names


def test_every_dump_parses_and_all_are_isomorphic(release: Path) -> None:
    reference = triples(release / "kgbuild.nt", DUMPS["kgbuild.nt"])
    assert len(reference) > 7000
    for name, fmt in DUMPS.items():
        assert triples(release / name, fmt) == reference, name
        unzipped = gzip.decompress((release / f"{name}.gz").read_bytes())
        assert unzipped == (release / name).read_bytes()


def test_void_triple_count_equals_the_dumps(release: Path) -> None:
    store = void(release)
    count = next(
        iter(
            store.query(
                f"SELECT ?n {{ ?d a <{VOID}Dataset> ; <{VOID}triples> ?n ; <{VOID}dataDump> ?x }}"
            )
        )
    )["n"].value
    assert int(count) == len(triples(release / "kgbuild.nt", DUMPS["kgbuild.nt"]))
    subsets = sum(
        int(r["n"].value)
        for r in store.query(f"SELECT ?g ?n {{ ?d <{VOID}subset> ?g . ?g <{VOID}triples> ?n }}")
    )
    nq_lines = (release / "kgbuild.nq").read_text(encoding="utf-8").count("\n")
    assert subsets == nq_lines


def test_void_describes_dumps_with_sizes_and_partitions(release: Path) -> None:
    store = void(release)
    sizes = {
        r["url"].value.rsplit("/", 1)[-1]: int(r["size"].value)
        for r in store.query(
            f"SELECT ?url ?size {{ ?d <{DCAT}distribution> ?x . ?x <{DCAT}downloadURL> ?url ; "
            f"<{DCAT}byteSize> ?size ; <{DCAT}mediaType> ?m }}"
        )
    }
    for name in DUMPS:
        assert sizes[name] == (release / name).stat().st_size
        assert sizes[name + ".gz"] == (release / (name + ".gz")).stat().st_size
    persons = next(
        iter(
            store.query(
                f"SELECT ?n {{ ?p <{VOID}class> <https://w3id.org/kgbuild/ontology#Person> ; "
                f"<{VOID}entities> ?n }}"
            )
        )
    )["n"].value
    assert persons == "7"
    assert bool(
        store.query(
            "ASK { ?d <http://purl.org/dc/terms/license> "
            "<https://creativecommons.org/licenses/by/4.0/> ; <http://purl.org/dc/terms/issued> "
            '"2026-11-23"^^<http://www.w3.org/2001/XMLSchema#date> }'
        )
    )
    sources = list(store.query("SELECT ?s { ?d <http://purl.org/dc/terms/source> ?s }"))
    assert len(sources) == 4


def test_sha256sum_check_passes(release: Path) -> None:
    if shutil.which("sha256sum") is None:
        pytest.fail("sha256sum (coreutils) is needed for this test")
    done = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=release, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = (release / "SHA256SUMS").read_text().count("\n")
    assert listed == sum(1 for p in release.rglob("*") if p.is_file()) - 1


def test_full_texts_stay_out_but_their_hashes_are_in(release: Path) -> None:
    dump = (release / "kgbuild.nt").read_text(encoding="utf-8")
    assert "> <https://w3id.org/kgbuild/ontology#text> " not in dump
    texts = {
        p.read_text(encoding="utf-8") for p in (committed() / "data" / "documents").glob("*.txt")
    }
    literals = {
        q.object.value
        for q in pyoxigraph.parse(path=str(release / "kgbuild.nq"))
        if isinstance(q.object, pyoxigraph.Literal)
    }
    assert not texts & literals
    assert "We found four radios that their guards use" in dump  # quotes stay
    assert "6144653f282be1af6b025c909aaf676597da27f8ccbecd74746169ba3e1eeddc" in dump


def test_release_metadata_records_inputs(release: Path) -> None:
    meta = json.loads((release / "release.json").read_text())
    assert meta["inputs"]["data/documents/001_a3f3df6d3b25658d.txt"] == (
        "6144653f282be1af6b025c909aaf676597da27f8ccbecd74746169ba3e1eeddc"
    )
    assert meta["tools"]["pyoxigraph"] and meta["version"]


def test_jsonld_context_is_readable(release: Path) -> None:
    context = json.loads((release / "context.jsonld").read_text())["@context"]
    assert context["Seizure"] == "kg:Seizure"
    assert context["partOf"] == {"@id": "kg:partOf", "@type": "@id"}
    data = json.loads((release / "kgbuild.jsonld").read_text())
    assert any(node.get("partOf") for node in data["@graph"])


def test_same_inputs_same_bytes(release: Path, project: Project, tmp_path: Path) -> None:
    again = tmp_path / "again"
    publish(project, again, issued="2026-11-23")
    first = {str(p.relative_to(release)): p.read_bytes() for p in release.rglob("*") if p.is_file()}
    second = {str(p.relative_to(again)): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_failed_publish_keeps_the_previous_release(tmp_path: Path) -> None:
    project_dir = copy_project(tmp_path / "project")
    project = Project.at(project_dir)
    out = tmp_path / "release"
    publish(project, out, issued="2026-11-23")
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    facts = project_dir / "data" / "documents" / "001_a3f3df6d3b25658d.yaml"
    facts.write_text(facts.read_text().replace("value: 4500", "value: -4500"))
    result = CliRunner().invoke(main, ["publish", "--project", str(project_dir), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "nothing published" in result.output
    after = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_publish_command_reports_what_it_wrote(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "--project",
            str(committed()),
            "--out",
            str(tmp_path / "r"),
            "--issued",
            "2026-11-23",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "resource pages" in result.output
    assert "left out the full text of 4 document(s)" in result.output
