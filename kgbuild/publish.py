"""`kgbuild publish`: a complete linked-data release, the same bytes for the same inputs.

The release folder holds the dataset in five syntaxes (each also gzipped) and as canonical
N-Quads (RDFC-1.0), the ontology, vocabularies, shapes and a JSON-LD context as files of their
own, a VoID + DCAT description whose figures are computed from the data, the ontology's
documentation (pyLODE), a static website with a page per resource, release metadata
(commit, input checksums, tool versions) and a SHA256SUMS manifest. It is made in a staging
folder and renamed into place, so a failed run leaves the previous release as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pyoxigraph

from . import __version__
from .atomic import swap_folder
from .build import Assembly, assemble
from .dumps import merged_triples, serialize_dataset, serialize_graph
from .errors import OutputError, ValidationFailed
from .namespaces import DCAT, DCTERMS, KG, OWL, RDF, RDFS, SCHEMA, VOID, XSD, prefixes
from .project import Project
from .rdf import sorted_quads
from .validate import validate_quads

NAME = "kgbuild"
DUMPS = {
    f"{NAME}.ttl": ("text/turtle", "graph"),
    f"{NAME}.nt": ("application/n-triples", "graph"),
    f"{NAME}.trig": ("application/trig", "dataset"),
    f"{NAME}.nq": ("application/n-quads", "dataset"),
    f"{NAME}.jsonld": ("application/ld+json", "graph"),
}
CANONICAL = f"{NAME}.canonical.nq"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_URL = "https://w3id.org/kgbuild/release/"
TITLE = "Western Balkan route migrant smuggling knowledge graph"
DESCRIPTION = (
    "Events, agents, places, seizures, reported figures and statements about migrant smuggling "
    "on the Western Balkan route and the police response, as reported by news sources, with "
    "every fact attributed to the source that states it and to its exact words (Web Annotation "
    "quote and position selectors). Conflicting figures are kept side by side, one named graph "
    "per source."
)


@dataclass
class Release:
    """What a publish run wrote."""

    folder: Path
    files: list[str] = field(default_factory=list)
    triples: int = 0
    quads: int = 0
    pages: int = 0
    texts_included: list[str] = field(default_factory=list)
    texts_left_out: list[str] = field(default_factory=list)


def publish(
    project: Project,
    out_dir: Path | None = None,
    *,
    url: str = DEFAULT_URL,
    sparql_endpoint: str | None = None,
    include_texts: bool = False,
    issued: str | None = None,
) -> Release:
    """Build, validate and write the release folder (default dist/release/)."""
    from .site import write_site

    out_dir = out_dir or project.dist_dir / "release"
    if not url.endswith("/"):
        url += "/"
    assembly = assemble(project)
    report = validate_quads(assembly.quads, project, assembly.locations)
    if not report.conforms:
        raise ValidationFailed(
            f"the data violates the shapes: {report.violations} violation(s); nothing published\n"
            + report.text(limit=20),
            hint="run kgbuild build to see every problem",
        )
    quads, included, left_out = _release_quads(assembly, include_texts)
    triples = merged_triples(quads)
    release = Release(
        folder=out_dir,
        triples=len(triples),
        quads=len(quads),
        texts_included=included,
        texts_left_out=left_out,
    )
    staging: Path | None = _staging(out_dir)
    try:
        files: dict[str, bytes] = {}
        for name, (_, kind) in DUMPS.items():
            fmt = name.rsplit(".", 1)[1]
            if name.endswith(".jsonld"):
                files[name] = _jsonld_with_context(triples, project)
            elif kind == "dataset":
                files[name] = serialize_dataset(quads, fmt, project.base)
            else:
                files[name] = serialize_graph(triples, fmt, project.base)
        files[CANONICAL] = canonical_nquads(quads)
        for name in list(files):
            files[name + ".gz"] = gzip.compress(files[name], compresslevel=9, mtime=0)
        files["ontology.ttl"] = project.ontology_file.read_bytes()
        files["vocabularies.ttl"] = project.vocabularies_file.read_bytes()
        files["shapes.ttl"] = project.shapes_file.read_bytes()
        files["context.jsonld"] = (
            json.dumps(jsonld_context(project), indent=2, ensure_ascii=False) + "\n"
        ).encode()
        files["docs/ontology.html"] = ontology_docs(project)
        meta = release_metadata(project, issued)
        files["release.json"] = (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()
        for name, data in files.items():
            _write(staging / name, data)
        files["void.ttl"] = void_description(
            project, quads, triples, staging, url, sparql_endpoint, meta
        )
        _write(staging / "void.ttl", files["void.ttl"])
        release.pages = write_site(
            staging,
            project,
            quads,
            url=url,
            meta=meta,
            counts=_class_counts(triples),
            dumps=_sizes(staging),
        )
        _write(staging / "SHA256SUMS", sha256sums(staging))
        release.files = sorted(
            str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()
        )
        _swap_into_place(staging, out_dir)
        staging = None  # it is the release now
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot write the release: {exc}",
            hint="check the folder is writable; the previous release is kept",
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return release


def _release_quads(
    assembly: Assembly, include_texts: bool
) -> tuple[list[pyoxigraph.Quad], list[str], list[str]]:
    """The dataset without full texts, unless asked and the document's license allows it."""
    licensed = {q.subject.value for q in assembly.quads if q.predicate.value == DCTERMS + "license"}
    out, included, left_out = [], [], []
    for q in assembly.quads:
        if q.predicate.value == KG + "text":
            if include_texts and q.subject.value in licensed:
                included.append(q.subject.value)
            else:
                left_out.append(q.subject.value)
                continue
        out.append(q)
    return sorted_quads(out), sorted(included), sorted(left_out)


