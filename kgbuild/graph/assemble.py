"""Assemble the dataset: the ontology, vocabularies, entities and every document's graph, as
one sorted list of quads (documents read in worker processes, or taken from the build cache)."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pyoxigraph

from kgbuild import __version__
from kgbuild.cache import Cache, digest
from kgbuild.errors import InputError, KGBuildError, Location
from kgbuild.namespaces import KG, RDF, RDFS, VOCAB
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.rdf import iri, quad, sorted_quads
from kgbuild.sources.files import (
    DEFAULT_MAX_BYTES,
    document_ids,
    load_document,
    load_entities,
    load_vocabulary,
    turtle_quads,
)
from kgbuild.sources.records import Unit, Vocabulary

NQ = pyoxigraph.RdfFormat.N_QUADS


@dataclass
class Assembly:
    """Every quad of the dataset, in order, and where each curated subject came from."""

    quads: list[pyoxigraph.Quad]
    locations: dict[str, Location]
    documents: list[str]
    records: int
    mentions: int


def assemble(
    project: Project,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: Cache | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> Assembly:
    """Load the ontology, vocabularies, entities and every document into one dataset.

    A document whose text, curated file and reading rules (context, ontology, vocabularies,
    base, kgbuild version) are unchanged is taken from ``cache``; the others are read in
    ``workers`` processes. ``progress`` hears how many documents are done.
    """
    cache = cache or Cache(None)
    vocabulary = load_vocabulary(project)
    ontology = turtle_quads(project.ontology_file, project.graph_iri("ontology"))
    vocabularies = turtle_quads(project.vocabularies_file, project.graph_iri("vocabularies"))
    fingerprint = digest(
        project.context_file.read_bytes(),
        project.ontology_file.read_bytes(),
        project.vocabularies_file.read_bytes(),
        project.base,
        __version__,
    )
    units = [load_entities(project, vocabulary)]
    doc_ids = document_ids(project)
    if not doc_ids:
        raise InputError(
            project.documents_dir,
            "no documents (*.txt) found",
            hint="add a document's text and its curated .yaml file",
        )
    for orphan in sorted(project.documents_dir.glob("*.yaml")):
        if orphan.stem not in set(doc_ids):
            raise InputError(
                orphan,
                "curated file without its document text",
                hint=f"add {orphan.stem}.txt or remove the file",
            )
    units += _document_units(
        project, vocabulary, doc_ids, fingerprint, max_bytes, cache, workers, progress
    )

    quads = ontology + vocabularies + [q for unit in units for q in unit.quads]
    locations: dict[str, Location] = {}
    for unit in units:
        for subject, where in unit.locations.items():
            locations.setdefault(subject, where)
    typed = {q.subject.value for q in quads if q.predicate.value == RDF + "type"}
    for unit in units:
        for target, where in unit.references:
            if target not in typed:
                raise InputError(
                    where,
                    f"refers to {target.removeprefix(project.base)}, which no record defines",
                    hint="fix the id, or add the entity to data/entities.yaml "
                    "(or the event to a document's facts) with a type",
                )
    quads += default_modality(quads, ontology)
    return Assembly(
        quads=sorted_quads(quads),
        locations=locations,
        documents=doc_ids,
        records=sum(u.records for u in units),
        mentions=sum(u.mentions for u in units),
    )


def _document_units(
    project: Project,
    vocabulary: Vocabulary,
    doc_ids: list[str],
    fingerprint: str,
    max_bytes: int,
    cache: Cache,
    workers: int,
    progress: ProgressCallback | None = None,
) -> list[Unit]:
    """Every document's unit: from the cache where its inputs are unchanged, else read."""
    keys, found, missing = {}, {}, []
    for doc_id in doc_ids:
        parts = []
        for suffix in (".txt", ".yaml"):
            path = project.documents_dir / f"{doc_id}{suffix}"
            try:
                if path.stat().st_size > max_bytes:
                    break  # load_document reports it
                parts.append(path.read_bytes())
            except OSError:
                break  # load_document reports it
        keys[doc_id] = digest(fingerprint, *parts) if len(parts) == 2 else None
        entry = cache.get("unit", keys[doc_id]) if keys[doc_id] else None
        if entry is not None:
            found[doc_id] = entry
        else:
            missing.append(doc_id)
    cache.did("documents read", len(missing))
    total = len(doc_ids)
    report(progress, "reading documents", len(found), total)
    loaded: dict[str, object] = {}
    if workers > 1 and len(missing) > 50:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            count = max(workers * 4, len(missing) // 50)
            chunks = [missing[i::count] for i in range(count)]
            results = pool.map(
                _load_documents_job, [(project, chunk, max_bytes) for chunk in chunks if chunk]
            )
            for batch in results:
                loaded.update(batch)
                report(progress, "reading documents", len(found) + len(loaded), total)
    else:
        for start in range(0, len(missing), 20):
            job = (project, missing[start : start + 20], max_bytes)
            loaded.update(_load_documents_job(job, vocabulary))
            report(progress, "reading documents", len(found) + len(loaded), total)
    for doc_id, entry in loaded.items():
        if isinstance(entry, tuple) and entry and entry[0] == "error":
            # read it again here, so that the error keeps its type, location and exit code
            load_document(project, vocabulary, doc_id, max_bytes)
            raise KGBuildError(str(entry[1]))
        if keys[doc_id]:
            cache.put("unit", keys[doc_id], entry)
        found[doc_id] = entry
    return [_unit_from_entry(found[doc_id]) for doc_id in doc_ids]


def _load_documents_job(
    args: tuple[Project, list[str], int], vocabulary: Vocabulary | None = None
) -> list[tuple[str, object]]:
    """Read documents into cache entries (in a worker process: errors come back as data)."""
    project, doc_ids, max_bytes = args
    out: list[tuple[str, object]] = []
    in_process = vocabulary is not None
    vocabulary = vocabulary or load_vocabulary(project)
    for doc_id in doc_ids:
        if in_process:
            unit = load_document(project, vocabulary, doc_id, max_bytes)
        else:
            try:
                unit = load_document(project, vocabulary, doc_id, max_bytes)
            except KGBuildError as exc:  # errors cross the process boundary as data
                out.append((doc_id, ("error", str(exc))))
                break
        nq = pyoxigraph.serialize(unit.quads, format=pyoxigraph.RdfFormat.N_QUADS)
        out.append(
            (
                doc_id,
                {
                    "graph": unit.graph,
                    "nq": nq,
                    "locations": unit.locations,
                    "references": unit.references,
                    "records": unit.records,
                    "mentions": unit.mentions,
                },
            )
        )
    return out


def _unit_from_entry(entry: dict[str, object]) -> Unit:
    quads = list(pyoxigraph.parse(entry["nq"], pyoxigraph.RdfFormat.N_QUADS))
    return Unit(
        graph=entry["graph"],
        quads=quads,
        locations=entry["locations"],
        references=entry["references"],
        records=entry["records"],
        mentions=entry["mentions"],
    )


def event_classes(ontology: list[pyoxigraph.Quad]) -> set[str]:
    """kg:Event and every class below it in the ontology."""
    children: dict[str, set[str]] = {}
    for q in ontology:
        if q.predicate.value == RDFS + "subClassOf":
            children.setdefault(q.object.value, set()).add(q.subject.value)
    out, todo = set(), [KG + "Event"]
    while todo:
        cls = todo.pop()
        if cls not in out:
            out.add(cls)
            todo.extend(children.get(cls, ()))
    return out


def default_modality(
    quads: list[pyoxigraph.Quad],
    ontology: list[pyoxigraph.Quad],
    graphs: set[str] | None = None,
) -> list[pyoxigraph.Quad]:
    """modality:actual for events no source qualifies, in each graph that types the event
    (only in ``graphs`` when given): the curated format's default."""
    events = event_classes(ontology)
    qualified = {q.subject.value for q in quads if q.predicate.value == KG + "modality"}
    out = []
    for q in quads:
        if (
            q.predicate.value == RDF + "type"
            and q.object.value in events
            and q.subject.value not in qualified
            and (graphs is None or q.graph_name.value in graphs)
        ):
            out.append(
                quad(
                    q.subject.value,
                    KG + "modality",
                    iri(VOCAB + "modality/actual"),
                    q.graph_name.value,
                )
            )
    return out


DRAFT = VOCAB + "status/draft"


def draft_sources(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> set[str]:
    """The sources whose facts were drafted by `kgbuild draft` and not yet reviewed
    (``kg:curationStatus status:draft``)."""
    return {
        t.subject.value
        for t in triples
        if t.predicate.value == KG + "curationStatus" and t.object.value == DRAFT
    }


def count(assembly: Assembly, project: Project) -> dict[str, int]:
    """The figures of the build summary, computed from the data."""
    types: dict[str, set[str]] = {}
    rdf_type = pyoxigraph.NamedNode(RDF + "type")
    typed = [q for q in assembly.quads if q.predicate == rdf_type]
    for q in typed:
        types.setdefault(q.object.value, set()).add(q.subject.value)

    def instances(*local: str) -> int:
        found: set[str] = set()
        for name in local:
            found |= types.get(KG + name, set())
        return len(found)

    ontology_quads = [
        q for q in assembly.quads if q.graph_name.value == project.graph_iri("ontology")
    ]
    event_types = event_classes(ontology_quads)
    return {
        "quads": len(assembly.quads),
        "triples": len({q.triple for q in assembly.quads}),
        "sources": len(assembly.documents),
        "events": len({s for c in event_types for s in types.get(c, set())}),
        "agents": instances(
            "Person",
            "Organisation",
            "GovernmentBody",
            "Ministry",
            "LawEnforcementAgency",
            "PoliceUnit",
            "MilitaryForce",
            "CriminalGroup",
            "NewsOutlet",
            "NGO",
            "InternationalOrganisation",
            "PersonGroup",
            "Country",
        ),
        "places": instances(
            "Place",
            "Country",
            "Territory",
            "Region",
            "Municipality",
            "Town",
            "Area",
            "Border",
            "BorderCrossing",
        ),
        "quantities": instances("ReportedQuantity"),
        "statements": instances("Statement", "Speech"),
        "positions": instances("Membership"),
        "mentions": instances("Mention"),
        "drafts": len(draft_sources(assembly.quads)),
    }
