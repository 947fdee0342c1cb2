"""Issue 10: the data says no more than the texts, and disagreements say what kind they are.

Each test reads the built dataset (the session's ``built`` / ``sparql`` fixtures of conftest.py)
or runs the shapes and saved questions on small data, and is named after the fact it checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib

from kgbuild.project import Project
from kgbuild.query import run_query, saved_queries
from kgbuild.validate import load_shapes, split_sparql_constraints
from tests.conftest import ROOT

ID = "https://w3id.org/kgbuild/id/"
VOCAB = "https://w3id.org/kgbuild/vocab/"
KG = "https://w3id.org/kgbuild/ontology#"
KGSH = "https://w3id.org/kgbuild/shapes#"
DOC0, DOC1, DOC2, DOC3 = (
    "000_465a521d4ac3798f",
    "001_a3f3df6d3b25658d",
    "002_c50662480cc5ac51",
    "003_ba60645de3d84279",
)
KINDS = {
    "Incompatible figures": "incompatible",
    "Compatible but different": "compatible but different",
}


def saved_query(name: str) -> str:
    return next(q for q in saved_queries(ROOT / "queries") if q.name == name).text


def kind_of(message: str) -> str:
    """The kind of disagreement a DisagreementShape warning's message names."""
    return next(kind for prefix, kind in KINDS.items() if message.startswith(prefix))


# --- 2. disagreements say what kind they are ---------------------------------------------------

DISAGREEMENT_CASES = sorted((ROOT / "tests" / "shapes").glob("DisagreementShape.*.ttl"))


def header_kinds(case: Path) -> set[str]:
    """The kinds a case's '# kind:' header lines name (none for a conforming case)."""
    kinds = set()
    for line in case.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*kind:\s*(.+?)\s*$", line)
        if match:
            kinds.add(match.group(1))
    return kinds


@pytest.mark.parametrize("case", DISAGREEMENT_CASES, ids=[c.stem for c in DISAGREEMENT_CASES])
def test_disagreement_warnings_name_their_kind_in_pyshacl_and_in_the_build(
    case: Path, project: Project
) -> None:
    """Every shape case's warnings carry the kind its header names, and the build's fast path
    (each SPARQL constraint as one pyoxigraph query) gives exactly what pySHACL gives."""
    vocabularies = ROOT / "ontology" / "vocabularies.ttl"
    data = rdflib.Graph().parse(vocabularies).parse(case)
    shapes = load_shapes(project)
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=rdflib.Graph().parse(ROOT / "ontology" / "kgbuild.ttl"),
        inference="none",
        allow_warnings=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    plain = {
        (str(report.value(r, sh.focusNode)), str(report.value(r, sh.value)), str(message))
        for r in report.objects(None, sh.result)
        if str(report.value(r, sh.sourceShape)) == KGSH + "DisagreementShape"
        for message in report.objects(r, sh.resultMessage)
    }
    store = pyoxigraph.Store()
    for path in (vocabularies, case):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    _, checks = split_sparql_constraints(shapes)
    fast = {
        (row["this"].value, row["value"].value, check.message)
        for check in checks
        if check.shape == KGSH + "DisagreementShape"
        for row in store.query(check.query())
    }
    assert fast == plain
    assert {kind_of(message) for _, _, message in plain} == header_kinds(case)
    if header_kinds(case):  # both quantities of the pair are warned about
        assert {(focus, value) for focus, value, _ in plain} == {
            (value, focus) for focus, value, _ in plain
        }


def pair_dataset(a: tuple[str, dict[str, int]], b: tuple[str, dict[str, int]]) -> pyoxigraph.Store:
    """Two sources' figures for one measure of one event, each in its source's graph, and the
    vocabularies in their own graph: the layout of the build's store."""
    store = pyoxigraph.Store()
    store.load(
        path=str(ROOT / "ontology" / "vocabularies.ttl"),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=pyoxigraph.NamedNode(ID + "graph/vocabularies"),
    )
    event = pyoxigraph.NamedNode(ID + "event/e")
    for doc, (qualifier, numbers) in (("a", a), ("b", b)):
        graph = pyoxigraph.NamedNode(ID + "graph/" + doc)
        source = pyoxigraph.NamedNode(ID + "source/" + doc)
        q = pyoxigraph.NamedNode(f"{ID}quantity/{doc}/e/detained")

        def add(s: pyoxigraph.NamedNode, p: str, o: object, graph=graph) -> None:  # type: ignore[no-untyped-def]
            store.add(pyoxigraph.Quad(s, pyoxigraph.NamedNode(p), o, graph))

        add(event, KG + "quantity", q)
        add(
            q,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            pyoxigraph.NamedNode(KG + "ReportedQuantity"),
        )
        add(q, KG + "measure", pyoxigraph.NamedNode(VOCAB + "measure/detained"))
        add(q, KG + "qualifier", pyoxigraph.NamedNode(VOCAB + "qualifier/" + qualifier))
        add(q, "http://www.w3.org/ns/prov#wasDerivedFrom", source)
        add(q, KG + "statedAs", pyoxigraph.Literal(f"{qualifier} {numbers}", language="en"))
        for key, value in numbers.items():
            add(
                q,
                KG + key,
                pyoxigraph.Literal(
                    str(value),
                    datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"),
                ),
            )
        add(source, KG + "fileName", pyoxigraph.Literal(doc + ".txt"))
    return store


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        (("exact", {"value": 5}), ("exact", {"value": 9}), "incompatible"),
        (("at-least", {"lowerBound": 3}), ("exact", {"value": 3}), "compatible but different"),
        (
            ("more-than", {"lowerBound": 1500}),
            ("more-than", {"lowerBound": 1600}),
            "compatible but different",
        ),
        (
            ("approximately", {"value": 4500}),
            ("nearly", {"upperBound": 5000}),
            "compatible but different",
        ),
        (
            ("approximately", {"value": 4500}),
            ("exact", {"value": 4950}),
            "compatible but different",
        ),
        (("approximately", {"value": 4500}), ("exact", {"value": 5000}), "incompatible"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 4500}), "compatible but different"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 4499}), "incompatible"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 5000}), "incompatible"),
        (("more-than", {"lowerBound": 1500}), ("exact", {"value": 1500}), "incompatible"),
        (
            ("at-least", {"lowerBound": 1500}),
            ("exact", {"value": 1500}),
            "compatible but different",
        ),
        (("exact", {"value": 5}), ("exact", {"value": 5}), None),
        (("nearly", {"upperBound": 5000}), ("nearly", {"upperBound": 5000}), None),
        (("hundreds", {}), ("exact", {"value": 305}), None),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_figures_are_compared_as_intervals_by_the_qualifier_rules(
    a: tuple[str, dict[str, int]], b: tuple[str, dict[str, int]], kind: str | None, project: Project
) -> None:
    """The tolerance: approximately ±10 %, nearly [0.9·v, v), more than (v, ∞), at least
    [v, ∞); the saved question and the SHACL warning agree on the kind."""
    store = pair_dataset(a, b)
    rows = run_query(store, saved_query("disagreements"), base=ID).records()
    assert [r["kind"] for r in rows] == ([kind] if kind else [])
    _, checks = split_sparql_constraints(load_shapes(project))
    warned = {
        kind_of(check.message)
        for check in checks
        if check.shape == KGSH + "DisagreementShape"
        for _ in store.query(check.query(), use_default_graph_as_union=True)
    }
    assert warned == ({kind} if kind else set())