def canonical_nquads(quads: list[pyoxigraph.Quad]) -> bytes:
    """RDF Dataset Canonicalization (RDFC-1.0, pyoxigraph), one sorted quad per line."""
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(str(q) + " .\n" for q in dataset)
    return "".join(lines).encode("utf-8")


def jsonld_context(project: Project) -> dict[str, object]:
    """A JSON-LD context a web developer can read: a plain term for every ontology term."""
    terms: dict[str, object] = {"@version": 1.1}
    terms.update({k: v for k, v in prefixes(project.base).items()})
    terms.update(
        {"id": "@id", "type": "@type", "label": {"@id": RDFS + "label", "@container": "@language"}}
    )
    kinds: dict[str, str] = {}
    ranges: dict[str, str] = {}
    for q in pyoxigraph.parse(path=str(project.ontology_file), format=pyoxigraph.RdfFormat.TURTLE):
        s = q.subject.value
        if not s.startswith(KG):
            continue
        if q.predicate.value == RDF + "type":
            kinds[s] = q.object.value
        elif q.predicate.value == RDFS + "range":
            ranges[s] = q.object.value
    for iri in sorted(kinds):
        local = iri[len(KG) :]
        if kinds[iri] == OWL + "Class":
            terms[local] = f"kg:{local}"
        elif kinds[iri] == OWL + "ObjectProperty":
            terms[local] = {"@id": f"kg:{local}", "@type": "@id"}
        elif kinds[iri] == OWL + "DatatypeProperty":
            rng = ranges.get(iri, "")
            if rng == RDF + "langString":
                terms[local] = {"@id": f"kg:{local}", "@container": "@language"}
            elif rng.startswith(XSD) and rng != XSD + "string":
                terms[local] = {"@id": f"kg:{local}", "@type": f"xsd:{rng[len(XSD) :]}"}
            else:
                terms[local] = f"kg:{local}"
    return {"@context": terms}


def _jsonld_with_context(triples: list[pyoxigraph.Triple], project: Project) -> bytes:
    """The merged graph as JSON-LD compacted with the context of context.jsonld (rdflib), in a
    fixed order."""
    import rdflib

    from .dumps import _canonical_json

    graph = rdflib.Graph()
    nt = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    graph.parse(data=nt.decode("utf-8"), format="nt")
    context = jsonld_context(project)["@context"]
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    data = _canonical_json(data)  # the context stays inline: no parser has to fetch it
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def ontology_docs(project: Project) -> bytes:
    """Human documentation of the ontology, made by pyLODE (offline, deterministic)."""
    import logging

    from pylode import OntPub

    logging.getLogger().setLevel(logging.WARNING)
    html = OntPub(ontology=str(project.ontology_file)).make_html()
    return html.encode("utf-8")


