"""The fast validation engine (shacl-rust, SPARQL constraints in pyoxigraph) against the
reference (pySHACL), on the real data, injected violations and random mutations of a small
synthetic corpus (the shape cases are compared in test_shapes.py).

The two must give the same problems (severity, focus node, path, value, message), or each
difference must be one of DEVIATIONS below, where the reason is written down: pySHACL departs
from the SHACL standard in two places, and there the fast engine follows the standard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgbuild.graph.assemble import assemble
from kgbuild.namespaces import KG, RDF, XSD
from kgbuild.pipeline import BuildResult
from kgbuild.project import Project
from kgbuild.validation.engine import validate_quads
from kgbuild.validation.report import Problem
from tests.conftest import ROOT, committed

STRING_TYPES = {XSD + "string", RDF + "langString"}


@dataclass(frozen=True)
class Deviation:
    """A known difference between the engines, and why the fast engine's answer is kept."""

    name: str
    reason: str
    applies: Callable[[Problem, str, list[pyoxigraph.Quad]], bool]  # problem, side, data


def _order_properties() -> dict[str, str]:
    """Each sh:lessThan / sh:lessThanOrEquals of the shapes: path -> the compared property."""
    import rdflib

    shapes = rdflib.Graph().parse(ROOT / "shapes" / "kgbuild-shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return {
        str(shapes.value(node, sh.path)): str(other)
        for component in (sh.lessThan, sh.lessThanOrEquals)
        for node, other in shapes.subject_objects(component)
    }


ORDER = _order_properties()
_EMPTY = pyoxigraph.Store()


def comparable(a: pyoxigraph.Literal, b: pyoxigraph.Literal) -> bool:
    """Whether SPARQL's < compares the two literals (rather than raising a type error)."""
    rows = _EMPTY.query(f'SELECT (COALESCE({a} < {b}, "no") AS ?c) WHERE {{ }}')
    return next(iter(rows))["c"] != pyoxigraph.Literal("no")


def _values(quads: list[pyoxigraph.Quad], focus: str, prop: str) -> list[pyoxigraph.Literal]:
    return [
        q.object
        for q in quads
        if q.subject.value == focus
        and q.predicate.value == prop
        and isinstance(q.object, pyoxigraph.Literal)
    ]


def _incomparable_order(problem: Problem, side: str, quads: list[pyoxigraph.Quad]) -> bool:
    """Only the fast engine reports an sh:lessThan(OrEquals) result, for a value that cannot
    be compared with the other property's value."""
    if side != "fast" or problem.path not in ORDER:
        return False
    mine = [v for v in _values(quads, problem.focus, problem.path) if v.value == problem.value]
    others = _values(quads, problem.focus, ORDER[problem.path])
    return any(not comparable(a, b) for a in mine for b in others)


def _sparql_type_error(problem: Problem, side: str, quads: list[pyoxigraph.Quad]) -> bool:
    """Only pySHACL reports a SPARQL-based constraint's result whose value is, in the data, a
    string: comparing it with a number is a type error in SPARQL."""
    if side != "pyshacl" or problem.path is not None:
        return False
    return any(
        isinstance(q.object, pyoxigraph.Literal)
        and q.object.value == problem.value
        and (q.object.language or q.object.datatype.value in STRING_TYPES)
        for q in quads
    )


DEVIATIONS = [
    Deviation(
        "incomparable values in sh:lessThan / sh:lessThanOrEquals",
        "SHACL 1.0 §4.5.3-4: a value pair that SPARQL's < or <= cannot compare is a result; "
        "pySHACL reports none (or only some), the fast engine reports each (the standard).",
        _incomparable_order,
    ),
    Deviation(
        "a SPARQL comparison of a string with a number",
        "SPARQL 1.1 §17.3: '\"extra\" > 123' is a type error, so the FILTER rejects the row; "
        "rdflib evaluates it as true and pySHACL reports a result, pyoxigraph does not "
        "(the standard).",
        _sparql_type_error,
    ),
]


