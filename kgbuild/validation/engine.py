"""The validation engine: SHACL core constraints in shacl-rust (a SHACL engine written in
Rust), each SPARQL-based constraint as one pyoxigraph query over everything, and pySHACL as the
reference engine; results become report.Problem objects mapped back to the curated files."""

from __future__ import annotations

import dataclasses
import enum
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph

from kgbuild.errors import InputError, Location
from kgbuild.namespaces import RDF, RDFS, SH, SKOS
from kgbuild.project import Project
from kgbuild.sources.safety import syntax_error
from kgbuild.validation.reference import ntriples, pyshacl_problems
from kgbuild.validation.report import Problem, ValidationReport, sort_problems, value_text


def load_shapes(project: Project) -> Any:
    """The shapes graph (rdflib), parsed from shapes/*.ttl."""
    import rdflib

    shapes = rdflib.Graph()
    files = sorted(project.shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError(project.shapes_dir, "no shapes (*.ttl) found")
    for path in files:
        try:  # pyoxigraph first: its syntax errors give the line and column
            list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
        except SyntaxError as exc:
            raise syntax_error(path, exc) from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror}") from None
        try:
            shapes.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several types for bad Turtle
            raise InputError(path, f"cannot parse the shapes: {exc}") from None
    return shapes


@dataclass(frozen=True)
class SparqlCheck:
    """One sh:SPARQLConstraint of a node shape, to run as a single query over the whole data."""

    shape: str
    targets: tuple[str, ...]
    select: str
    prefixes: str
    message: str
    severity: str
    path: str | None = None  # the result path (order checks: the property shape's path)

    def query(self, focus: Iterable[str] = ()) -> str:
        """The constraint's SELECT joined with the shape's targets, for every focus node at once.

        The SHACL-SPARQL semantics (pre-bound $this) is kept by running the constraint's own
        SELECT as a sub-query and joining it with the target nodes on ?this. With ``focus``
        IRIs, $this is bound to those nodes inside the sub-query, so that only they are checked.
        """
        inner = self.select.replace("$this", "?this")
        values = " ".join(f"<{node}>" for node in sorted(focus))
        if values:
            inner = re.sub(
                r"\bWHERE\s*\{",
                lambda m: f"{m.group(0)} VALUES ?this {{ {values} }}",
                inner,
                count=1,
                flags=re.IGNORECASE,
            )
        targets = " UNION ".join(
            f"{{ ?this rdf:type/rdfs:subClassOf* <{t}> }}" for t in self.targets
        )
        return (
            f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n{self.prefixes}"
            f"SELECT DISTINCT ?this ?value WHERE {{ {{ {inner} }} {targets} }}"
        )