def release_metadata(project: Project, issued: str | None) -> dict[str, object]:
    """What the release was built from: commit, input checksums, tool versions, date."""
    inputs = {}
    for folder in (
        project.ontology_dir,
        project.shapes_dir,
        project.data_dir,
        project.root / "queries",
    ):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                inputs[str(path.relative_to(project.root))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    commit, commit_date = _git(project.root)
    tools = {}
    for package in ("kgbuild", "pyoxigraph", "rdflib", "pyshacl", "owlrl", "pylode"):
        try:
            tools[package] = version(package)
        except PackageNotFoundError:
            tools[package] = None
    return {
        "name": NAME,
        "version": __version__,
        "base": project.base,
        "issued": issued or _source_date() or commit_date,
        "commit": commit,
        "inputs": inputs,
        "tools": tools,
    }


def _git(root: Path) -> tuple[str | None, str | None]:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%H %cs"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        commit, date = out.stdout.split()
        return commit, date
    except (OSError, subprocess.SubprocessError, ValueError):
        return None, None


def _source_date() -> str | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org), as a date."""
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.isdigit():
        return None
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date().isoformat()


def _class_counts(triples: list[pyoxigraph.Triple]) -> dict[str, int]:
    counts: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF + "type":
            counts.setdefault(t.object.value, set()).add(t.subject.value)
    return {k: len(v) for k, v in counts.items()}


def _sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}


def void_description(
    project: Project,
    quads: list[pyoxigraph.Quad],
    triples: list[pyoxigraph.Triple],
    folder: Path,
    url: str,
    sparql_endpoint: str | None,
    meta: dict[str, object],
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
    add(dataset, DCTERMS + "title", text(TITLE))
    add(dataset, DCTERMS + "description", text(DESCRIPTION))
    add(dataset, DCTERMS + "license", node(LICENSE))
    add(dataset, DCTERMS + "creator", text("kgbuild developers", None))
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
    classes = _class_counts(triples)
    add(dataset, VOID + "classes", number(len(classes)))
    for cls, n in sorted(classes.items()):
        part = f"{dataset}-class-{hashlib.sha1(cls.encode()).hexdigest()[:12]}"
        add(dataset, VOID + "classPartition", node(part))
        add(part, VOID + "class", node(cls))
        add(part, VOID + "entities", number(n))
    properties: dict[str, int] = {}
    for t in triples:
        properties[t.predicate.value] = properties.get(t.predicate.value, 0) + 1
    for prop, n in sorted(properties.items()):
        part = f"{dataset}-property-{hashlib.sha1(prop.encode()).hexdigest()[:12]}"
        add(dataset, VOID + "propertyPartition", node(part))
        add(part, VOID + "property", node(prop))
        add(part, VOID + "triples", number(n))
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
    sizes = _sizes(folder)
    for name in sorted(sizes):
        media = _media_type(name)
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
        format=pyoxigraph.RdfFormat.TURTLE,  # type: ignore[no-any-return]
        prefixes={k: v for k, v in prefixes(project.base).items()},
    )


def _media_type(name: str) -> str | None:
    """The media type of a dump (gzipped or not), None for other files."""
    plain = name.removesuffix(".gz")
    if plain == CANONICAL:
        return "application/n-quads"
    if plain in DUMPS:
        return DUMPS[plain][0]
    return None


def sha256sums(folder: Path) -> bytes:
    """A manifest `sha256sum -c` checks: every file of the release but the manifest itself."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if name == "SHA256SUMS":
            continue
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return "".join(lines).encode("utf-8")


def _staging(out_dir: Path) -> Path:
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    except OSError as exc:
        raise OutputError(
            f"{out_dir.parent}: cannot create the release folder: {exc.strerror}",
            hint="choose a writable folder with --out",
        ) from None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Switch ``out_dir`` to the finished release by one rename (see atomic.py): it becomes a
    link to the staging folder beside it, and the release it showed before is removed."""
    swap_folder(staging, out_dir)
