"""Issue 6: property-based tests (hypothesis).

- Random valid curated documents survive the round trip records → RDF → every dump syntax →
  parse (pyoxigraph, and rdflib for N-Triples and Turtle) → the same graph, label for label.
- Random corruptions of valid inputs (curated YAML, document text, Turtle) give a clean
  KGBuildError (a message with a place, an exit code) or a valid result; never a crash.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgbuild.errors import KGBuildError
from kgbuild.graph.assemble import event_classes
from kgbuild.graph.dumps import serialize_dataset, serialize_graph
from kgbuild.project import Project
from kgbuild.rdf import sorted_quads
from kgbuild.sources.files import load_document, load_entities, load_vocabulary
from kgbuild.validation.newdata import read_new_data
from tests.conftest import ROOT, committed

PROJECT = Project.at(committed())
VOCABULARY = load_vocabulary(PROJECT)
EVENT_TYPES = sorted(
    c.rsplit("#", 1)[1]
    for c in event_classes(
        list(pyoxigraph.parse(path=str(PROJECT.ontology_file), format=pyoxigraph.RdfFormat.TURTLE))
    )
    if c.rsplit("#", 1)[1] in VOCABULARY.classes
)
PLACES = ["place/serbia", "place/hungary", "place/horgos", "place/subotica", "place/kosovo"]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Words without the brackets that mark sentences, so each marked sentence occurs once.
words = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="[]\u0085"
    ),
    min_size=1,
    max_size=30,
).map(lambda s: " ".join(s.split()) or "x")
labels = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.integers(1900, 2100).map(lambda y: f"{y:04d}"),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
)
counts = st.one_of(st.integers(0, 10**9), st.decimals(0, 10**6, places=2).map(float))


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A document's text and its curated records, each quote a sentence of the text."""
    n = draw(st.integers(1, 4))
    sentences = [f"[{i}] {draw(words)}." for i in range(2 * n + 1)]
    facts = []
    for i in range(n):
        event: dict[str, object] = {
            "id": f"event/prop-{i}",
            "type": draw(st.sampled_from(EVENT_TYPES)),
            "label": draw(labels),
            "date": draw(dates),
            "place": draw(st.sampled_from(PLACES)),
            "evidence": sentences[2 * i + 1],
        }
        if draw(st.booleans()):
            event["quantities"] = [
                {
                    "measure": "detained",
                    "value": draw(counts),
                    "statedAs": draw(labels),
                    "evidence": sentences[2 * i + 2],
                }
            ]
        facts.append(event)
    meta = {
        "type": ["SourceDocument"],
        "inLanguage": "en",
        "datePublished": "2023-11-01",
        "headline": {"en": draw(labels)},
        "evidence": sentences[0],
    }
    return " ".join(sentences) + "\n", {"document": meta, "facts": facts}


def write_document(folder: Path, doc_id: str, text: str, records: dict[str, object]) -> None:
    (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    (folder / f"{doc_id}.yaml").write_text(
        yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def same(quads: list[pyoxigraph.Quad]) -> set[str]:
    return {str(q) for q in quads}


@SETTINGS
@given(doc=documents())
def test_records_survive_the_round_trip_through_every_dump(
    doc: tuple[str, dict[str, object]], tmp_path: Path
) -> None:
    text, records = doc
    write_document(tmp_path, "prop", text, records)
    unit = load_document(PROJECT, VOCABULARY, "prop", folder=tmp_path)
    quads = sorted_quads(unit.quads)
    triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads]
    graph = pyoxigraph.NamedNode(unit.graph)
    for fmt, syntax in (("trig", pyoxigraph.RdfFormat.TRIG), ("nq", pyoxigraph.RdfFormat.N_QUADS)):
        back = list(pyoxigraph.parse(serialize_dataset(quads, fmt, PROJECT.base), syntax))
        assert same(back) == same(quads), fmt
    for fmt, syntax in (
        ("ttl", pyoxigraph.RdfFormat.TURTLE),
        ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ):
        data = serialize_graph(triples, fmt, PROJECT.base)
        back = [
            pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)
            for t in pyoxigraph.parse(data, syntax)
        ]
        assert same(back) == same(quads), fmt
        if fmt in ("ttl", "nt"):
            theirs = rdflib.Graph().parse(data=data, format="turtle" if fmt == "ttl" else "nt")
            assert len(theirs) == len(set(map(str, triples))), fmt
    # every label given is in the graph, exactly, with its language
    given_labels = {f["label"] for f in records["facts"]}
    found = {
        q.object.value
        for q in quads
        if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"
    }
    assert given_labels <= found


# --- corruptions -----------------------------------------------------------------------------

SEED = "000_465a521d4ac3798f"
SEED_YAML = (committed() / "data" / "documents" / f"{SEED}.yaml").read_bytes()
SEED_TEXT = (committed() / "data" / "documents" / f"{SEED}.txt").read_bytes()
ENTITIES = (committed() / "data" / "entities.yaml").read_bytes()
TURTLE = (ROOT / "tests" / "fixtures" / "new-seizure.ttl").read_bytes()


@st.composite
def corrupted(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one to three random edits: cut, insert, replace, swap lines, truncate."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "insert", "replace", "swap", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 200)) :]
        elif kind == "insert":
            junk = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=20),
                    st.sampled_from([b":", b"- ", b"{", b"[", b"\t", b'"', b"&", b"\n  x: 1\n"]),
                    st.text(string.printable, min_size=1, max_size=20).map(str.encode),
                )
            )
            data = data[:at] + junk + data[at:]
        elif kind == "replace":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "swap":
            lines = data.split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        else:
            data = data[:at]
    return data


def loads_cleanly(load) -> None:
    """Either a result or a KGBuildError with a message; anything else fails the test."""
    try:
        load()
    except KGBuildError as exc:
        assert str(exc).strip() and exc.exit_code in (1, 2)


@SETTINGS
@given(yaml_bytes=corrupted(SEED_YAML))
def test_corrupted_curated_file_gives_a_clean_error(yaml_bytes: bytes, tmp_path: Path) -> None:
    (tmp_path / f"{SEED}.txt").write_bytes(SEED_TEXT)
    (tmp_path / f"{SEED}.yaml").write_bytes(yaml_bytes)
    loads_cleanly(lambda: load_document(PROJECT, VOCABULARY, SEED, folder=tmp_path))


@SETTINGS
@given(text=corrupted(SEED_TEXT))
def test_corrupted_document_text_gives_a_clean_error(text: bytes, tmp_path: Path) -> None:
    (tmp_path / f"{SEED}.txt").write_bytes(text)
    (tmp_path / f"{SEED}.yaml").write_bytes(SEED_YAML)
    loads_cleanly(lambda: load_document(PROJECT, VOCABULARY, SEED, folder=tmp_path))


@SETTINGS
@given(data=corrupted(ENTITIES))
def test_corrupted_entities_file_gives_a_clean_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "entities.yaml"
    path.write_bytes(data)
    loads_cleanly(lambda: load_entities(PROJECT, VOCABULARY, path))


@SETTINGS
@given(data=corrupted(TURTLE), suffix=st.sampled_from([".ttl", ".nt", ".jsonld", ".rdf", ".trig"]))
def test_corrupted_rdf_gives_a_clean_error(data: bytes, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"new{suffix}"
    path.write_bytes(data)
    loads_cleanly(lambda: read_new_data(PROJECT, [path], None))


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path):
    """hypothesis runs many examples in one tmp_path: start each test with it empty."""
    yield
    shutil.rmtree(tmp_path, ignore_errors=True)
