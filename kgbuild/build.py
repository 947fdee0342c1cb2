"""`kgbuild build`: load → evidence → build graphs → validate → write, as plain stages."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from . import __version__
from .atomic import CURRENT, link_outputs, new_generation, point
from .cache import Cache, digest
from .dumps import merged_triples, write_build_outputs
from .errors import InputError, KGBuildError, Location, OutputError, ValidationFailed
from .namespaces import KG, RDF, RDFS, VOCAB
from .project import Project
from .rdf import iri, quad, sorted_quads
from .reasoning import closure_lines, entailed_lines, inferred_quads, ontology_schema
from .records import Unit, Vocabulary
from .sources import (
    DEFAULT_MAX_BYTES,
    document_ids,
    load_document,
    load_entities,
    load_vocabulary,
    turtle_quads,
)
from .store import write_store
from .validate import ValidationReport, validate_quads

NQ = pyoxigraph.RdfFormat.N_QUADS


@dataclass
class Assembly:
    """Every quad of the dataset, in order, and where each curated subject came from."""

    quads: list[pyoxigraph.Quad]
    locations: dict[str, Location]
    documents: list[str]
    records: int
    mentions: int


@dataclass
class BuildResult:
    """What a build made: counts for the summary, the validation report, the files written."""

    assembly: Assembly
    report: ValidationReport
    counts: dict[str, int]
    seconds: float
    written: list[Path] = field(default_factory=list)
    work: dict[str, int] = field(default_factory=dict)  # what the cache did not have


def assemble(
    project: Project,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: Cache | None = None,
    workers: int = 1,
) -> Assembly:
    """Load the ontology, vocabularies, entities and every document into one dataset.

    A document whose text, curated file and reading rules (context, ontology, vocabularies,
    base, kgbuild version) are unchanged is taken from ``cache``; the others are read in
    ``workers`` processes.
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
    units += _document_units(project, vocabulary, doc_ids, fingerprint, max_bytes, cache, workers)

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
    if workers > 1 and len(missing) > 50:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunks = [missing[i :: workers * 4] for i in range(workers * 4)]
            results = pool.map(
                _load_documents_job, [(project, chunk, max_bytes) for chunk in chunks if chunk]
            )
            loaded = {doc_id: entry for batch in results for doc_id, entry in batch}
    else:
        loaded = dict(_load_documents_job((project, missing, max_bytes), vocabulary))
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
    quads = list(pyoxigraph.parse(entry["nq"], pyoxigraph.RdfFormat.N_QUADS))  # type: ignore[arg-type]
    return Unit(
        graph=entry["graph"],
        quads=quads,
        locations=entry["locations"],  # type: ignore[arg-type]
        references=entry["references"],
        records=entry["records"],  # type: ignore[arg-type]
        mentions=entry["mentions"],
    )  # type: ignore[arg-type]


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


def graph_nquads(quads: list[pyoxigraph.Quad]) -> dict[str, bytes]:
    """Each named graph's N-Quads, in the order of ``quads``: the content that the reasoning
    cache and the store's changed-graph check are keyed by."""
    graphs: dict[str, list[pyoxigraph.Quad]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    return {name: pyoxigraph.serialize(members, format=NQ) for name, members in graphs.items()}


def infer(
    assembly: Assembly,
    project: Project,
    cache: Cache | None = None,
    chunks: dict[str, bytes] | None = None,
) -> list[pyoxigraph.Quad]:
    """The inferred graph that `kgbuild query --reason` adds (see reasoning.py).

    The ontology's closure and each graph's entailments are cached under the hash of what
    they were computed from, so a build after adding one document reasons about that one only.
    ``chunks``: graph_nquads(assembly.quads), if the caller has it already.
    """
    cache = cache or Cache(None)
    chunks = graph_nquads(assembly.quads) if chunks is None else chunks
    ontology_graph = project.graph_iri("ontology")
    graphs: dict[str, list[pyoxigraph.Quad]] = {}
    for q in assembly.quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    schema_key = digest("schema", chunks.get(ontology_graph, b""))
    schema = cache.get("schema", schema_key)
    if schema is None:
        schema = ontology_schema(graphs.get(ontology_graph, []))
        cache.put("schema", schema_key, schema)
    lines: set[str] = set()
    asserted: set[str] = set()
    for name, quads in graphs.items():
        if name == ontology_graph:
            continue
        asserted.update(str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in quads)
        key = digest(schema_key, chunks[name])
        found = cache.get("entailed", key)
        if found is None:
            found = entailed_lines(quads, schema)
            cache.did("graphs reasoned", 1)
            cache.put("entailed", key, found)
        lines |= found
    return inferred_quads(
        sorted((lines - asserted) | closure_lines(schema)), project.graph_iri("inferred")
    )


def count(
    assembly: Assembly, project: Project, triples: list[pyoxigraph.Triple] | None = None
) -> dict[str, int]:
    """The figures of the build summary, computed from the data (and its ``triples``, merged
    across graphs, when the caller has them already)."""
    triples = merged_triples(assembly.quads) if triples is None else triples
    types: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == RDF + "type":
            types.setdefault(t.object.value, set()).add(t.subject.value)

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
        "triples": len(triples),
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
    }