def unexplained(
    fast: list[Problem], plain: list[Problem], quads: list[pyoxigraph.Quad]
) -> list[str]:
    """The differences between the two reports that no Deviation explains."""
    fast_keys = {p.key: p for p in fast}
    plain_keys = {p.key: p for p in plain}
    out = []
    for side, only in (
        ("fast", [fast_keys[k] for k in sorted(fast_keys.keys() - plain_keys.keys())]),
        ("pyshacl", [plain_keys[k] for k in sorted(plain_keys.keys() - fast_keys.keys())]),
    ):
        for problem in only:
            if not any(d.applies(problem, side, quads) for d in DEVIATIONS):
                out.append(f"only {side}: {problem.key}")
    return out


def both(quads: list[pyoxigraph.Quad], project: Project) -> tuple[list[Problem], list[Problem]]:
    fast = validate_quads(quads, project, engine="fast").problems
    plain = validate_quads(quads, project, engine="pyshacl").problems
    return fast, plain


@pytest.mark.slow
def test_engines_agree_on_the_real_data(built: tuple[BuildResult, Path], project: Project) -> None:
    result, _ = built
    fast, plain = both(result.assembly.quads, project)
    assert [p.key for p in fast] == [p.key for p in plain]
    assert [p.key for p in result.report.problems] == [p.key for p in fast]
    assert len(plain) > 0  # the disagreements are warnings in both


# -- injected violations: one per kind, each on its own resource, all validated at once --------

Mutation = Callable[[pyoxigraph.Quad], list[pyoxigraph.Quad]]


def _lit(value: str, datatype: str | None = None) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(datatype) if datatype else None)


def _with_object(q: pyoxigraph.Quad, o: object) -> pyoxigraph.Quad:
    return pyoxigraph.Quad(q.subject, q.predicate, o, q.graph_name)


OPERATORS: dict[str, Mutation] = {
    "drop": lambda q: [],
    "plain string": lambda q: [_with_object(q, _lit("extra"))],
    "integer": lambda q: [_with_object(q, _lit("123", XSD + "integer"))],
    "negative": lambda q: [_with_object(q, _lit("-1", XSD + "integer"))],
    "impossible date": lambda q: [_with_object(q, _lit("2023-02-30", XSD + "date"))],
    "early date": lambda q: [_with_object(q, _lit("1900-01-01", XSD + "date"))],
    "iri as text": lambda q: [_with_object(q, _lit(str(q.object.value)))],
    "language tag": lambda q: [_with_object(q, pyoxigraph.Literal("x", language="en"))],
    "empty": lambda q: [_with_object(q, _lit(""))],
    "foreign iri": lambda q: [_with_object(q, pyoxigraph.NamedNode(KG + "Nothing"))],
    "second value": lambda q: [q, _with_object(q, pyoxigraph.NamedNode(KG + "Other"))],
    "second literal": lambda q: [q, _with_object(q, _lit("2", XSD + "integer"))],
}

# (property, operator): each applied to the first resource that has the property.
INJECTED = [
    (KG + "place", "drop"),
    (KG + "place", "foreign iri"),
    (KG + "place", "second value"),
    (KG + "date", "plain string"),
    (KG + "date", "impossible date"),
    (KG + "date", "early date"),
    (KG + "modality", "foreign iri"),
    (KG + "modality", "iri as text"),
    (KG + "measure", "drop"),
    (KG + "qualifier", "foreign iri"),
    (KG + "value", "plain string"),
    (KG + "value", "negative"),
    (KG + "value", "second literal"),
    (KG + "lowerBound", "plain string"),
    (KG + "lowerBound", "integer"),
    (KG + "upperBound", "negative"),
    (KG + "statedAs", "language tag"),
    (KG + "statedAs", "empty"),
    (KG + "speaker", "iri as text"),
    (KG + "quotation", "drop"),
    (KG + "member", "foreign iri"),
    (KG + "role", "foreign iri"),
    (KG + "positionTitle", "integer"),
    (KG + "evidence", "drop"),
    (KG + "evidence", "iri as text"),
    ("http://www.w3.org/ns/oa#start", "negative"),
    ("http://www.w3.org/ns/oa#end", "plain string"),
    ("http://www.w3.org/ns/oa#exact", "language tag"),
    ("http://www.w3.org/ns/oa#hasSource", "foreign iri"),
    ("http://schema.org/datePublished", "plain string"),
    ("http://schema.org/inLanguage", "integer"),
    ("http://www.w3.org/2000/01/rdf-schema#label", "drop"),
    (RDF + "type", "foreign iri"),
]


