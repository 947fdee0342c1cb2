"""The one model of a validation problem, and the reports that hold them.

A problem is what a SHACL engine or one of the open-world checks found about one focus
node. Builds and `kgbuild validate` report the same type, compare problems by the same key,
sort them in the same order, and print them with the one IRI shortener (namespaces.shorten).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph

from kgbuild.errors import Location
from kgbuild.namespaces import SH, prefixes, shorten

ProblemKey = tuple[str, str, str | None, str | None, str]


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

    @property
    def key(self) -> ProblemKey:
        """What makes two problems the same, wherever they were found."""
        return (self.severity, self.focus, self.path, self.value, self.message)

    @property
    def sort_key(self) -> tuple[bool, str, str, str, str]:
        """Violations first, then by focus node, path, message and value."""
        return (
            self.severity != "Violation",
            self.focus,
            self.path or "",
            self.message,
            self.value or "",
        )

    def to_dict(self, *, located: bool = False) -> dict[str, Any]:
        """The problem as JSON data; ``located`` adds the file and line (which depend on where
        kgbuild runs, so the build's own report leaves them out)."""
        data: dict[str, Any] = {
            "severity": self.severity,
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "shape": self.shape,
        }
        if located:
            data["file"] = str(self.where.path) if self.where else None
            data["line"] = self.where.line if self.where else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            data["severity"],
            data["focus"],
            data["path"],
            data["value"],
            data["message"],
            data.get("shape"),
        )

    def line(self, base: str) -> str:
        """One line for people: severity, focus, path, value, message, and where."""
        parts = [self.severity.upper(), shorten(self.focus, base, brackets=False)]
        if self.path:
            parts.append(shorten(self.path, base, brackets=False))
        if self.value is not None:
            parts.append(f"value {shorten(self.value, base, brackets=False)}")
        text = " ".join(parts) + f": {self.message}"
        if self.where:
            text += f"  [{self.where}]"
        return text


def sort_problems(problems: list[Problem] | set[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.sort_key)


@dataclass
class ValidationReport:
    """The outcome of validating data against the shapes."""

    problems: list[Problem]
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

    def text(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = ["  " + p.line(self.base) for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)

    def to_json(self) -> str:
        """The build's report (dist/validation.json, what `kgbuild validate` compares new
        data against): the same bytes wherever kgbuild runs."""
        data = {
            "violations": self.violations,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


@dataclass
class NewDataReport(ValidationReport):
    """The problems that new files cause (`kgbuild validate`): those of the combined data that
    the built dataset alone does not have, plus the open-world checks."""

    files: list[Path] | None = None

    def passes(self, strict: bool = False) -> bool:
        """No violations (and, when ``strict``, no warnings either)."""
        return self.violations == 0 and (not strict or self.warnings == 0)

    def to_json(self) -> str:
        data = {
            "conforms": self.conforms,
            "violations": self.violations,
            "warnings": self.warnings,
            "files": [str(f) for f in self.files or []],
            "problems": [p.to_dict(located=True) for p in self.problems],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_turtle(self) -> str:
        """The problems as a sh:ValidationReport (SHACL results plus the open-world checks)."""
        import rdflib

        sh = rdflib.Namespace(SH)
        graph = rdflib.Graph()
        for name, ns in prefixes(self.base).items():
            graph.bind(name, ns, override=True, replace=True)
        report = rdflib.URIRef("urn:kgbuild:validation-report")
        graph.add((report, rdflib.RDF.type, sh.ValidationReport))
        graph.add((report, sh.conforms, rdflib.Literal(self.conforms)))
        for index, p in enumerate(self.problems):
            node = rdflib.URIRef(f"urn:kgbuild:validation-report/result/{index}")
            graph.add((report, sh.result, node))
            graph.add((node, rdflib.RDF.type, sh.ValidationResult))
            graph.add((node, sh.focusNode, rdflib.URIRef(p.focus)))
            graph.add((node, sh.resultSeverity, sh[p.severity]))
            graph.add((node, sh.resultMessage, rdflib.Literal(p.message)))
            if p.path:
                graph.add((node, sh.resultPath, rdflib.URIRef(p.path)))
            if p.value is not None:
                graph.add((node, sh.value, rdflib.Literal(p.value)))
            if p.shape and p.shape.startswith("http"):
                graph.add((node, sh.sourceShape, rdflib.URIRef(p.shape)))
        return graph.serialize(format="turtle")


def value_text(value: Any) -> str | None:
    """A result's value as text; a blank node has no name that means anything outside the
    run (rdflib makes a new one each parse), so every blank node reads "[]"."""
    import rdflib

    if value is None:
        return None
    if isinstance(value, pyoxigraph.NamedNode | pyoxigraph.Literal):
        return value.value
    return "[]" if isinstance(value, rdflib.BNode | pyoxigraph.BlankNode) else str(value)
