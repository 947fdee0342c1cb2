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

from collections.abc import Iterable

import pyoxigraph


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
