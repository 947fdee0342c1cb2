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
from collections.abc import Iterable

import pyoxigraph

from kgbuild.namespaces import KG
from kgbuild.project import Project

PLACE_LINKS = frozenset({KG + "containedIn", KG + "near", KG + "borderOf"})
PLACES_GRAPH = "places"


def network_chunk(links: Iterable[str], graph: str) -> bytes:
    """The places graph ``graph`` as sorted N-Quads, from place links written as N-Triples
    lines without their final " ." (``<s> <p> <o>``), each once: the one way it is made."""
    return "".join(f"{line} <{graph}> .\n" for line in sorted(set(links))).encode()


def with_place_network(quads: list[pyoxigraph.Quad], project: Project) -> list[pyoxigraph.Quad]:
    """``quads`` (in sorted_quads order, see rdf.py) with the places graph made again from
    the place links of the other graphs (a release leaves the drafts' graphs out, and their
    links with them); the order is kept."""
    name = project.graph_iri(PLACES_GRAPH)
    others = [q for q in quads if q.graph_name.value != name]
    links = (
        f"{q.subject} {q.predicate} {q.object}" for q in others if q.predicate.value in PLACE_LINKS
    )
    network = list(pyoxigraph.parse(network_chunk(links, name), pyoxigraph.RdfFormat.N_QUADS))
    graph = str(pyoxigraph.NamedNode(name))
    at = bisect.bisect_right(others, graph, key=lambda q: str(q.graph_name))
    return others[:at] + network + others[at:]
