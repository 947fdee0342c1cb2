"""Data-driven tests of the SHACL shapes in shapes/kgbuild-shapes.ttl (in the style of pySHACL's).

Every file tests/shapes/<ShapeLocalName>.<case-name>.ttl is one case for the node shape
kgsh:<ShapeLocalName>. Its leading comment lines say what validating it must give:

    # expect: conforms
        nothing at all: no result for kgsh:<ShapeLocalName> and, since every case is complete
        data, no result from any other shape either;
    # expect: violation <path>   /   # expect: warning <path>
        at least one result of that severity whose source shape is kgsh:<ShapeLocalName> or one
        of its property shapes, with sh:resultPath <path>: a compact IRI (kg:place), an inverse
        path (^kg:quantity) or - when the result has no path (SPARQL constraints, sh:or of a
        node shape). Several such lines may be given; the report must hold nothing else, so a
        case fails only for the reasons it names.

The data graph of a case is the case file plus ontology/vocabularies.ttl (the SKOS concepts);
ontology/kgbuild.ttl is passed as pyshacl's ont_graph so that sh:class follows rdfs:subClassOf.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, RDFS, SH, Graph, Namespace, URIRef
from rdflib.term import Node

from tests.conftest import committed_copy

REPO = Path(__file__).resolve().parent.parent
CASES_DIR = REPO / "tests" / "shapes"
CASES = sorted(CASES_DIR.glob("*.ttl"))
SHAPES_FILE = REPO / "shapes" / "kgbuild-shapes.ttl"
ONTOLOGY_FILE = REPO / "ontology" / "kgbuild.ttl"
VOCABULARIES_FILE = REPO / "ontology" / "vocabularies.ttl"

KGSH = Namespace("https://w3id.org/kgbuild/shapes#")

# Prefixes the "# expect:" lines may use (fixed here, whatever a case file declares).
PREFIXES = {
    "kg": "https://w3id.org/kgbuild/ontology#",
    "kgsh": str(KGSH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "id": "https://w3id.org/kgbuild/id/",
}
NO_PATH = "-"
CONFORMS = "conforms"
SEVERITIES = {"violation": "Violation", "warning": "Warning"}
EXPECT_LINE = re.compile(r"^#\s*expect\b")
EXPECT = re.compile(r"^#\s*expect:\s*(?P<kind>\S+)(?:\s+(?P<path>\S+))?\s*$")


@dataclass(frozen=True)
class Expectation:
    """One "# expect:" line other than "conforms": a severity and a result path."""

    severity: str  # "Violation" or "Warning"
    path: str  # an IRI, "^" + IRI for an inverse path, or NO_PATH


@dataclass(frozen=True)
class Case:
    path: Path
    shape: URIRef
    conforms: bool
    expectations: tuple[Expectation, ...]


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult, reduced to what the cases assert on."""

    severity: str
    node_shape: Node  # the node shape the source shape belongs to
    path: str  # as in Expectation
    focus: Node
    component: str
    message: str


def compact(iri: str) -> str:
    """An IRI as prefix:local where a PREFIXES entry fits (for messages)."""
    inverse = iri.startswith("^")
    plain = iri[1:] if inverse else iri
    for prefix, namespace in PREFIXES.items():
        if plain.startswith(namespace) and prefix != "id":
            plain = f"{prefix}:{plain[len(namespace) :]}"
            break
    else:
        if plain.startswith(PREFIXES["id"]):
            plain = f"id:{plain[len(PREFIXES['id']) :]}"
    return f"^{plain}" if inverse else plain


def expand_path(text: str, case: Path) -> str:
    """A path of an "# expect:" line ("kg:place", "^kg:quantity", "-") in Expectation form."""
    if text == NO_PATH:
        return NO_PATH
    inverse = text.startswith("^")
    curie = text[1:] if inverse else text
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        raise ValueError(
            f"{case.name}: unknown prefix in path {text!r} (known: {sorted(PREFIXES)})"
        )
    iri = PREFIXES[prefix] + local
    return f"^{iri}" if inverse else iri


