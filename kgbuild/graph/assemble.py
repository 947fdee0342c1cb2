"""Assemble the dataset: the ontology, vocabularies, entities and every document's graph, each
as its graph's sorted N-Quads (a *chunk*), with a small summary of each graph.

The build works on these bytes and summaries, never on every quad as a Python object: the
dumps are the chunks concatenated in graph order, the store is loaded from them, and what
crosses graphs (references, default modality, the place network, the build summary's counts)
is computed from the summaries. A document whose inputs did not change since the last build
takes its chunk and summary from that build (``previous``) or from the cache; the others are
read, in worker processes when there are many.

One module of about 540 lines: the summaries, the chunks and the default modality that one
graph's facts remove from another are made in one pass, and reading in workers returns both;
the place network is places.py.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph

from kgbuild import __version__
from kgbuild.cache import Cache, digest
from kgbuild.errors import InputError, KGBuildError, Location
from kgbuild.graph.places import PLACE_LINKS, PLACES_GRAPH, network_chunk
from kgbuild.namespaces import KG, RDF, RDFS, VOCAB
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.rdf import sorted_quads
from kgbuild.sources.files import (
    DEFAULT_MAX_BYTES,
    document_ids,
    load_document,
    load_entities,
    load_vocabulary,
    turtle_quads,
)
from kgbuild.sources.records import Unit, Vocabulary

DRAFT = VOCAB + "status/draft"

NQ = pyoxigraph.RdfFormat.N_QUADS
MODALITY_ACTUAL = VOCAB + "modality/actual"
# The figures of the build summary: the instances of these classes of the ontology and of
# every class below them (read from the ontology, so a new kind of agent or place counts).
COUNTED = {
    "agents": "Agent",
    "places": "Place",
    "quantities": "ReportedQuantity",
    "statements": "Statement",
    "positions": "Membership",
    "mentions": "Mention",
}


@dataclass
class Summary:
    """What the build needs to know about one graph without reading its quads again."""

    graph: str
    quads: int
    typed: frozenset[str]  # subjects with an rdf:type here
    types: dict[str, frozenset[str]]  # for the build summary: kg class -> subjects typed so
    events: frozenset[str]  # subjects typed here with kg:Event or a class below it
    defaulted: tuple[str, ...]  # events given modality:actual here (no kg:modality here)
    qualified: frozenset[str]  # subjects with a kg:modality of their own here
    places: tuple[str, ...]  # place links (places.PLACE_LINKS) as N-Triples lines
    draft: bool
    locations: dict[str, Location] = field(default_factory=dict)
    references: list[tuple[str, Location]] = field(default_factory=list)
    records: int = 0
    mentions: int = 0


@dataclass
class Assembly:
    """Every graph of the dataset as sorted N-Quads, in graph order, with their summaries.

    ``chunks`` are views into one buffer, ``nquads`` (bytes(chunk) for a chunk's own bytes).
    """

    chunks: dict[str, memoryview]
    summaries: dict[str, Summary]
    locations: dict[str, Location]
    documents: list[str]
    records: int
    mentions: int
    inputs: dict[str, str] = field(default_factory=dict)  # document id -> digest of inputs
    input_stats: dict[str, tuple[int, ...]] = field(default_factory=dict)  # see input_stat
    fingerprint: str = ""  # digest of what shapes how every document is read
    # each graph's summary, and the chunks that differ, as read (before another graph's
    # kg:modality removed a default): what the next build takes for unchanged documents
    raw_summaries: dict[str, Summary] = field(default_factory=dict, repr=False)
    raw_chunks: dict[str, bytes] = field(default_factory=dict, repr=False)
    # what the schema entails about the graphs read by this build (graph -> N-Triples lines)
    entailed: dict[str, set[str]] = field(default_factory=dict, repr=False)
    # graphs whose chunk is, by construction, the one the last build (``previous``) wrote
    kept: set[str] = field(default_factory=set, repr=False)
    # each figure of COUNTED: the classes whose instances it counts (from the ontology)
    counted: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _quads: list[pyoxigraph.Quad] | None = field(default=None, repr=False)
    _nquads: bytes | None = field(default=None, repr=False)

    @property
    def nquads(self) -> bytes:
        """The whole dataset as N-Quads (dataset.nq's bytes)."""
        assert self._nquads is not None
        return self._nquads

    @property
    def quads(self) -> list[pyoxigraph.Quad]:
        """Every quad as a Python object, in order: parsed on first use, for the callers
        that need objects (publish, the reference validator, tests), never by a build."""
        if self._quads is None:
            self._quads = list(pyoxigraph.parse(self.nquads, NQ))
        return self._quads


def reading_fingerprint(project: Project) -> str:
    """The digest of everything that shapes how every document is read: the context, the
    ontology, the vocabularies, the base IRI and the kgbuild version."""
    return digest(
        project.context_file.read_bytes(),
        project.ontology_file.read_bytes(),
        project.vocabularies_file.read_bytes(),
        project.base,
        __version__,
    )


def ontology_chunk(project: Project) -> bytes:
    """The ontology's graph as its chunk (sorted N-Quads), as assemble makes it."""
    quads = turtle_quads(project.ontology_file, project.graph_iri("ontology"))
    return pyoxigraph.serialize(sorted_quads(quads), format=NQ)


def graph_order(name: str) -> str:
    """The sort key of a graph: its N-Quads term, as sorted_quads (rdf.py) orders graphs."""
    return f"<{name}>"


def assemble(
    project: Project,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: Cache | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    previous: Any | None = None,
    schema: Any | None = None,
) -> Assembly:
    """Load the ontology, vocabularies, entities and every document into one dataset.

    A document whose text, curated file and reading rules (context, ontology, vocabularies,
    base, kgbuild version) are unchanged is taken from ``previous`` (incremental.state.BuildState of
    the last build: its chunk and summary) or from ``cache``; the others are read in
    ``workers`` processes, which also entail what ``schema`` (graph.reasoning.Schema) entails
    about each (Assembly.entailed). ``progress`` hears how many documents are done.
    """
    cache = cache or Cache(None)
    vocabulary = load_vocabulary(project)
    ontology = turtle_quads(project.ontology_file, project.graph_iri("ontology"))
    vocabularies = turtle_quads(project.vocabularies_file, project.graph_iri("vocabularies"))
    events = event_classes(ontology)
    fingerprint = reading_fingerprint(project)
    doc_ids = document_ids(project)
    if not doc_ids:
        raise InputError(
            project.documents_dir,
            "no documents (*.txt) found",
            hint="add a document's text and its curated .yaml file",
        )
    known = set(doc_ids)
    for orphan in sorted(project.documents_dir.glob("*.yaml")):
        if orphan.stem not in known:
            raise InputError(
                orphan,
                "curated file without its document text",
                hint=f"add {orphan.stem}.txt or remove the file",
            )
    entries: list[tuple[bytes, Summary]] = [
        unit_chunk(Unit(graph=project.graph_iri("ontology"), quads=ontology), events),
        unit_chunk(Unit(graph=project.graph_iri("vocabularies"), quads=vocabularies), events),
        unit_chunk(load_entities(project, vocabulary), events),
    ]
    entailed: dict[str, set[str]] = {}
    previous_hits: set[str] = set()
    stats: dict[str, tuple[int, ...]] = {}
    inputs, documents = _document_entries(
        project,
        vocabulary,
        doc_ids,
        fingerprint,
        max_bytes,
        cache,
        workers,
        progress,
        previous,
        schema,
        entailed,
        previous_hits,
        stats,
    )
    entries += documents
    summaries = [summary for _, summary in entries]
    locations: dict[str, Location] = {}
    for summary in summaries[2:]:  # entities first, then the documents in id order
        for subject, where in summary.locations.items():
            locations.setdefault(subject, where)
    typed = set().union(*(s.typed for s in summaries))
    for summary in summaries:
        for target, where in summary.references:
            if target not in typed:
                raise InputError(
                    where,
                    f"refers to {target.removeprefix(project.base)}, which no record defines",
                    hint="fix the id, or add the entity to data/entities.yaml "
                    "(or the event to a document's facts) with a type",
                )
    chunks = {s.graph: chunk for chunk, s in entries}
    raw = {s.graph: s for s in summaries}
    # modality:actual is the default only for events that no source qualifies
    qualified = set().union(*(s.qualified for s in summaries))
    fixed: dict[str, bytes] = {}
    for index, summary in enumerate(summaries):
        wrong = qualified.intersection(summary.defaulted)
        if wrong:
            fixed[summary.graph] = bytes(chunks[summary.graph])
            chunks[summary.graph], summaries[index] = _without_default(
                chunks[summary.graph], summary, wrong
            )
    places = place_network_chunk(summaries, project)
    chunks[places[1].graph] = places[0]
    summaries.append(places[1])
    order = sorted((name for name, chunk in chunks.items() if chunk), key=graph_order)
    by_graph = {s.graph: s for s in summaries}
    # one buffer for the whole dataset; each graph's chunk is a view into it (no copy)
    joined = b"".join(chunks[name] for name in order)
    view = memoryview(joined)
    spans: dict[str, memoryview] = {}
    at = 0
    for name in order:
        spans[name] = view[at : at + len(chunks[name])]
        at += len(chunks[name])
    del chunks
    kept = (
        {
            previous.doc_graphs[doc_id]
            for doc_id in previous_hits
            if previous.doc_graphs[doc_id] not in fixed
            and previous.doc_graphs[doc_id] not in previous.raw_chunks
        }
        if previous is not None
        else set()
    )
    return Assembly(
        chunks=spans,
        _nquads=joined,
        kept=kept,
        summaries={name: by_graph[name] for name in order},
        locations=locations,
        documents=doc_ids,
        records=sum(s.records for s in summaries),
        mentions=sum(s.mentions for s in summaries),
        inputs=inputs,
        input_stats=stats,
        fingerprint=fingerprint,
        raw_summaries=raw,
        raw_chunks=fixed,
        entailed={g: lines for g, lines in entailed.items() if g not in fixed},
        counted={name: frozenset(below(ontology, KG + root)) for name, root in COUNTED.items()},
    )


def _without_default(
    chunk: bytes | memoryview, summary: Summary, events: set[str]
) -> tuple[bytes, Summary]:
    """``chunk`` without the default modality of ``events`` (another graph qualifies them),
    and its summary to match. Removing lines keeps the order."""
    graph = pyoxigraph.NamedNode(summary.graph)
    drop = {f"{_default_quad(event, graph)} .\n".encode() for event in events}
    kept = [line for line in bytes(chunk).splitlines(keepends=True) if line not in drop]
    return b"".join(kept), dataclasses.replace(
        summary,
        quads=len(kept),
        defaulted=tuple(e for e in summary.defaulted if e not in events),
    )


def _default_quad(event: str, graph: pyoxigraph.NamedNode) -> pyoxigraph.Quad:
    return pyoxigraph.Quad(
        pyoxigraph.NamedNode(event),
        pyoxigraph.NamedNode(KG + "modality"),
        pyoxigraph.NamedNode(MODALITY_ACTUAL),
        graph,
    )


def unit_chunk(unit: Unit, events: set[str]) -> tuple[bytes, Summary]:
    """A unit's chunk (its quads, plus modality:actual for its events that it does not
    qualify, sorted) and its summary."""
    graph = pyoxigraph.NamedNode(unit.graph)
    typed: set[str] = set()
    types: dict[str, set[str]] = {}
    local_events: set[str] = set()
    qualified: set[str] = set()
    places: set[str] = set()
    draft = False
    for q in unit.quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        if p == RDF + "type":
            typed.add(s)
            if o.value.startswith(KG):
                types.setdefault(o.value, set()).add(s)
            if o.value in events:
                local_events.add(s)
        elif p == KG + "modality":
            qualified.add(s)
        elif p in PLACE_LINKS:
            places.add(str(pyoxigraph.Triple(q.subject, q.predicate, o)))
        elif p == KG + "curationStatus" and o.value == DRAFT:
            draft = True
    defaulted = sorted(local_events - qualified)
    quads = sorted_quads([*unit.quads, *(_default_quad(e, graph) for e in defaulted)])
    summary = Summary(
        graph=unit.graph,
        quads=len(quads),
        typed=frozenset(typed),
        types={c: frozenset(v) for c, v in sorted(types.items())},
        events=frozenset(local_events),
        defaulted=tuple(defaulted),
        qualified=frozenset(qualified),
        places=tuple(sorted(places)),
        draft=draft,
        locations=unit.locations,
        references=unit.references,
        records=unit.records,
        mentions=unit.mentions,
    )
    return pyoxigraph.serialize(quads, format=NQ), summary


def place_network_chunk(summaries: Iterable[Summary], project: Project) -> tuple[bytes, Summary]:
    """The places graph as a chunk (sorted N-Quads) and its summary, from the place links
    the other graphs' summaries list: no quad is read again."""
    name = project.graph_iri(PLACES_GRAPH)
    lines = set().union(*(s.places for s in summaries if s.graph != name))
    chunk = network_chunk(lines, name)
    summary = Summary(
        graph=name,
        quads=len(lines),
        typed=frozenset(),
        types={},
        events=frozenset(),
        defaulted=(),
        qualified=frozenset(),
        places=(),
        draft=False,
    )
    return chunk, summary


def input_stat(project: Project, doc_id: str) -> tuple[int, ...]:
    """What git compares to call a file unchanged without reading it, for a document's two
    files: size, modification and change times (ns), inode and device; () if one is missing.
    An edit that keeps the size and has its modification time put back (``touch -r``) still
    changes the change time."""
    folder = str(project.documents_dir)
    out: list[int] = []
    for suffix in (".txt", ".yaml"):
        try:
            st = os.stat(os.path.join(folder, doc_id + suffix))
        except OSError:
            return ()
        out += [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
    return tuple(out)


def input_digest(project: Project, doc_id: str, fingerprint: str, max_bytes: int) -> str | None:
    """The digest of a document's inputs (its id, its text, its curated file, the reading
    rules); None when a file is missing or too large (reading it reports why)."""
    parts = []
    folder = str(project.documents_dir)
    for suffix in (".txt", ".yaml"):
        try:
            with open(os.path.join(folder, doc_id + suffix), "rb") as handle:
                if os.fstat(handle.fileno()).st_size > max_bytes:
                    return None
                parts.append(handle.read())
        except OSError:
            return None
    return digest(fingerprint, doc_id, *parts)  # the id names the graph: a copy is another


def _document_entries(
    project: Project,
    vocabulary: Vocabulary,
    doc_ids: list[str],
    fingerprint: str,
    max_bytes: int,
    cache: Cache,
    workers: int,
    progress: ProgressCallback | None = None,
    previous: Any | None = None,
    schema: Any | None = None,
    entailed: dict[str, set[str]] | None = None,
    previous_hits: set[str] | None = None,
    input_stats: dict[str, tuple[int, ...]] | None = None,
) -> tuple[dict[str, str], list[tuple[bytes, Summary]]]:
    """Every document's chunk and summary: from the last build or the cache where its inputs
    are unchanged, else read (and, with a ``schema``, its entailments put in ``entailed``)."""
    entailed = {} if entailed is None else entailed
    input_stats = {} if input_stats is None else input_stats
    keys: dict[str, str | None] = {}
    found: dict[str, tuple[bytes, Summary]] = {}
    missing = []
    stats: dict[str, tuple[int, ...]] = {}
    for doc_id in doc_ids:
        stats[doc_id] = input_stat(project, doc_id)
        key = previous.unchanged_input(doc_id, stats[doc_id]) if previous is not None else None
        key = keys[doc_id] = key or input_digest(project, doc_id, fingerprint, max_bytes)
        entry = previous.document(doc_id, key) if previous is not None and key else None
        if entry is not None and previous_hits is not None:
            previous_hits.add(doc_id)
        if entry is None and key:
            entry = cache.get("unit", key, (Summary, Location), _is_unit)
        if entry is not None:
            found[doc_id] = entry
        else:
            missing.append(doc_id)
    cache.did("documents read", len(missing))
    total = len(doc_ids)
    report(progress, "reading documents", len(found), total)
    loaded: dict[str, Any] = {}
    if workers > 1 and len(missing) > 50:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            count = max(workers * 4, len(missing) // 50)
            batches = [missing[i::count] for i in range(count)]
            results = pool.map(
                _load_documents_job,
                [(project, batch, max_bytes, schema) for batch in batches if batch],
            )
            for batch in results:
                loaded.update(batch)
                report(progress, "reading documents", len(found) + len(loaded), total)
    else:
        for start in range(0, len(missing), 20):
            job = (project, missing[start : start + 20], max_bytes, schema)
            loaded.update(_load_documents_job(job, vocabulary))
            report(progress, "reading documents", len(found) + len(loaded), total)
    for doc_id in missing:  # in the documents' order: the first bad one is reported
        if isinstance(loaded.get(doc_id), KGBuildError):
            raise loaded[doc_id]  # the worker's error itself: its type, location, exit code
    for doc_id, entry in loaded.items():
        chunk, summary, lines = entry
        if keys[doc_id]:
            cache.put("unit", keys[doc_id], (chunk, summary))
        if lines is not None:
            entailed[summary.graph] = lines
        found[doc_id] = (chunk, summary)
    input_stats.update(stats)
    return {d: k for d, k in keys.items() if k}, [found[doc_id] for doc_id in doc_ids]


def _is_unit(value: object) -> bool:
    """A document's cache entry: its chunk and summary."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], bytes)
        and isinstance(value[1], Summary)
    )


def _load_documents_job(
    args: tuple[Project, list[str], int, Any], vocabulary: Vocabulary | None = None
) -> list[tuple[str, object]]:
    """Read documents into (chunk, summary, entailed lines) entries (in a worker process, a
    document's error comes back as its entry: KGBuildError pickles whole); ``schema``
    (args[3]): the ontology's closure, or None to entail nothing."""
    from kgbuild.graph.reasoning import graph_lines

    project, doc_ids, max_bytes, schema = args
    out: list[tuple[str, object]] = []
    in_process = vocabulary is not None
    vocabulary = vocabulary or load_vocabulary(project)
    events = event_classes(turtle_quads(project.ontology_file, project.graph_iri("ontology")))
    for doc_id in doc_ids:
        if in_process:
            unit = load_document(project, vocabulary, doc_id, max_bytes)
        else:
            try:
                unit = load_document(project, vocabulary, doc_id, max_bytes)
            except KGBuildError as exc:  # crosses the process boundary as it is
                out.append((doc_id, exc))
                break
        chunk, summary = unit_chunk(unit, events)
        entailed = None
        if schema is not None:
            entailed = graph_lines(pyoxigraph.parse(chunk, NQ), schema)
        out.append((doc_id, (chunk, summary, entailed)))
    return out


def event_classes(ontology: list[pyoxigraph.Quad]) -> set[str]:
    """kg:Event and every class below it in the ontology."""
    return below(ontology, KG + "Event")


def below(ontology: list[pyoxigraph.Quad], root: str) -> set[str]:
    """``root`` and every class below it (rdfs:subClassOf) in the ontology."""
    children: dict[str, set[str]] = {}
    for q in ontology:
        if q.predicate.value == RDFS + "subClassOf":
            children.setdefault(q.object.value, set()).add(q.subject.value)
    out, todo = set(), [root]
    while todo:
        cls = todo.pop()
        if cls not in out:
            out.add(cls)
            todo.extend(children.get(cls, ()))
    return out


def draft_sources(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> set[str]:
    """The sources whose facts were drafted by `kgbuild draft` and not yet reviewed
    (``kg:curationStatus status:draft``)."""
    return {
        t.subject.value
        for t in triples
        if t.predicate.value == KG + "curationStatus" and t.object.value == DRAFT
    }


def count(assembly: Assembly, triples: int) -> dict[str, int]:
    """The figures of the build summary, from the graphs' summaries (``triples``: how many
    distinct triples the graphs hold together, which the store knows)."""
    types: dict[str, set[str]] = {}
    for summary in assembly.summaries.values():
        for cls, subjects in summary.types.items():
            types.setdefault(cls, set()).update(subjects)

    def instances(classes: frozenset[str]) -> int:
        found: set[str] = set()
        for name in classes:
            found |= types.get(name, set())
        return len(found)

    figures = {
        "quads": sum(s.quads for s in assembly.summaries.values()),
        "triples": triples,
        "sources": len(assembly.documents),
        "events": len(set().union(*(s.events for s in assembly.summaries.values()))),
    }
    figures.update({name: instances(classes) for name, classes in assembly.counted.items()})
    figures["drafts"] = sum(1 for s in assembly.summaries.values() if s.draft)
    return figures
