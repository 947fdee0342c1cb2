"""SHACL validation of built data with pySHACL, with results mapped back to the curated files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph

from .errors import InputError, Location
from .namespaces import RDF, RDFS, SH, prefixes
from .project import Project
from .rdf import to_rdflib


@dataclass(frozen=True)
class Problem:
    """One validation result, in plain words, with the file and line where known."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None
    where: Location | None = None

    def line(self, shorten) -> str:  # type: ignore[no-untyped-def]
        parts = [self.severity.upper(), shorten(self.focus)]
        if self.path:
            parts.append(shorten(self.path))
        if self.value is not None:
            parts.append(f"value {shorten(self.value)}")
        text = " ".join(parts) + f": {self.message}"
        if self.where:
            text += f"  [{self.where}]"
        return text


@dataclass
class ValidationReport:
    """The outcome of validating a dataset against the shapes."""

    problems: list[Problem]
    report_turtle: str
    base: str

    @property
    def violations(self) -> int:
        return sum(1 for p in self.problems if p.severity == "Violation")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "Warning")

    @property
    def conforms(self) -> bool:
        return self.violations == 0

    def shorten(self, value: str) -> str:
        for name, ns in sorted(prefixes(self.base).items(), key=lambda kv: -len(kv[1])):
            if value.startswith(ns) and len(value) > len(ns):
                return f"{name}:{value[len(ns) :]}"
        return value

    def to_json(self) -> str:
        """The problems as JSON (what `kgbuild validate` compares new data against)."""
        import json

        rows = [
            {
                "severity": p.severity,
                "focus": p.focus,
                "path": p.path,
                "value": p.value,
                "message": p.message,
            }
            for p in self.problems
        ]
        return (
            json.dumps(
                {"violations": self.violations, "warnings": self.warnings, "problems": rows},
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )

    def text(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = ["  " + p.line(self.shorten) for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def load_shapes(project: Project):  # type: ignore[no-untyped-def]
    """The shapes graph (rdflib), parsed from shapes/*.ttl."""
    import rdflib

    shapes = rdflib.Graph()
    files = sorted(project.shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError(project.shapes_dir, "no shapes (*.ttl) found")
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several types for bad Turtle
            raise InputError(path, f"cannot parse the shapes: {exc}") from None
    return shapes


def _rdflib_graph(quads: Iterable[pyoxigraph.Quad], skip_graph: str | None):  # type: ignore[no-untyped-def]
    import rdflib

    triples = sorted(
        {
            str(pyoxigraph.Triple(q.subject, q.predicate, q.object))
            for q in quads
            if skip_graph is None or q.graph_name.value != skip_graph
        }
    )
    graph = rdflib.Graph()
    graph.parse(data=" .\n".join(triples) + " .\n" if triples else "", format="nt")
    return graph


@dataclass(frozen=True)
class SparqlCheck:
    """One sh:SPARQLConstraint of a node shape, to run as a single query over the whole data."""

    shape: str
    targets: tuple[str, ...]
    select: str
    prefixes: str
    message: str
    severity: str

    def query(self) -> str:
        """The constraint's SELECT joined with the shape's targets, for every focus node at once.

        The SHACL-SPARQL semantics (pre-bound $this) is kept by running the constraint's own
        SELECT as a sub-query and joining it with the target nodes on ?this.
        """
        inner = self.select.replace("$this", "?this")
        targets = " UNION ".join(
            f"{{ ?this rdf:type/rdfs:subClassOf* <{t}> }}" for t in self.targets
        )
        return (
            f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n{self.prefixes}"
            f"SELECT DISTINCT ?this ?value WHERE {{ {{ {inner} }} {targets} }}"
        )


def split_sparql_constraints(shapes):  # type: ignore[no-untyped-def]
    """A copy of the shapes without sh:sparql, and the SPARQL constraints taken out of them.

    pySHACL evaluates a SPARQL constraint once per focus node through rdflib's engine (slow:
    see ../shared/guides/measured.md); the same constraint as one query in pyoxigraph is fast.
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


def validate_quads(
    quads: list[pyoxigraph.Quad],
    project: Project,
    locations: dict[str, Location] | None = None,
    *,
    engine: str = "fast",
) -> ValidationReport:
    """Validate the union of all graphs against the shapes, with the ontology for classes.

    ``engine="fast"`` runs the core constraints in pySHACL and each SPARQL-based constraint as
    one query in pyoxigraph; ``engine="pyshacl"`` runs everything in pySHACL (the plain way,
    kept to check that both give the same results).
    """
    import pyshacl
    import rdflib

    ontology_graph = project.graph_iri("ontology")
    data = _rdflib_graph(quads, skip_graph=ontology_graph)
    ontology = _rdflib_graph([q for q in quads if q.graph_name.value == ontology_graph], None)
    shapes = load_shapes(project)
    checks: list[SparqlCheck] = []
    if engine == "fast":
        shapes, checks = split_sparql_constraints(shapes)
    _, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
    )
    sh = rdflib.Namespace(SH)
    if checks:
        store = pyoxigraph.Store()
        store.extend(quads)
        report = next(report_graph.subjects(rdflib.RDF.type, sh.ValidationReport))
        for check in checks:
            for row in store.query(check.query(), use_default_graph_as_union=True):
                result = rdflib.BNode()
                report_graph.add((report, sh.result, result))
                report_graph.add((result, rdflib.RDF.type, sh.ValidationResult))
                report_graph.add((result, sh.focusNode, to_rdflib(row["this"])))
                if row["value"] is not None:
                    report_graph.add((result, sh.value, to_rdflib(row["value"])))
                report_graph.add((result, sh.resultSeverity, sh[check.severity]))
                report_graph.add((result, sh.sourceShape, rdflib.URIRef(check.shape)))
                report_graph.add(
                    (result, sh.sourceConstraintComponent, sh.SPARQLConstraintComponent)
                )
                report_graph.add((result, sh.resultMessage, rdflib.Literal(check.message)))
        violated = any(
            report_graph.value(r, sh.resultSeverity) == sh.Violation
            for r in report_graph.objects(report, sh.result)
        )
        report_graph.set((report, sh.conforms, rdflib.Literal(not violated)))
    problems = []
    # Only the report's own results: nested sh:detail results repeat them.
    report_node = next(report_graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    for result in report_graph.objects(report_node, sh.result):
        focus = str(report_graph.value(result, sh.focusNode))
        path = report_graph.value(result, sh.resultPath)
        value = report_graph.value(result, sh.value)
        severity = str(report_graph.value(result, sh.resultSeverity)).rsplit("#", 1)[-1]
        messages = sorted(str(m) for m in report_graph.objects(result, sh.resultMessage))
        shape = report_graph.value(result, sh.sourceShape)
        problems.append(
            Problem(
                severity=severity,
                focus=focus,
                path=str(path) if isinstance(path, rdflib.URIRef) else None,
                value=None if value is None else str(value),
                message=messages[0] if messages else "constraint not met",
                shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
                where=(locations or {}).get(focus),
            )
        )
    problems.sort(key=lambda p: (p.severity != "Violation", p.focus, p.path or "", p.message))
    report_graph.bind("sh", SH)
    return ValidationReport(
        problems=problems,
        report_turtle=report_graph.serialize(format="turtle"),
        base=project.base,
    )