def parse_case(path: Path) -> Case:
    """Read the case's shape from its file name and its expectations from its header."""
    shape_name, sep, case_name = path.stem.partition(".")
    if not sep or not case_name:
        raise ValueError(f"{path.name}: name it <ShapeLocalName>.<case-name>.ttl")
    conforms = False
    expectations: list[Expectation] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break  # the header ends at the first line of data
        if not EXPECT_LINE.match(line):
            continue
        match = EXPECT.match(line)
        if match is None:
            raise ValueError(f"{path.name}: malformed expectation {line!r}")
        kind, path_text = match["kind"], match["path"]
        if kind == CONFORMS and path_text is None:
            conforms = True
        elif kind in SEVERITIES and path_text is not None:
            expectations.append(Expectation(SEVERITIES[kind], expand_path(path_text, path)))
        else:
            raise ValueError(
                f"{path.name}: malformed expectation {line!r}; use '# expect: conforms', "
                "'# expect: violation <path-or->' or '# expect: warning <path-or->'"
            )
    if conforms == bool(expectations):
        raise ValueError(
            f"{path.name}: give either '# expect: conforms' or one or more "
            "'# expect: violation|warning <path>' lines"
        )
    return Case(path, KGSH[shape_name], conforms, tuple(expectations))


def result_path(report: Graph, result: Node) -> str:
    """The sh:resultPath of a result in Expectation form."""
    path = report.value(result, SH.resultPath)
    if path is None:
        return NO_PATH
    if isinstance(path, URIRef):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return f"^{inverse}"
    return f"<complex path {path.n3()}>"


def node_shape_of(shapes: Graph, source_shape: Node) -> Node:
    """The node shape a result's source shape belongs to (itself if it is a node shape)."""
    owner = shapes.value(None, SH.property, source_shape)
    return source_shape if owner is None else owner


def collect_results(report: Graph, shapes: Graph) -> list[Result]:
    """The top-level results of the report (not the sh:detail results nested in them)."""
    results = []
    for result in report.objects(None, SH.result):
        severity = report.value(result, SH.resultSeverity)
        component = report.value(result, SH.sourceConstraintComponent)
        results.append(
            Result(
                severity=str(severity).rsplit("#", 1)[-1],
                node_shape=node_shape_of(shapes, report.value(result, SH.sourceShape)),
                path=result_path(report, result),
                focus=report.value(result, SH.focusNode),
                component=str(component).rsplit("#", 1)[-1],
                message="; ".join(sorted(str(m) for m in report.objects(result, SH.resultMessage))),
            )
        )
    return sorted(results, key=describe)


def describe(result: Result) -> str:
    shape = result.node_shape
    shape_text = compact(str(shape)) if isinstance(shape, URIRef) else shape.n3()
    focus = compact(str(result.focus)) if isinstance(result.focus, URIRef) else str(result.focus)
    path = result.path if result.path == NO_PATH else compact(result.path)
    return (
        f"{result.severity} {shape_text} path={path} focus={focus} "
        f"({result.component}): {result.message}"
    )


def report_text(results: list[Result]) -> str:
    if not results:
        return "the report holds no result"
    return "the report holds:\n" + "\n".join(f"  - {describe(r)}" for r in results)


def matches(result: Result, shape: URIRef, expectation: Expectation) -> bool:
    return (
        result.node_shape == shape
        and result.severity == expectation.severity
        and result.path == expectation.path
    )


def target_instances(shapes: Graph, ontology: Graph, data: Graph, shape: URIRef) -> set[Node]:
    """The focus nodes sh:targetClass gives the shape in data (subclasses via the ontology)."""
    classes: set[Node] = set()
    for target in shapes.objects(shape, SH.targetClass):
        classes |= set(ontology.transitive_subjects(RDFS.subClassOf, target))
        classes.add(target)
    return {node for cls in classes for node in data.subjects(RDF.type, cls)}


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def vocabularies_graph() -> Graph:
    return Graph().parse(VOCABULARIES_FILE, format="turtle")


def test_there_are_cases() -> None:
    assert CASES, f"no case files (*.ttl) in {CASES_DIR}"


@pytest.mark.parametrize("case_file", CASES, ids=[p.stem for p in CASES])
def test_shape_case(
    case_file: Path, shapes_graph: Graph, ontology_graph: Graph, vocabularies_graph: Graph
) -> None:
    case = parse_case(case_file)
    shape_text = compact(str(case.shape))
    assert (case.shape, SH.targetClass, None) in shapes_graph, (
        f"{case_file.name} is named after {shape_text}, which is no node shape with a "
        f"sh:targetClass in {SHAPES_FILE.name}"
    )

    case_data = Graph().parse(case_file, format="turtle")
    assert target_instances(shapes_graph, ontology_graph, case_data, case.shape), (
        f"{case_file.name} holds no focus node of {shape_text}: it tests nothing"
    )
    data = Graph()
    data += vocabularies_graph
    data += case_data
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology_graph,
        inference="none",
        allow_warnings=True,
    )
    results = collect_results(report, shapes_graph)

    if case.conforms:
        own = [r for r in results if r.node_shape == case.shape]
        assert not own, f"{case_file.name} should conform to {shape_text}, but " + report_text(
            results
        )
        assert not results, (
            f"{case_file.name} conforms to {shape_text} but is not complete data: "
            + report_text(results)
        )
        return

    missing = [e for e in case.expectations if not any(matches(r, case.shape, e) for r in results)]
    assert not missing, (
        f"{case_file.name}: expected "
        + ", ".join(
            f"a {e.severity} of {shape_text} at path "
            f"{e.path if e.path == NO_PATH else compact(e.path)}"
            for e in missing
        )
        + ", but "
        + report_text(results)
    )
    unexpected = [
        r for r in results if not any(matches(r, case.shape, e) for e in case.expectations)
    ]
    assert not unexpected, (
        f"{case_file.name} must fail only for the reasons its header names; unexpected:\n"
        + "\n".join(f"  - {describe(r)}" for r in unexpected)
    )


