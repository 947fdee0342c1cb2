"""What `kgbuild query --reason` answers over: the ontology's closure applied to the data.

owlrl computes the RDFS closure of the ontology alone (small, once per build). The closed
class and property hierarchies, domains, ranges and inverses are then applied to the instance
data in one pass, without running owlrl over the instance data (see measured.md: it grows
quadratically there). The result is the set of triples RDFS (plus owl:inverseOf) entails about
the data's resources: types up the class hierarchy, super-properties, domain and range types,
inverse properties. A test checks it against owlrl's own closure of ontology + data.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph

from kgbuild.cache import Cache, digest
from kgbuild.namespaces import OWL, RDF, RDFS
from kgbuild.project import Project
from kgbuild.rdf import to_rdflib

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
    out: set[str] = set()
    types: dict[str, list[str]] = {}  # class -> " <rdf:type> <C>" for it and its superclasses
    props: dict[str, tuple[list[str], set[str], set[str]]] = {}

    def type_suffixes(cls: str) -> list[str]:
        found = types.get(cls)
        if found is None:
            classes = {cls} | schema.superclasses.get(cls, set())
            found = types[cls] = [f" <{TYPE}> <{c}>" for c in classes if c not in _TRIVIAL_TYPES]
        return found

    def property_suffixes(p: str) -> tuple[list[str], set[str], set[str]]:
        """The property and its super-properties; the type suffixes of its domains and of
        its ranges (theirs included)."""
        found = props.get(p)
        if found is None:
            names = {p} | schema.superproperties.get(p, set())
            domains: set[str] = set()
            ranges: set[str] = set()
            for prop in names:
                for d in schema.domains.get(prop, ()):
                    domains.update(type_suffixes(d))
                for r in schema.ranges.get(prop, ()):
                    ranges.update(type_suffixes(r))
            found = props[p] = ([f" <{n}> " for n in names], domains, ranges)
        return found

    def add_property(s: str, p: str, o: str, node: bool) -> None:
        names, domains, ranges = property_suffixes(p)
        for name in names:
            out.add(s + name + o)
        for suffix in domains:
            out.add(s + suffix)
        if node:
            for suffix in ranges:
                out.add(o + suffix)

    for q in quads:
        s, p, o = str(q.subject), q.predicate.value, q.object
        if p == TYPE and isinstance(o, pyoxigraph.NamedNode):
            for suffix in type_suffixes(o.value):
                out.add(s + suffix)
            continue
        if p.startswith((RDFS, OWL)) or p == TYPE:
            continue
        node = isinstance(o, pyoxigraph.NamedNode)
        add_property(s, p, str(o), node)
        if node:
            for inverse in schema.inverses.get(p, ()):
                add_property(str(o), inverse, s, True)
    return out


def graph_lines(quads: Iterable[pyoxigraph.Quad], schema: Schema) -> set[str]:
    """What the schema entails about one graph and the graph does not assert itself (what
    another graph asserts is left out when the inferred graph is loaded)."""
    quads = list(quads)
    own = {str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in quads}
    return entailed_lines(quads, schema) - own


def closure_lines(schema: Schema) -> set[str]:
    """The ontology's own entailed subClassOf / subPropertyOf triples, as N-Triples lines."""
    return {f"<{s}> <{p}> <{o}>" for s, p, o in schema.closure}


def inferred_quads(lines: Iterable[str], graph: str) -> list[pyoxigraph.Quad]:
    """Quads in ``graph`` from N-Triples lines, in line order."""
    text = "".join(f"{line} <{graph}> .\n" for line in lines)
    return list(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))


def project_schema(project: Project, ontology_chunk: bytes, cache: Cache | None = None) -> Schema:
    """The ontology's closure (graph/ontology's chunk), from the cache when it has it."""
    cache = cache or Cache(None)
    key = digest("schema", ontology_chunk)
    schema = cache.get("schema", key, (Schema,), lambda value: isinstance(value, Schema))
    if schema is None:
        schema = ontology_schema(pyoxigraph.parse(ontology_chunk, pyoxigraph.RdfFormat.N_QUADS))
        cache.put("schema", key, schema)
    return schema


def graph_entailments(
    chunks: Mapping[str, bytes | memoryview],
    schema: Schema,
    project: Project,
    cache: Cache | None = None,
    known: dict[str, set[str]] | None = None,
) -> Iterable[set[str]]:
    """Each graph's entailed lines (the ontology's graph aside): ``known`` ones (computed as
    the graph was read), else from the cache (keyed by the schema and the graph's bytes), else
    computed from the chunk."""
    cache = cache or Cache(None)
    known = known or {}
    ontology_graph = project.graph_iri("ontology")
    schema_key = digest("schema", bytes(chunks.get(ontology_graph, b"")))
    for name, chunk in chunks.items():
        if name == ontology_graph:
            continue
        key = digest(schema_key, chunk)
        found = known.get(name)
        if found is not None:
            cache.did("graphs reasoned", 1)
            cache.put("entailed", key, found)
            yield found
            continue
        found = cache.get("entailed", key, (), _are_lines)
        if found is None:
            found = graph_lines(
                pyoxigraph.parse(bytes(chunk), pyoxigraph.RdfFormat.N_QUADS), schema
            )
            cache.did("graphs reasoned", 1)
            cache.put("entailed", key, found)
        yield found


def _are_lines(value: object) -> bool:
    return isinstance(value, set) and all(isinstance(line, str) for line in value)


def load_inferred(
    store: pyoxigraph.Store,
    entailed: Iterable[set[str]],
    schema: Schema,
    inferred_iri: str,
    merged_nt: bytes,
) -> None:
    """Fill the inferred graph of a freshly loaded store: every graph's entailments and the
    ontology's closure, less what the merged graph (``merged_nt``: its N-Triples, as the
    store was loaded from) asserts."""
    lines: set[str] = closure_lines(schema)
    for found in entailed:
        lines |= found
    wanted = {f"{line} .\n".encode() for line in lines}
    del lines
    for line in io.BytesIO(merged_nt):  # one line at a time: no set of every triple
        wanted.discard(line)
    graph = f" <{inferred_iri}> .\n".encode()
    text = b"".join(line[:-3] + graph for line in sorted(wanted))
    del wanted
    store.bulk_load(text, pyoxigraph.RdfFormat.N_QUADS)