def cache_folder(out: Path) -> Path:
    return out.parent / f".{out.name}-cache"


def build(
    project: Project,
    *,
    out_dir: Path | None = None,
    write: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    use_cache: bool = True,
) -> BuildResult:
    """Build the dataset, validate it, and (if it conforms) write the dumps to ``out_dir``.

    Work whose inputs did not change since the last build into ``out_dir`` is taken from its
    cache (``.<out_dir name>-cache`` beside it): a document's graph, and the validation of
    unchanged batches.
    Raises InputError for unreadable or malformed input, ValidationFailed when the data
    violates the shapes; in both cases nothing is written and earlier outputs stay as they were.
    """
    started = time.perf_counter()
    out = out_dir or project.dist_dir
    # The cache sits beside the output folder, so that the output folder only ever holds
    # outputs, and a failed build leaves it exactly as it was.
    cache = Cache(cache_folder(out) if write and use_cache else None)
    assembly = assemble(project, max_bytes, cache, workers)
    report = validate_quads(
        assembly.quads, project, assembly.locations, cache=cache, workers=workers
    )
    triples = merged_triples(assembly.quads)  # assembly.quads is already sorted
    counts = count(assembly, project, triples)
    result = BuildResult(assembly, report, counts, 0.0)
    if not report.conforms:
        result.seconds = time.perf_counter() - started
        result.work = dict(cache.work)
        failure = ValidationFailed(
            f"the data violates the shapes: {report.violations} violation(s)\n"
            + report.text(limit=50),
            hint="fix the records named above; nothing was written",
        )
        failure.result = result  # type: ignore[attr-defined]
        raise failure
    if write:
        # Everything goes into a new generation folder; one atomic rename then switches every
        # output at once (see atomic.py): a failed or killed build changes nothing.
        try:
            generation = new_generation(out)
        except OSError as exc:
            raise OutputError(
                f"{out}: cannot create the output folder: {exc.strerror}",
                hint="choose a writable folder with --out",
            ) from None
        committed = False
        try:
            written = write_build_outputs(assembly.quads, project, generation, report, triples)
            previous = out / CURRENT if (out / CURRENT).is_dir() else None
            chunks = graph_nquads(assembly.quads)
            store, replaced = write_store(
                assembly.quads,
                triples,
                infer(assembly, project, cache, chunks),
                generation,
                chunks,
                previous,
            )
            written.append(store)
            if replaced:  # None: loaded from scratch; 0: the previous store as it was
                cache.did("store graphs replaced", replaced)
            point(out / CURRENT, generation)  # the commit
            committed = True
            link_outputs(out, generation, [path.name for path in written])
        except OSError as exc:
            raise OutputError(
                f"{out}: cannot write the outputs: {exc}",
                hint="check free space and permissions"
                + ("" if committed else "; nothing was replaced"),
            ) from None
        finally:
            if not committed:
                shutil.rmtree(generation, ignore_errors=True)
        result.written = [out / path.name for path in written]
    result.seconds = time.perf_counter() - started
    result.work = dict(cache.work)
    return result