def split_sparql_constraints(shapes: Any) -> tuple[Any, list[SparqlCheck]]:
    """A copy of the shapes without sh:sparql, and the SPARQL constraints taken out of them.

    pySHACL evaluates a SPARQL constraint once per focus node through rdflib's engine (slow:
    8-9 ms per node, measured on this project's data); the same constraint as one query in
    pyoxigraph is fast.
    Only sh:select constraints of shapes with sh:targetClass and no other pre-bound variable
    than $this are taken out; anything else stays with pySHACL.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    core = rdflib.Graph()
    for triple in shapes:
        core.add(triple)
    checks = []
    for shape, constraint in sorted(shapes.subject_objects(sh.sparql)):
        select = shapes.value(constraint, sh.select)
        targets = tuple(sorted(str(t) for t in shapes.objects(shape, sh.targetClass)))
        if (
            select is None
            or not targets
            or any(var in str(select) for var in ("$currentShape", "$shapesGraph", "$value"))
        ):
            continue
        declared = ""
        for source in shapes.objects(constraint, sh.prefixes):
            for decl in shapes.objects(source, sh.declare):
                prefix = shapes.value(decl, sh.prefix)
                namespace = shapes.value(decl, sh.namespace)
                declared += f"PREFIX {prefix}: <{namespace}>\n"
        message = shapes.value(constraint, sh.message) or shapes.value(shape, sh.message)
        severity = shapes.value(shape, sh.severity) or sh.Violation
        checks.append(
            SparqlCheck(
                shape=str(shape),
                targets=targets,
                select=str(select),
                prefixes=declared,
                message=str(message or "SPARQL constraint not met"),
                severity=str(severity).rsplit("#", 1)[-1],
            )
        )
        core.remove((shape, sh.sparql, constraint))
    return core, checks


class Engine(enum.StrEnum):
    """Which SHACL engine validates: ``FAST`` (shacl-rust for the core constraints, each
    SPARQL-based constraint as one pyoxigraph query) or ``PYSHACL``, the slow reference."""

    FAST = "fast"
    PYSHACL = "pyshacl"

    @classmethod
    def of(cls, name: str, project: Project) -> Engine:
        """The engine named ``name``; InputError for an unknown name."""
        try:
            return cls(name)
        except ValueError:
            raise InputError(
                project.shapes_dir,
                f"unknown validation engine {name!r}",
                hint="use " + " or ".join(e.value for e in cls),
            ) from None

    @property
    def revalidates(self) -> bool:
        """Whether a build may validate only around what changed (the reference engine always
        validates everything)."""
        return self is Engine.FAST


ENGINES = tuple(e.value for e in Engine)


ORDER_OPERATORS = {SH + "lessThan": "<", SH + "lessThanOrEquals": "<="}


def order_checks(shapes: Any) -> list[SparqlCheck]:
    """sh:lessThan and sh:lessThanOrEquals for the value pairs that cannot be compared.

    SHACL 1.0 (4.5.3, 4.5.4) requires a result for each pair of values that SPARQL's < or <=
    cannot compare (a string where a number is due, say). shacl-rust reports none when the
    same value also fails sh:datatype, and pySHACL none at all; these queries, run in
    pyoxigraph like the SPARQL-based constraints, give those results, so that the fast engine
    follows the standard (results it finds itself as well are the same problems, reported
    once). Only property shapes with a one-property path, of node shapes with sh:targetClass.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    checks = []
    for component, operator in sorted(ORDER_OPERATORS.items()):
        for prop_shape, other in sorted(shapes.subject_objects(rdflib.URIRef(component))):
            path = shapes.value(prop_shape, sh.path)
            owner = shapes.value(None, sh.property, prop_shape)
            targets = tuple(sorted(str(t) for t in shapes.objects(owner, sh.targetClass)))
            if not isinstance(path, rdflib.URIRef) or not targets:
                continue
            message = shapes.value(prop_shape, sh.message)
            severity = shapes.value(prop_shape, sh.severity) or sh.Violation
            select = (
                f"SELECT $this ?value WHERE {{ $this <{path}> ?value . $this <{other}> ?other . "
                f'FILTER (COALESCE(?value {operator} ?other, "incomparable") = "incomparable") }}'
            )
            checks.append(
                SparqlCheck(
                    shape=str(owner) if isinstance(owner, rdflib.URIRef) else "",
                    targets=targets,
                    select=select,
                    prefixes="",
                    message=str(message or "values cannot be compared"),
                    severity=str(severity).rsplit("#", 1)[-1],
                    path=str(path),
                )
            )
    return checks


