"""pySHACL, the reference engine (``--engine pyshacl``): slow, kept to check the fast one.

tests/test_engines.py compares the two on the real data, injected violations and random
mutations; docs/building.md ("Validation engines") says where pySHACL departs from SHACL and
the fast engine follows the standard.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph

from kgbuild.namespaces import SH
from kgbuild.validation.report import Problem, value_text


def ntriples(quads: Iterable[pyoxigraph.Quad]) -> str:
    lines = sorted({str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in quads})
    return "".join(line + " .\n" for line in lines)


@contextlib.contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a warning with a traceback for each ill-typed literal it parses; kgbuild
    reports those literals itself (literals.py), so the warnings would only be noise."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def pyshacl_problems(
    data_nt: str, shapes: Any, ontology: Any, focus: list[str] | None
) -> list[Problem]:
    """Run pySHACL on N-Triples data (optionally only for ``focus`` nodes); results as rows."""
    import pyshacl
    import rdflib

    with _quiet_rdflib():
        if isinstance(shapes, str):
            shapes = rdflib.Graph().parse(data=shapes, format="turtle")
        if isinstance(ontology, str):
            ontology = rdflib.Graph().parse(data=ontology, format="nt")
        data = rdflib.Graph().parse(data=data_nt, format="nt")
        _, report_graph, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology,
            inference="none",
            allow_warnings=True,
            abort_on_first=False,
        )
    # Every node of the batch's data is validated and the results outside ``focus`` dropped:
    # pySHACL's own focus_nodes option was three times slower on these batches.
    keep = None if focus is None else set(focus)
    sh = rdflib.Namespace(SH)
    rows: list[Problem] = []
    # Only the report's own results: nested sh:detail results repeat them.
    report_node = next(report_graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    for result in report_graph.objects(report_node, sh.result):
        if keep is not None and str(report_graph.value(result, sh.focusNode)) not in keep:
            continue
        path = report_graph.value(result, sh.resultPath)
        value = report_graph.value(result, sh.value)
        messages = sorted(str(m) for m in report_graph.objects(result, sh.resultMessage))
        shape = report_graph.value(result, sh.sourceShape)
        rows.append(
            Problem(
                str(report_graph.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
                str(report_graph.value(result, sh.focusNode)),
                str(path) if isinstance(path, rdflib.URIRef) else None,
                value_text(value),
                messages[0] if messages else "constraint not met",
                str(shape) if isinstance(shape, rdflib.URIRef) else None,
            )
        )
    return rows
