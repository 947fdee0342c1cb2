"""SHACL validation of built data with pySHACL, with results mapped back to the curated files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from .errors import InputError, Location
from .namespaces import SH, prefixes
from .project import Project


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


def validate_quads(
    quads: list[pyoxigraph.Quad],
    project: Project,
    locations: dict[str, Location] | None = None,
) -> ValidationReport:
    """Validate the union of all graphs against the shapes, with the ontology for classes."""
    import pyshacl
    import rdflib

    ontology_graph = project.graph_iri("ontology")
    data = _rdflib_graph(quads, skip_graph=ontology_graph)
    ontology = _rdflib_graph([q for q in quads if q.graph_name.value == ontology_graph], None)
    shapes = load_shapes(project)
    _, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
    )
    sh = rdflib.Namespace(SH)
    problems = []
    for result in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
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


def shapes_path(project: Project) -> Path:
    return project.shapes_file