def test_every_targeted_shape_has_cases(shapes_graph: Graph) -> None:
    kinds: dict[URIRef, set[str]] = defaultdict(set)
    for case_file in CASES:
        case = parse_case(case_file)
        kinds[case.shape].add(CONFORMS if case.conforms else "fails")
    targeted = sorted({s for s in shapes_graph.subjects(SH.targetClass, None)}, key=str)
    assert targeted, f"no node shape with sh:targetClass in {SHAPES_FILE.name}"
    missing = [
        f"{compact(str(shape))}: no {what} case"
        for shape in targeted
        for kind, what in ((CONFORMS, "conforming"), ("fails", "violation or warning"))
        if kind not in kinds[shape]
    ]
    assert not missing, "shapes without test cases in tests/shapes/:\n" + "\n".join(missing)


def shacl_shacl_graph() -> Graph:
    """The SHACL-for-SHACL shapes (https://www.w3.org/TR/shacl/#shacl-shacl) pySHACL ships."""
    asset = resources.files("pyshacl") / "assets" / "shacl-shacl.ttl"
    return Graph().parse(data=asset.read_text(encoding="utf-8"), format="turtle")


def test_shapes_graph_is_valid_shacl(shapes_graph: Graph) -> None:
    conforms, _, text = pyshacl.validate(
        shapes_graph, shacl_graph=shacl_shacl_graph(), inference="none"
    )
    assert conforms, f"{SHAPES_FILE.name} is not valid SHACL:\n{text}"


@pytest.fixture(scope="module")
def schema_quads() -> list:
    from kgbuild.project import Project
    from kgbuild.validation.newdata import schema_quads as read_schema

    return read_schema(Project.at(REPO))


@pytest.mark.parametrize("case_file", CASES, ids=[p.stem for p in CASES])
def test_fast_validator_gives_pyshacls_results_on_shape_case(
    case_file: Path, schema_quads: list
) -> None:
    """The build's validator (core constraints one node at a time, SPARQL constraints as one
    pyoxigraph query) finds exactly what pySHACL finds in one pass, on every shape case."""
    import pyoxigraph

    from kgbuild.project import Project
    from kgbuild.validation.engine import validate_quads

    project = Project.at(REPO)
    graph = pyoxigraph.NamedNode(project.graph_iri("case"))
    data = [
        pyoxigraph.Quad(q.subject, q.predicate, q.object, graph)
        for q in pyoxigraph.parse(path=str(case_file), format=pyoxigraph.RdfFormat.TURTLE)
    ]
    quads = schema_quads + data
    fast = {p.key for p in validate_quads(quads, project, engine="fast").problems}
    plain = {p.key for p in validate_quads(quads, project, engine="pyshacl").problems}
    assert fast == plain, f"only fast: {fast - plain}\nonly pySHACL: {plain - fast}"


def test_fast_validator_refuses_paths_longer_than_one_step(tmp_path: Path) -> None:
    """The fast validator looks one step around each node: a longer path is refused."""

    from kgbuild.errors import InputError
    from kgbuild.project import Project
    from kgbuild.validation.engine import validate_quads
    from kgbuild.validation.newdata import schema_quads as read_schema

    committed_copy(tmp_path)
    shapes = tmp_path / "shapes" / "kgbuild-shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\nkgsh:LongPath a sh:NodeShape ; sh:targetClass kg:Event ;\n"
        "    sh:property [ sh:path ( kg:place kg:partOf ) ; sh:maxCount 5 ] .\n",
        encoding="utf-8",
    )
    project = Project.at(tmp_path)
    with pytest.raises(InputError, match="longer than one step"):
        validate_quads(read_schema(project), project, engine="fast")
