"""Validation after a change: the last report, redone around what changed.

The fast engine validates a node from the triples one step around it (engine.check_short_paths
refuses shapes that look further), and the SPARQL-based constraints look at most two steps
away (a figure, its event, another source's figure of it). So when the merged graph gains or
loses some triples, the only nodes whose results can change are the nodes of those triples and
the neighbours of their subjects. Those are validated again in the updated store (as
`kgbuild validate` validates new data); every other problem of the last report stands. A test
checks that the report equals a clean build's.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph

from kgbuild.errors import Location
from kgbuild.incremental.store import StoreChanges
from kgbuild.project import Project
from kgbuild.validation.newdata import schema_quads, validate_around
from kgbuild.validation.report import Problem, ValidationReport, sort_problems


def affected_nodes(
    store: pyoxigraph.Store, changes: StoreChanges
) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
    """The nodes whose validation results a change can alter (see the module doc)."""
    default = pyoxigraph.DefaultGraph()
    focus = changes.merged_nodes()
    for subject in changes.merged_subjects():
        for q in store.quads_for_pattern(subject, None, None, default):
            if isinstance(q.object, pyoxigraph.NamedNode | pyoxigraph.BlankNode):
                focus.add(q.object)
        for q in store.quads_for_pattern(None, None, subject, default):
            focus.add(q.subject)
    return focus


def revalidate(
    store: pyoxigraph.Store,
    previous: list[Problem],
    changes: StoreChanges,
    project: Project,
    locations: dict[str, Location],
    engine: str = "fast",
) -> tuple[ValidationReport, int]:
    """The report of the updated ``store`` (default graph: the merged data) from the last
    build's problems and the ``changes`` since; also how many nodes were validated again."""
    focus = affected_nodes(store, changes)
    fresh: list[Problem] = []
    if focus:
        ontology = [
            q for q in schema_quads(project) if q.graph_name.value == project.graph_iri("ontology")
        ]
        fresh = validate_around(store, ontology, project, focus, locations, engine).problems
    redone = {node.value for node in focus}
    kept = [
        dataclasses.replace(p, where=locations.get(p.focus))
        for p in previous
        if p.focus not in redone
    ]
    report = ValidationReport(problems=sort_problems({*kept, *fresh}), base=project.base)
    return report, len(focus)
