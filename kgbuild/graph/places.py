"""The place network: every link between places the sources state, in a named graph of its own.

A SPARQL property path stays inside one graph. "Anywhere inside the Western Balkans" follows
Kikinda → northern Serbia (001's graph) → Serbia (000's) → the Western Balkans (002's): across
the sources' graphs, which only a store whose default graph is their union can do (kgbuild's
own store, rdflib's ``Dataset(default_union=True)`` and Virtuoso are; an Oxigraph server's
default graph is empty). ``<base>graph/places`` holds every ``kg:containedIn``, ``kg:near``
and ``kg:borderOf`` link of the other graphs, each once, so that a question follows them the
same way in any store. Which source states a link stays in that source's graph; this graph
is derived again whenever the dataset is written (build and publish), never curated.
"""

from __future__ import annotations

import bisect

import pyoxigraph

from kgbuild.graph.assemble import PLACE_LINKS, PLACES_GRAPH
from kgbuild.project import Project


def with_place_network(quads: list[pyoxigraph.Quad], project: Project) -> list[pyoxigraph.Quad]:
    """``quads`` (in sorted_quads order, see rdf.py) with the places graph made again from
    the place links of the other graphs; the order is kept."""
    name = project.graph_iri(PLACES_GRAPH)
    graph = pyoxigraph.NamedNode(name)
    others = [q for q in quads if q.graph_name.value != name]
    links = {
        str(t): t
        for t in (
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in others
            if q.predicate.value in PLACE_LINKS
        )
    }
    network = [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)
        for t in (links[key] for key in sorted(links, key=lambda k: _order(links[k])))
    ]
    at = bisect.bisect_right(others, str(graph), key=lambda q: str(q.graph_name))
    return others[:at] + network + others[at:]


def _order(triple: pyoxigraph.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))
