"""The release's description of itself: VoID and DCAT, every statistic computed from the data
and the files written, and the names and media types of the dumps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph

from kgbuild.namespaces import DCAT, DCTERMS, KG, OWL, RDF, SCHEMA, VOID, XSD, prefixes
from kgbuild.project import Project
from kgbuild.release.info import ReleaseInfo

NAME = "kgbuild"
DUMPS = {
    f"{NAME}.ttl": ("text/turtle", "graph"),
    f"{NAME}.nt": ("application/n-triples", "graph"),
    f"{NAME}.trig": ("application/trig", "dataset"),
    f"{NAME}.nq": ("application/n-quads", "dataset"),
    f"{NAME}.jsonld": ("application/ld+json", "graph"),
}
CANONICAL = f"{NAME}.canonical.nq"


def class_counts(triples: list[pyoxigraph.Triple]) -> dict[str, int]:
    counts: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF + "type":
            counts.setdefault(t.object.value, set()).add(t.subject.value)
    return {k: len(v) for k, v in counts.items()}


def file_sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}


def void_description(
    project: Project,
    quads: list[pyoxigraph.Quad],
    triples: list[pyoxigraph.Triple],
    folder: Path,
    url: str,
    sparql_endpoint: str | None,
    meta: dict[str, object],
    info: ReleaseInfo,
) -> bytes:
    """VoID and DCAT: every statistic computed from the data and the files written."""
    dataset = url + "void.ttl#dataset"
    out: list[pyoxigraph.Triple] = []

    def add(s: str, p: str, o: pyoxigraph.NamedNode | pyoxigraph.Literal) -> None:
        out.append(pyoxigraph.Triple(pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), o))

    def node(value: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(value)

    def text(value: str, lang: str | None = "en") -> pyoxigraph.Literal:
        return pyoxigraph.Literal(value, language=lang) if lang else pyoxigraph.Literal(value)

    def number(value: int) -> pyoxigraph.Literal:
        return pyoxigraph.Literal(str(value), datatype=node(XSD + "integer"))

    add(dataset, RDF + "type", node(VOID + "Dataset"))
    add(dataset, RDF + "type", node(DCAT + "Dataset"))
    add(dataset, DCTERMS + "title", text(info.title))
    add(dataset, DCTERMS + "description", text(info.description))
    add(dataset, DCTERMS + "license", node(info.license))
    add(dataset, DCTERMS + "creator", text(info.creator, None))
    add(dataset, OWL + "versionInfo", text(str(meta["version"]), None))
    if meta["issued"]:
        date = pyoxigraph.Literal(str(meta["issued"]), datatype=node(XSD + "date"))
        add(dataset, DCTERMS + "issued", date)
        add(dataset, DCTERMS + "modified", date)
    add(dataset, VOID + "uriSpace", text(project.base, None))
    add(dataset, VOID + "vocabulary", node(KG))
    add(dataset, VOID + "feature", node("http://www.w3.org/ns/formats/N-Quads"))
    if sparql_endpoint:
        add(dataset, VOID + "sparqlEndpoint", node(sparql_endpoint))
    subjects = {t.subject.value for t in triples}
    add(dataset, VOID + "triples", number(len(triples)))
    add(
        dataset, VOID + "entities", number(len({s for s in subjects if s.startswith(project.base)}))
    )
    add(dataset, VOID + "distinctSubjects", number(len(subjects)))
    add(dataset, VOID + "distinctObjects", number(len({t.object for t in triples})))
    add(dataset, VOID + "properties", number(len({t.predicate.value for t in triples})))
    classes = class_counts(triples)
    add(dataset, VOID + "classes", number(len(classes)))
    properties: dict[str, int] = {}
    for t in triples:
        properties[t.predicate.value] = properties.get(t.predicate.value, 0) + 1
    for kind, counted, measure, counts in (
        ("class", "class", "entities", classes),
        ("property", "property", "triples", properties),
    ):  # void:classPartition and void:propertyPartition, each with its count
        for iri, n in sorted(counts.items()):
            part = f"{dataset}-{kind}-{hashlib.sha1(iri.encode()).hexdigest()[:12]}"
            add(dataset, VOID + f"{kind}Partition", node(part))
            add(part, VOID + counted, node(iri))
            add(part, VOID + measure, number(n))
    graphs: dict[str, int] = {}
    for q in quads:
        graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) + 1
    for graph, n in sorted(graphs.items()):
        add(dataset, VOID + "subset", node(graph))
        add(graph, RDF + "type", node(VOID + "Dataset"))
        add(graph, VOID + "triples", number(n))
    for q in quads:
        if q.predicate.value == RDF + "type" and q.object.value == KG + "SourceDocument":
            add(dataset, DCTERMS + "source", node(q.subject.value))
    sizes = file_sizes(folder)
    for name in sorted(sizes):
        media = media_type(name)
        if media is None:
            continue
        dist = f"{dataset}-download-{name}"
        add(dataset, DCAT + "distribution", node(dist))
        add(dist, RDF + "type", node(DCAT + "Distribution"))
        add(dist, DCTERMS + "title", text(name, None))
        add(dist, DCAT + "downloadURL", node(url + name))
        add(dist, DCAT + "mediaType", node("https://www.iana.org/assignments/media-types/" + media))
        add(
            dist,
            DCAT + "byteSize",
            pyoxigraph.Literal(str(sizes[name]), datatype=node(XSD + "nonNegativeInteger")),
        )
        if name.endswith(".gz"):
            add(
                dist,
                DCAT + "compressFormat",
                node("https://www.iana.org/assignments/media-types/application/gzip"),
            )
        if name in DUMPS or name.endswith(".gz") or name == CANONICAL:
            add(dataset, VOID + "dataDump", node(url + name))
    add(dataset, SCHEMA + "url", node(url))
    ordered = sorted(set(out), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return pyoxigraph.serialize(
        ordered,
        format=pyoxigraph.RdfFormat.TURTLE,
        prefixes={k: v for k, v in prefixes(project.base).items()},
    )


def media_type(name: str) -> str | None:
    """The media type of a dump (gzipped or not), None for other files."""
    plain = name.removesuffix(".gz")
    if plain == CANONICAL:
        return "application/n-quads"
    if plain in DUMPS:
        return DUMPS[plain][0]
    return None