def inject(
    quads: list[pyoxigraph.Quad], mutations: list[tuple[str, str]], data_graphs: set[str]
) -> list[pyoxigraph.Quad]:
    """Apply each (property, operator) to the first quad with that property in a data graph
    whose subject no earlier mutation touched."""
    out = list(quads)
    used: set[str] = set()
    for prop, operator in mutations:
        for i, q in enumerate(out):
            if (
                q.predicate.value == prop
                and q.graph_name.value in data_graphs
                and q.subject.value not in used
            ):
                used.add(q.subject.value)
                out[i : i + 1] = OPERATORS[operator](q)
                break
    return out


def _data_graphs(quads: list[pyoxigraph.Quad], project: Project) -> set[str]:
    schema = {project.graph_iri("ontology"), project.graph_iri("vocabularies")}
    return {q.graph_name.value for q in quads} - schema


@pytest.mark.slow
def test_engines_agree_on_injected_violations(
    built: tuple[BuildResult, Path], project: Project
) -> None:
    result, _ = built
    quads = result.assembly.quads
    mutated = inject(quads, INJECTED, _data_graphs(quads, project))
    fast, plain = both(mutated, project)
    assert sum(p.severity == "Violation" for p in plain) >= len(INJECTED) - 5
    assert not unexplained(fast, plain, mutated), "\n".join(unexplained(fast, plain, mutated))


# -- random mutations of a small synthetic corpus ---------------------------------------------


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list]:
    from corpus import generate

    folder = generate(
        Project.at(committed()), tmp_path_factory.mktemp("engines") / "corpus", 3, seed=7
    )
    project = Project.at(folder)
    return project, assemble(project).quads


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_engines_agree_on_random_mutations_of_a_small_corpus(
    small_corpus: tuple[Project, list], data: st.DataObject
) -> None:
    project, quads = small_corpus
    graphs = _data_graphs(quads, project)
    candidates = [i for i, q in enumerate(quads) if q.graph_name.value in graphs]
    picks = data.draw(
        st.lists(
            st.tuples(st.sampled_from(candidates), st.sampled_from(sorted(OPERATORS))),
            min_size=1,
            max_size=4,
            unique_by=lambda t: t[0],
        )
    )
    mutated = list(quads)
    for index, operator in sorted(picks, reverse=True):
        mutated[index : index + 1] = OPERATORS[operator](quads[index])
    fast, plain = both(mutated, project)
    assert not unexplained(fast, plain, mutated), "\n".join(unexplained(fast, plain, mutated))


def test_every_listed_difference_names_the_rule_the_fast_engine_follows() -> None:
    assert all("SHACL 1.0" in d.reason or "SPARQL 1.1" in d.reason for d in DEVIATIONS)


def test_fast_engine_reports_an_incomparable_lower_bound(project: Project) -> None:
    """SHACL 1.0 4.5.4: a lower bound that cannot be compared with the upper bound is a
    result, also when it fails sh:datatype too (shacl-rust alone gives none then)."""
    from kgbuild.validation.newdata import schema_quads

    case = ROOT / "tests" / "shapes" / "ReportedQuantityShape.ok-lower-bound.ttl"
    graph = pyoxigraph.NamedNode(project.graph_iri("case"))
    data = [
        pyoxigraph.Quad(q.subject, q.predicate, q.object, graph)
        for q in pyoxigraph.parse(path=str(case), format=pyoxigraph.RdfFormat.TURTLE)
    ]
    node = next(q.subject for q in data if q.predicate.value == KG + "lowerBound")
    data = [q for q in data if not (q.subject == node and q.predicate.value == KG + "lowerBound")]
    data.append(pyoxigraph.Quad(node, pyoxigraph.NamedNode(KG + "lowerBound"), _lit("many"), graph))
    data.append(
        pyoxigraph.Quad(
            node, pyoxigraph.NamedNode(KG + "upperBound"), _lit("9", XSD + "decimal"), graph
        )
    )
    problems = validate_quads(schema_quads(project) + data, project).problems
    found = {(p.path, p.value) for p in problems if p.focus == node.value}
    assert (KG + "lowerBound", "many") in found