def validate_quads(
    quads: list[pyoxigraph.Quad],
    project: Project,
    locations: dict[str, Location] | None = None,
    *,
    engine: str | Engine = Engine.FAST,
    store: pyoxigraph.Store | None = None,
    focus: set[str] | None = None,
    data_nquads: bytes | None = None,
) -> ValidationReport:
    """Validate the union of all graphs against the shapes, with the ontology for classes.

    ``Engine.FAST``: the core constraints run in shacl-rust (a SHACL engine written in Rust,
    see core_problems) over the union of ``quads`` (or of ``data_nquads``, the same data as
    N-Quads, when the caller has it: nothing is then converted in Python); each SPARQL-based
    constraint runs once as a single query in pyoxigraph (over ``store`` when given: its
    default graph must hold the merged data, as the build's store does).
    ``Engine.PYSHACL``: everything in one pySHACL run over ``quads`` (parsed from
    ``data_nquads`` when empty), the reference the fast engine is compared with in the tests
    (docs/building.md, "Validation engines", says where they differ).
    ``focus``: report only the problems of these resources, as `kgbuild validate` does for
    new data (the data must then hold everything the shapes look at around them).
    """
    engine = Engine.of(engine, project)
    if engine is Engine.FAST:
        if data_nquads is None:
            data_nquads = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS)
        return _fast(data_nquads, project, locations or {}, store, focus)[0]
    if not quads and data_nquads is not None:
        quads = list(pyoxigraph.parse(data_nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    ontology_graph = f"<{project.graph_iri('ontology')}>"
    ontology_quads = [q for q in quads if str(q.graph_name) == ontology_graph]
    data_quads = [q for q in quads if str(q.graph_name) != ontology_graph]
    rows = pyshacl_problems(
        ntriples(data_quads),
        load_shapes(project).serialize(format="turtle"),
        ntriples(ontology_quads),
        None if focus is None else sorted(focus),
    )
    return _report(rows, locations or {}, project)


def _report(rows: list[Problem], where: dict[str, Location], project: Project) -> ValidationReport:
    problems = sort_problems({dataclasses.replace(p, where=where.get(p.focus)) for p in rows})
    return ValidationReport(problems=problems, base=project.base)


def validate_dataset(
    engine: str | Engine,
    project: Project,
    data_nquads: bytes,
    locations: dict[str, Location],
    make_store: Callable[[], pyoxigraph.Store],
) -> tuple[ValidationReport, pyoxigraph.Store]:
    """The build's validation of the whole dataset (``data_nquads``, every named graph), with
    ``make_store`` building the store the build keeps (its default graph: the merged data).
    Returns the report and the store.

    The fast engine checks the core constraints first, then makes the store and runs the
    SPARQL-based constraints in it; pySHACL gets the store made first and checks everything.
    """
    if Engine.of(engine, project) is Engine.PYSHACL:
        store = make_store()
        report = validate_quads(
            [], project, locations, engine=engine, store=store, data_nquads=data_nquads
        )
        return report, store
    return _fast(data_nquads, project, locations, make_store)


def _fast(
    data_nquads: bytes,
    project: Project,
    locations: dict[str, Location],
    store: pyoxigraph.Store | Callable[[], pyoxigraph.Store] | None,
    focus: set[str] | None = None,
) -> tuple[ValidationReport, pyoxigraph.Store]:
    """The fast engine: the core constraints in shacl-rust over ``data_nquads``, then the
    SPARQL-based ones in ``store`` (its default graph the merged data; a function: made after
    the core constraints; None: the union of ``data_nquads``' graphs, loaded here).

    One after the other, not side by side: shacl-rust and pyoxigraph's bulk loader both
    release the GIL, but on two cores running them in parallel saved under 10 % of the time
    and cost 0.7 GB more memory at 10,000 documents (measured).
    """
    core, checks = split_sparql_constraints(load_shapes(project))
    check_short_paths(core, project)
    rows = core_problems(data_nquads, core, focus)
    union = store is None
    if store is None:  # loaded from the N-Quads: faster than adding Python objects
        store = pyoxigraph.Store()
        store.bulk_load(data_nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    elif callable(store):
        store = store()
    rows += sparql_problems(store, checks + order_checks(core), focus, union=union)
    return _report(rows, locations, project), store


def sparql_problems(
    store: pyoxigraph.Store,
    checks: list[SparqlCheck],
    focus: set[str] | None = None,
    *,
    union: bool = False,
) -> list[Problem]:
    """The results of each SPARQL-based constraint, as one pyoxigraph query over ``store``
    (its default graph, or the union of its graphs with ``union``)."""
    # Bound to the focus nodes when they are all IRIs (VALUES cannot hold blank nodes).
    bound = (
        sorted(focus)
        if focus is not None and not any(n.startswith("_:") or ":" not in n for n in focus)
        else []
    )
    rows = []
    for check in checks:
        for row in store.query(check.query(bound), use_default_graph_as_union=union):
            if focus is not None and row["this"].value not in focus:
                continue
            value = row["value"]
            rows.append(
                Problem(
                    check.severity,
                    row["this"].value,
                    check.path,
                    "[]" if isinstance(value, pyoxigraph.BlankNode) else value_text(value),
                    check.message,
                    check.shape if check.path is None else None,
                )
            )
    return rows


def core_problems(data_nquads: bytes, core: Any, focus: set[str] | None = None) -> list[Problem]:
    """The SHACL core results of ``core`` shapes (no sh:sparql) on the union of the graphs of
    ``data_nquads``, by shacl-rust (pinned in pyproject.toml; chosen by measurement, see
    docs/building.md, "Validation engines").

    shacl-rust gives each result's messages as its own default text plus the shape's
    sh:message; the shape's is kept (the first in code-point order when there are several),
    as pySHACL does; its own text only when the shape has none.
    """
    import rdflib
    import shacl_rust

    sh = rdflib.Namespace(SH)
    shape_messages = {str(m) for m in core.objects(None, sh.message)}
    shapes_nt = core.serialize(format="nt")
    # streamed from the bytes: no text copy of the whole dataset is made in Python
    report = shacl_rust.validate_file(
        io.BytesIO(data_nquads),
        io.BytesIO(shapes_nt.encode("utf-8")),
        data_format="nq",
        shapes_format="nt",
        experimental_index=True,
    )
    rows = []
    for result in report["results"]:
        node = _term(result["focusNode"])
        focus_text = node.value
        if focus is not None and focus_text not in focus:
            continue
        path = result.get("resultPath")
        messages = result.get("messages") or []
        own = sorted(m for m in messages if m in shape_messages)
        shape = result.get("sourceShape") or ""
        value = result.get("value")
        rows.append(
            Problem(
                result["severity"].strip("<>").rsplit("#", 1)[-1],
                focus_text,
                path[1:-1] if path and path.startswith("<") else None,
                None if value is None else value_text(_term(value)),
                own[0] if own else (messages[0] if messages else "constraint not met"),
                shape[1:-1] if shape.startswith("<") else None,
            )
        )
    return rows


def _term(text: str) -> Any:
    """A term written as in N-Triples (as shacl-rust reports them), as a pyoxigraph term."""
    if text.startswith("<") and text.endswith(">"):
        return pyoxigraph.NamedNode(text[1:-1])
    if text.startswith("_:"):
        return pyoxigraph.BlankNode(text[2:])
    line = f"<urn:s> <urn:p> {text} .\n"
    return next(iter(pyoxigraph.parse(line, format=pyoxigraph.RdfFormat.N_TRIPLES))).object


def check_short_paths(shapes: Any, project: Project) -> None:
    """Refuse shapes the fast engine would validate wrongly.

    The fast engine validates each node with the triples about it, the triples pointing at it
    through an inverse path, and the type and label of its neighbours: exact only when every
    sh:path is one property, or the inverse of one property.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    for shape, path in sorted(shapes.subject_objects(sh.path)):
        if isinstance(path, rdflib.URIRef):
            continue
        inverse = shapes.value(path, sh.inversePath)
        if isinstance(inverse, rdflib.URIRef) and len(list(shapes.predicate_objects(path))) == 1:
            continue
        raise InputError(
            project.shapes_dir,
            f"shape {shape} has a path longer than one step ({path.n3()}): the fast validator "
            "checks each node with the triples one step around it only",
            hint="use a direct property or sh:inversePath of one property "
            "(or validate with engine='pyshacl')",
        )


def _inverse_paths(shapes: Any) -> set[str]:
    return {str(o) for _, p, o in shapes if str(p) == SH + "inversePath"}


def inverse_paths(project: Project) -> set[str]:
    """The properties the shapes follow backwards (sh:inversePath)."""
    return _inverse_paths(load_shapes(project))


CONTEXT = {RDF + "type", RDFS + "label", SKOS + "inScheme", SKOS + "prefLabel"}
