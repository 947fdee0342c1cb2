"""What changed between two builds' stores, as the quads added or removed.

A build knows which nodes it touched: the subjects and objects (IRIs) of every triple added to
or removed from a named graph. ``changed_quads`` turns them into the quads themselves by
comparing, for each such node, the quads it is the subject of in the old and the new store
(every graph, graph:inferred included). That finds every changed quad of the asserted graphs
(its subject is one of the nodes), and every changed quad of graph:inferred as long as the
ontology is the same: an entailment's subject is a subject or an object of an asserted triple
it comes from (domain, range, sub-property, sub-class, inverse), so it is one of the nodes.
A change of the ontology itself is a quad of graph:ontology, which the caller treats as a
change of everything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph

from kgbuild.graph.store import GRAPHS_FILE, STORE_DIR

# More changed graphs than this share (and than MAX_CHANGED_GRAPHS): answer everything again.
MAX_CHANGED_SHARE = 0.2
MAX_CHANGED_GRAPHS = 100


def changed_quads(
    old: pyoxigraph.Store, new: pyoxigraph.Store, nodes: Iterable[str | pyoxigraph.NamedNode]
) -> list[pyoxigraph.Quad]:
    """The quads whose subject is one of ``nodes`` (IRIs) that are in one store only, sorted."""
    out: dict[str, pyoxigraph.Quad] = {}
    for node in sorted({n.value if isinstance(n, pyoxigraph.NamedNode) else n for n in nodes}):
        subject = pyoxigraph.NamedNode(node)
        before = {str(q): q for q in old.quads_for_pattern(subject, None, None, None)}
        after = {str(q): q for q in new.quads_for_pattern(subject, None, None, None)}
        for key in before.keys() ^ after.keys():
            out[key] = before.get(key) or after[key]
    return [out[key] for key in sorted(out)]


def changed_nodes(previous: Path | None, generation: Path) -> set[str] | None:
    """The nodes (IRIs) of every triple added to or removed from a named graph between the
    build in ``previous`` and the one in ``generation`` (each a build generation folder with
    its store and the SHA-256 of each named graph); None when that cannot be told or is most
    of the data (then everything is answered again).

    For the pipeline of today, which does not track the changed triples itself: the graphs
    whose digest differs are compared quad by quad in the two stores."""
    if previous is None:
        return None
    try:
        old_digests = json.loads((previous / GRAPHS_FILE).read_text(encoding="utf-8"))
        new_digests = json.loads((generation / GRAPHS_FILE).read_text(encoding="utf-8"))
        old = pyoxigraph.Store.read_only(str(previous / STORE_DIR))
        new = pyoxigraph.Store.read_only(str(generation / STORE_DIR))
    except (OSError, ValueError):
        return None
    graphs = sorted(
        g
        for g in old_digests.keys() | new_digests.keys()
        if old_digests.get(g) != new_digests.get(g)
    )
    if len(graphs) > max(MAX_CHANGED_SHARE * len(new_digests), MAX_CHANGED_GRAPHS):
        return None
    nodes: set[str] = set()
    for name in graphs:
        graph = pyoxigraph.NamedNode(name)
        before = {str(q): q for q in old.quads_for_pattern(None, None, None, graph)}
        after = {str(q): q for q in new.quads_for_pattern(None, None, None, graph)}
        for key in before.keys() ^ after.keys():
            quad = before.get(key) or after[key]
            for term in (quad.subject, quad.object):
                if isinstance(term, pyoxigraph.NamedNode):
                    nodes.add(term.value)
    return nodes
