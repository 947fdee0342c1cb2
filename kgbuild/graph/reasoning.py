"""What `kgbuild query --reason` answers over: the ontology's closure applied to the data.

owlrl computes the RDFS closure of the ontology alone (small, once per build). The closed
class and property hierarchies, domains, ranges and inverses are then applied to the instance
data in one pass, without running owlrl over the instance data (see measured.md: it grows
quadratically there). The result is the set of triples RDFS (plus owl:inverseOf) entails about
the data's resources: types up the class hierarchy, super-properties, domain and range types,
inverse properties. A test checks it against owlrl's own closure of ontology + data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph

from kgbuild.cache import Cache, digest
from kgbuild.namespaces import OWL, RDF, RDFS
from kgbuild.project import Project
from kgbuild.rdf import graph_nquads, to_rdflib

TYPE = RDF + "type"
# Entailed types that say nothing to a client.
_TRIVIAL_TYPES = {
    RDFS + "Resource",
    OWL + "Thing",
    RDFS + "Class",
    RDF + "Property",
    OWL + "Class",
    RDFS + "Datatype",
    RDFS + "Literal",
}


@dataclass
class Schema:
    """The closed hierarchies of the ontology."""

    superclasses: dict[str, set[str]] = field(default_factory=dict)
    superproperties: dict[str, set[str]] = field(default_factory=dict)
    domains: dict[str, set[str]] = field(default_factory=dict)
    ranges: dict[str, set[str]] = field(default_factory=dict)
    inverses: dict[str, set[str]] = field(default_factory=dict)
    closure: list[tuple[str, str, str]] = field(default_factory=list)


def ontology_schema(ontology: Iterable[pyoxigraph.Quad]) -> Schema:
    """Close the ontology (and the vocabularies it aligns to) under RDFS with owlrl."""
    import owlrl
    import rdflib

    graph = rdflib.Graph()
    for q in ontology:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    before = set(graph)
    # improved_datatypes=False: owlrl's "improved" datatype conversions are installed into rdflib
    # globally and parse xsd:gMonth and xsd:gDay wrongly, which then fails pySHACL's datatype
    # checks in the same process.
    owlrl.DeductiveClosure(
        owlrl.RDFS_Semantics, axiomatic_triples=False, improved_datatypes=False
    ).expand(graph)
    schema = Schema()
    rel = {
        RDFS + "subClassOf": schema.superclasses,
        RDFS + "subPropertyOf": schema.superproperties,
        RDFS + "domain": schema.domains,
        RDFS + "range": schema.ranges,
    }
    for s, p, o in graph:
        if not isinstance(s, rdflib.URIRef) or not isinstance(o, rdflib.URIRef):
            continue
        target = rel.get(str(p))
        if target is not None and s != o:
            target.setdefault(str(s), set()).add(str(o))
            if (s, p, o) not in before and str(p) in (RDFS + "subClassOf", RDFS + "subPropertyOf"):
                schema.closure.append((str(s), str(p), str(o)))
        if str(p) == OWL + "inverseOf":
            schema.inverses.setdefault(str(s), set()).add(str(o))
            schema.inverses.setdefault(str(o), set()).add(str(s))
    # Domains and ranges are inherited by sub-properties.
    for prop, supers in schema.superproperties.items():
        for sup in supers:
            schema.domains.setdefault(prop, set()).update(schema.domains.get(sup, ()))
            schema.ranges.setdefault(prop, set()).update(schema.ranges.get(sup, ()))
    schema.closure.sort()
    return schema


def entailed_lines(quads: Iterable[pyoxigraph.Quad], schema: Schema) -> set[str]:
    """Everything the schema entails about the data, as N-Triples lines (without " .").

    Each entailed triple follows from one data triple and the schema alone, so the lines of
    a union of graphs are the union of each graph's lines (which the build caches per graph).
    Triples that are also asserted are included: the caller removes them.
    """
    out: set[tuple[str, str, object]] = set()

    def add_type(node: str, cls: str) -> None:
        for c in {cls} | schema.superclasses.get(cls, set()):
            if c not in _TRIVIAL_TYPES:
                out.add((node, TYPE, pyoxigraph.NamedNode(c)))

    def add_property(s: str, p: str, o: pyoxigraph.NamedNode | pyoxigraph.Literal) -> None:
        for prop in {p} | schema.superproperties.get(p, set()):
            out.add((s, prop, o))
            for d in schema.domains.get(prop, ()):
                add_type(s, d)
            if isinstance(o, pyoxigraph.NamedNode):
                for r in schema.ranges.get(prop, ()):
                    add_type(o.value, r)

    for q in quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        if p == TYPE and isinstance(o, pyoxigraph.NamedNode):
            add_type(s, o.value)
            continue
        if p.startswith((RDFS, OWL)) or p == TYPE:
            continue
        add_property(s, p, o)
        if isinstance(o, pyoxigraph.NamedNode):
            for inverse in schema.inverses.get(p, ()):
                add_property(o.value, inverse, pyoxigraph.NamedNode(s))
    return {
        str(pyoxigraph.Triple(pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), o))
        for s, p, o in out
    }


def closure_lines(schema: Schema) -> set[str]:
    """The ontology's own entailed subClassOf / subPropertyOf triples, as N-Triples lines."""
    return {f"<{s}> <{p}> <{o}>" for s, p, o in schema.closure}


def inferred_quads(lines: Iterable[str], graph: str) -> list[pyoxigraph.Quad]:
    """Quads in ``graph`` from N-Triples lines, in line order."""
    text = "".join(f"{line} <{graph}> .\n" for line in lines)
    return list(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))


def infer(
    quads: list[pyoxigraph.Quad],
    project: Project,
    cache: Cache | None = None,
    chunks: dict[str, bytes] | None = None,
) -> list[pyoxigraph.Quad]:
    """The inferred graph that `kgbuild query --reason` adds (see the module's doc).

    The ontology's closure and each graph's entailments are cached under the hash of what
    they were computed from, so a build after adding one document reasons about that one only.
    ``chunks``: graph_nquads(quads), if the caller has it already.
    """
    cache = cache or Cache(None)
    chunks = graph_nquads(quads) if chunks is None else chunks
    ontology_graph = project.graph_iri("ontology")
    graphs: dict[str, list[pyoxigraph.Quad]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    schema_key = digest("schema", chunks.get(ontology_graph, b""))
    schema = cache.get("schema", schema_key)
    if schema is None:
        schema = ontology_schema(graphs.get(ontology_graph, []))
        cache.put("schema", schema_key, schema)
    lines: set[str] = set()
    asserted: set[str] = set()
    for name, members in graphs.items():
        if name == ontology_graph:
            continue
        asserted.update(str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in members)
        key = digest(schema_key, chunks[name])
        found = cache.get("entailed", key)
        if found is None:
            found = entailed_lines(members, schema)
            cache.did("graphs reasoned", 1)
            cache.put("entailed", key, found)
        lines |= found
    return inferred_quads(
        sorted((lines - asserted) | closure_lines(schema)), project.graph_iri("inferred")
    )
