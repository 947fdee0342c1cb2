"""Small RDF helpers over pyoxigraph terms: the one place that builds terms and sorts quads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from kgbuild.namespaces import RDF, XSD


def iri(value: str) -> NamedNode:
    return NamedNode(value)


def lit(value: str, *, lang: str | None = None, datatype: str | None = None) -> Literal:
    if lang:
        return Literal(value, language=lang)
    if datatype:
        return Literal(value, datatype=NamedNode(datatype))
    return Literal(value)


def integer(value: int, datatype: str = XSD + "integer") -> Literal:
    return Literal(str(value), datatype=NamedNode(datatype))


RDF_TYPE = NamedNode(RDF + "type")


def quad(s: str, p: str, o: NamedNode | Literal, graph: str | None) -> Quad:
    g = NamedNode(graph) if graph else DefaultGraph()
    return Quad(NamedNode(s), NamedNode(p), o, g)


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    """Quads without duplicates in a fixed order (graph, subject, predicate, object).

    Within a graph, the order of the N-Quads lines is the order of (subject, predicate,
    object): a term never continues with a character below the space that ends it.
    """
    unique = {str(q): q for q in quads}
    return [unique[key] for key in sorted(unique, key=lambda k: (str(unique[k].graph_name), k))]


def to_rdflib(term: NamedNode | Literal | pyoxigraph.BlankNode) -> Any:
    """The rdflib term for a pyoxigraph term (rdflib is imported only when this is called)."""
    import rdflib

    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
