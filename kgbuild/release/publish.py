"""The release folder (`kgbuild publish`): a linked-data release, the same bytes each time.

The release folder holds the dataset in five syntaxes (each also gzipped) and as canonical
N-Quads (RDFC-1.0), the ontology, vocabularies, shapes and a JSON-LD context as files of their
own, the saved questions as standalone SPARQL, a VoID + DCAT description whose figures are
computed from the data, the ontology's documentation (pyLODE), a static website with a page
per resource, release metadata (commit, input checksums, tool versions) and a SHA256SUMS
manifest. It is written from the
dataset a build validated (the front door, kgbuild.publish, gets it through the build cache),
in a folder beside the release that one rename swaps into place.
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

from kgbuild import __version__
from kgbuild.atomic import swap_folder, write_file
from kgbuild.errors import OutputError
from kgbuild.graph.assemble import draft_sources
from kgbuild.graph.dumps import canonical_json, merged_triples, serialize_dataset, serialize_graph
from kgbuild.graph.places import with_place_network
from kgbuild.graph.query import standalone_text
from kgbuild.graph.saved import saved_queries
from kgbuild.namespaces import DCTERMS, KG, OWL, RDF, RDFS, XSD, prefixes
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.rdf import sorted_quads
from kgbuild.release.info import ReleaseInfo
from kgbuild.release.site import write_site
from kgbuild.release.void import CANONICAL, DUMPS, class_counts, file_sizes, void_description

DEFAULT_URL = "https://w3id.org/kgbuild/release/"


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
    drafts_left_out: list[str] = field(default_factory=list)  # source IRIs


def write_release(
    project: Project,
    quads: list[pyoxigraph.Quad],
    out_dir: Path,
    info: ReleaseInfo,
    *,
    url: str = DEFAULT_URL,
    sparql_endpoint: str | None = None,
    include_texts: bool = False,
    include_drafts: bool = False,
    issued: str | None = None,
    progress: ProgressCallback | None = None,
) -> Release:
    """Write the release folder from the validated dataset's ``quads`` (sorted_quads order).

    The graphs of documents still marked as drafts (`kgbuild draft`, not yet reviewed) are
    left out unless ``include_drafts``.

    The folder is made beside ``out_dir`` and swapped into place by one rename (atomic.py):
    a failed or killed run leaves the previous release as it was.
    """
    if not url.endswith("/"):
        url += "/"
    drafts: list[str] = []
    if not include_drafts:
        quads, drafts = _without_drafts(quads, project)
        quads = with_place_network(quads, project)  # without the drafts' place links
    quads, included, left_out = _release_quads(quads, include_texts)
    triples = merged_triples(quads)
    release = Release(
        folder=out_dir,
        triples=len(triples),
        quads=len(quads),
        texts_included=included,
        texts_left_out=left_out,
        drafts_left_out=drafts,
    )
    staging: Path | None = _staging(out_dir)
    steps = ("writing the release", 4, "parts")
    try:
        report(progress, steps[0], 0, *steps[1:])
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
        report(progress, steps[0], 1, *steps[1:])
        for name in list(files):
            files[name + ".gz"] = gzip.compress(files[name], compresslevel=9, mtime=0)
        files["ontology.ttl"] = project.ontology_file.read_bytes()
        files["vocabularies.ttl"] = project.vocabularies_file.read_bytes()
        files["shapes.ttl"] = project.shapes_file.read_bytes()
        files["context.jsonld"] = (
            json.dumps(jsonld_context(project), indent=2, ensure_ascii=False) + "\n"
        ).encode()
        files["docs/ontology.html"] = ontology_docs(project)
        files.update(saved_questions(project))
        meta = release_metadata(project, issued)
        files["release.json"] = (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()
        for name, data in files.items():
            write_file(staging / name, data)
        files["void.ttl"] = void_description(
            project, quads, triples, staging, url, sparql_endpoint, meta, info
        )
        write_file(staging / "void.ttl", files["void.ttl"])
        report(progress, steps[0], 2, *steps[1:])
        release.pages = write_site(
            staging,
            project,
            quads,
            url=url,
            meta=meta,
            counts=class_counts(triples),
            dumps=file_sizes(staging),
            info=info,
        )
        report(progress, steps[0], 3, *steps[1:])
        write_file(staging / "SHA256SUMS", sha256sums(staging))
        release.files = sorted(
            str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()
        )
        swap_folder(staging, out_dir)
        staging = None  # it is the release now
        report(progress, steps[0], 4, *steps[1:])
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot write the release: {exc}",
            hint="check the folder is writable; the previous release is kept",
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return release


def saved_questions(project: Project) -> dict[str, bytes]:
    """``queries/NAME.rq``: each saved question as `kgbuild query NAME --show` prints it
    (prefixes declared, default parameters bound), for any SPARQL 1.1 store."""
    return {
        f"queries/{saved.name}.rq": standalone_text(saved.text, project.base, saved.params).encode(
            "utf-8"
        )
        for saved in saved_queries(project.queries_dir)
    }


def _without_drafts(
    quads: list[pyoxigraph.Quad], project: Project
) -> tuple[list[pyoxigraph.Quad], list[str]]:
    """The dataset without the named graphs of draft documents, and those documents."""
    drafts = sorted(draft_sources(quads))
    graphs = {project.graph_iri(source.rsplit("/", 1)[-1]) for source in drafts}
    return [q for q in quads if q.graph_name.value not in graphs], drafts


def _release_quads(
    quads: list[pyoxigraph.Quad], include_texts: bool
) -> tuple[list[pyoxigraph.Quad], list[str], list[str]]:
    """The dataset without full texts, unless asked and the document's license allows it."""
    licensed = {q.subject.value for q in quads if q.predicate.value == DCTERMS + "license"}
    out, included, left_out = [], [], []
    for q in quads:
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

    graph = rdflib.Graph()
    nt = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    graph.parse(data=nt.decode("utf-8"), format="nt")
    context = jsonld_context(project)["@context"]
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    data = canonical_json(data)  # the context stays inline: no parser has to fetch it
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
        "name": "kgbuild",
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
