"""The build's outputs: complete, parseable by a second implementation, deterministic, safe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

from kgbuild.errors import InputError
from kgbuild.graph.dumps import BUILD_FILES, MERGED_FILES, REPORT_FILE
from kgbuild.graph.stored import ANSWERS_DIR
from kgbuild.pipeline import BuildResult, build
from kgbuild.project import Project
from tests.conftest import Sparql, committed, committed_copy

RDFLIB_FORMATS = {
    ".trig": "trig",
    ".nq": "nquads",
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
}
OXI_FORMATS = {
    ".trig": pyoxigraph.RdfFormat.TRIG,
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


def copy_project(target: Path) -> Path:
    committed_copy(target)
    return target


def test_build_writes_every_dump_with_no_violation(built: tuple[BuildResult, Path]) -> None:
    result, out = built
    assert result.report.violations == 0
    shown = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert shown == sorted([*BUILD_FILES, REPORT_FILE, "store", ANSWERS_DIR])
    # each output is a link into the generation that .current points at (see atomic.py)
    assert all(os.readlink(out / name) == f".current/{name}" for name in shown)
    assert result.counts["sources"] == 4


@pytest.mark.parametrize("name", BUILD_FILES)
def test_dump_parses_the_same_in_rdflib_and_pyoxigraph(
    built: tuple[BuildResult, Path], name: str
) -> None:
    _, out = built
    path = out / name
    suffix = path.suffix
    theirs = rdflib.Graph()
    for q in pyoxigraph.parse(path=str(path), format=OXI_FORMATS[suffix]):
        theirs.parse(
            data=str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) + " .", format="nt"
        )
    ours = rdflib.Dataset() if suffix in (".trig", ".nq") else rdflib.Graph()
    ours.parse(path, format=RDFLIB_FORMATS[suffix])
    merged = rdflib.Graph()
    for triple in (
        ours.triples((None, None, None))
        if suffix not in (".trig", ".nq")
        else ((s, p, o) for s, p, o, _ in ours.quads((None, None, None, None)))
    ):
        merged.add(triple)
    assert len(merged) > 6000
    assert isomorphic(merged, theirs)


def test_dataset_keeps_a_named_graph_per_source(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    graphs = {
        q.graph_name.value.rsplit("/", 1)[-1]
        for q in pyoxigraph.parse(path=str(out / "dataset.nq"))
    }
    assert graphs == {
        "ontology",
        "vocabularies",
        "entities",
        "places",
        "000_465a521d4ac3798f",
        "001_a3f3df6d3b25658d",
        "002_c50662480cc5ac51",
        "003_ba60645de3d84279",
    }


def test_no_blank_nodes_in_any_dump(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    for q in pyoxigraph.parse(path=str(out / "dataset.nq")):
        assert not isinstance(q.subject, pyoxigraph.BlankNode), q
        assert not isinstance(q.object, pyoxigraph.BlankNode), q


def test_every_evidence_offset_points_at_its_quote(sparql: Sparql) -> None:
    rows = sparql.rows("""SELECT ?file ?exact ?start ?end WHERE {
        ?m a kg:Mention ; oa:hasSource ?doc ; oa:hasSelector ?q , ?p .
        ?doc kg:fileName ?file . ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end }""")
    assert len(rows) > 250
    texts = {}
    for row in rows:
        path = committed() / "data" / "documents" / row["file"]
        text = texts.setdefault(path, path.read_bytes().decode("utf-8"))
        assert text[int(row["start"]) : int(row["end"])] == row["exact"]


def test_two_builds_are_byte_identical_in_another_hash_seed(
    built: tuple[BuildResult, Path], tmp_path: Path
) -> None:
    _, first = built
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kgbuild.cli",
            "build",
            "--project",
            str(committed()),
            "--out",
            str(tmp_path),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    for name in BUILD_FILES:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_trig_from_graph_chunks_is_one_serialization_of_every_graph(
    built: tuple[BuildResult, Path], project: Project
) -> None:
    from kgbuild.graph.dumps import serialize_dataset

    result, out = built
    whole = serialize_dataset(result.assembly.quads, "trig", project.base)
    assert (out / "dataset.trig").read_bytes() == whole
    assert (out / "dataset.nq").read_bytes() == serialize_dataset(
        result.assembly.quads, "nq", project.base
    )


def test_merged_dumps_only_on_demand_and_no_stale_links(tmp_path: Path) -> None:
    project = Project.at(copy_project(tmp_path / "p"))
    out = tmp_path / "dist"
    build(project, out_dir=out, merged=True)
    assert all((out / name).is_file() for name in MERGED_FILES)
    merged = {str(t) for t in pyoxigraph.parse(path=str(out / "graph.nt"))}
    assert merged == {str(q.triple) for q in pyoxigraph.parse(path=str(out / "dataset.nq"))}
    build(project, out_dir=out)
    assert not any((out / name).exists() or (out / name).is_symlink() for name in MERGED_FILES)


def test_failed_build_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    project_dir = copy_project(tmp_path / "project")
    project = Project.at(project_dir)
    out = tmp_path / "dist"
    build(project, out_dir=out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    facts = project_dir / "data" / "documents" / "001_a3f3df6d3b25658d.yaml"
    facts.write_text(facts.read_text().replace("five assault rifles", "seven assault rifles"))
    with pytest.raises(InputError, match="evidence quote"):
        build(project, out_dir=out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_adding_one_document_redoes_only_that_documents_work(tmp_path: Path) -> None:
    """Issue 5: a rebuild after adding one document reads, reasons about and validates that
    document alone (and the shared entities it adds triples to); the rest is cached."""
    from corpus import generate

    corpus = generate(Project.at(committed()), tmp_path / "corpus", 21, seed=3)
    docs = corpus / "data" / "documents"
    held = tmp_path / "held"
    held.mkdir()
    for suffix in (".txt", ".yaml"):
        (docs / f"000020{suffix}").rename(held / f"000020{suffix}")
    first = build(Project.at(corpus))
    assert first.work["documents read"] == 20
    build(Project.at(corpus), out_dir=tmp_path / "first", use_cache=False)
    again = build(Project.at(corpus))
    assert again.work == {"documents read": 0}
    for suffix in (".txt", ".yaml"):
        (held / f"000020{suffix}").rename(docs / f"000020{suffix}")
    added = build(Project.at(corpus))
    assert added.work["documents read"] == 1
    assert added.work["graphs reasoned"] == 1
    assert added.work["store graphs replaced"] == 1
    # validated again: the new document's nodes and their neighbours, not the whole dataset
    assert 0 < added.work["nodes validated"] < added.counts["quads"] / 10
    assert added.report.violations == 0
    # the store updated in place holds exactly what a store built from scratch holds, and
    # every output file has the bytes of a clean build's
    fresh = tmp_path / "fresh"
    build(Project.at(corpus), out_dir=fresh, use_cache=False)
    for name in [*BUILD_FILES, REPORT_FILE]:
        assert (corpus / "dist" / name).read_bytes() == (fresh / name).read_bytes(), name
    stores = [corpus / "dist" / "store", fresh / "store"]
    contents = [sorted(str(q) for q in pyoxigraph.Store.read_only(str(s))) for s in stores]
    assert contents[0] == contents[1]
    # and so does it after a document is removed again
    for suffix in (".txt", ".yaml"):
        (docs / f"000020{suffix}").unlink()
    removed = build(Project.at(corpus))
    assert removed.work["store graphs replaced"] == 1
    for name in [*BUILD_FILES, REPORT_FILE]:
        assert (corpus / "dist" / name).read_bytes() == (tmp_path / "first" / name).read_bytes()
    assert sorted(str(q) for q in pyoxigraph.Store.read_only(str(stores[0]))) == sorted(
        str(q) for q in pyoxigraph.Store.read_only(str(tmp_path / "first" / "store"))
    )


def _outputs_and_store(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    files = {name: (folder / name).read_bytes() for name in [*BUILD_FILES, REPORT_FILE]}
    return files, sorted(str(q) for q in pyoxigraph.Store.read_only(str(folder / "store")))


def test_changing_figures_redoes_their_disagreements_as_a_clean_build_would(
    tmp_path: Path,
) -> None:
    """Issue 13: changing one document's figures updates the disagreement warnings of the
    other sources' figures of the same events (nodes two steps away), the inferred graph and
    the counts exactly as a clean build does."""
    from corpus import generate

    corpus = generate(Project.at(committed()), tmp_path / "corpus", 40, seed=5)
    first = build(Project.at(corpus))
    figures = [p for p in first.report.problems if "figures" in p.message]
    assert figures, "the corpus should have disagreeing figures"
    doc = figures[0].focus.split("/quantity/")[1].split("/")[0]
    facts = corpus / "data" / "documents" / f"{doc}.yaml"
    text = facts.read_text()
    changed = "\n".join(
        line.replace("value: ", "value: 9") if line.strip().startswith("value: ") else line
        for line in text.splitlines()
    )
    assert changed != text
    facts.write_text(changed + "\n")
    after = build(Project.at(corpus))
    assert after.work["documents read"] == 1
    clean = tmp_path / "clean"
    fresh = build(Project.at(corpus), out_dir=clean, use_cache=False)
    assert after.report.to_json() == fresh.report.to_json()
    assert after.counts == fresh.counts
    assert _outputs_and_store(corpus / "dist") == _outputs_and_store(clean)
    assert [p.line(fresh.report.base) for p in after.report.problems] == [
        p.line(fresh.report.base) for p in fresh.report.problems
    ]


def test_a_modality_stated_elsewhere_replaces_the_default_and_comes_back(tmp_path: Path) -> None:
    """modality:actual is the default only for events no source qualifies: when one source
    qualifies a shared event, the other sources' graphs lose their default, and when it stops,
    the next (incremental) build gives it back, as a clean build does."""
    project = copy_project(tmp_path / "p")
    facts = project / "data" / "documents" / "001_a3f3df6d3b25658d.yaml"
    text = facts.read_text()
    record = "  - id: event/2023-10-27-horgos-shooting\n    type: ArmedClash\n"
    assert record in text
    build(Project.at(project))
    facts.write_text(text.replace(record, record + "    modality: threatened\n"))
    qualified = build(Project.at(project))
    assert qualified.assembly.raw_chunks  # the other graphs' defaults were taken out
    nq = (project / "dist" / "dataset.nq").read_text()
    assert "horgos-shooting> <https://w3id.org/kgbuild/ontology#modality>" in nq
    assert "modality/actual" not in "".join(
        line
        for line in nq.splitlines()
        if "horgos-shooting> <https://w3id.org/kgbuild/onto" in line
    )
    facts.write_text(text)
    again = build(Project.at(project))  # 001 as first read comes from the cache
    assert again.work["documents read"] == 0  # and 000, 002 as first read, from the last build
    clean = tmp_path / "clean"
    build(Project.at(project), out_dir=clean, use_cache=False)
    assert _outputs_and_store(project / "dist") == _outputs_and_store(clean)


def test_a_byte_identical_copy_under_a_new_id_is_a_source_of_its_own(tmp_path: Path) -> None:
    """The cache and the last build key a document by its id as well as its bytes: a copy of
    a document under another id gets its own graph and source, not the original's."""
    from corpus import generate

    corpus = generate(Project.at(committed()), tmp_path / "corpus", 6, seed=7)
    docs = corpus / "data" / "documents"
    build(Project.at(corpus))
    for suffix in (".txt", ".yaml"):
        shutil.copy(docs / f"000003{suffix}", docs / f"000099{suffix}")
    copied = build(Project.at(corpus))
    assert copied.work["documents read"] == 1
    project = Project.at(corpus)
    store = pyoxigraph.Store.read_only(str(corpus / "dist" / "store"))
    graph = pyoxigraph.NamedNode(project.graph_iri("000099"))
    source = pyoxigraph.NamedNode(project.source_iri("000099"))
    assert list(store.quads_for_pattern(source, None, None, graph))
    assert copied.counts["sources"] == 7


def test_a_bad_document_read_in_a_worker_process_is_reported_as_itself(tmp_path: Path) -> None:
    """More than 50 documents to read are read by worker processes; the first bad one in the
    documents' order is raised as the error the worker met: type, file, line and hint."""
    from corpus import generate

    from kgbuild.errors import InputError

    corpus = generate(Project.at(committed()), tmp_path / "corpus", 60, seed=2)
    for doc in ("000041", "000017"):
        path = corpus / "data" / "documents" / f"{doc}.yaml"
        path.write_text(path.read_text().replace("  participant:", "  participnt:", 1))
    with pytest.raises(InputError) as raised:
        build(Project.at(corpus), workers=2, use_cache=False)
    assert raised.value.where.path.name == "000017.yaml"
    assert raised.value.where.line is not None and "participnt" in str(raised.value)
