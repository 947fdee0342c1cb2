"""Bringing the inferred graph of an updated store up to date around the changed nodes."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph

from kgbuild.graph.reasoning import Schema, closure_lines, entailed_lines, inferred_quads
from kgbuild.project import Project


def update_inferred(
    store: pyoxigraph.Store,
    nodes: Iterable[pyoxigraph.NamedNode | pyoxigraph.BlankNode],
    schema: Schema,
    project: Project,
) -> int:
    """Bring the inferred graph of an updated store up to date around ``nodes`` (every node of
    a quad added to or removed from a named graph); returns how many nodes were redone.

    An entailed triple's subject is the subject or the object of the one data triple it
    follows from (see entailed_lines), so the inferred triples about a node depend only on the
    triples in which it appears: those are read from the store's named graphs (the ontology's
    and the inferred one aside) and entailed again, less what the merged graph asserts. The
    result is what load_inferred gives for the whole dataset; a test compares them.
    """
    inferred = pyoxigraph.NamedNode(project.graph_iri("inferred"))
    skip = {inferred.value, project.graph_iri("ontology")}
    default = pyoxigraph.DefaultGraph()
    closure: dict[str, set[str]] = {}
    for line in closure_lines(schema):
        closure.setdefault(line.split(" ", 1)[0], set()).add(line)
    # predicates whose objects get entailed triples: a range (one use is enough) or an inverse
    incoming = sorted(set(schema.ranges) | set(schema.inverses))

    def asserted(q: pyoxigraph.Quad) -> bool:
        return isinstance(q.graph_name, pyoxigraph.NamedNode) and q.graph_name.value not in skip

    done = 0
    for node in sorted(nodes, key=str):
        around = [q for q in store.quads_for_pattern(node, None, None, None) if asserted(q)]
        for p in incoming:
            for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(p), node, None):
                if asserted(q):
                    around.append(q)
                    if p not in schema.inverses:
                        break
        own = f"{node} "
        lines = {line for line in entailed_lines(around, schema) if line.startswith(own)}
        lines |= closure.get(str(node), set())
        wanted = {
            str(t): t
            for t in (
                pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in _quads(lines, inferred)
            )
            if pyoxigraph.Quad(t.subject, t.predicate, t.object, default) not in store
        }
        held = {str(q.triple): q for q in store.quads_for_pattern(node, None, None, inferred)}
        for key in held.keys() - wanted.keys():
            store.remove(held[key])
        for key in sorted(wanted.keys() - held.keys()):
            t = wanted[key]
            store.add(pyoxigraph.Quad(t.subject, t.predicate, t.object, inferred))
        done += 1
    return done


def _quads(lines: set[str], graph: pyoxigraph.NamedNode) -> list[pyoxigraph.Quad]:
    return inferred_quads(sorted(lines), graph.value) if lines else []
